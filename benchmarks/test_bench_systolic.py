"""Fast systolic model speed: 4096^3 GEMM on a 128x128 array (target < 50 ms).

Run: .venv/bin/pytest benchmarks/test_bench_systolic.py --benchmark-only
Caches are cleared every round so each round does the full work.
"""

from llmaccel.mapping.tiling import _choose
from llmaccel.sim.memory import OffChip
from llmaccel.sim.systolic.dataflow import fold_geometry
from llmaccel.sim.systolic.fast import gemm_cycles
from llmaccel.sim.systolic.model import ArrayParams, MemParams, simulate_gemm, simulate_tiling
from llmaccel.sim.systolic.pe import INT8_PE

ARRAY = ArrayParams(128, 128, "os")
MEM = MemParams(8 << 20, 2 << 20, 2 << 20, OffChip(8, 460.0, 100.0, 64, 700.0))


def _clear():
    for f in (gemm_cycles, fold_geometry, _choose, simulate_gemm, simulate_tiling):
        f.cache_clear()


def test_bench_gemm_cycles_4096(benchmark):
    def go():
        _clear()
        return gemm_cycles(4096, 4096, 4096, 128, 128, "os")

    cycles = benchmark(go)
    assert cycles == 32 * 32 * (2 * 128 + 128 + 4096 - 2)


def test_bench_simulate_gemm_4096_with_memory(benchmark):
    def go():
        _clear()
        return simulate_gemm(4096, 4096, 4096, ARRAY, MEM, INT8_PE, 8, 8, 8)

    st = benchmark(go)
    assert st.cycles >= st.compute_cycles > 0
