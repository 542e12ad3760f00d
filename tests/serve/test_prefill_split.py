"""Prefill pricing from cached parts (llmaccel/serve/costs.py, docs/serving.md "Iteration costs").

P(L1..Ln) = G(T) + H(n) + sum_i [F(Li) - G(Li) - H(1)] is held against the joint simulation of
the same prompt lengths on every prefill host, and its cache keys against the stated bound.
"""

import random

import pytest

from llmaccel import config
from llmaccel.serve import session
from llmaccel.serve.costs import LM_HEAD_ROLE, PER_PROMPT_ROLES, ModelCosts, split_tokens
from llmaccel.serve.scheduler import SchedulerConfig
from llmaccel.workloads.zoo import get_model

MODEL = get_model("llama2-7b")


def prompt_sets(seed: int, count: int, max_len: int = 600) -> list[list[int]]:
    """Random prefill batches of 2..10 prompts, with 1-token and bucket-edge prompts mixed in."""
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        n = rng.randint(2, 10)
        out.append([rng.choice((1, 63, 64, 65, rng.randint(1, max_len))) for _ in range(n)])
    return out


def costs_for(preset: str, split: bool) -> ModelCosts:
    """The serving cost model of ``preset`` (NeuPIMs with its prefill stand-in), prompt lengths exact."""
    hw = config.load_hw(preset)
    setup = session.build(hw, MODEL, hw.default_quant, SchedulerConfig(), prefill_bucket=None, prefill_split=split)
    return setup.costs


@pytest.mark.parametrize(
    ("preset", "tolerance"),
    [
        # the systolic host and the GPU roofline sum time and energy over ops: equal up to rounding
        ("systolic-int8", 1e-9),
        ("a100-80gb", 1e-9),
        ("neupims", 1e-9),  # prefill on the systolic-fp16 stand-in
        # FlightLLM overlaps ops; measured within 2.4e-4 on these shapes since its cores stream from
        # 24 of the 32 HBM pseudo-channels (1.3e-4 when every transfer used all 32)
        ("u280", 3e-4),
    ],
)
def test_split_prefill_equals_the_joint_simulation(preset, tolerance):
    split, joint = costs_for(preset, True), costs_for(preset, False)
    for lens in prompt_sets(7, 5):
        st, se = split(lens, [])
        jt, je = joint(lens, [])
        assert st == pytest.approx(jt, rel=tolerance), lens
        assert se == pytest.approx(je, rel=tolerance), lens
    assert split.by_part.keys() == {"prefill", "prefill_tokens", "lm_head"}
    assert joint.by_part.keys() == {"prefill"}


def test_one_prompt_is_its_own_simulation():
    split = costs_for("u280", True)
    assert split([300], []) == split._simulate("prefill", (300,))
    assert split.by_part == {"prefill": 1}


def test_per_prompt_roles_are_the_ops_of_one_request():
    # the split relies on the trace builder emitting exactly these roles once per prompt
    from llmaccel.workload import model_trace
    from llmaccel.workloads.trace import Request

    trace = model_trace(MODEL, "prefill", lm_head=True, requests=[Request(i, n, 1, 0) for i, n in enumerate((5, 9))])
    per_prompt = {op.role for op in trace.ops if len(op.request_ids) == 1}
    assert per_prompt == PER_PROMPT_ROLES
    heads = [op for op in trace.ops if op.role == LM_HEAD_ROLE]
    assert [op.m for op in heads] == [2]


def test_split_tokens():
    assert split_tokens(4096, 4096) == [4096]
    assert split_tokens(5000, 4096) == [4096, 904]
    assert split_tokens(8192, 4096) == [4096, 4096]
    assert split_tokens(17, 4096) == [17]


class CountingCosts(ModelCosts):
    """The real cache keys, a stand-in simulation (1 s per key element) to count keys quickly."""

    def _simulate(self, part, key):
        return float(sum(key)), 0.0


@pytest.mark.parametrize("bucket", [16, 64, 100])
def test_prefill_simulations_stay_within_the_stated_bound(bucket):
    max_tokens, max_seqs, limit = 4096, 256, MODEL.max_position_embeddings
    costs = CountingCosts(MODEL, None, None, prefill_bucket=bucket, max_seqs=max_seqs)
    rng = random.Random(bucket)
    for _ in range(3000):
        chunks, left = [], max_tokens
        while left > 0 and len(chunks) < max_seqs and rng.random() < 0.95:
            c = rng.randint(1, min(left, limit))
            chunks.append(c)
            left -= c
        if chunks:
            costs(chunks, [])
    prefill = sum(costs.by_part.values())
    bound = 2 * (bucket + -(-max_tokens // bucket) + 1) + max_seqs
    assert prefill <= bound
    # every full-prefill key is one prompt at an exact (<= bucket) or bucketed length, or the context
    for part, key in costs.cache:
        if part == "prefill":
            assert len(key) == 1 and (key[0] <= bucket or key[0] % bucket == 0 or key[0] == limit)
