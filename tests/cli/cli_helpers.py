"""Helpers for the CLI tests: a hand-built Result (reports without any design) and an error-line check."""

from __future__ import annotations

from llmaccel.sim.result import MemoryRoof, OpStats, Result, fill_typed


def small_result() -> Result:
    """Three ops on two layers; every number chosen by hand so expectations can be derived on paper."""
    ops = [
        OpStats(
            "L0.q_proj",
            "gemm",
            0,
            "decode",
            "array",
            cycles=1000,
            compute_cycles=800,
            stall_cycles=200,
            macs=64_000,
            utilisation=0.0625,
            start_cycle=0,
            bytes={"dram_read": 4096.0, "dram_write": 1024.0, "sram_read": 9000.0},
            energy_pj={"pe_array": 500.0, "dram": 1500.0},
        ),
        OpStats(
            "L0.attn_score.r0",
            "attn_score",
            0,
            "decode",
            "array",
            cycles=300,
            compute_cycles=300,
            stall_cycles=0,
            macs=16_384,
            utilisation=16_384 / (300 * 1024),
            start_cycle=1000,
            bytes={"dram_read": 2048.0},
            energy_pj={"pe_array": 100.0, "dram": 250.5},
        ),
        OpStats(
            "L1.softmax",
            "softmax",
            1,
            "decode",
            "sfu",
            cycles=200,
            compute_cycles=200,
            stall_cycles=0,
            macs=0,
            utilisation=0.0,
            start_cycle=1300,
            bytes={},
            energy_pj={"sfu": 12.25},
        ),
    ]
    result = Result(
        design="systolic",
        preset="toy",
        model="toy-model",
        clock_mhz=500.0,
        total_cycles=1500,
        ops=ops,
        peak_macs_per_cycle=1024.0,
        energy_pj={"pe_array": 600.0, "dram": 1750.5, "sfu": 12.25, "leakage": 137.25},
        meta={"phase": "decode"},
        assumptions=["toy numbers for tests"],
    )
    # 64 GB/s at 500 MHz = 128 bytes per cycle
    return fill_typed(result, off_chip=("dram",), roofs=[MemoryRoof("dram", True, 64e9, "toy roof")])


def assert_one_line_error(r, field: str) -> None:
    """Exit 2, exactly one stderr line naming ``field``, no traceback, nothing on stdout."""
    assert r.rc == 2, (r.rc, r.err)
    lines = r.err.strip().splitlines()
    assert len(lines) == 1, r.err
    assert field in lines[0], lines[0]
    assert "Traceback" not in r.err
    assert r.out == ""
