"""Registered RTL checks of the FlightLLM DSP group (see rtl/registry.py)."""
from __future__ import annotations

import json
from pathlib import Path

from rtl.flightllm.dsp_group import LATENCY, DspGroup
from rtl.flightllm.vectors import build
from rtl.flow import run_cocotb, write_verilog
from rtl.registry import RtlCheck

TOPLEVEL = "flightllm_dg"


def run_dsp_group(sim: str, build_dir: Path) -> None:
    """Corner and random dense / N:M beats, bit-exact vs dg_step, latency LATENCY cycles."""
    build_dir = Path(build_dir)
    vlog = write_verilog(DspGroup(), build_dir, TOPLEVEL)
    vec = build()
    vec["latency"] = LATENCY
    path = build_dir / "dg_vectors.json"
    path.write_text(json.dumps(vec))
    run_cocotb(vlog, TOPLEVEL, "rtl.flightllm.tb_dsp_group", sim, build_dir, env={"FLIGHTLLM_DG_VECTORS": str(path)})


CHECKS = [
    RtlCheck("flightllm.dsp_group", "DSP group: 2 DSP48-like stages x 2 packed INT8 MACs, sparse 16:1 MUX, "
             "overflow adjust (sign-borrow correction), Z-MUX and RN flag; 432 INT8 corner beats, 50 cascade "
             "corners, 16 index beats, 3000 random dense/N:M beats vs workloads.quant.dsp_packing.dg_step; "
             "latency 2 cycles", run_dsp_group),
]
