"""The one error type for bad user input.

Every layer raises :class:`InputError` for input a user can fix (unknown preset,
bad field, non-positive size, tile that cannot fit, malformed trace or YAML).  The
CLI turns it into one line on stderr and exit status 2, never a traceback.
It lives in ``workloads`` because that package sits at the root of the import
graph: every other package may import it.
"""

from __future__ import annotations


class InputError(ValueError):
    """Bad user input.

    Args:
        field: dotted name of the offending field (``"array.rows"``, ``"--batch"``,
            ``"trace line 12: ops[3].m"``).
        problem: what is wrong and what is allowed, e.g. ``"must be a positive
            integer, got 0"``.
    """

    def __init__(self, field: str, problem: str) -> None:
        self.field = field
        self.problem = problem
        super().__init__(f"{field}: {problem}")


def require_positive_int(field: str, value: object) -> int:
    """Return ``value`` as int if it is an integer > 0, else raise InputError."""
    if (
        isinstance(value, bool)
        or not isinstance(value, (int,))
        and not (isinstance(value, float) and value.is_integer())
    ):
        raise InputError(field, f"must be a positive integer, got {value!r}")
    iv = int(value)
    if iv <= 0:
        raise InputError(field, f"must be a positive integer, got {iv}")
    return iv


def require_choice(field: str, value: object, allowed: list[str] | tuple[str, ...]) -> str:
    """Return ``value`` if it is one of ``allowed``, else raise InputError listing them."""
    if value not in allowed:
        raise InputError(field, f"unknown value {value!r}; allowed: {', '.join(sorted(map(str, allowed)))}")
    return str(value)
