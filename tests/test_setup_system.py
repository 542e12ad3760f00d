"""scripts/setup-system.sh: installs missing system tools with apt, or stops with one message.

Each case runs the real script with a PATH made of links to this machine's tools minus the ones
a case hides, plus stand-ins for ``id``, ``apt-get`` and ``sudo`` that record what they were
asked to do; nothing is installed on the machine.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "setup-system.sh"
HIDDEN_ALWAYS = {"id", "apt-get", "apt-cache", "sudo"}
#: the system tools the script looks for (the test scope)
TOOLS = {"iverilog", "g++", "make", "perl", "ccache", "chromium"}


def fake_path(tmp: Path, hide: set[str]) -> Path:
    """A folder linking every executable on PATH except ``hide`` and :data:`HIDDEN_ALWAYS`, with a
    stand-in for each of :data:`TOOLS` this machine lacks and the case does not hide."""
    d = tmp / "bin"
    d.mkdir()
    for folder in os.environ["PATH"].split(os.pathsep):
        if not os.path.isdir(folder):
            continue
        for name in os.listdir(folder):
            src = os.path.join(folder, name)
            if name in hide or name in HIDDEN_ALWAYS or (d / name).exists() or not os.access(src, os.X_OK):
                continue
            if os.path.isfile(src):
                (d / name).symlink_to(src)
    for name in TOOLS - hide:  # the checks only look the tools up: stand-ins keep the cases machine-independent
        if not (d / name).exists():
            stub(d, name, "exit 0\n")
    return d


def stub(d: Path, name: str, body: str) -> None:
    p = d / name
    p.write_text("#!/bin/sh\n" + body)
    p.chmod(0o755)


def apt_stub(d: Path, log: Path, provides: list[str]) -> None:
    """apt-get that logs its arguments and, on ``install``, puts ``provides`` on PATH."""
    make = "".join(f"printf '#!/bin/sh\\n' > {d}/{n}; chmod +x {d}/{n}\n" for n in provides)
    stub(d, "apt-get", f'echo "apt-get $*" >> {log}\ncase "$1" in install) {make};; esac\n')


def run(d: Path, scope: str = "test") -> subprocess.CompletedProcess:
    env = {"PATH": str(d), "HOME": os.environ.get("HOME", "/tmp"), "PYTHON": sys.executable}
    bash = shutil.which("bash")
    return subprocess.run([bash, str(SCRIPT), scope], env=env, capture_output=True, text=True, timeout=120)


def test_nothing_missing_installs_nothing(tmp_path):
    d = fake_path(tmp_path, set())
    stub(d, "id", "echo 1000\n")
    apt_stub(d, tmp_path / "apt.log", [])
    r = run(d)
    assert r.returncode == 0, r.stderr
    assert r.stderr == "" and not (tmp_path / "apt.log").exists()


def test_without_root_or_sudo_it_stops_with_one_message_and_the_command(tmp_path):
    d = fake_path(tmp_path, {"iverilog", "chromium", "chromium-browser"})
    stub(d, "id", "echo 1000\n")
    apt_stub(d, tmp_path / "apt.log", ["iverilog", "chromium"])
    r = run(d)
    assert r.returncode == 1
    assert not (tmp_path / "apt.log").exists()  # tried nothing
    lines = r.stderr.splitlines()
    assert lines[0] == (
        "setup-system: missing: Icarus Verilog (iverilog), Chromium (chromium); "
        "cannot install them (not root and sudo cannot run without a password)."
    )
    assert lines[1] == "  Install them with:  sudo apt-get install -y --no-install-recommends iverilog chromium"
    assert "No test was run" in lines[2] and len(lines) == 3


def test_as_root_it_installs_the_missing_packages_with_apt(tmp_path):
    d = fake_path(tmp_path, {"iverilog", "ccache"})
    stub(d, "id", "echo 0\n")
    apt_stub(d, tmp_path / "apt.log", ["iverilog", "ccache"])
    r = run(d)
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "apt.log").read_text().splitlines() == [
        "apt-get update -q",
        "apt-get install -y -q --no-install-recommends iverilog ccache",
    ]


def test_not_root_it_uses_sudo_without_a_prompt(tmp_path):
    d = fake_path(tmp_path, {"perl", "g++"})
    stub(d, "id", "echo 1000\n")
    log = tmp_path / "apt.log"
    stub(d, "sudo", f'[ "$1" = -n ] || exit 9\nshift\necho "sudo -n $*" >> {log}\nexec "$@"\n')
    apt_stub(d, tmp_path / "apt.log", ["perl", "g++"])
    r = run(d)
    assert r.returncode == 0, r.stderr
    calls = log.read_text().splitlines()
    assert calls[0] == "sudo -n true"  # the probe
    assert "sudo -n apt-get install -y -q --no-install-recommends g++ perl" in calls


def test_an_install_that_does_not_provide_the_tool_is_reported(tmp_path):
    d = fake_path(tmp_path, {"iverilog"})
    stub(d, "id", "echo 0\n")
    apt_stub(d, tmp_path / "apt.log", [])  # "installs" but nothing appears
    r = run(d)
    assert r.returncode == 1
    assert "missing: Icarus Verilog (iverilog)" in r.stderr and "still missing after apt-get install" in r.stderr


def test_core_scope_needs_no_rtl_tools_or_browser(tmp_path):
    d = fake_path(tmp_path, {"iverilog", "chromium", "chromium-browser", "g++", "ccache"})
    stub(d, "id", "echo 1000\n")
    r = run(d, "core")
    assert r.returncode == 0, r.stderr


def test_no_apt_names_the_packages_for_debian(tmp_path):
    d = fake_path(tmp_path, {"ccache"})
    stub(d, "id", "echo 1000\n")
    r = run(d)
    assert r.returncode == 1
    assert "(no apt-get on this machine)" in r.stderr
    assert "on Debian/Ubuntu: sudo apt-get install -y --no-install-recommends ccache" in r.stderr


def _readme_commands() -> dict[str, str]:
    """``make <target>  # what it does`` lines of the README's first code block."""
    text = (ROOT / "README.md").read_text()
    block = re.search(r"```sh\n(.*?)```", text, re.S).group(1)
    return dict(re.findall(r"^make (\w+)\s+#\s*(.*)$", block, re.M))


