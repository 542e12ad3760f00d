"""Baseline PE and output-stationary array: RTL (cocotb, Icarus + Verilator) vs models.

* (every registered ``baseline.*`` check runs on both simulators in test_rtl_checks.py);
* the array's documented latency equals ``sim.systolic.reference.simulate_os_tile``
  on every tile the RTL checks use and on >= 200 further random shapes (rtl/ may
  not import sim/, so this test joins the two);
* the vector generators against hand calculations;
* deliberately broken RTL makes the checks fail (so they can fail).
"""

from __future__ import annotations

import numpy as np
import pytest
from amaranth.hdl import Module

from llmaccel.rtl.baseline import checks
from llmaccel.rtl.baseline.array import ArrayConfig, OsArray, latency_cycles
from llmaccel.rtl.baseline.pe import MacPE, PEConfig, safe_accumulations
from llmaccel.rtl.flow import RtlCheckFailed, run_cocotb, simulate_amaranth, write_verilog
from llmaccel.sim.systolic.reference import simulate_os_tile


# ------------------------------------------------------------ latency vs the sim reference
@pytest.mark.parametrize("rows,cols", sorted(checks.ARRAY_RANDOM_TILES))
def test_check_tiles_latency_equals_sim_reference(rows, cols):
    """Every tile the cocotb check drives: formula == per-PE reference, C == numpy."""
    tiles = checks.array_tiles(rows, cols, checks.ARRAY_RANDOM_TILES[(rows, cols)])
    assert len(tiles) >= 100
    for tile in tiles:
        c_ref, cycles = simulate_os_tile(tile.A, tile.B, fold_convention="drain")
        T = tile.A.shape[1]
        assert cycles == latency_cycles(rows, cols, T), (rows, cols, T)
        np.testing.assert_array_equal(c_ref, tile.A @ tile.B)


def test_latency_formula_equals_sim_reference_random_shapes():
    rng = np.random.default_rng(11)
    for _ in range(220):
        R, C, T = (int(x) for x in (rng.integers(1, 7), rng.integers(1, 7), rng.integers(1, 40)))
        A, B = rng.integers(-128, 128, (R, T)), rng.integers(-128, 128, (T, C))
        _, cycles = simulate_os_tile(A, B, fold_convention="drain")
        assert cycles == latency_cycles(R, C, T) == 2 * R + C + T - 2


def test_latency_hand_values():
    # 4x4, T=1: last MAC at PE(3,3) in cycle 6, rows read in cycles 7..10 -> 11 cycles
    assert latency_cycles(4, 4, 1) == 11
    assert latency_cycles(1, 1, 1) == 2  # MAC in cycle 0, output in cycle 1
    assert latency_cycles(2, 3, 64) == 2 * 2 + 3 + 64 - 2


# ------------------------------------------------------------ amaranth.sim quick path
def _run_array_amaranth(R: int, C: int, A: np.ndarray, B: np.ndarray, dut: OsArray | None = None):
    dut = dut or OsArray(ArrayConfig(R, C))
    T = A.shape[1]
    out: dict = {}

    async def bench(ctx):
        rows, order, cyc, t = {}, [], 0, 0
        while True:
            if t < T:
                ctx.set(dut.in_valid, 1)
                ctx.set(dut.in_last, int(t == T - 1))
                for i in range(R):
                    ctx.set(dut.a[i], int(A[i, t]))
                for j in range(C):
                    ctx.set(dut.b[j], int(B[t, j]))
            else:
                ctx.set(dut.in_valid, 0)
            if ctx.get(dut.out_valid):
                r = ctx.get(dut.out_row)
                order.append(r)
                rows[r] = [ctx.get(dut.c[j]) for j in range(C)]
                if ctx.get(dut.out_last):
                    break
            if t < T and ctx.get(dut.in_ready):
                t += 1
            await ctx.tick()
            cyc += 1
            assert cyc < 1000
        out.update(C=np.array([rows[k] for k in range(R)]), cycles=cyc + 1, order=order)

    simulate_amaranth(dut, bench)
    return out


@pytest.mark.parametrize("R,C,T", [(1, 1, 1), (1, 1, 5), (1, 4, 3), (3, 1, 4), (2, 3, 7), (4, 4, 9), (5, 2, 2)])
def test_array_in_amaranth_sim(R, C, T):
    rng = np.random.default_rng(R * 100 + C * 10 + T)
    A, B = rng.integers(-128, 128, (R, T)), rng.integers(-128, 128, (T, C))
    got = _run_array_amaranth(R, C, A, B)
    c_ref, cycles_ref = simulate_os_tile(A, B, fold_convention="drain")
    np.testing.assert_array_equal(got["C"], A @ B)
    np.testing.assert_array_equal(got["C"], c_ref)
    assert got["cycles"] == cycles_ref
    assert got["order"] == list(range(R - 1, -1, -1))  # bottom row first, like the reference drain


class _ClearLosesToEn(MacPE):
    """Mutant: clear ignored when en is high (acc' = acc + a*b)."""

    def elaborate(self, platform):
        m = Module()
        with m.If(self.en):
            m.d.sync += self.acc.eq(self.acc + self.a * self.b)
        with m.Elif(self.clear):
            m.d.sync += self.acc.eq(0)
        return m


