"""Optional parts of the install (pyproject's extras) and the one-line error when one is missing.

The core install simulates and reports.  ``[rtl]`` adds the Amaranth/cocotb RTL flow
(``llmaccel verify``), ``[dse]`` adds Dask and pymoo (``llmaccel sweep`` with NSGA-II or
``--scheduler``), ``[dev]`` is everything plus the test and lint tools.  Commands call
:func:`require_extra` before their first import of an optional module, so a user sees
``llmaccel: error: verify: needs the [rtl] extra: pip install 'llmaccel[rtl]'`` (exit 2)
instead of a traceback.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Sequence

from llmaccel.workloads.errors import InputError

#: extra -> the top-level modules it provides (what is probed before a command uses it)
EXTRA_MODULES: dict[str, tuple[str, ...]] = {
    "rtl": ("amaranth", "cocotb"),
    "dse": ("distributed", "pymoo"),
}


def module_available(name: str) -> bool:
    """True if ``name`` can be imported (without importing it; a ``None`` entry in sys.modules counts as absent)."""
    if name in sys.modules:
        return sys.modules[name] is not None
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


def has_extra(extra: str, modules: Sequence[str] | None = None) -> bool:
    """True if every module of ``extra`` (or just ``modules`` of it) is importable."""
    return all(module_available(m) for m in (modules or EXTRA_MODULES[extra]))


def missing_extra_message(extra: str) -> str:
    """``needs the [rtl] extra: pip install 'llmaccel[rtl]'``."""
    return f"needs the [{extra}] extra: pip install 'llmaccel[{extra}]'"


def require_extra(field: str, extra: str, modules: Sequence[str] | None = None, what: str = "") -> None:
    """Raise :class:`InputError` ``<field>: <what> needs the [extra] extra: pip install ...`` if it is missing.

    Args:
        field: the command or flag that needs it (``"verify"``, ``"--scheduler"``).
        extra: key of :data:`EXTRA_MODULES`.
        modules: the modules of the extra actually needed (default: all of them).
        what: optional words before "needs", e.g. ``"search method nsga2"``.
    """
    if not has_extra(extra, modules):
        raise InputError(field, (f"{what} " if what else "") + missing_extra_message(extra))
