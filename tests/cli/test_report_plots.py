"""What the report plots put on their axes: log-tick choice, metric kinds of the reproduction
chart, one panel per kind, labelled Pareto points (values worked out by hand)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from llmaccel.reports import html  # noqa: E402
from llmaccel.reports.plots import log_ticks  # noqa: E402


def test_log_ticks_label_several_values_on_any_span():
    assert log_ticks(0.1, 1e4) == pytest.approx([0.1, 1, 10, 100, 1000, 1e4])  # > 3 decades: decades
    assert log_ticks(0.25, 32) == pytest.approx([0.3, 1, 3, 10, 30])  # 2.1 decades: 1-3 steps
    assert log_ticks(5, 40) == pytest.approx([5, 10, 20])  # under a decade: 1-2-5 steps
    assert log_ticks(4e9, 1.1e12) == pytest.approx([1e10, 3e10, 1e11, 3e11, 1e12])


def row(metric, paper, model, baseline=None):
    return {"design": "d", "workload": "w", "metric": metric, "baseline": baseline, "paper": paper, "model": model}


@pytest.mark.parametrize(
    "metric, baseline, kind",
    [
        ("NeuPIMs speedup", "gpu", "ratio"),
        ("energy per token ratio", "npu-only", "ratio"),
        ("instruction storage reduction by bucketing (x)", "one program per exact length", "ratio"),
        ("HBM bandwidth utilisation, off-chip decode", None, "fraction"),
        ("decoder area overhead (w4a4)", None, "fraction"),
        ("sustained GB/s", None, "absolute"),
        ("decode throughput (tokens/s)", None, "absolute"),
    ],
)
def test_metric_kind(metric, baseline, kind):
    assert html.metric_kind(row(metric, 1.0, 1.0, baseline)) == kind


def test_paper_vs_model_puts_each_kind_on_its_own_axis():
    rows = [
        row("speedup", 4.5, 3.2, "GOBO"),
        row("energy reduction", 4.0, 3.5, "GOBO"),
        row("decoder area overhead (w4a4)", 0.022, 0.0046),
        row("sustained GB/s", 900.0, 897.5),
        row("end-to-end latency (s)", 6.5, 6.9),
    ]
    fig = html.paper_vs_model("d", rows)
    axes = fig.axes
    assert [a.get_title() for a in axes] == ["ratios", "fractions", "absolute", "absolute"]
    assert [a.get_ylabel() for a in axes] == ["ratio (x)", "fraction (%)", "end-to-end latency (s)", "sustained GB/s"]
    assert all(a.get_yscale() == "linear" for a in axes)  # ratios spread 4.5/3.2 < 20x: linear
    heights = [p.get_height() for p in axes[1].patches]
    assert heights == pytest.approx([2.2, 0.46])  # 0.022 and 0.0046 as percent
    plt.close(fig)
    wide = html.paper_vs_model("d", [row("storage reduction (x)", 500.0, 34.76, "b"), row("speedup", 1.2, 0.6, "g")])
    assert wide.axes[0].get_yscale() == "log"  # 500 / 0.6 > 20x
    plt.close(wide)


def test_pareto_points_carry_titles_with_their_parameters():
    pts = [
        {"point": {"a": 1}, "feasible": True, "pareto": True, "t": 2.0, "e": 0.002},
        {"point": {"a": 2}, "feasible": True, "pareto": False, "t": 1.0, "e": 0.003},
        {"point": {"a": 3}, "feasible": False, "pareto": False, "t": 3.0, "e": 0.001},
    ]
    fig, titles = html.pareto_plot(pts, "t", "e", {"t": "max", "e": "min"}, ["a"], {0: "F0"})
    svg = html._svg(fig, titles)
    assert titles == {
        "pt0": "F0: a=1; t=2, e=0.002 (Pareto front)",
        "pt1": "a=2; t=1, e=0.003 (feasible)",
        "pt2": "a=3; t=3, e=0.001 (infeasible)",
    }
    for gid, tip in titles.items():
        assert f'<g id="{gid}"><title>{tip}</title>' in svg


def test_energy_by_role_sums_components_and_keeps_unattributed_energy(tmp_path):
    from cli_helpers import small_result

    from llmaccel.reports import run_folder
    from llmaccel.reports.plots import energy_by_role

    rf = run_folder.read(run_folder.write(small_result(), tmp_path / "run", plots=False))
    roles, comps, per = energy_by_role(rf)
    assert roles == ["q_proj", "attn_score", "softmax", "not in ops"]  # 2000, 350.5, 12.25 pJ, then the rest
    assert comps == ["dram", "leakage", "pe_array", "sfu"]
    assert per["q_proj"] == {"dram": 1500.0, "leakage": 0.0, "pe_array": 500.0, "sfu": 0.0}
    assert per["attn_score"]["dram"] == 250.5 and per["softmax"]["sfu"] == 12.25
    assert per["not in ops"] == {"dram": 0.0, "leakage": 137.25, "pe_array": 0.0, "sfu": 0.0}


def test_energy_plot_without_energy_says_so(tmp_path):
    from llmaccel.reports.plots import plot_energy
    from llmaccel.reports.run_folder import RunFolder

    rf = RunFolder(tmp_path, {"preset": "p", "design": "d"}, [{"role": "x", "energy_pj": 0.0}], [], [])
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "t"}):
        svg = [p for p in plot_energy(rf, tmp_path) if p.suffix == ".svg"][0].read_text()
    assert "energy by component (none reported)" in svg
