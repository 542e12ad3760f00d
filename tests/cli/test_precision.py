"""Presets carry their precision (issue 14 §2): default_quant, --quant override, bit flags, pass warnings."""

from __future__ import annotations

import json

import pytest

from llmaccel import config
from llmaccel.sim.preset import load_preset, preset_names
from llmaccel.workloads.quant_presets import get_quant, with_bits

E, F = 4096, 11008  # llama2-7b hidden and FFN widths (zoo file)


def test_every_preset_names_a_loadable_default_quant_with_a_source():
    for name in preset_names():
        hw = load_preset(name)
        assert hw.default_quant, name
        assert hw.default_quant_source.strip(), name
        get_quant(hw.default_quant)
        # OliVe-family presets also name their format for the reproduction: the two agree
        assert hw.params.get("quant_preset", hw.default_quant) == hw.default_quant, name


def test_run_and_trace_share_the_default_of_the_default_hardware():
    assert load_preset(config.DEFAULT_HW).default_quant == config.DEFAULT_QUANT == "w8a8"


def _json(cli, *argv):
    r = cli("run", "--quiet", "--format", "json", "--layers", "1", *argv)
    assert r.rc == 0, r.err
    return json.loads(r.out)


def test_olive_preset_alone_runs_its_own_4bit_format_without_warning(cli):
    d = _json(cli, "--hw", "olive-w4a4")
    assert d["workload"]["quant"] == "olive-w4a4"
    assert "warnings" not in d


def test_explicit_quant_overrides_and_the_extra_passes_are_a_warning(cli, tmp_path):
    d = _json(cli, "--hw", "olive-w4a4", "--quant", "w8a8", "--out", str(tmp_path / "r"), "--no-plots")
    assert d["workload"]["quant"] == "w8a8"
    (w,) = d["warnings"]
    # 8-bit x 8-bit operands on 4x4-bit PEs: ceil(8/4) * ceil(8/4) = 4 passes
    assert "4 passes instead of 1" in w and "q_proj" in w and "attn_score" in w
    summary = json.loads((tmp_path / "r" / "summary.json").read_text())
    assert summary["warnings"] == [w]
    table = cli("run", "--quiet", "--layers", "1", "--hw", "olive-w4a4", "--quant", "w8a8").out
    assert "warning: precision:" in table


def test_mixpe_preset_alone_runs_w4a8_g128(cli):
    assert _json(cli, "--hw", "mixpe-w4a8")["workload"]["quant"] == "w4a8-g128"


def test_default_run_is_still_w8a8(cli):
    d = _json(cli)
    assert d["workload"]["quant"] == "w8a8" and "warnings" not in d


def test_wbits_overrides_only_the_weights():
    q = with_bits("w8a8", wbits=4)
    a, b, o = q.table["q_proj"]
    assert (a.fmt, b.fmt, b.bits, o.fmt) == ("int8", "int4", 4, "fp16")
    assert q.table["attn_score"] == get_quant("w8a8").table["attn_score"]  # KV untouched
    assert q.table["softmax"] == get_quant("w8a8").table["softmax"]
    assert q.name == "w8a8+wbits4"


def test_kvbits_and_abits_target_their_operands():
    q = with_bits("fp16", abits=8, kvbits=4)
    a, b, _ = q.table["attn_context"]
    assert (a.fmt, b.fmt) == ("int8", "int4")
    a, b, _ = q.table["ffn_up"]
    assert (a.fmt, b.fmt) == ("int8", "fp16")


def test_bit_flags_keep_the_family_of_the_preset():
    a, b, _ = with_bits("olive-w4a4", wbits=8, abits=8).table["o_proj"]
    assert (a.fmt, b.fmt) == ("ovp8", "ovp8")
    _, b, _ = with_bits("w4a8-g128", wbits=3).table["o_proj"]
    assert (b.fmt, b.bits, b.group_size, b.scale_bits) == ("int3-group", 3, 128, 19)


def test_wgroup_makes_group_weights_with_fp16_scale_and_zero(cli, tmp_path):
    out = tmp_path / "t.jsonl"
    r = cli("trace", "--layers", "1", "--wbits", "4", "--wgroup", "64", "--out", str(out))
    assert r.rc == 0, r.err
    # one llama2-7b block: 4 E^2 + 3 E F weights at 4 + (16 + 4) / 64 bits each
    want = (4 * E * E + 3 * E * F) * (4 + 20 / 64) / 8
    assert f"weights {want / 1e9:.3f} GB" in r.out
    assert "w8a8+wbits4+wgroup64" in r.out


def test_trace_defaults_to_the_run_default_quant(cli, tmp_path):
    r = cli("trace", "--layers", "1", "--out", str(tmp_path / "t.jsonl"))
    assert r.rc == 0 and ", w8a8:" in r.out
    # one block at 1 byte per weight
    assert f"weights {(4 * E * E + 3 * E * F) / 1e9:.3f} GB" in r.out


@pytest.mark.parametrize(
    "argv, field",
    [
        (["--wbits", "5"], "--wbits"),
        (["--kvbits", "0"], "--kvbits"),
        (["--wgroup", "-1"], "--wgroup"),
        (["--wbits", "16", "--wgroup", "128"], "--wgroup"),
    ],
)
def test_bad_bit_flags_are_one_line(cli, argv, field):
    r = cli("run", "--quiet", "--layers", "1", *argv)
    assert r.rc == 2
    lines = r.err.strip().splitlines()
    assert len(lines) == 1 and field in lines[0]


def test_a_pe_swapped_onto_the_baseline_is_judged_by_its_own_design_format(cli):
    """--set array.pe=olive-ovp4 on systolic-int8 with the host's w8a8: the PE comes from the
    olive-w4a4 preset, whose format runs in 1 pass; W8A8 takes ceil(8/4)^2 = 4."""
    d = _json(cli, "--set", "array.pe=olive-ovp4")
    (w,) = d["warnings"]
    assert "olive-ovp4 PEs of systolic-int8 in 4 passes instead of 1 under olive-w4a4" in w
    assert "warnings" not in _json(cli, "--set", "array.pe=olive-ovp4", "--quant", "olive-w4a4")


def test_formats_cannot_be_changed_on_a_trace_file(cli, tmp_path):
    t = tmp_path / "t.jsonl"
    assert cli("trace", "--layers", "1", "--out", str(t)).rc == 0
    for flag in (("--wbits", "4"), ("--quant", "fp16")):
        r = cli("run", "--quiet", "--trace", str(t), *flag)
        assert r.rc == 2 and flag[0] in r.err and "trace file carries" in r.err
