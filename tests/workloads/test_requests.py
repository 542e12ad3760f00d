"""Request sets: fixed batches, sampled lengths (means, determinism, clipping)."""

import numpy as np
import pytest

from llmaccel.workloads.errors import InputError
from llmaccel.workloads.requests import dist_names, fixed, load_dist, sample


def test_fixed_defaults():
    r = fixed(3, 100, 20)
    assert [(x.id, x.prompt_len, x.gen_len, x.kv_len) for x in r] == [
        (0, 100, 20, 100),
        (1, 100, 20, 100),
        (2, 100, 20, 100),
    ]
    assert fixed(1, 100, 20, phase="prefill")[0].kv_len == 0
    assert fixed(1, 100, 20, kv_len=150)[0].kv_len == 150


@pytest.mark.parametrize("dist, p_mean, g_mean", [("sharegpt", 80, 296), ("alpaca", 12, 56)])
def test_sample_means_match_targets(dist, p_mean, g_mean):
    r = sample(dist, 40000, seed=11)
    p = np.array([x.prompt_len for x in r])
    g = np.array([x.gen_len for x in r])
    assert abs(p.mean() / p_mean - 1) < 0.04
    assert abs(g.mean() / g_mean - 1) < 0.04
    assert p.min() >= 1 and g.min() >= 1


def test_decode_snapshot_progress_is_uniform():
    r = sample("alpaca", 20000, seed=2)
    frac = np.array([(x.kv_len - x.prompt_len) / x.gen_len for x in r])
    assert (frac >= 0).all() and (frac < 1).all()
    assert all(x.prompt_len <= x.kv_len < x.prompt_len + x.gen_len for x in r)
    assert abs(frac.mean() - 0.5) < 0.03  # floor(U * g) / g averages just under 1/2
    assert all(x.kv_len == 0 for x in sample("alpaca", 50, seed=2, phase="prefill"))


def test_deterministic_for_a_seed_and_differs_across_seeds():
    assert sample("sharegpt", 300, seed=5) == sample("sharegpt", 300, seed=5)
    assert sample("sharegpt", 300, seed=5) != sample("sharegpt", 300, seed=6)
    assert [x.id for x in sample("sharegpt", 7, seed=5)] == list(range(7))


def test_clipped_to_context():
    r = sample("sharegpt", 5000, seed=0, max_len=256)
    assert max(x.prompt_len + x.gen_len for x in r) <= 256
    assert max(x.kv_len for x in r) < 256


def test_dist_files_have_sources():
    assert dist_names() == ["alpaca", "sharegpt"]
    assert load_dist("sharegpt")["prompt_len"][0] == 80.0


@pytest.mark.parametrize(
    "call, field",
    [
        (lambda: fixed(0, 10, 10), "--batch"),
        (lambda: fixed(1, -1, 10), "--prompt-len"),
        (lambda: fixed(1, 10, 0), "--gen-len"),
        (lambda: fixed(1, 10, 10, kv_len=0), "--kv-len"),
        (lambda: fixed(1, 10, 10, phase="x"), "--phase"),
        (lambda: sample("lmsys", 10, 0), "dist"),
        (lambda: sample("alpaca", 0, 0), "--batch"),
        (lambda: sample("alpaca", 10, -1), "--seed"),
        (lambda: sample("alpaca", 10, 0, phase="y"), "--phase"),
        (lambda: sample("alpaca", 10, 0, max_len=1), "max_len"),
    ],
)
def test_bad_inputs(call, field):
    with pytest.raises(InputError) as e:
        call()
    assert e.value.field == field
