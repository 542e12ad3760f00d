"""Registered RTL checks of the MixPE PE (see rtl/registry.py)."""
from __future__ import annotations

import json
from pathlib import Path

from rtl.flow import run_cocotb, write_verilog
from rtl.mixpe.pe import MixPE, MixPEConfig
from rtl.mixpe.vectors import build
from rtl.registry import RtlCheck

TOPLEVEL = "mixpe_pe"


def run_pe(sim: str, build_dir: Path) -> None:
    """Exhaustive INT4 x INT8 products + random group/zero-point streams, bit- and cycle-exact."""
    build_dir = Path(build_dir)
    cfg = MixPEConfig()
    vlog = write_verilog(MixPE(cfg), build_dir, TOPLEVEL)
    vec_path = build_dir / "vectors.json"
    vec_path.write_text(json.dumps(build(cfg)))
    run_cocotb(vlog, TOPLEVEL, "rtl.mixpe.tb_pe", sim, build_dir, env={"MIXPE_VECTORS": str(vec_path)})


CHECKS = [
    RtlCheck("mixpe.pe", "4-lane shift-add INT4xINT8 PE with group accumulator and fixed-point "
             "dequantization: all 4096 products, 168 output streams (groups, zero points, partial "
             "groups, bubbles) vs workloads.quant.group, latency 4 cycles", run_pe),
]
