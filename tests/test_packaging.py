"""Installed, llmaccel is one namespace: the user's folders sim/, rtl/, mapping/,
workloads/, reports/ become llmaccel.sim ... (llmaccel/<folder> is a relative symlink to each)
and nothing installs at top level (issue 13).

The wheel is built from this checkout and its file list inspected, so the check holds for
what ``pip install .`` would put into site-packages, not only for the editable install.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FOLDERS = ("sim", "rtl", "mapping", "workloads", "reports")
#: what the wheel build never needs from the checkout
SKIP = (".git", ".venv", "build", "*.egg-info", "__pycache__", ".pytest_cache", ".hypothesis", "runs", ".benchmarks")


@pytest.fixture(scope="module")
def wheel_names(tmp_path_factory) -> list[str]:
    out = tmp_path_factory.mktemp("wheel")
    # build from a copy: setuptools writes build/ and *.egg-info/ into the source tree
    src = out / "src"
    shutil.copytree(ROOT, src, symlinks=True, ignore=shutil.ignore_patterns(*SKIP))
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(src)],
        check=True,
        capture_output=True,
        cwd=out,
    )
    (whl,) = out.glob("llmaccel-*.whl")
    with zipfile.ZipFile(whl) as z:
        return z.namelist()


def test_wheel_has_no_top_level_package_but_llmaccel(wheel_names):
    tops = {n.split("/")[0] for n in wheel_names if not n.split("/")[0].endswith((".dist-info", ".data"))}
    assert tops == {"llmaccel"}


def test_every_source_file_of_the_folders_is_in_the_wheel(wheel_names):
    names = set(wheel_names)
    for folder in FOLDERS:
        for path in (ROOT / folder).rglob("*"):
            if path.suffix in (".py", ".yaml") and "__pycache__" not in path.parts:
                assert f"llmaccel/{path.relative_to(ROOT).as_posix()}" in names, path


def test_namespace_imports_from_outside_the_checkout(tmp_path):
    code = (
        "import importlib.util as u, llmaccel.sim.designs, llmaccel.rtl.registry, llmaccel.reports.tables;"
        "print(sorted(n for n in ('sim','rtl','mapping','workloads','reports') if u.find_spec(n)))"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
