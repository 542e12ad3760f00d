"""The product energies of sim/mixpe/energy.yaml follow the Yosys cell counts of rtl/mixpe/area.py."""

from __future__ import annotations

import pytest

from llmaccel.rtl.mixpe.area import UNITS, product_cell_counts, unit
from llmaccel.sim.mixpe.model import energy_table


@pytest.fixture(scope="module")
def cells():
    return product_cell_counts()


def test_product_energies_match_cell_ratios(cells):
    t = energy_table()
    anchors = {"mult_8x8": ("int8_mult", "mult_8x8"), "mult_11x11": ("fp16_mult", "mult_11x11")}
    for name in UNITS:
        base_action, base_unit = anchors["mult_11x11"] if "11" in name else anchors["mult_8x8"]
        want = t.pj(base_action) * cells[name] / cells[base_unit]
        assert t.pj(f"prod_{name}" if name not in ("mult_11x11",) else "prod_fp16_mult") == pytest.approx(
            want, rel=5e-4
        )  # table keeps 5-6 digits


def test_product_areas_match_cell_ratios(cells):
    from llmaccel.sim.area import load_area_table
    from llmaccel.sim.mixpe.model import AREA_TABLE

    t = load_area_table(AREA_TABLE)
    for name in UNITS:
        base, ref = ("fp16_mult", "mult_11x11") if "11" in name else ("int8_mult", "mult_8x8")
        key = "prod_fp16_mult" if name == "mult_11x11" else f"prod_{name}"
        assert t.um2(key) == pytest.approx(t.um2(base) * cells[name] / cells[ref], rel=5e-4)


def test_shift_add_vs_multiplier_cells(cells):
    # measured, not assumed: a shift-add INT8xINT4 product is within 10 % of the multiplier's
    # gate count (Yosys builds $mul from the same partial products), far below INT8xINT8
    assert abs(cells["shift_add_8x4"] - cells["mult_8x4"]) <= 0.1 * cells["mult_8x4"]
    assert cells["shift_add_8x4"] < 0.5 * cells["mult_8x8"]
    assert cells["shift_add_11x4"] < 0.4 * cells["mult_11x11"]


def test_area_units_compute_products():
    """The synthesised units are real products (amaranth simulation, exhaustive for 8x4)."""
    from amaranth.sim import Simulator

    for name in ("shift_add_8x4", "mult_8x4", "shift_add_11x4"):
        a_bits, w_bits, a_signed, _ = UNITS[name]
        dut = unit(name)
        a_vals = range(-(1 << (a_bits - 1)), 1 << (a_bits - 1)) if a_signed else range(0, 1 << a_bits, 7)
        pairs = [(a, w) for a in a_vals for w in range(-(1 << (w_bits - 1)), 1 << (w_bits - 1))]
        got = []

        async def bench(ctx, pairs=pairs, dut=dut, w_bits=w_bits, got=got):
            for a, w in pairs:
                ctx.set(dut.a, a)
                ctx.set(dut.w, w & ((1 << w_bits) - 1))
                got.append(ctx.get(dut.p))

        sim = Simulator(dut)
        sim.add_testbench(bench)
        sim.run()
        assert got == [a * w for a, w in pairs], name
