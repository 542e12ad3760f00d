"""The import rules of docs/architecture.md, checked on the source (AST, so imports inside functions count).

Installed, the folders are ``llmaccel.workloads``, ``llmaccel.mapping``, ``llmaccel.sim``,
``llmaccel.reports`` and ``llmaccel.rtl``; below they go by their folder names.

workloads -> mapping -> sim -> reports; rtl beside; llmaccel on top:

* ``workloads`` imports none of the other packages;
* ``mapping`` imports ``workloads`` and, for hardware parameters, ``sim.preset`` / ``sim.params`` /
  the hardware layer ``sim.hardware.*``;
* ``sim`` imports ``workloads`` and ``mapping`` (never ``reports``, ``rtl`` or ``llmaccel``);
* ``reports`` imports ``sim``, ``mapping``, ``workloads`` (it never simulates: reproduction is ``llmaccel.reproduce``);
* ``rtl``: the "rtl rule" of docs/architecture.md (stated there only); ``ALLOWED["rtl"]`` is it;
* ``llmaccel`` may import anything.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("workloads", "mapping", "sim", "reports", "rtl", "llmaccel")
#: the repository's top-level folders that install as ``llmaccel.<folder>``
LAYERS = PACKAGES[:-1]

#: package -> predicate on an imported project module name (dotted) that says it is allowed.
ALLOWED = {
    "workloads": lambda m: m.split(".")[0] == "workloads",
    "mapping": lambda m: (
        m.split(".")[0] in ("workloads", "mapping")
        or m in ("sim.preset", "sim.params", "sim.hardware")
        or m.startswith("sim.hardware.")
    ),
    "sim": lambda m: m.split(".")[0] in ("workloads", "mapping", "sim"),
    "reports": lambda m: m.split(".")[0] in ("workloads", "mapping", "sim", "reports"),
    "rtl": lambda m: (
        m.split(".")[0] in ("rtl", "sim")
        or m == "workloads.errors"
        or m == "workloads.quant"
        or m.startswith("workloads.quant.")
    ),
    "llmaccel": lambda m: True,
}


def _module_name(path: Path) -> str:
    """Installed dotted name of a source file: ``sim/dram/x.py`` -> ``llmaccel.sim.dram.x``."""
    rel = path.relative_to(ROOT).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    if parts[0] in LAYERS:
        parts = ["llmaccel", *parts]
    return ".".join(parts)


def layer_module(mod: str) -> str | None:
    """``llmaccel.sim.preset`` -> ``sim.preset``; ``llmaccel.cli`` stays; other packages -> None."""
    parts = mod.split(".")
    if parts[0] != "llmaccel":
        return None
    if len(parts) > 1 and parts[1] in LAYERS:
        return ".".join(parts[1:])
    return mod


def project_imports(path: Path) -> list[tuple[int, str]]:
    """(line, dotted module) of every import of a project package in ``path``, relative imports resolved."""
    tree = ast.parse(path.read_text(), filename=str(path))
    here = _module_name(path).split(".")
    is_pkg = path.name == "__init__.py"
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = here if is_pkg else here[:-1]
                base = base[: len(base) - (node.level - 1)]
                mod = ".".join(base + ([node.module] if node.module else []))
                # "from . import x" may import submodule x
                names = [mod] if node.module else [f"{mod}.{a.name}" for a in node.names]
            elif node.module == "llmaccel":  # "from llmaccel import sim" imports a subpackage
                names = [f"llmaccel.{a.name}" for a in node.names]
            else:
                names = [node.module or ""]
        else:
            continue
        for n in names:
            m = layer_module(n)
            if m is not None:
                found.append((node.lineno, m))
    return found


def _violations(pkg: str) -> list[str]:
    out = []
    for path in sorted((ROOT / pkg).rglob("*.py")):
        for line, mod in project_imports(path):
            if not ALLOWED[pkg](mod):
                out.append(f"{path.relative_to(ROOT)}:{line} imports {mod}")
    return out


@pytest.mark.parametrize("pkg", [p for p in PACKAGES if p != "llmaccel"])
def test_import_rules(pkg):
    bad = _violations(pkg)
    assert not bad, f"{pkg} breaks the import rules of docs/architecture.md:\n" + "\n".join(bad)


def test_checker_sees_violations(tmp_path):
    """The checker itself: a forbidden import inside a function, and a relative one, are found."""
    pkg = tmp_path / "sim" / "toy"
    pkg.mkdir(parents=True)
    (tmp_path / "sim" / "__init__.py").write_text("")
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text(
        "def f():\n    from llmaccel.reports import plots\n    import llmaccel.cli\n    import numpy\n"
    )
    (pkg / "b.py").write_text("from ..preset import load_preset\nfrom . import a\n")
    global ROOT
    saved = ROOT
    ROOT = tmp_path
    try:
        assert project_imports(pkg / "a.py") == [(2, "reports"), (3, "llmaccel.cli")]
        assert project_imports(pkg / "b.py") == [(1, "sim.preset"), (2, "sim.toy.a")]
        assert _violations("sim") == ["sim/toy/a.py:2 imports reports", "sim/toy/a.py:3 imports llmaccel.cli"]
    finally:
        ROOT = saved
