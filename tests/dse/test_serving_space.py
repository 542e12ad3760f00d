"""A space with a serve: section: serving metrics recorded per point equal `llmaccel serve`'s."""

import json
import textwrap

import pytest

from llmaccel.cli import main
from llmaccel.dse.space import load_space
from llmaccel.dse.store import ResultStore
from llmaccel.workloads.errors import InputError

SERVE_SPACE = """
schema: 1
name: serving-tiny
host: systolic-int8-hbm
parameters:
  hw.array.rows: {{choices: [128, 32]}}
workloads:
  - {{model: gpt2-xl, phase: decode, batch: 4, prompt_len: 128, layers: 1}}
serve:
  {serve}
objectives:
  - {{metric: tpot_p99_s, goal: min}}
  - {{metric: goodput_req_s, goal: max}}
search: {{method: grid}}
seed: 1
"""
SERVE = "{rate: 1, requests: 20, kv_bucket: 256, slo_ttft: 1s, seed: 3}"
SERVE_METRICS = ("ttft_p50_s", "ttft_p99_s", "tpot_p50_s", "tpot_p99_s", "throughput_tok_s", "goodput_req_s")


def write_space(tmp_path, serve=SERVE, extra=""):
    p = tmp_path / "s.yaml"
    p.write_text(textwrap.dedent(SERVE_SPACE.format(serve=serve)) + extra)
    return p


def test_sweep_records_the_metrics_llmaccel_serve_prints(tmp_path, capsys):
    db = tmp_path / "r.sqlite"
    space = write_space(tmp_path)
    assert main(["sweep", str(space), "--db", str(db), "--workers", "1", "--quiet", "--format", "json"]) == 0
    store = ResultStore(db)
    rows = {r["point"]["hw.array.rows"]: r for r in store.rows()}
    store.close()
    assert sorted(rows) == [32, 128] and all(r["status"] == "ok" for r in rows.values())
    capsys.readouterr()
    # rows 128 is the preset's own array: the same run as `llmaccel serve` with the flags of the section
    flags = ["--rate", "1", "--requests", "20", "--kv-bucket", "256", "--slo-ttft", "1s", "--seed", "3"]
    assert main(["serve", "--hw", "systolic-int8-hbm", "--model", "gpt2-xl", *flags, "--format", "json"]) == 0
    cli = json.loads(capsys.readouterr().out)["rows"][0]
    for m in SERVE_METRICS:
        assert rows[128][m] == cli[m], m
    # the swept array reaches the serving cost model: a quarter of the array takes longer to first token
    # (percentiles of TPOT need not order: a slower prefill changes which requests batch together)
    assert rows[32]["ttft_p99_s"] > rows[128]["ttft_p99_s"] > 0
    assert rows[32]["throughput_tok_s"] != rows[128]["throughput_tok_s"]
    # step metrics are still recorded beside them
    assert rows[128]["tokens"] == 4 and rows[128]["latency_s"] > 0


def test_bucketing_fields_reach_the_serving_run(tmp_path, capsys):
    """seq_bucket, seq_exact, prefill_bucket and prefill_split mean what the serve flags mean."""
    from llmaccel import config
    from llmaccel.dse.serving import serve_metrics

    section = "{rate: 2, requests: 16, seed: 5, seq_bucket: 2, seq_exact: 0, prefill_bucket: 0, prefill_split: false}"
    space = load_space(write_space(tmp_path, section))
    (w,) = space.workloads
    assert {k: w["serve"][k] for k in ("seq_bucket", "seq_exact", "prefill_bucket", "prefill_split")} == {
        "seq_bucket": 2,
        "seq_exact": 0,
        "prefill_bucket": 0,
        "prefill_split": False,
    }
    hw = config.load_hw("systolic-int8-hbm")
    dse = serve_metrics(hw, w, w["serve"])
    flags = ["--rate", "2", "--requests", "16", "--seed", "5", "--seq-bucket", "2", "--seq-exact", "0"]
    flags += ["--prefill-bucket", "0", "--no-prefill-split"]
    assert main(["serve", "--hw", "systolic-int8-hbm", "--model", "gpt2-xl", *flags, "--format", "json"]) == 0
    cli = json.loads(capsys.readouterr().out)["rows"][0]
    assert main(["serve", "--hw", "systolic-int8-hbm", "--model", "gpt2-xl", *flags[:6], "--format", "json"]) == 0
    default = json.loads(capsys.readouterr().out)["rows"][0]
    for m in SERVE_METRICS:
        assert dse[m] == cli[m], m
    # the settings change the cost model: exact prefill lengths and interpolated decodes differ from the defaults
    assert any(dse[m] != default[m] for m in SERVE_METRICS)


