"""Scheduler, KV cache and metrics with injected iteration costs (hand-computed schedules)."""

import pytest

from llmaccel.serve import arrivals, engine, metrics
from llmaccel.serve.arrivals import ServeRequest
from llmaccel.serve.kv_cache import PagedKVCache, capacity_blocks
from llmaccel.serve.scheduler import SchedulerConfig
from llmaccel.workloads.errors import InputError


def unit_cost(prefill, decode):
    """1 s for any prefill part, 0.5 s for any decode part, 1 pJ per token."""
    return (1.0 if prefill else 0.0) + (0.5 if decode else 0.0), float(sum(prefill) + len(decode))


def by_id(rows):
    return {r["id"]: r for r in rows}


def test_three_request_schedule_by_hand():
    # t=0 prefill A [0,1]; t=1 prefill B [1,2]; decode A,B [2,2.5] (B done);
    # decode A [2.5,3] (A done); C arrived 2.6: prefill C [3,4] (one output token: done).
    reqs = [ServeRequest(0, 0.0, 10, 3), ServeRequest(1, 0.2, 10, 2), ServeRequest(2, 2.6, 10, 1)]
    run = engine.simulate(reqs, unit_cost, SchedulerConfig(), kv_blocks=100, block_size=16)
    rows = by_id(metrics.request_rows(run))
    assert [(it.start_s, it.time_s) for it in run.iterations] == [(0, 1), (1, 1), (2, 0.5), (2.5, 0.5), (3, 1)]
    assert (rows[0]["ttft_s"], rows[0]["e2e_s"], rows[0]["tpot_s"]) == (1.0, 3.0, 1.0)
    assert rows[1]["ttft_s"] == pytest.approx(1.8) and rows[1]["e2e_s"] == pytest.approx(2.3)
    assert rows[1]["tpot_s"] == 0.5
    assert (rows[2]["ttft_s"], rows[2]["e2e_s"], rows[2]["tpot_s"]) == (pytest.approx(1.4), pytest.approx(1.4), None)
    assert [it.decode_seqs for it in run.iterations] == [0, 0, 2, 1, 0]


def test_chunked_prefill_schedule_by_hand():
    # chunk 6: [0,1] A 6 tokens; [1,2] A 4 + B 2 (A's first token at 2);
    # [2,3.5] decode A + B 2 (mixed: 1 + 0.5; A done, B's first token); [3.5,4] decode B.
    reqs = [ServeRequest(0, 0.0, 10, 2), ServeRequest(1, 0.5, 4, 2)]
    run = engine.simulate(reqs, unit_cost, SchedulerConfig(chunk=6), kv_blocks=100, block_size=16)
    rows = by_id(metrics.request_rows(run))
    assert [it.prefill_tokens for it in run.iterations] == [6, 6, 2, 0]
    assert [it.start_s for it in run.iterations] == [0, 1, 2, 3.5]
    assert (rows[0]["first_token_s"], rows[0]["finish_s"]) == (2.0, 3.5)
    assert (rows[1]["first_token_s"], rows[1]["finish_s"], rows[1]["tpot_s"]) == (3.5, 4.0, 0.5)


def test_kv_exactly_full_fits_without_preemption():
    # 32 + 16 prompt tokens fill 2 + 1 blocks of 16 exactly; one output token each: no growth.
    reqs = [ServeRequest(0, 0.0, 32, 1), ServeRequest(1, 0.0, 16, 1)]
    run = engine.simulate(reqs, unit_cost, SchedulerConfig(), kv_blocks=3, block_size=16)
    assert [it.kv_blocks_used for it in run.iterations] == [3]
    assert all(r["preemptions"] == 0 for r in metrics.request_rows(run))


def test_one_more_block_preempts_the_latest_request():
    # Both prefilled at [0,1] (3 of 3 blocks).  A's first decode needs a 4th block: B (admitted
    # last) is preempted; A decodes [1,1.5], [1.5,2] and finishes; B recomputes 16 + 1 tokens
    # [2,3] (its 2nd token) and decodes [3,3.5].
    reqs = [ServeRequest(0, 0.0, 32, 3), ServeRequest(1, 0.0, 16, 3)]
    run = engine.simulate(reqs, unit_cost, SchedulerConfig(), kv_blocks=3, block_size=16)
    rows = by_id(metrics.request_rows(run))
    assert (rows[0]["preemptions"], rows[1]["preemptions"]) == (0, 1)
    assert rows[0]["finish_s"] == 2.0
    assert (rows[1]["first_token_s"], rows[1]["finish_s"], rows[1]["tpot_s"]) == (1.0, 3.5, 1.25)
    assert [it.prefill_tokens for it in run.iterations] == [48, 0, 0, 17, 0]


def test_swap_preemption_charges_the_host_link():
    # As above with swap: B's 16 cached tokens go out at t=1 (charged in that iteration) and come
    # back when A finished (t=2.16), then B decodes twice (swap-in rides on the first); at
    # 0.01 s per token each transfer costs 0.16 s.
    reqs = [ServeRequest(0, 0.0, 32, 3), ServeRequest(1, 0.0, 16, 3)]
    cfg = SchedulerConfig(preemption="swap")
    run = engine.simulate(reqs, unit_cost, cfg, kv_blocks=3, block_size=16, swap_s_per_token=0.01)
    assert [it.swap_tokens for it in run.iterations] == [0, 16, 0, 16, 0]
    assert [it.time_s for it in run.iterations] == [1.0, pytest.approx(0.66), 0.5, pytest.approx(0.66), 0.5]
    rows = by_id(metrics.request_rows(run))
    assert rows[1]["preemptions"] == 1 and rows[1]["finish_s"] == pytest.approx(1.0 + 0.66 + 0.5 + 0.66 + 0.5)


