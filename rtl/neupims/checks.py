"""Registered RTL checks of the NeuPIMs PIM bank MAC (see rtl/registry.py)."""
from __future__ import annotations

import json
from pathlib import Path

from rtl.flow import run_cocotb, write_verilog
from rtl.neupims.mac import PimBankMac
from rtl.neupims.vectors import build
from rtl.registry import RtlCheck

TOPLEVEL = "neupims_bank_mac"


def run_mac(sim: str, build_dir: Path) -> None:
    build_dir = Path(build_dir)
    vlog = write_verilog(PimBankMac(), build_dir, TOPLEVEL)
    vec_path = build_dir / "vectors.json"
    vec_path.write_text(json.dumps(build()))
    run_cocotb(vlog, TOPLEVEL, "rtl.neupims.tb_mac", sim, build_dir, env={"NEUPIMS_MAC_VECTORS": str(vec_path)})


CHECKS = [
    RtlCheck("neupims.bank_mac", "16-lane int8 PIM bank MAC (COMP/READRES): extreme-product corners, "
             "back-to-back commands, 3,000-cycle random stream, 8,200-COMP accumulator wrap; bit-exact and "
             "READRES latency 3 vs sim.neupims.pim_unit", run_mac),
]
