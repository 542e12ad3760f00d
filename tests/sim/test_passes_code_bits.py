"""PE passes follow code widths, not storage widths (group scales / sparsity change traffic only)."""

from llmaccel.sim.preset import load_preset
from llmaccel.sim.systolic.model import simulate_gemm
from llmaccel.sim.systolic.params import systolic_params
from llmaccel.sim.systolic.pe import PEType


def test_int4_group_weights_take_one_pass_on_a_4bit_pe():
    p = systolic_params(load_preset("systolic-int8"))
    array, mem = p.array_params(), p.mem_params()
    pe4 = PEType("int4", 4, 4, "int", 1, 1, 32, ("int8_mult", "int32_add"), "pe_int8")
    stored = 4 + 20 / 128  # INT4 codes + fp16 scale and 4-bit zero per group of 128
    grouped = simulate_gemm(64, 256, 512, array, mem, pe4, 4, stored, 32, a_code_bits=4, b_code_bits=4)
    plain = simulate_gemm(64, 256, 512, array, mem, pe4, 4, 4, 32)
    # Same array work (one pass each), more bytes for the scales.
    assert grouped.compute_cycles == plain.compute_cycles
    assert grouped.dram_read > plain.dram_read
    # Without the code widths the stored 4.16 bits would round up to two 4-bit passes.
    two_pass = simulate_gemm(64, 256, 512, array, mem, pe4, 4, stored, 32)
    assert two_pass.compute_cycles > plain.compute_cycles
