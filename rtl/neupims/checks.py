"""Registered RTL checks of the NeuPIMs PIM bank MAC (see rtl/registry.py)."""
from __future__ import annotations

import json
from pathlib import Path

from rtl.flow import run_cocotb, write_verilog
from rtl.neupims.mac import PimBankMac
from rtl.neupims.mac_fp16 import PimBankMacFp16
from rtl.neupims.vectors import build, build_fp16
from rtl.registry import RtlCheck

TOPLEVEL = "neupims_bank_mac"
TOPLEVEL_FP16 = "neupims_bank_mac_fp16"


def run_mac(sim: str, build_dir: Path) -> None:
    build_dir = Path(build_dir)
    vlog = write_verilog(PimBankMac(), build_dir, TOPLEVEL)
    vec_path = build_dir / "vectors.json"
    vec_path.write_text(json.dumps(build()))
    run_cocotb(vlog, TOPLEVEL, "rtl.neupims.tb_mac", sim, build_dir, env={"NEUPIMS_MAC_VECTORS": str(vec_path)})


def run_mac_fp16(sim: str, build_dir: Path) -> None:
    build_dir = Path(build_dir)
    vlog = write_verilog(PimBankMacFp16(), build_dir, TOPLEVEL_FP16)
    vec_path = build_dir / "vectors_fp16.json"
    vec_path.write_text(json.dumps(build_fp16()))
    run_cocotb(vlog, TOPLEVEL_FP16, "rtl.neupims.tb_mac", sim, build_dir, env={"NEUPIMS_MAC_VECTORS": str(vec_path)})


CHECKS = [
    RtlCheck("neupims.bank_mac", "16-lane int8 PIM bank MAC (COMP/READRES): extreme-product corners, "
             "back-to-back commands, 1,500-cycle random stream, 8,200-COMP accumulator wrap; bit-exact and "
             "READRES latency 3 vs sim.neupims.pim_unit", run_mac),
    RtlCheck("neupims.bank_mac_fp16", "16-lane fp16 PIM bank MAC with exact products and exact 96-bit "
             "fixed-point accumulation (LSB 2^-48): max/min-subnormal/sign/Inf/NaN corners, cancellation, "
             "800-cycle random stream (finite and raw patterns), 2,100-COMP wrap; value, sticky special flag "
             "and latency 3 vs sim.neupims.pim_unit.run_stream_fp16", run_mac_fp16),
]
