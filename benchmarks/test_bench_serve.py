"""Serving simulation speed: ShareGPT requests on LLaMA2-7B per host, and the cost-cache hit rate.

Run: .venv/bin/pytest benchmarks/test_bench_serve.py --benchmark-only -s
(``SERVE_BENCH_REQUESTS`` sets the request count, default 10000.)  Each case runs once from a
cold cost cache (a fresh setup, default buckets: prefill split at 64 tokens) and prints requests,
iterations, simulations (per cached part), hit rate, seconds (wall clock, and CPU time of this
process, which a loaded machine inflates less) and the machine's 1-minute load average before and
after (the machine is shared).
"""

import os
import time

import pytest

from llmaccel import config
from llmaccel.serve import arrivals, session
from llmaccel.serve.scheduler import SchedulerConfig
from llmaccel.workloads.zoo import get_model

N = int(os.environ.get("SERVE_BENCH_REQUESTS", "10000"))
#: Offered load per host (req/s), about what each sustains with ShareGPT lengths, so the
#: queue neither stays empty nor grows without bound.
RATES = {"systolic-int8": 0.1, "u280": 0.1, "neupims": 4.0}
#: NeuPIMs keeps each request's KV in one 1 GiB HBM-PIM channel beside 1/32 of the weights
#: (mapping/neupims.py refuses more), so LLaMA2-7B FP16 requests there stay within 1024 tokens
#: and at most one sequence per channel runs.
LIMITS = {"neupims": (1024, 32)}
#: Decode sequence counts simulated exactly (session.build's seq_exact, default 32): systolic-int8
#: is linear within each 32-row segment (docs/serving.md), so it interpolates from 1 sequence.
SEQ_EXACT = {"systolic-int8": 0}


@pytest.mark.parametrize("preset", sorted(RATES))
def test_bench_serve_sharegpt(benchmark, preset):
    hw = config.load_hw(preset)
    model = get_model("llama2-7b")
    max_len, max_seqs = LIMITS.get(preset, (model.max_position_embeddings, 256))
    reqs = arrivals.synthetic("poisson", RATES[preset], N, 0, "sharegpt", max_len)
    box = {}

    def go():
        setup = session.build(
            hw, model, hw.default_quant, SchedulerConfig(max_seqs=max_seqs), seq_exact=SEQ_EXACT.get(preset, 32)
        )
        t, cpu = time.perf_counter(), time.process_time()
        _, summary, _ = session.serve(setup, reqs)
        box.update(seconds=time.perf_counter() - t, cpu_seconds=time.process_time() - cpu, setup=setup, summary=summary)

    load_before = os.getloadavg()[0]
    benchmark.pedantic(go, rounds=1, iterations=1)
    c = box["setup"].costs
    print(
        f"\n{preset}: {N} requests, {box['summary']['iterations']} iterations, {c.misses} simulations "
        f"{dict(sorted(c.by_part.items()))}, hit rate {c.hit_rate:.4f}, {box['seconds']:.1f} s ({box['cpu_seconds']:.1f} s of CPU), "
        f"load average {load_before:.1f} -> {os.getloadavg()[0]:.1f}"
    )
    assert box["summary"]["requests"] == N
