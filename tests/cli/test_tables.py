"""Text tables: number formatting, alignment, wrapping, the run table's derived columns."""

from __future__ import annotations

from cli_helpers import small_result

from llmaccel.reports import run_folder
from llmaccel.reports.tables import _si_energy, _si_time, fmt_num, format_table, run_table


def test_number_formats():
    assert fmt_num(1234567) == "1,234,567"
    assert fmt_num(None) == "-"
    assert fmt_num(0.5) == "0.5"
    assert fmt_num(123456.7) == "123,457"
    assert fmt_num(1.5e-5) == "1.500e-05"  # 4 significant digits
    assert _si_energy(2.5e12) == "2.5 J" and _si_energy(2500.0) == "2.5 nJ" and _si_energy(12.0) == "12 pJ"
    assert _si_time(3e-6) == "3 us" and _si_time(0.4393) == "439.3 ms"


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
    # cycles 1000, stall 200/1000 = 20.0 %, util 6.25 % -> 6.2, share 1000/1500 = 66.7 %, energy 2000 pJ = 0.002 uJ
    assert row.split() == ["L0.q_proj", "gemm", "array", "1,000", "20.0", "6.2", "66.7", "0.002"]
    role = next(line for line in text.splitlines() if line.startswith("softmax"))
    assert role.split()[:7] == ["softmax", "softmax", "1", "200", "0.0", "-", "13.3"]
    assert "utilisation           5.23 %" in text  # 80,384 / (1500 x 1024)
