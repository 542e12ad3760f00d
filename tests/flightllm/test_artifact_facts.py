"""The FlightLLM authors' artifact facts (sim/flightllm/artifact.yaml) and what the rows compute from them."""

from __future__ import annotations

from llmaccel.reproduce.flightllm import ARTIFACT, _artifact_storage
from llmaccel.sim.flightllm.params import flight_params
from llmaccel.sim.flightllm.resources import check_fit
from llmaccel.sim.preset import load_preset, read_yaml


def _inst() -> dict:
    return read_yaml(ARTIFACT, "artifact")["instructions"]


def test_artifact_instruction_bytes_by_hand():
    # KV-1024 decode step: 97746 LD x 7 + 418 ST x 3 + 9854 MV x 4 + 4545 MISC x 3 + 418 SYS x 1 words
    # = 738945 words = 2 955 780 B; 512-token prefill: 34 680 154 words = 138 720 616 B.
    st = _artifact_storage(_inst(), prefill_step=128, decode_step=16, max_len=2048)
    assert st["decode_1024"] == 2_955_780
    assert st["prefill_512"] == 138_720_616
    # 128 decode buckets: 32 of each of the four KV-512 count sets (2 710 020, 2 955 780, 3 201 540,
    # 3 447 300 B) = 394 068 480 B; 16 prefill buckets, affine through (128, 34 068 520) and
    # (512, 138 720 616): 16 x 34 068 520 + 272 531.5 x 128 x (0 + 1 + ... + 15) = 4 731 180 160 B.
    assert st["programs"] == 144
    assert st["with"] == 394_068_480 + 4_731_180_160


def test_artifact_storage_without_buckets_repeats_each_bucket_over_its_lengths():
    st = _artifact_storage(_inst(), prefill_step=128, decode_step=16, max_len=2048)
    # every prefill bucket covers 128 exact lengths, every decode bucket 16
    assert st["without"] == 128 * 4_731_180_160 + 16 * 394_068_480
    assert 119 < st["without"] / st["with"] < 120


def test_decode_count_sets_step_at_512_keys():
    rows = _inst()["decode_by_kv_512_block"]["value"]
    lds = [r["LD"] for r in rows]
    # each 512 more keys add the same 8192 LDs and 1024 MVs (K/V tiles of 32 layers)
    assert [b - a for a, b in zip(lds, lds[1:], strict=False)] == [8192, 8192, 8192]
    assert [b["MV"] - a["MV"] for a, b in zip(rows, rows[1:], strict=False)] == [1024, 1024, 1024]


def test_vhk158_is_the_artifacts_four_core_configuration_and_fits():
    p = flight_params(load_preset("vhk158"))
    assert p.compute.cores == 4
    assert p.clock_mhz == 225
    u = check_fit(p, "vhk158")
    # 4 cores x (pN 2 x pM/2 64 x pK 16) DSPs in MM mode
    assert u["dsp"]["used"] == 8192


def test_artifact_grid_and_points_line_up():
    art = read_yaml(ARTIFACT, "artifact")
    n = len(art["grid_points"])
    assert n == 6
    for key in ("gpu_opt", "gpu_naive", "vhk158_profile"):
        assert len(art[key]["decode_tokens_per_s"]["value"]) == n
