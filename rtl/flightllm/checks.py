"""Registered RTL checks of the FlightLLM DSP group (see rtl/registry.py)."""

from __future__ import annotations

import json
from pathlib import Path

from llmaccel.rtl.flightllm.dsp_chain import DspChain
from llmaccel.rtl.flightllm.dsp_group import LATENCY, DspGroup
from llmaccel.rtl.flightllm.vectors import build, build_chain
from llmaccel.rtl.flow import run_cocotb, write_verilog
from llmaccel.rtl.registry import RtlCheck

TOPLEVEL = "flightllm_dg"


def run_dsp_group(sim: str, build_dir: Path) -> None:
    """Corner and random dense / N:M beats, bit-exact vs dg_step, latency LATENCY cycles."""
    build_dir = Path(build_dir)
    vlog = write_verilog(DspGroup(), build_dir, TOPLEVEL)
    vec = build()
    vec["latency"] = LATENCY
    path = build_dir / "dg_vectors.json"
    path.write_text(json.dumps(vec))
    run_cocotb(
        vlog, TOPLEVEL, "llmaccel.rtl.flightllm.tb_dsp_group", sim, build_dir, env={"FLIGHTLLM_DG_VECTORS": str(path)}
    )


CHAIN_TOPLEVEL = "flightllm_chain"
#: DGs in the checked chain: 8 DGs = 16 DSP48s = pK of every FlightLLM preset, so seg 0..3
#: gives every block length N = 2, 4, 8, 16 and every DG position j = 0..7 of the Z-MUX /
#: RN masks.  (A 4-DG chain adds only seg 3 running past the chain's end, which no preset
#: builds.)  Verilator's cold build of it is ~80 s on 2 cores (docs/flightllm.md, RTL).
CHAIN_GROUPS = 8


def run_dsp_chain(sim: str, build_dir: Path) -> None:
    """8-DG chain (16 DSPs), N:M block lengths N = 2/4/8/16 (seg 0..3), cascade skew,
    bit-exact sums of every DG and emit timing vs chain_step."""
    build_dir = Path(build_dir)
    vlog = write_verilog(DspChain(CHAIN_GROUPS), build_dir, CHAIN_TOPLEVEL)
    vec = build_chain(CHAIN_GROUPS)
    vec["latency"] = LATENCY
    path = build_dir / "chain_vectors.json"
    path.write_text(json.dumps(vec))
    run_cocotb(
        vlog,
        CHAIN_TOPLEVEL,
        "llmaccel.rtl.flightllm.tb_dsp_chain",
        sim,
        build_dir,
        env={"FLIGHTLLM_CHAIN_VECTORS": str(path)},
    )


CHECKS = [
    RtlCheck(
        "flightllm.dsp_group",
        "DSP group: 2 DSP48-like stages x 2 packed INT8 MACs, sparse 16:1 MUX, "
        "overflow adjust (sign-borrow correction), Z-MUX and RN flag; 432 INT8 corner beats, 50 cascade "
        "corners, 16 index beats, 3000 random dense/N:M beats vs workloads.quant.dsp_packing.dg_step; "
        "latency 2 cycles",
        run_dsp_group,
    ),
    RtlCheck(
        "flightllm.dsp_chain",
        "CSD-chain of 8 DGs (16 DSP48s = pK): input skew + PCOUT->PCIN cascade, "
        "N:M block length N = 2/4/8/16 per beat (seg 0..3: Z-MUX/RN), 944 beats (17 corner patterns "
        "x 8 seg changes: product extremes, lane borrow, empty and tail-unused beats, index edges; "
        "invalid beats; 800 random beats with random seg/valid/unused DSPs) vs "
        "workloads.quant.dsp_packing.chain_step; DG j's sums and emit at b + 2(j+1) cycles "
        "(the sim/flightllm/dsp_chain timing)",
        run_dsp_chain,
    ),
]