def test_paged_cache_blocks():
    c = PagedKVCache(total=2, block_size=16)
    assert c.fits(7, 32) and not c.fits(7, 33)
    c.grow(7, 17)
    assert (c.used, c.extra_blocks(7, 32), c.extra_blocks(7, 33)) == (2, 0, 1)
    assert c.release(7) == 2 and c.free == 2


def test_capacity_blocks_boundary():
    # 1000 B free for blocks of 4 tokens x 25 B = 100 B: exactly 10 blocks; one byte less: 9.
    assert capacity_blocks(5000.0, 4000.0, 25.0, 4) == 10
    assert capacity_blocks(4999.0, 4000.0, 25.0, 4) == 9
    with pytest.raises(InputError):
        capacity_blocks(4099.0, 4000.0, 25.0, 4)


def test_request_larger_than_cache_is_refused():
    with pytest.raises(InputError, match="KV blocks"):
        engine.simulate([ServeRequest(0, 0.0, 40, 10)], unit_cost, SchedulerConfig(), kv_blocks=3, block_size=16)


def test_littles_law_on_the_simulated_queue():
    # Poisson arrivals at 0.8 of the service capacity; L from the iteration timeline (requests in
    # the system at each iteration start, weighted by its length) against lambda x W from the
    # requests.  Tolerance 3 %: an arrival during an iteration is counted from the next boundary.
    reqs = arrivals.synthetic("poisson", 2.0, 2000, 3, "alpaca", 4096)

    def cost(prefill, decode):
        return 0.02 + 1e-4 * sum(prefill) + 1e-4 * len(decode), 1.0

    run = engine.simulate(reqs, cost, SchedulerConfig(max_seqs=64), kv_blocks=10_000, block_size=16)
    lit = metrics.little(run, metrics.request_rows(run))
    assert lit["mean_in_system"] == pytest.approx(lit["throughput_x_mean_time"], rel=0.03)
    assert lit["mean_in_system"] > 1.0  # a real queue, not an empty system


def test_gamma_arrivals_mean_and_cv():
    t = arrivals.arrival_times("gamma", 4.0, 200_000, 1, cv=2.0)
    gaps = t[1:] - t[:-1]
    assert gaps.mean() == pytest.approx(0.25, rel=0.02)
    assert gaps.std() / gaps.mean() == pytest.approx(2.0, rel=0.03)


def test_slo_parsing():
    assert metrics.parse_slo("--slo-ttft", "500ms") == 0.5
    assert metrics.parse_slo("--slo-ttft", "2s") == 2.0
    assert metrics.parse_slo("--slo-ttft", "0.25") == 0.25
    for bad in ("fast", "-1", "0", "nan", "ms"):
        with pytest.raises(InputError):
            metrics.parse_slo("--slo-ttft", bad)


def test_out_of_order_trace(tmp_path):
    p = tmp_path / "t.csv"
    p.write_text("arrival_s,prompt_tokens,output_tokens\n0.5,10,2\n0.2,10,2\n")
    with pytest.raises(InputError, match="out of order"):
        arrivals.read_trace(p, 4096)
    q = tmp_path / "t.jsonl"
    q.write_text(
        '{"arrival_s": 0, "prompt_tokens": 3, "output_tokens": 2}\n{"arrival_s": 1.5, "prompt_tokens": 4, "output_tokens": 1}\n'
    )
    assert arrivals.read_trace(q, 4096) == [ServeRequest(0, 0.0, 3, 2), ServeRequest(1, 1.5, 4, 1)]


def test_grow_each_equals_growing_one_after_another():
    import random

    rng = random.Random(4)
    for _ in range(300):
        a, b = PagedKVCache(total=rng.randint(1, 40), block_size=rng.choice((1, 4, 16))), None
        for rid in range(6):
            t = rng.randint(1, 30)
            if a.fits(rid, t):
                a.grow(rid, t)
        b = PagedKVCache(a.total, a.block_size)
        b.held, b.used = dict(a.held), a.used
        wants = [(rid, rng.randint(1, 40)) for rid in rng.sample(range(8), rng.randint(0, 8))]
        seq_ok = sum(a.extra_blocks(r, t) for r, t in wants) <= a.free
        if seq_ok:
            for r, t in wants:
                a.grow(r, t)
        assert b.grow_each(wants) == seq_ok
        assert (b.used, {k: v for k, v in b.held.items() if v}) == (a.used, {k: v for k, v in a.held.items() if v})


@pytest.mark.parametrize(("policy", "blocks"), [("recompute", 90), ("swap", 90), ("recompute", 10_000)])
def test_decode_fast_path_gives_the_reference_schedule(monkeypatch, policy, blocks):
    # The scheduler grows all decoders at once when they fit together (linear time); with that
    # path switched off every decoder goes through the one-by-one preempting loop.  Same run.
    reqs = arrivals.synthetic("poisson", 6.0, 150, 8, "alpaca", 4096)
    cfg = SchedulerConfig(max_seqs=32, preemption=policy)

    def run():
        r = engine.simulate(reqs, unit_cost, cfg, kv_blocks=blocks, block_size=16, swap_s_per_token=1e-4)
        return metrics.request_rows(r), r.iterations

    fast = run()
    monkeypatch.setattr(PagedKVCache, "grow_each", lambda self, wants: False)
    assert run() == fast
    if blocks == 90:
        assert sum(r["preemptions"] for r in fast[0]) > 0
