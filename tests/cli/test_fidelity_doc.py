"""reports.fidelity: the docs/fidelity.md table from reproduction rows (hand-made rows)."""

from __future__ import annotations

from llmaccel.reports.fidelity import fidelity_markdown

ROWS = [
    {
        "design": "a",
        "workload": "w1",
        "metric": "speedup",
        "baseline": "B",
        "paper": 2.0,
        "model": 2.2,
        "rel_err": 0.1,
        "assumptions": "x | y",
    },
    {
        "design": "a",
        "workload": "w2",
        "metric": "energy",
        "baseline": None,
        "paper": 1.0,
        "model": 0.5,
        "rel_err": -0.5,
        "assumptions": "missing: the paper's\nclock",
    },
    {
        "design": "b",
        "workload": "w3",
        "metric": "cycles",
        "baseline": None,
        "paper": None,
        "model": 7,
        "rel_err": None,
        "assumptions": "",
    },
]


def test_summary_counts_rows_with_a_paper_value_and_those_within_15_percent():
    md = fidelity_markdown(ROWS)
    assert "Rows with a paper value: 2; within ±15%: 1 (50%)." in md
    assert "| a | 2 | 1 |" in md
    assert "| b |" not in md  # no cited row


def test_every_cited_row_is_one_table_line_with_its_cause():
    lines = [ln for ln in fidelity_markdown(ROWS).splitlines() if ln.startswith("| a | w")]
    assert lines == [
        "| a | w1 | speedup | B | 2 | 2.2 | +10.0 % | yes | x \\| y |",
        "| a | w2 | energy | – | 1 | 0.5 | -50.0 % | no | missing: the paper's clock |",
    ]
