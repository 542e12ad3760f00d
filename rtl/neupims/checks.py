"""Registered RTL checks of the NeuPIMs PIM bank MAC and PIM command sequencer (see rtl/registry.py)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import numpy as np

from llmaccel.rtl.flow import run_cocotb, write_verilog
from llmaccel.rtl.neupims.mac import PimBankMac
from llmaccel.rtl.neupims.mac_fp16 import PimBankMacFp16
from llmaccel.rtl.neupims.vectors import build, build_fp16
from llmaccel.rtl.registry import RtlCheck

TOPLEVEL = "neupims_bank_mac"
TOPLEVEL_FP16 = "neupims_bank_mac_fp16"


def run_mac(sim: str, build_dir: Path) -> None:
    build_dir = Path(build_dir)
    vlog = write_verilog(PimBankMac(), build_dir, TOPLEVEL)
    vec_path = build_dir / "vectors.json"
    vec_path.write_text(json.dumps(build()))
    run_cocotb(
        vlog, TOPLEVEL, "llmaccel.rtl.neupims.tb_mac", sim, build_dir, env={"NEUPIMS_MAC_VECTORS": str(vec_path)}
    )


def run_mac_fp16(sim: str, build_dir: Path) -> None:
    build_dir = Path(build_dir)
    vlog = write_verilog(PimBankMacFp16(), build_dir, TOPLEVEL_FP16)
    vec_path = build_dir / "vectors_fp16.json"
    vec_path.write_text(json.dumps(build_fp16()))
    run_cocotb(
        vlog, TOPLEVEL_FP16, "llmaccel.rtl.neupims.tb_mac", sim, build_dir, env={"NEUPIMS_MAC_VECTORS": str(vec_path)}
    )


# ------------------------------------------------------------------ PIM command sequencer
#: check build -> (stream set of rtl.neupims.seq_vectors, timing configuration, dual row buffer)
SEQ_BUILDS = {
    "dual": ("dual", "spec", True),
    "single": ("single", "spec", False),
    "long_trc": ("long_trc", "long_trc", True),
    "long_tfaw": ("long_tfaw", "long_tfaw", False),
}


@cache
def seq_streams(kind: str) -> tuple:
    """The streams of one build (cached: the reference runs take a few seconds)."""
    from llmaccel.rtl.neupims.seq_vectors import stream_set

    return tuple(stream_set(kind))


def seq_design(kind: str):
    """The :class:`PimSequencer` of one check build and its toplevel name."""
    from llmaccel.rtl.neupims.seq_vectors import configs, seq_timing
    from llmaccel.rtl.neupims.sequencer import PimSequencer

    _set, cfg, dual = SEQ_BUILDS[kind]
    timing = seq_timing(*configs()[cfg])
    return PimSequencer(dual, timing), f"neupims_pim_seq_{kind}"


def write_seq_vectors(streams, path: Path, rank_bits: int, bg_bits: int) -> None:
    """Concatenate streams into the ``.npz`` read by rtl.neupims.tb_sequencer."""
    from llmaccel.rtl.neupims.seq_vectors import PORTS

    t_off = np.cumsum([0] + [len(s.want) for s in streams])
    c_off = np.cumsum([0] + [len(s.times) for s in streams])
    np.savez(
        path,
        ports=np.array(PORTS),
        names=np.array([s.name for s in streams]),
        t_off=t_off,
        c_off=c_off,
        drive=np.concatenate([s.drive for s in streams]),
        want=np.concatenate([s.want for s in streams]),
        cmds=np.concatenate([s.cmds for s in streams]),
        times=np.concatenate([s.times for s in streams]),
        mode=np.concatenate([s.mode for s in streams]),
        rank_bits=rank_bits,
        bg_bits=bg_bits,
    )


def run_sequencer(sim: str, build_dir: Path, kind: str, streams=None) -> None:
    """Build ``kind``'s sequencer for ``sim`` and run ``streams`` (default: its whole stream set)."""
    build_dir = Path(build_dir)
    dut, top = seq_design(kind)
    if kind in ("dual", "single"):  # the short-refresh streams run on the spec build: same gaps
        from llmaccel.rtl.neupims.seq_vectors import configs, seq_timing

        if seq_timing(*configs()["refresh"]) != dut.timing:
            raise ValueError("the short-refresh configuration must keep the spec build's gaps")
    vlog = write_verilog(dut, build_dir, top)
    vec = build_dir / "seq_vectors.npz"
    write_seq_vectors(seq_streams(SEQ_BUILDS[kind][0]) if streams is None else streams, vec, dut.rank_bits, dut.bg_bits)
    run_cocotb(vlog, top, "llmaccel.rtl.neupims.tb_sequencer", sim, build_dir, env={"LLMACCEL_VECTORS": str(vec)})


def run_seq_dual(sim: str, build_dir: Path) -> None:
    run_sequencer(sim, build_dir, "dual")


def run_seq_single(sim: str, build_dir: Path) -> None:
    run_sequencer(sim, build_dir, "single")


def run_seq_corners(sim: str, build_dir: Path) -> None:
    run_sequencer(sim, Path(build_dir) / "long_trc", "long_trc")
    run_sequencer(sim, Path(build_dir) / "long_tfaw", "long_tfaw")


_SEQ_WHAT = (
    "issue cycle of every PIM command vs sim.neupims.pim.schedule_reference (PIM-only) / "
    "MixedReference (mixed), want (hold condition) every cycle, command echo, pim_mode/tile_open"
)

CHECKS = [
    RtlCheck(
        "neupims.bank_mac",
        "16-lane int8 PIM bank MAC (COMP/READRES): extreme-product corners, "
        "back-to-back commands, 1,500-cycle random stream, 8,200-COMP accumulator wrap; bit-exact and "
        "READRES latency 3 vs sim.neupims.pim_unit",
        run_mac,
    ),
    RtlCheck(
        "neupims.bank_mac_fp16",
        "16-lane fp16 PIM bank MAC with exact products and exact 96-bit "
        "fixed-point accumulation (LSB 2^-48): max/min-subnormal/sign/Inf/NaN corners, cancellation, "
        "800-cycle random stream (finite and raw patterns), 2,100-COMP wrap; value, sticky special flag "
        "and latency 3 vs sim.neupims.pim_unit.run_stream_fp16",
        run_mac_fp16,
    ),
    RtlCheck(
        "neupims.seq_dual",
        "PIM command sequencer, dual row buffer, spec timing: hand tile (+ row/column "
        "bus busy), back-to-back tiles, random PIM-only streams (spec and tREFI 1400 refresh), random mixed "
        "normal+PIM streams with refresh, tFAW burst, GWRITE/READRES next to RD/WR; " + _SEQ_WHAT,
        run_seq_dual,
    ),
    RtlCheck(
        "neupims.seq_single",
        "PIM command sequencer, single row buffer (blocked), the same stream kinds "
        "with blocked arbitration (pim_may, group_closed, PRE -> G_ACT); " + _SEQ_WHAT,
        run_seq_single,
    ),
    RtlCheck(
        "neupims.seq_corners",
        "PIM command sequencer with stretched timing: tRC 90 (dual, tRC binds across "
        "tiles) and tFAW 80 (single, the G_ACT-only window binds), PIM-only and mixed; " + _SEQ_WHAT,
        run_seq_corners,
    ),
]
