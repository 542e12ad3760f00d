"""The one systolic array host: the three array designs are one pipeline, and its plug-ins
and conventions give hand-computed numbers."""

from __future__ import annotations

import math
from dataclasses import replace

import pytest

from llmaccel.mapping.tiling import Buffers, choose_tiling
from llmaccel.sim.designs import get_design
from llmaccel.sim.memory import OffChip
from llmaccel.sim.preset import load_preset
from llmaccel.sim.systolic.host import ArrayHost
from llmaccel.sim.systolic.machine import Conventions
from llmaccel.sim.systolic.model import ArrayParams, BlockCost, MemParams, simulate_tiling
from llmaccel.sim.systolic.params import SystolicProfile
from llmaccel.sim.systolic.pe import INT8_PE
from llmaccel.sim.systolic.plugins import GroupDequant, InLoopDequant, OutlierPath
from llmaccel.sim.systolic.timing import FoldTiming
from llmaccel.workloads.errors import InputError
from llmaccel.workloads.ops import Op, OpKind, Phase
from llmaccel.workloads.quant_spec import INT8, named


def _op(m, n, k, a=INT8, b=INT8, b_class="weight"):
    return Op("L0.x", OpKind.GEMM, 0, Phase.PREFILL, m, n, k, a_spec=a, b_spec=b, role="q_proj", b_class=b_class)


@pytest.mark.parametrize("name", ["systolic", "olive", "mixpe"])
def test_array_designs_are_one_host(name):
    d = get_design(name)
    assert type(d) is ArrayHost and d.name == name
    assert type(d).simulate is ArrayHost.simulate and type(d).compile is ArrayHost.compile


def test_outlier_path_hand_values():
    o = OutlierPath(0.01, 0.03, 8, 8, 8, 2, ("int8_mult",), 0.0)
    op = _op(4, 4, 16, a=named("olaccel"), b=named("olaccel"))
    assert o.fractions(op) == (0.03, 0.01)
    # 256 MACs x (1 - 0.97 * 0.99) = 10.1248 outlier MACs; ceil(10.1248 / 8) + 2 * 3 folds
    macs, cyc = o.run(op, 256, 3)
    assert macs == pytest.approx(256 * (1 - 0.97 * 0.99))
    assert cyc == 2 + 6
    assert o.run(_op(4, 4, 16), 256, 3) == (0.0, 0)  # plain int8 operands: no outliers
    assert o.extra_bits(named("olaccel"), 0.03) == pytest.approx(0.03 * 16)


def test_in_loop_dequant_hand_values():
    d = InLoopDequant(lanes=2, ii=3, action="dequant_weight_fp16", area_key="dequant_weight_fp16")
    assert d.block_cycles(4, 8) == math.ceil(32 / 2) * 3
    assert d.ops(_op(6, 4, 8), 8, mb=3) == 8 * 4 * 3


def test_group_dequant_counts_and_sharing_bound():
    d = GroupDequant("dequant_group_fixed", "", "dequant_group_fp", ii=1, pes_per_unit=8)
    assert d.block_cycles(64, 64) == 0
    assert d.ops(_op(3, 5, 300), 128, mb=1) == 3 * 5 * 3
    d.check_sharing(_op(3, 5, 300), 32, 4)  # 8 PEs x II 1 x 4 lanes = 32 <= 32: allowed
    with pytest.raises(InputError) as e:
        d.check_sharing(_op(3, 5, 300), 16, 4)
    assert e.value.field == "dequant.pes_per_unit" and "pes_per_unit <= 4" in str(e.value)


def test_block_k_unit_conventions():
    hw = load_preset("systolic-int8").with_overrides({"array.rows": 4, "array.cols": 6})
    m = SystolicProfile().machine(hw)
    assert m.units() == (4, 6, 6)  # os sweep: max(R, C) * d
    ws = SystolicProfile().machine(hw.with_overrides({"array.dataflow": "ws"}))
    assert ws.units() == (6, 6, 4)  # (max(R, C), C, R * d)
    assert replace(m, conventions=Conventions(k_unit="beat")).units() == (4, 6, 1)


def test_partial_sums_written_per_pass_or_once():
    # one 4x4x8 block on a 4x4 os int8 array: 16 outputs of 32 bits = 64 B per write
    array = ArrayParams(4, 4, "os")
    mem = MemParams(1024, 1024, 1024, OffChip(1, 64.0, 0.0, 64, 500.0))
    tiling = choose_tiling(
        4, 4, 8, (4, 4, 8), Buffers(1024, 1024, 1024), 8, 8, 8, 32, BlockCost(FoldTiming(array), INT8_PE, 2), 64
    )
    per_pass = simulate_tiling(tiling, array, mem, INT8_PE, 2)
    once = simulate_tiling(tiling, array, mem, INT8_PE, 2, psum_sram_per_pass=False)
    assert per_pass.sram_write - once.sram_write == 64
    assert per_pass.sram_read == once.sram_read and per_pass.cycles == once.cycles
