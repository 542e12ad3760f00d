"""rtl.flow (build cache, failure reporting, amaranth.sim path), rtl.registry and `llmaccel verify`."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from amaranth.hdl import Module
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from llmaccel.cli import main
from llmaccel.rtl import flow
from llmaccel.rtl.flow import RtlCheckFailed, build_key, run_cocotb, simulate_amaranth, write_verilog
from llmaccel.rtl.registry import RtlCheck, all_checks


class _Counter(wiring.Component):
    """4-bit counter with enable: the smallest design with a clock."""

    def __init__(self) -> None:
        super().__init__({"en": In(1), "count": Out(4)})

    def elaborate(self, platform):
        m = Module()
        with m.If(self.en):
            m.d.sync += self.count.eq(self.count + 1)
        return m


_TB = textwrap.dedent("""
    import os
    import cocotb
    from cocotb.clock import Clock
    from cocotb.triggers import FallingEdge

    @cocotb.test()
    async def counts(dut):
        dut.rst.value = 1
        dut.en.value = 0
        Clock(dut.clk, 10, unit="ns", impl="gpi").start()
        await FallingEdge(dut.clk)
        await FallingEdge(dut.clk)
        dut.rst.value = 0
        dut.en.value = 1
        for _ in range(int(os.environ["N_CYCLES"])):
            await FallingEdge(dut.clk)
        assert dut.count.value.to_unsigned() == int(os.environ["EXPECT"])
""")


@pytest.fixture
def smoke(tmp_path, monkeypatch):
    """Verilog of the counter, a testbench module on an extra PYTHONPATH, a private cache."""
    tb_dir = tmp_path / "tb"
    tb_dir.mkdir()
    (tb_dir / "tb_flow_smoke.py").write_text(_TB)
    monkeypatch.setenv(flow.CACHE_ENV, str(tmp_path / "cache"))
    src = write_verilog(_Counter(), tmp_path / "src", "flow_counter")
    return src, tb_dir, tmp_path


def _env(tb_dir: Path, n: int, expect: int) -> dict[str, str]:
    return {"PYTHONPATH": str(tb_dir), "N_CYCLES": str(n), "EXPECT": str(expect)}


@pytest.mark.parametrize("sim", ["icarus", "verilator"])
def test_build_cache_reused(smoke, sim, monkeypatch):
    src, tb_dir, tmp = smoke
    if sim == "verilator":
        # the user's cache: a C++ build is slow, and a warm entry is what this checks
        monkeypatch.delenv(flow.CACHE_ENV)
    root = flow.cache_root()
    run_cocotb(src, "flow_counter", "tb_flow_smoke", sim, tmp / "run1", env=_env(tb_dir, 5, 5))
    sim_dir = Path((tmp / "run1" / "sim_dir.txt").read_text().strip())
    assert sim_dir.parent == root / sim and (sim_dir / ".complete").exists()
    assert sim_dir.name == build_key([src], "flow_counter", sim)
    stamp = (sim_dir / "build.log").stat().st_mtime_ns
    # second run: same build folder, not rebuilt; 20 cycles wrap the 4-bit counter to 4
    run_cocotb(src, "flow_counter", "tb_flow_smoke", sim, tmp / "run2", env=_env(tb_dir, 20, 4))
    assert Path((tmp / "run2" / "sim_dir.txt").read_text().strip()) == sim_dir
    assert (sim_dir / "build.log").stat().st_mtime_ns == stamp
    assert not [p for p in (root / sim).iterdir() if ".tmp-" in p.name and p.name.startswith(sim_dir.name)]


def test_cache_off_builds_in_build_dir(smoke, monkeypatch):
    src, tb_dir, tmp = smoke
    monkeypatch.setenv(flow.CACHE_ENV, "off")
    assert flow.cache_root() is None
    run_cocotb(src, "flow_counter", "tb_flow_smoke", "icarus", tmp / "run", env=_env(tb_dir, 3, 3))
    assert Path((tmp / "run" / "sim_dir.txt").read_text().strip()) == (tmp / "run").resolve()
    assert not (tmp / "cache").exists()


def test_build_key_depends_on_text_toplevel_and_simulator(tmp_path):
    a = write_verilog(_Counter(), tmp_path / "a", "flow_counter")
    b = write_verilog(_Counter(), tmp_path / "b", "flow_counter")
    assert build_key([a], "flow_counter", "icarus") == build_key([b], "flow_counter", "icarus")
    assert build_key([a], "flow_counter", "icarus") != build_key([a], "flow_counter", "verilator")
    b.write_text(b.read_text() + "\n// changed\n")
    assert build_key([a], "flow_counter", "icarus") != build_key([b], "flow_counter", "icarus")


def test_build_key_depends_on_cocotb_location(tmp_path, monkeypatch):
    """A Verilator build links cocotb's VPI library by absolute path: a build made from another
    environment's cocotb (a removed venv) must get another key, not be reused."""
    import cocotb

    a = write_verilog(_Counter(), tmp_path / "a", "flow_counter")
    here = build_key([a], "flow_counter", "verilator")
    monkeypatch.setattr(cocotb, "__file__", str(tmp_path / "other-venv" / "cocotb" / "__init__.py"))
    assert build_key([a], "flow_counter", "verilator") != here