def _pe_stream_amaranth(pe: MacPE, a, b, en, clear) -> list[int]:
    got: list[int] = []

    async def bench(ctx):
        for k in range(len(a)):
            ctx.set(pe.a, int(a[k]))
            ctx.set(pe.b, int(b[k]))
            ctx.set(pe.en, int(en[k]))
            ctx.set(pe.clear, int(clear[k]))
            await ctx.tick()
            got.append(ctx.get(pe.acc))

    simulate_amaranth(pe, bench)
    return got


def test_pe_in_amaranth_sim_matches_model_and_mutant_does_not():
    v = checks.pe_vectors(seed=5, n_random=1500)
    n = 2500
    cols = [v[f"rnd_{k}"][:n] for k in ("a", "b", "en", "clear")]
    assert _pe_stream_amaranth(MacPE(), *cols) == v["rnd_expected"][:n].tolist()
    assert _pe_stream_amaranth(_ClearLosesToEn(PEConfig()), *cols) != v["rnd_expected"][:n].tolist()


# ------------------------------------------------------------ the models, by hand
def test_pe_model_hand_sequence():
    a = np.array([3, -2, 7, 100, 5, -128, -128])
    b = np.array([4, 5, 1, 100, 9, -128, -128])
    en = np.array([1, 1, 0, 1, 0, 1, 1])
    clear = np.array([0, 0, 0, 1, 1, 1, 0])
    # 12; 12-10=2; hold 2; clear+MAC 10000; clear only 0; clear+MAC 16384; +16384
    assert checks.pe_model(a, b, en, clear).tolist() == [12, 2, 2, 10000, 0, 16384, 32768]


def test_pe_vectors_cover_every_product_and_bound():
    v = checks.pe_vectors()
    pairs = set(zip(v["prod_a"].tolist(), v["prod_b"].tolist()))
    assert len(pairs) == 256 * 256
    assert min(pairs) == (-128, -128) and max(pairs) == (127, 127)
    assert v["prod_expected"].tolist()[:2] == [16384, 16384 - 128]  # (-128)(-128), (-128)(-127)
    assert len(v["rnd_a"]) >= 10_000
    assert safe_accumulations(PEConfig()) == 131071  # (2**31 - 1) // 2**14
    assert int(v["bound_at_safe"]) == 2_147_467_264  # 131071 * 16384
    assert int(v["bound_after_wrap"]) == -2_147_483_648  # 2**31 wraps to -2**31
    assert v["rnd_en"].min() == 0 and v["rnd_clear"].max() == 1  # en low and clear both occur


def test_array_vectors_volume_and_schedule():
    v = checks.array_vectors(4, 4, checks.ARRAY_RANDOM_TILES[(4, 4)])
    assert int(v["n_macs"]) >= 10_000
    tiles = checks.array_tiles(4, 4, checks.ARRAY_RANDOM_TILES[(4, 4)])
    # beats per tile = T, plus the idle cycles; one `last` per tile
    beats = v["valid"].sum()
    assert beats == sum(t.A.shape[1] for t in tiles)
    assert v["last"].sum() == len(tiles)
    assert (v["expected_latency"] >= [latency_cycles(4, 4, t.A.shape[1]) for t in tiles]).all()
    assert any(t.gaps.sum() > 0 for t in tiles)
    # first word of the first tile packs A[:, 0] row 0 in the low byte
    A0 = tiles[0].A[:, 0]
    word = int(v["a_words"][0])
    assert [((word >> (8 * i)) & 0xFF) for i in range(4)] == [int(x) & 0xFF for x in A0]


def test_vectors_are_reproducible():
    a, b = checks.array_vectors(2, 3, 20, seed=3), checks.array_vectors(2, 3, 20, seed=3)
    assert all(np.array_equal(a[k], b[k]) for k in a)


# ------------------------------------------------------------ the checks can fail
def test_array_check_detects_broken_pe_and_latency_mismatch(tmp_path):
    """One Icarus run of a mutant array (PE ignores clear when en is high) with the
    expected latencies off by one: the testbench must report both kinds of error."""
    v = checks.array_vectors(2, 3, 5)
    v["expected_latency"] = v["expected_latency"] + 1  # "model" says one cycle more
    vec = tmp_path / "v.npz"
    np.savez(vec, **v)
    bad = OsArray(ArrayConfig(2, 3), pe_factory=_ClearLosesToEn)
    src = write_verilog(bad, tmp_path / "src", checks.ARRAY_TOP)
    with pytest.raises(RtlCheckFailed) as info:
        run_cocotb(
            src,
            checks.ARRAY_TOP,
            "llmaccel.rtl.baseline.tb_array",
            "icarus",
            tmp_path / "run",
            env={checks.VECTORS_ENV: str(vec)},
        )
    msg = str(info.value)
    assert "tile 0: latency" in msg  # tile 0 starts from reset: C right, latency "wrong"
    assert "tile 1: C[" in msg  # tile 1 accumulates onto tile 0: C wrong
