"""No import cycles between files (issue 13 §7), checked on the source (AST) over every package.

A file's imports are every ``import`` / ``from ... import`` anywhere in it (inside functions
too), resolved to project files; a ``from pkg import name`` counts as importing the submodule
``pkg.name`` when that is a file, else the package ``pkg`` itself.  Imports under
``if TYPE_CHECKING:`` are left out: they never execute, they only name types.  A cycle is a
strongly connected set of two or more files (or a file importing itself).
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: folders holding project source; the layers install as ``llmaccel.<folder>``
PACKAGES = ("workloads", "mapping", "sim", "reports", "rtl", "llmaccel")
LAYERS = PACKAGES[:-1]


def source_files(root: Path) -> dict[str, Path]:
    """Installed dotted module name -> file, for every ``.py`` under the package folders
    (``llmaccel/<layer>`` symlinks are skipped: they are the same files)."""
    out: dict[str, Path] = {}
    for pkg in PACKAGES:
        base = root / pkg
        if not base.is_dir():
            continue
        for path in sorted(base.rglob("*.py")):
            rel = path.relative_to(root)
            if rel.parts[0] == "llmaccel" and len(rel.parts) > 1 and rel.parts[1] in LAYERS:
                continue
            parts = list(rel.with_suffix("").parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            if parts[0] in LAYERS:
                parts = ["llmaccel", *parts]
            out[".".join(parts)] = path
    return out


def _is_type_checking(node: ast.If) -> bool:
    t = node.test
    return (isinstance(t, ast.Name) and t.id == "TYPE_CHECKING") or (
        isinstance(t, ast.Attribute) and t.attr == "TYPE_CHECKING"
    )


def _runtime_nodes(tree: ast.AST):
    """Every node except the bodies of ``if TYPE_CHECKING:`` blocks."""
    stack = [tree]
    while stack:
        node = stack.pop()
        yield node
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _is_type_checking(child):
                stack.extend(child.orelse)
                continue
            stack.append(child)


def file_imports(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """Project modules (keys of ``modules``) that file ``name`` imports at run time."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    here = name.split(".")
    base_pkg = here if path.name == "__init__.py" else here[:-1]
    found: set[str] = set()

    def add(mod: str, names: list[str]) -> None:
        for n in names:
            if f"{mod}.{n}" in modules:
                found.add(f"{mod}.{n}")
            elif mod in modules:
                found.add(mod)
        if not names and mod in modules:
            found.add(mod)

    for node in _runtime_nodes(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                if a.name in modules:
                    found.add(a.name)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = base_pkg[: len(base_pkg) - (node.level - 1)]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            add(mod, [a.name for a in node.names])
    found.discard(name)
    return found


def import_graph(root: Path) -> dict[str, set[str]]:
    modules = source_files(root)
    return {name: file_imports(name, path, modules) for name, path in modules.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one file (Tarjan, iterative), sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    out: list[list[str]] = []
    counter = 0
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, it = work[-1]
            advanced = False
            for nxt in it:
                if nxt not in graph:
                    continue
                if nxt not in index:
                    index[nxt] = low[nxt] = counter
                    counter += 1
                    stack.append(nxt)
                    on_stack.add(nxt)
                    work.append((nxt, iter(sorted(graph[nxt]))))
                    advanced = True
                    break
                if nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
            if advanced:
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                comp = []
                while True:
                    w = stack.pop()
                    on_stack.discard(w)
                    comp.append(w)
                    if w == node:
                        break
                if len(comp) > 1:
                    out.append(sorted(comp))
    return sorted(out)


def test_no_import_cycles():
    found = cycles(import_graph(ROOT))
    assert found == [], "import cycles between files:\n" + "\n".join(" <-> ".join(c) for c in found)


def test_checker_finds_a_cycle_and_ignores_type_only_imports(tmp_path):
    pkg = tmp_path / "sim"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text("def f():\n    from llmaccel.sim import b\n")
    (pkg / "b.py").write_text("from .c import x\n")
    (pkg / "c.py").write_text("from . import a\nx = 1\n")
    (pkg / "d.py").write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .e import y\n")
    (pkg / "e.py").write_text("from .d import z\n")
    graph = import_graph(tmp_path)
    assert graph["llmaccel.sim.a"] == {"llmaccel.sim.b"}
    assert graph["llmaccel.sim.c"] == {"llmaccel.sim.a"}
    assert graph["llmaccel.sim.d"] == set()
    assert cycles(graph) == [["llmaccel.sim.a", "llmaccel.sim.b", "llmaccel.sim.c"]]
