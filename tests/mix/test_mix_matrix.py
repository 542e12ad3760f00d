"""Every registered PE x every shipped quantization preset either runs or is refused with an
InputError naming a field (never another exception), and refusals follow the stated rules:
integers run on integer PEs (bit-sliced) and on float PEs up to their width; floats need a
float PE of sufficient width; any other code needs a PE whose edge decoder takes it."""

from __future__ import annotations

import pytest
from mix_helpers import run_trace

from llmaccel.sim.components import hosted_pe, pe_names
from llmaccel.sim.preset import load_preset
from llmaccel.workloads.errors import InputError
from llmaccel.workloads.graph import build_trace
from llmaccel.workloads.quant_presets import quant_names
from llmaccel.workloads.requests import fixed
from llmaccel.workloads.zoo import get_model

ALLOWED_FIELDS = {"array.pe", "quant", "workload.quant"}


def _runs(h, family: str, fmt: str, bits: int) -> bool:
    if family in ("int", "int-group"):
        return h.pe.family == "int" or bits <= h.pe.a_bits
    if family == "float":
        return h.pe.family == "float" and bits <= h.pe.a_bits
    return h.decoder is not None and fmt in h.decoder.formats


@pytest.mark.parametrize("quant", quant_names())
def test_every_pe_on_every_quant_preset(quant):
    tr = build_trace(get_model("gpt2-xl"), "decode", fixed(2, 16, 1), quant=quant, layers=1)
    specs = {(s.family, s.fmt, s.bits) for op in tr.ops if op.kind.is_matmul for s in (op.a_spec, op.b_spec)}
    base = load_preset("systolic-int8")
    for name in pe_names():
        h = hosted_pe(name)
        expected = all(_runs(h, *s) for s in specs)
        try:
            res = run_trace(tr, base.with_overrides({"array.pe": name}))
        except InputError as e:
            assert e.field in ALLOWED_FIELDS, (name, quant, str(e))
            assert not expected, (name, quant, str(e))
        else:
            assert expected, (name, quant)
            assert res.total_cycles > 0
