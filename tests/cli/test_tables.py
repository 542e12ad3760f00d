"""Text tables: number formatting, alignment, wrapping, the run table's derived columns."""

from __future__ import annotations

import pytest
from cli_helpers import small_result

from llmaccel.reports import run_folder, units
from llmaccel.reports.tables import fmt_num, format_table, run_table


def test_number_formats():
    assert fmt_num(1234567) == "1,234,567"
    assert fmt_num(None) == "-"
    assert fmt_num(0.5) == "0.5"
    assert fmt_num(123456.7) == "123,457"
    assert fmt_num(1.5e-5) == "1.500e-05"  # 4 significant digits
    assert units.energy_pj(2.5e12) == "2.5 J" and units.energy_pj(2500.0) == "2.5 nJ"
    assert units.energy_pj(12.0) == "12 pJ" and units.energy_pj(1.566e13) == "15.66 J"
    assert units.energy_pj(1.566e10) == "15.66 mJ" and units.energy_pj(None) == "-"
    assert units.time_s(3e-6) == "3 us" and units.time_s(0.4393) == "439.3 ms" and units.time_s(0.0) == "0 s"
    assert units.bandwidth_bps(6.4e10) == "64 GB/s" and units.bandwidth_bps(1.2e12) == "1.2 TB/s"
    assert units.area_mm2(12.5) == "12.5 mm²" and units.area_mm2(0.0042) == "4200 µm²"
    assert units.si(999.97, "s") == "1 ks"  # rounding carries into the next prefix, never "1000 s"
    assert units.si(-2.5e-3, "J") == "-2.5 mJ"


def test_metric_names_pick_their_unit():
    assert units.metric("energy_per_token_j", 0.01352) == "13.52 mJ"
    assert units.metric("tokens_per_s", 36420.0) == "36.42 ktokens/s"
    assert units.metric("time_s", 0.02746) == "27.46 ms"
    assert units.metric("area_mm2", 3.0) == "3 mm²" and units.metric("energy_pj", 2.0e9) == "2 mJ"
    assert units.metric("bandwidth_gbps", 64.0) == "64 GB/s" and units.metric("latency_us", 1500.0) == "1.5 ms"
    assert units.metric("utilisation", 0.123456) == "0.1235" and units.metric("batch", 4) == "4"


def test_alignment_and_wrap():
    t = format_table(
        ("name", "n", "note"), [("a", 1, "x " * 10), ("bbb", 1000, "short")], right=[False, True, False], wrap={2: 8}
    )
    lines = t.splitlines()
    assert lines[0] == "name  n      note"
    assert lines[1] == "----  -----  -------"  # note wrapped at 8 -> widest line "x x x x"
    assert lines[2] == "a         1  x x x x"  # right-aligned number
    assert lines[3] == " " * 13 + "x x x x"  # continuation stays in its column
    assert lines[4] == " " * 13 + "x x"
    assert lines[-1] == "bbb   1,000  short"


def test_run_table_rows():
    text = run_table(run_folder.result_json(small_result()))
    row = next(line for line in text.splitlines() if line.startswith("L0.q_proj"))
    # cycles 1000, stall 200/1000 = 20.0 %, util 6.25 % -> 6.2, share 1000/1500 = 66.7 %, energy 2000 pJ = 2 nJ
    assert row.split() == ["L0.q_proj", "gemm", "array", "1,000", "20.0", "6.2", "66.7", "2", "nJ"]
    role = next(line for line in text.splitlines() if line.startswith("softmax"))
    assert role.split()[:7] == ["softmax", "softmax", "1", "200", "0.0", "-", "13.3"]
    assert "utilisation           5.23 %" in text  # 80,384 / (1500 x 1024)


def test_axis_scale_picks_one_unit_per_axis():
    assert units.axis_scale("energy_per_token_j", 0.019) == (pytest.approx(1e-3), "mJ")
    assert units.axis_scale("energy_pj", 2.5e9) == (pytest.approx(1e9), "mJ")  # 2.5e9 pJ = 2.5 mJ
    assert units.axis_scale("tokens_per_s", 36420.0) == (pytest.approx(1e3), "ktokens/s")
    assert units.axis_scale("area_mm2", 3.0) == (1.0, "mm²") and units.axis_scale("batch", 8.0) == (1.0, "")
