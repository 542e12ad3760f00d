"""``llmaccel run --gen-len``: decode over the generated length (issue 14 §3), against single-step runs."""

from __future__ import annotations

import json

import pytest

BASE = ("run", "--quiet", "--format", "json", "--layers", "1", "--batch", "2", "--prompt-len", "100")


def _time(cli, *argv):
    r = cli(*BASE, *argv)
    assert r.rc == 0, r.err
    return json.loads(r.out)


def test_bucket_of_one_is_the_sum_of_single_steps(cli):
    """3 tokens, one simulation per step: the steps attend to 100, 101, 102 keys."""
    d = _time(cli, "--gen-len", "3", "--gen-bucket", "1")
    singles = [_time(cli, "--kv-len", str(100 + j)) for j in range(3)]
    gen = d["generation"]
    assert gen["time_s"] == pytest.approx(sum(s["time_s"] for s in singles), rel=1e-12)
    assert gen["energy_pj"] == pytest.approx(sum(s["total_energy_pj"] for s in singles), rel=1e-12)
    assert gen["tokens_per_s"] == pytest.approx(3 * 2 / gen["time_s"])
    # the one-step result itself is unchanged by --gen-len
    assert d["time_s"] == singles[0]["time_s"]


def test_buckets_stand_for_their_middle_step(cli):
    """4 tokens in buckets of 2: steps (0, 1) simulated at offset 0, steps (2, 3) at offset 2."""
    gen = _time(cli, "--gen-len", "4", "--gen-bucket", "2")["generation"]
    t0, t2 = (_time(cli, "--kv-len", str(k))["time_s"] for k in (100, 102))
    assert [b["kv_offset"] for b in gen["buckets"]] == [0, 2]
    assert gen["time_s"] == pytest.approx(2 * t0 + 2 * t2, rel=1e-12)
    assert gen["time_per_token_s"] == pytest.approx(gen["time_s"] / 4)


def test_without_gen_len_nothing_is_added(cli):
    assert "generation" not in _time(cli)


@pytest.mark.parametrize(
    "argv",
    [
        ("--gen-len", "4", "--phase", "prefill"),
        ("--gen-len", "5000"),  # llama2-7b has 4096 positions
        ("--gen-len", "0"),
        ("--gen-len", "4", "--gen-bucket", "0"),
    ],
)
def test_bad_generation_is_one_line(cli, argv):
    r = cli(*BASE, *argv)
    assert r.rc == 2 and len(r.err.strip().splitlines()) == 1 and "--gen" in r.err
