"""SCALE-Sim 3.0.0's COMPUTE_REPORT closed form (sim.systolic.scalesim).

Held against (1) the per-PE per-cycle reference under the ``scalesim-v3`` convention on
hundreds of random shapes (os/ws/is, square and non-square arrays, edge folds), (2) numbers
worked by hand from SCALE-Sim's source (docs/scalesim.md), and (3) all 218 rows SCALE-Sim
3.0.0 itself produced (tests/data/scalesim/recorded.csv), string for string.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np
import pytest

from llmaccel.sim.systolic import reference as ref
from llmaccel.sim.systolic.scalesim import compute_report_row, spatial_extents
from llmaccel.workloads.errors import InputError

RECORDED = Path(__file__).resolve().parents[1] / "data" / "scalesim" / "recorded.csv"
SEED = 20261202


def _shape(rng):
    rows, cols = (int(x) for x in rng.integers(1, 7, 2))
    if rng.random() < 0.3:
        cols = rows  # square arrays as often as non-square ones overall
    m, n, k = (int(x) for x in rng.integers(1, 3 * max(rows, cols) + 3, 3))
    return rows, cols, m, n, k


@pytest.mark.parametrize("dataflow", ["os", "ws", "is"])
def test_closed_form_equals_per_cycle_reference(dataflow):
    """Total Cycles + 1 (SCALE-Sim prints the last cycle's index) == cycles the per-PE
    reference observes; the two percentages that follow from cycles and fold shapes agree."""
    rng = np.random.default_rng(SEED + "oswsis".index(dataflow))
    cases = [(4, 4, 4, 4, 4), (4, 4, 5, 5, 5), (3, 5, 1, 1, 1), (5, 3, 11, 1, 7), (2, 6, 1, 13, 2)]
    cases += [_shape(rng) for _ in range(150)]
    for rows, cols, m, n, k in cases:
        if rows == cols == 1 and {"os": k, "ws": m, "is": n}[dataflow] == 1:
            continue  # SCALE-Sim divides by the last-cycle index 0 there (tested below)
        a = rng.integers(-8, 8, (m, k))
        b = rng.integers(-8, 8, (k, n))
        out, cycles = ref.simulate_gemm(a, b, rows, cols, dataflow, fold_convention="scalesim-v3")
        assert np.array_equal(out, a @ b)
        row = compute_report_row(m, n, k, rows, cols, dataflow)
        case = (dataflow, rows, cols, m, n, k)
        assert row.total_cycles == cycles - 1, case
        assert row.stall_cycles == 0
        assert row.overall_util == pytest.approx(m * n * k * 100 / ((cycles - 1) * rows * cols), rel=1e-12), case
        sr, sc, _ = spatial_extents(m, n, k, dataflow)
        folds = math.ceil(sr / rows) * math.ceil(sc / cols)
        assert row.mapping_efficiency == pytest.approx(sr * sc * 100 / (folds * rows * cols), rel=1e-12), case


def test_hand_worked_rows():
    # os 4x4, M=2, N=1, K=3: one fold of T+R+C-2 = 3+4+4-2 = 9 cycles -> index 8;
    # overall 6*100/(8*16) = 4.6875; mapping 2/16 = 12.5 %; compute 2*3/(16*9) = 4.1666.. %
    r = compute_report_row(2, 1, 3, 4, 4, "os")
    assert (r.total_cycles, r.stall_cycles, r.overall_util, r.mapping_efficiency) == (8, 0, 4.6875, 12.5)
    assert r.compute_util == 2 * 3 / (16 * 9) * 100
    # ws 4x4, M=5, N=4, K=4: one fold of 2R+C+T-2 = 8+4+5-2 = 15 -> index 14; full mapping;
    # compute util uses 2R+2C+T-3 = 18 cycles: 16*5/(16*18) = 27.77.. %
    r = compute_report_row(5, 4, 4, 4, 4, "ws")
    assert (r.total_cycles, r.mapping_efficiency) == (14, 100.0)
    assert r.overall_util == 5 * 4 * 4 * 100 / (14 * 16)
    assert r.compute_util == 16 * 5 / (16 * 18) * 100
    # is 2x3 (R=2 rows, C=3 cols), M=4, N=2, K=3: Sr=K=3 -> 2 row folds, Sc=M=4 -> 2 col folds;
    # fold 2R+C+T-2 = 4+3+2-2 = 7, 4 folds -> 28 -> index 27
    r = compute_report_row(4, 2, 3, 2, 3, "is")
    assert r.total_cycles == 27
    # used PEs per fold (col folds outer): 2*3, 1*3, 2*1, 1*1 of 6 -> (1 + .5 + 1/3 + 1/6) / 4
    assert r.mapping_efficiency == (0 + 6 / 6 + 3 / 6 + 2 / 6 + 1 / 6) / 4 * 100


def test_prefetch_column_in_its_regime_and_none_outside():
    # os 4x4, M=2, N=1, K=3, 64 kB SRAMs: 655 words per set (floor(1024*64/100));
    # prefetch ceil(ceil(6/655)*655/10) = 66 cycles (A = 6 words, B = 3 words: one set each);
    # ofmap M*N=2 words drained in ceil(2/4) = 1 line -> 8 + 1 - 1 + 66 = 74 (SCALE-Sim: 74)
    assert compute_report_row(2, 1, 3, 4, 4, "os").total_cycles_incl_prefetch == 74
    # 2 kB ifmap SRAM: 20 words per set, 50 sets = 1000 words < A = 40 * 30 -> refills mid-run
    assert compute_report_row(40, 2, 30, 4, 4, "os", (2, 64, 64)).total_cycles_incl_prefetch is None
    assert compute_report_row(8, 156, 288, 4, 4, "os").total_cycles_incl_prefetch is None


def test_bad_sizes_are_input_errors():
    with pytest.raises(InputError, match="M"):
        compute_report_row(0, 1, 1, 4, 4, "os")
    with pytest.raises(InputError, match="dataflow"):
        compute_report_row(1, 1, 1, 4, 4, "rs")
    with pytest.raises(InputError, match="Total Cycles"):
        compute_report_row(1, 1, 1, 1, 1, "os")  # one cycle: SCALE-Sim divides by index 0


def _recorded():
    with RECORDED.open(newline="") as f:
        return list(csv.DictReader(f))


def test_every_recorded_scalesim_row_string_for_string():
    rows = _recorded()
    assert len(rows) == 218
    prefetch_checked = 0
    for r in rows:
        i = {k: int(r[k]) for k in ("M", "N", "K", "rows", "cols", "ifmap_kB", "filter_kB", "ofmap_kB")}
        got = compute_report_row(
            i["M"], i["N"], i["K"], i["rows"], i["cols"], r["dataflow"], (i["ifmap_kB"], i["filter_kB"], i["ofmap_kB"])
        )
        where = (r["run"], r["layer"])
        assert str(got.total_cycles) == r["Total Cycles"], where
        assert str(got.stall_cycles) == r["Stall Cycles"], where
        assert str(got.overall_util) == r["Overall Util %"], where
        assert str(got.mapping_efficiency) == r["Mapping Efficiency %"], where
        assert str(got.compute_util) == r["Compute Util %"], where
        if got.total_cycles_incl_prefetch is not None:
            assert str(got.total_cycles_incl_prefetch) == r["Total Cycles (incl. prefetch)"], where
            prefetch_checked += 1
    assert prefetch_checked == 137  # the rows inside the closed-form regime of that column
