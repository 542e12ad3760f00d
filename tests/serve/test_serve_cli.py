"""``llmaccel serve`` against ``llmaccel run``; bad inputs; determinism."""

import json

import pytest

from llmaccel.cli import main


def run_json(capsys, *argv):
    assert main(list(argv)) == 0
    return json.loads(capsys.readouterr().out)


def run_time(capsys, *argv):
    return run_json(capsys, "run", "--hw", "systolic-int8", "--lm-head", "--quiet", "--format", "json", *argv)["time_s"]


def write_trace(path, rows):
    path.write_text("arrival_s,prompt_tokens,output_tokens\n" + "".join(f"{a},{p},{o}\n" for a, p, o in rows))
    return str(path)


def test_one_request_matches_single_step_runs(capsys, tmp_path):
    # TTFT = the prefill step of `llmaccel run` (with the LM head, which emits the first token);
    # TPOT = the mean of the decode steps at KV 100, 101, 102 (kv_len = tokens already cached).
    trace = write_trace(tmp_path / "one.csv", [(0.0, 100, 4)])
    doc = run_json(
        capsys, "serve", "--hw", "systolic-int8", "--arrival-trace", trace, "--kv-bucket", "0", "--format", "json"
    )
    lat = doc["runs"][0]["summary"]["latency"]
    prefill = run_time(capsys, "--phase", "prefill", "--prompt-len", "100")
    decodes = [
        run_time(capsys, "--phase", "decode", "--prompt-len", "100", "--kv-len", str(k)) for k in (100, 101, 102)
    ]
    assert lat["ttft_s"]["mean"] == pytest.approx(prefill, rel=1e-12)
    assert lat["tpot_s"]["mean"] == pytest.approx(sum(decodes) / 3, rel=1e-12)
    # bucketed at 64 tokens: the decode steps run at KV 128 (100..102 round to 128)
    doc = run_json(capsys, "serve", "--hw", "systolic-int8", "--arrival-trace", trace, "--format", "json")
    at128 = run_time(capsys, "--phase", "decode", "--prompt-len", "100", "--kv-len", "128")
    assert doc["runs"][0]["summary"]["latency"]["tpot_s"]["mean"] == pytest.approx(at128, rel=1e-12)
    assert at128 == pytest.approx(sum(decodes) / 3, rel=0.05)