def _recipe(target: str) -> list[str]:
    """Commands ``make -n`` would run for ``target`` once the venv is installed (stamp made fresh)."""
    out = subprocess.run(
        ["make", "-n", "-W", "pyproject.toml", "--no-print-directory", target],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return out.splitlines()


def test_readme_commands_are_the_makefile_targets():
    cmds = _readme_commands()
    assert sorted(cmds) == ["demo", "test"]
    test_recipe = _recipe("test")
    # the README's test command sets the system up first, installs [dev], then runs what it says
    setup = next(i for i, c in enumerate(test_recipe) if "scripts/setup-system.sh test" in c)
    install = next(i for i, c in enumerate(test_recipe) if "pip install" in c and "'.[dev]'" in c)
    pytest_line = next(i for i, c in enumerate(test_recipe) if "-m pytest" in c)
    assert setup < install < pytest_line
    assert re.search(r"\(pytest -n 2 tests/\)", cmds["test"])
    assert test_recipe[pytest_line].endswith("-m pytest -n 2 tests/")
    demo = _recipe("demo")
    assert any("'.[dev]'" in c for c in demo) and demo[-1].endswith("llmaccel run --out runs/demo")
    assert "runs/demo/" in cmds["demo"]


def test_ci_runs_the_readme_test_command_then_lint():
    lines = [ln for ln in (ROOT / ".ci" / "run").read_text().splitlines() if ln and not ln.startswith("#")]
    assert lines[-3:] == ["scripts/setup-system.sh test </dev/null", "make test </dev/null", "make lint </dev/null"]
    lint = _recipe("lint")
    assert [c.split("-m ", 1)[1] for c in lint if "-m ruff" in c or "-m mypy" in c] == [
        "ruff check .",
        "ruff format --check .",
        "mypy",
    ]