def test_rates_give_one_workload_row_per_rate(tmp_path):
    space = load_space(write_space(tmp_path, "{rates: [0.5, 2], requests: 10}"))
    assert [w["serve"]["rate"] for w in space.workloads] == [0.5, 2.0]
    assert all(w["serve"]["requests"] == 10 and w["serve"]["seed"] == 0 for w in space.workloads)


@pytest.mark.parametrize(
    ("serve", "field"),
    [
        ("{requests: 10}", "serve.rate"),
        ("{rate: 1, rates: [2]}", "serve.rate"),
        ("{rate: 0}", "serve.rate"),
        ("{rate: 1, requests: -3}", "serve.requests"),
        ("{rate: 1, burst: 2}", "serve.burst"),
        ("{rate: 1, dist: zipf}", "serve.dist"),
        ("{rate: 1, slo_tpot: fast}", "serve.slo_tpot"),
        ("{rate: 1, kv_bucket: -1}", "serve.kv_bucket"),
        ("{rate: 1, seq_bucket: 2.5}", "serve.seq_bucket"),
        ("{rate: 1, seq_exact: -1}", "serve.seq_exact"),
        ("{rate: 1, prefill_bucket: 99999999999}", "serve.prefill_bucket"),
        ("{rate: 1, prefill_split: maybe}", "serve.prefill_split"),
        ("{rate: 1, preemption: drop}", "serve.preemption"),
        ("{rates: [1, 1]}", "serve.rates"),
    ],
)
def test_bad_serve_field_is_named(tmp_path, serve, field):
    with pytest.raises(InputError) as e:
        load_space(write_space(tmp_path, serve))
    assert e.value.field == field


def test_host_without_serving_memory_needs_memory_gb(tmp_path):
    p = write_space(tmp_path, "{rate: 1}")
    text = p.read_text().replace("host: systolic-int8-hbm", "host: rtx2080ti")
    p.write_text(text.replace("  hw.array.rows: {choices: [128, 32]}\n", ""))
    with pytest.raises(InputError) as e:
        load_space(p)
    assert e.value.field == "serve.memory_gb" and "rtx2080ti" in e.value.problem


def test_serving_objective_without_serve_section_is_refused(tmp_path):
    p = tmp_path / "n.yaml"
    text = textwrap.dedent(SERVE_SPACE.format(serve="{rate: 1}")).replace("serve:\n  {rate: 1}\n", "")
    p.write_text(text)
    with pytest.raises(InputError) as e:
        load_space(p)
    assert e.value.field == "objectives[0].metric"


def test_shipped_serving_example_loads(tmp_path):
    from pathlib import Path

    space = load_space(Path(__file__).resolve().parents[2] / "examples" / "spaces" / "serving-on-hosts.yaml")
    assert space.size == 4 and [w["serve"]["rate"] for w in space.workloads] == [0.5]
    assert space.workloads[0]["serve"]["slo_tpot"] == 0.15  # "150ms" in seconds


def test_database_from_before_serving_gains_the_serving_columns(tmp_path):
    import sqlite3

    db = tmp_path / "old.sqlite"
    con = sqlite3.connect(db)
    con.execute("CREATE TABLE sweeps (name TEXT PRIMARY KEY, space_json TEXT, host TEXT)")
    con.execute(
        "CREATE TABLE results (sweep TEXT, point_key TEXT, workload_key TEXT, point_json TEXT, workload_json TEXT, "
        "host TEXT, status TEXT, error TEXT, seconds REAL, latency_s REAL, tokens REAL, metrics_json TEXT, "
        "PRIMARY KEY (sweep, point_key, workload_key))"
    )
    con.execute(
        "INSERT INTO results VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
        ("s", "{}", "{}", "{}", "{}", "h", "ok", None, 0.1, 1.0, 2.0, "{}"),
    )
    con.commit()
    con.close()
    store = ResultStore(db)
    try:
        store.add("s", '{"a": 1}', "{}", "h", {"status": "ok", "metrics": {"goodput_req_s": 0.25}})
        old, new = sorted(store.rows("s"), key=lambda r: len(r["point"]))
    finally:
        store.close()
    assert old["latency_s"] == 1.0 and all(old[m] is None for m in SERVE_METRICS)
    assert new["goodput_req_s"] == 0.25 and new["ttft_p99_s"] is None
