"""mapping.systolic: every op becomes a task; bad inputs are InputErrors."""

import pytest

from llmaccel.sim.designs import get_design, run
from llmaccel.sim.preset import load_preset
from llmaccel.workloads.errors import InputError
from llmaccel.workloads.graph import build_trace
from llmaccel.workloads.requests import fixed


@pytest.fixture(scope="module")
def trace():
    return build_trace("opt-6.7b", "prefill", fixed(1, 40, 1), quant="w8a8", layers=1)


def test_every_op_mapped_and_tilings_fit(trace):
    hw = load_preset("systolic-int8")
    prog = get_design("systolic").compile(trace, hw)
    assert [t.op.name for t in prog.tasks] == [o.name for o in trace.ops]
    from llmaccel.mapping.tiling import Buffers

    buf = Buffers(256 * 1024, 128 * 1024, 128 * 1024)  # the preset's SRAM (KiB), double buffered
    for t in prog.tasks:
        if t.op.kind.is_matmul:
            t.tiling.check_fits(buf)
            assert (t.tiling.m, t.tiling.n, t.tiling.k) == (t.op.m, t.op.n, t.op.k)
        else:
            assert t.elements == t.op.m * t.op.n * t.op.count


def test_sram_too_small_is_a_tile_error(trace):
    # a 128x128 array with a 1 KiB output SRAM: even one 128x128 int32 output block (64 KiB) cannot fit
    hw = load_preset("systolic-int8").with_overrides({"sram.output_kib": 1, "array.rows": 128, "array.cols": 128})
    with pytest.raises(InputError) as e:
        run(trace, hw)
    assert e.value.field == "tile" and "output_sram" in str(e.value)


def test_missing_vector_pass_count(trace):
    hw = load_preset("systolic-int8").with_overrides({"vector.passes": {"softmax": 3}})
    with pytest.raises(InputError) as e:
        run(trace, hw)
    assert e.value.field == "vector.passes"
