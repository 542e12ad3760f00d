"""Registered RTL checks of the MixPE PE (see rtl/registry.py)."""

from __future__ import annotations

import json
from pathlib import Path

from llmaccel.rtl.flow import run_cocotb, write_verilog
from llmaccel.rtl.mixpe.pe import MixPE, MixPEConfig
from llmaccel.rtl.mixpe.pe_fp16 import MixPEFp16Group
from llmaccel.rtl.mixpe.vectors import build, build_fp16
from llmaccel.rtl.registry import RtlCheck

TOPLEVEL = "mixpe_pe"
TOPLEVEL_FP16 = "mixpe_fp16_group"


def run_pe(sim: str, build_dir: Path) -> None:
    """Exhaustive INT4 x INT8 products + random group/zero-point streams, bit- and cycle-exact."""
    build_dir = Path(build_dir)
    cfg = MixPEConfig()
    vlog = write_verilog(MixPE(cfg), build_dir, TOPLEVEL)
    vec_path = build_dir / "vectors.json"
    vec_path.write_text(json.dumps(build(cfg)))
    run_cocotb(vlog, TOPLEVEL, "llmaccel.rtl.mixpe.tb_pe", sim, build_dir, env={"MIXPE_VECTORS": str(vec_path)})


def run_fp16_group(sim: str, build_dir: Path) -> None:
    """W4A16 group stage: every finite fp16 value x INT4 codes + random streams, exact fixed point."""
    build_dir = Path(build_dir)
    vlog = write_verilog(MixPEFp16Group(), build_dir, TOPLEVEL_FP16)
    vec_path = build_dir / "vectors_fp16.json"
    vec_path.write_text(json.dumps(build_fp16()))
    run_cocotb(
        vlog, TOPLEVEL_FP16, "llmaccel.rtl.mixpe.tb_pe_fp16", sim, build_dir, env={"MIXPE_FP16_VECTORS": str(vec_path)}
    )


CHECKS = [
    RtlCheck(
        "mixpe.pe",
        "4-lane shift-add INT4xINT8 PE with group accumulator and fixed-point "
        "dequantization: all 4096 products, 168 output streams (groups, zero points, partial "
        "groups, bubbles) vs workloads.quant.group, latency 4 cycles",
        run_pe,
    ),
    RtlCheck(
        "mixpe.pe_fp16",
        "W4A16 group stage (fp16 significand shift-add, exponent shift, exact "
        "fixed-point group sums): all 1,024 significands x 16 codes, all exponents x signs x codes, "
        "+-65504/subnormal corners, 40 random streams vs workloads.quant.group.fp16_group_sums_fixed, latency 2 cycles",
        run_fp16_group,
    ),
]
