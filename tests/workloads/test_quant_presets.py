"""Quantization presets: shipped presets, role groups, overrides and bad YAML."""

import pytest

from llmaccel.workloads.errors import InputError
from llmaccel.workloads.quant_presets import ROLES, get_quant, parse_preset, quant_names


def test_shipped_presets():
    assert {"fp16", "w8a8", "w8a16", "w4a16-g128", "w4a8-g128"} <= set(quant_names())
    a, b, o = get_quant("w4a8-g128").spec_for("ffn_down")
    assert (a.fmt, a.bits, b.fmt, b.bits, b.group_size, o.fmt) == ("int8", 8, "int4-group", 4, 128, "fp16")
    # 4 code bits + (16-bit scale + 4-bit zero) / 128 per value
    assert b.storage_bits_per_value() == pytest.approx(4 + 20 / 128)
    assert get_quant("int8") is get_quant("w8a8")
    assert get_quant("w8a8").spec_for("attn_context")[1].fmt == "int8"
    assert get_quant("w8a16").spec_for("attn_score")[1].fmt == "fp16"
    sp = get_quant("w8a8-sp24").spec_for("q_proj")[1]
    assert sp.sparsity.n == 2 and sp.sparsity.m == 4 and sp.storage_bits_per_value() == 4.0
    for name in quant_names():
        q = get_quant(name)
        assert set(q.table) == set(ROLES)


def test_role_overrides_group():
    q = parse_preset(
        {
            "schema": 1,
            "name": "t",
            "specs": {"i4": {"fmt": "int4"}},
            "roles": {"linear": {"b": "int8"}, "ffn_down": {"b": "i4", "a": "bf16"}},
        }
    )
    assert q.spec_for("q_proj")[1].fmt == "int8"
    assert q.spec_for("ffn_down")[1].fmt == "int4" and q.spec_for("ffn_down")[0].fmt == "bf16"
    assert q.spec_for("softmax")[0].fmt == "fp16"


def test_yaml_path(tmp_path):
    p = tmp_path / "mine.yaml"
    p.write_text("schema: 1\nname: mine\nroles:\n  attention: {b: int8}\n")
    assert get_quant(str(p)).spec_for("attn_score")[1].fmt == "int8"


@pytest.mark.parametrize(
    "doc, match",
    [
        ({"schema": 2, "name": "x"}, "schema"),
        ({"schema": 1}, "name"),
        ({"schema": 1, "name": "x", "colour": 1}, "unknown top-level"),
        ({"schema": 1, "name": "x", "roles": {"q_projection": {"b": "int8"}}}, "unknown role"),
        ({"schema": 1, "name": "x", "roles": {"linear": {"w": "int8"}}}, "unknown operand"),
        ({"schema": 1, "name": "x", "roles": {"linear": {"b": "int5"}}}, "unknown spec or format"),
        ({"schema": 1, "name": "x", "specs": {"s": {"fmt": "int9"}}}, "unknown format"),
        ({"schema": 1, "name": "x", "specs": {"s": {"fmt": "int4", "group_size": 0}}}, "group_size"),
        (
            {"schema": 1, "name": "x", "specs": {"s": {"fmt": "int8", "sparsity": {"n": 5, "m": 4, "density": 1}}}},
            "sparsity",
        ),
    ],
)
def test_bad_presets(doc, match):
    with pytest.raises(InputError, match=match):
        parse_preset(doc)


def test_unknown_preset_and_role():
    with pytest.raises(InputError, match="allowed: .*fp16.* or a YAML path"):
        get_quant("w3a3")
    with pytest.raises(InputError, match="unknown role"):
        get_quant("fp16").spec_for("conv")