@pytest.mark.parametrize(
    "argv, field",
    [
        (["--rate", "0"], "--rate"),
        (["--rate", "-2"], "--rate"),
        (["--rate", "nan"], "--rate"),
        (["--rates", "1,,2"], "--rates"),
        (["--slo-ttft", "soon"], "--slo-ttft"),
        (["--slo-tpot=-5ms"], "--slo-tpot"),
        (["--hw", "no-such-preset"], "--hw"),
        (["--model", "no-such-model"], "--model"),
        (["--requests", "0"], "--requests"),
        (["--block-size", "-1"], "--block-size"),
        (["--seq-bucket", "-1"], "--seq-bucket"),
        (["--seq-exact", "-3"], "--seq-exact"),
        (["--model", "bert-base"], "--model"),
        (["--quant", "nope"], "--quant"),
        (["--requests", "100000000"], "--requests"),
        (["--memory-gb", "1"], "--memory-gb"),
    ],
)
def test_bad_input_exits_2_with_one_line(capsys, argv, field):
    assert main(["serve", "--hw", "a100-80gb", "--requests", "3", *argv]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith(f"llmaccel: error: {field}")


def test_out_of_order_trace_exits_2(capsys, tmp_path):
    trace = write_trace(tmp_path / "bad.csv", [(1.0, 10, 2), (0.5, 10, 2)])
    assert main(["serve", "--hw", "a100-80gb", "--arrival-trace", trace]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "out of order" in err


def test_same_seed_gives_identical_outputs(capsys, tmp_path):
    outs = []
    for name in ("a", "b"):
        argv = ["serve", "--hw", "a100-80gb", "--requests", "20", "--rate", "4", "--seed", "5"]
        assert main([*argv, "--out", str(tmp_path / name), "--format", "json"]) == 0
        outs.append(capsys.readouterr().out)
    assert outs[0] == outs[1]
    files = sorted(p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*") if p.is_file())
    assert {str(f) for f in files} >= {"requests.csv", "iterations.csv", "summary.json", "timeline.json"}
    assert any(str(f).startswith("plots/") for f in files)
    page = (tmp_path / "a" / "report.html").read_text()
    assert page.count("<svg") == 2 and "throughput_req_s" in page
    for f in files:
        assert (tmp_path / "a" / f).read_bytes() == (tmp_path / "b" / f).read_bytes(), f


def test_rate_sweep_reports_max_rate_within_slo(capsys):
    doc = run_json(
        capsys,
        "serve",
        "--hw",
        "a100-80gb",
        "--requests",
        "20",
        "--rates",
        "1,4",
        "--slo-ttft",
        "10s",
        "--slo-tpot",
        "1s",
        "--format",
        "json",
    )
    assert [r["rate"] for r in doc["rows"]] == [1.0, 4.0]
    assert doc["max_rate_within_slo"] == 4.0  # an A100 serves 20 requests far inside 10 s / 1 s


def test_out_refuses_a_foreign_folder(capsys, tmp_path):
    (tmp_path / "keep.txt").write_text("mine")
    assert main(["serve", "--hw", "a100-80gb", "--requests", "2", "--out", str(tmp_path)]) == 2
    assert (tmp_path / "keep.txt").read_text() == "mine"


@pytest.mark.parametrize("preset", ["systolic-int8", "mixpe-int8", "olive-w8a8", "u280", "neupims", "a100-80gb"])
def test_every_design_host_serves(capsys, tmp_path, preset):
    # Three short requests, two overlapping: every request gets a first token and finishes after it.
    trace = write_trace(tmp_path / "t.csv", [(0.0, 40, 3), (0.001, 20, 2), (5.0, 30, 1)])
    doc = run_json(capsys, "serve", "--hw", preset, "--arrival-trace", trace, "--format", "json")
    s = doc["runs"][0]["summary"]
    assert s["requests"] == 3 and s["latency"]["ttft_s"]["p50"] > 0
    assert s["energy_per_token_pj"] > 0
    assert doc["setup"]["prefill_host"] == (
        "systolic-fp16 resized to the NeuPIMs NPU" if preset == "neupims" else preset
    )


def test_bucketing_error_is_small_on_a_small_case():
    # Alpaca lengths, 8 requests on an A100: exact per-sequence KV lengths against the 64-token
    # buckets.  Measured: TTFT and E2E means within 2 % (docs/serving.md has larger cases).
    from llmaccel import config
    from llmaccel.serve import arrivals, session
    from llmaccel.serve.costs import ModelCosts, bucketing_error
    from llmaccel.serve.scheduler import SchedulerConfig
    from llmaccel.workloads.zoo import get_model

    hw, model = config.load_hw("a100-80gb"), get_model("llama2-7b")
    setup = session.build(hw, model, "fp16", SchedulerConfig())
    reqs = arrivals.synthetic("poisson", 4.0, 8, 2, "alpaca", 4096)
    exact = ModelCosts(model, hw, "fp16", bucket=None)
    err = bucketing_error(lambda cost: session.serve(setup, reqs, cost=cost)[1], exact, setup.costs)
    assert err["bucketed_simulations"] < err["exact_simulations"]
    for key in ("ttft_s_mean_rel_error", "tpot_s_mean_rel_error", "e2e_s_mean_rel_error", "makespan_rel_error"):
        assert abs(err[key]) < 0.02, (key, err)


def test_seq_points_interpolate_between_neighbouring_multiples():
    from llmaccel.serve.costs import seq_points

    # segment 16 < n <= 32, ends 17 and 32: 20 = 17 + 3/15 of the way
    assert seq_points(20, 16) == ((17, 0.8), (32, 0.2))
    assert seq_points(10, 16) == ((1, 0.4), (16, 0.6))  # first segment, ends 1 and 16
    assert seq_points(1, 16) == ((1, 1.0),)
    assert seq_points(10, 16, exact_upto=16) == ((10, 1.0),)  # exact region
    assert seq_points(20, 16, exact_upto=16) == ((17, 0.8), (32, 0.2))
    assert seq_points(32, 16) == ((32, 1.0),)  # a segment end: simulated itself
    assert seq_points(33, 16) == ((33, 1.0),)
    assert seq_points(20, None) == ((20, 1.0),)
    # upper end capped at max_seqs: 245 in 240 < n <= 256 capped at 249 -> ends 241, 249
    assert seq_points(245, 16, 249) == ((241, 0.5), (249, 0.5))
    assert seq_points(249, 16, 249) == ((249, 1.0),)


def test_decode_cost_is_the_weighted_sum_of_cached_neighbours():
    # Hand case: cached decode costs at 17 and 32 sequences (KV 128); 20 sequences at KV 120..136
    # (mean 128) cost 0.8 x the 17-sequence step + 0.2 x the 32-sequence step.
    from llmaccel.serve.costs import ModelCosts
    from llmaccel.workloads.zoo import get_model

    costs = ModelCosts(get_model("llama2-7b"), None, "w8a8", bucket=64, seq_bucket=16, max_seqs=256)
    costs.cache[("decode_uniform", (17, 128))] = (1.0, 10.0)
    costs.cache[("decode_uniform", (32, 128))] = (2.0, 30.0)
    t, e = costs([], [120, 136] * 10)
    assert t == pytest.approx(1.2, rel=1e-12) and e == pytest.approx(14.0, rel=1e-12)
    assert costs.misses == 0 and costs.hits == 2


def test_seq_bucketing_error_is_small_on_a_small_case():
    # 48 Alpaca requests at 40 req/s on an A100 (batches up to ~40 sequences), KV bucketed at 64
    # in both runs: exact sequence counts against interpolation every 4 sequences.  Measured:
    # every mean within 2e-5 (the roofline decode is linear in the sequence count).
    from llmaccel import config
    from llmaccel.serve import arrivals, session
    from llmaccel.serve.costs import ModelCosts, bucketing_error
    from llmaccel.serve.scheduler import SchedulerConfig
    from llmaccel.workloads.zoo import get_model

    hw, model = config.load_hw("a100-80gb"), get_model("llama2-7b")
    setup = session.build(hw, model, "fp16", SchedulerConfig(), seq_bucket=4)
    reqs = arrivals.synthetic("poisson", 40.0, 48, 2, "alpaca", 4096)
    exact = ModelCosts(model, hw, "fp16", bucket=64, seq_bucket=None)
    err = bucketing_error(lambda cost: session.serve(setup, reqs, cost=cost)[1], exact, setup.costs)
    assert err["bucketed_simulations"] < err["exact_simulations"]
    for key in ("ttft_s_mean_rel_error", "tpot_s_mean_rel_error", "e2e_s_mean_rel_error", "makespan_rel_error"):
        assert abs(err[key]) < 1e-3, (key, err)