def test_build_error_raises_rtl_check_failed(tmp_path, monkeypatch):
    monkeypatch.setenv(flow.CACHE_ENV, str(tmp_path / "cache"))
    bad = tmp_path / "bad.v"
    bad.write_text("module flow_bad(input clk); this is not verilog; endmodule\n")
    with pytest.raises(RtlCheckFailed, match="build of flow_bad failed"):
        run_cocotb(bad, "flow_bad", "tb_flow_smoke", "icarus", tmp_path / "run")
    assert not any((tmp_path / "cache" / "icarus").iterdir())  # no half-built entry left


def test_unknown_simulator_rejected(tmp_path):
    with pytest.raises(ValueError, match="simulator"):
        run_cocotb(tmp_path / "x.v", "x", "m", "modelsim", tmp_path)


def test_simulate_amaranth_counter(tmp_path):
    dut = _Counter()
    seen: list[int] = []

    async def bench(ctx):
        ctx.set(dut.en, 1)
        for _ in range(18):
            await ctx.tick()
            seen.append(ctx.get(dut.count))

    simulate_amaranth(dut, bench, vcd_path=tmp_path / "w.vcd")
    assert seen == [(k + 1) % 16 for k in range(18)]
    assert (tmp_path / "w.vcd").stat().st_size > 0


def test_cell_counts_pe_generic():
    """Generic synthesis of the PE: exactly the 32 accumulator flip-flops, no bookkeeping cells.

    (The Xilinx target is exercised by tests/rtl/test_flightllm.py; the PE's
    Xilinx figures are in docs/rtl.md.)
    """
    from llmaccel.rtl.baseline.pe import MacPE

    generic = flow.cell_counts(MacPE(), "baseline_pe")
    assert generic["total"] == sum(v for k, v in generic.items() if k != "total")
    assert sum(v for k, v in generic.items() if "DFF" in k) == 32  # the accumulator, nothing else
    assert "$scopeinfo" not in generic
    assert generic["total"] > 32 + 8 * 8  # an 8x8 multiplier is there


# ------------------------------------------------------------------- registry + verify CLI
def test_registry_finds_baseline_checks_sorted():
    units = [c.unit for c in all_checks()]
    assert {"baseline.pe", "baseline.array4x4", "baseline.array2x3"} <= set(units)
    assert units == sorted(units)


def test_verify_list(capsys):
    assert main(["verify", "--list", "--unit", "baseline"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert [line.split(":")[0] for line in out] == ["baseline.array2x3", "baseline.array4x4", "baseline.pe"]


@pytest.mark.parametrize(
    "argv,field",
    [
        (["verify", "--sim", "modelsim"], "--sim"),
        (["verify", "--unit", "no-such-unit"], "--unit"),
        (["verify", "--unit", " "], "--unit"),
    ],
)
def test_verify_bad_input_exit_2(capsys, argv, field):
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(f"llmaccel: error: {field}:")


def test_verify_table_and_exit_codes_with_real_cocotb_runs(smoke, capsys, monkeypatch):
    """`verify` over a registry of real cocotb checks (the counter: one passes, one fails)
    and one check that crashes: table rows, details and exit status 1."""
    import llmaccel.rtl.registry as registry

    src, tb_dir, _ = smoke

    def counter_check(expect: int):
        def run(sim, build_dir):
            run_cocotb(src, "flow_counter", "tb_flow_smoke", sim, build_dir, env=_env(tb_dir, 5, expect))

        return run

    def crash(sim, build_dir):
        raise KeyError("boom")

    fake = [
        RtlCheck("fake.ok", "counter counts 5", counter_check(5)),
        RtlCheck("fake.fail", "counter expected at 6", counter_check(6)),
        RtlCheck("fake.crash", "crashes", crash),
    ]
    monkeypatch.setattr(registry, "all_checks", lambda: fake)
    assert main(["verify", "--unit", "fake", "--sim", "icarus"]) == 1
    table = capsys.readouterr().out.splitlines()
    assert table[0].split()[:3] == ["unit", "simulator", "result"]
    assert table[-1].startswith("1 passed, 2 failed")
    rows = {line.split()[0]: line for line in table[1:-1]}
    assert rows["fake.ok"].split()[:3] == ["fake.ok", "icarus", "PASS"]
    assert rows["fake.fail"].split()[2] == "FAIL" and "1 of 1 cocotb tests failed" in rows["fake.fail"]
    assert rows["fake.crash"].split()[2] == "FAIL" and "KeyError" in rows["fake.crash"]
