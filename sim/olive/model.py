"""Op-level model of the OliVe-family accelerators on the shared systolic engine.

Dense path (every variant): the op's GEMM runs on the host array
(:mod:`sim.systolic.model`: closed-form fold cycles ``2R + C + T - 2 + (L-1) + e``
per fold with ``T = ceil(K / d)``, ``d`` = multipliers per slot, ``e`` = edge
decoder latency; SRAM blocking and DRAM stalls under double buffering).  Wider
integer operands than the PE's multipliers are bit-sliced into passes (8-bit on
4-bit multipliers: 4 passes, i.e. OliVe's "four 4-bit PEs per 8-bit MAC").

Outlier path (GOBO, OLAccel only; see :class:`sim.olive.params.OutlierCfg`)::

    outlier_macs  = macs * (1 - (1 - f_a) * (1 - f_b))
    extra_cycles  = ceil(outlier_macs / lanes) + sync_cycles_per_fold * folds

serialised after the dense pass (the designs stall the dense pipeline while the
sparse outlier list is processed).  ``f_a`` / ``f_b`` are the outlier fractions
of operands stored in an outlier format (``QuantSpec.family == "outlier"``):
``act_frac`` for activations/KV, ``weight_frac`` for weights.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

from llmaccel.sim.area import load_area_table
from llmaccel.sim.components import MEMORY_ENERGY
from llmaccel.sim.energy import EnergyLedger, EnergyTable, load_table
from llmaccel.sim.olive.params import OliveParams
from llmaccel.sim.systolic.model import GemmStats
from llmaccel.workloads.ops import Op

HERE = Path(__file__).parent
ENERGY_TABLE = HERE / "energy.yaml"
AREA_TABLE = HERE / "area.yaml"


def energy_table() -> EnergyTable:
    """Shared anchors merged with sim/olive/energy.yaml."""
    return load_table(MEMORY_ENERGY, ENERGY_TABLE)  # named memory systems' DRAM actions too


def outlier_fracs(op: Op, p: OliveParams) -> tuple[float, float]:
    """``(f_a, f_b)``: outlier fractions of operands a and b of ``op`` (0 unless stored as outliers)."""
    o = p.outlier
    if not o.enabled:
        return 0.0, 0.0
    fa = o.act_frac if op.a_spec.family == "outlier" else 0.0
    fb_rate = o.weight_frac if op.b_class == "weight" else o.act_frac
    fb = fb_rate if op.b_spec.family == "outlier" else 0.0
    return fa, fb


def outlier_macs(macs: int, fa: float, fb: float) -> float:
    """MACs with at least one outlier operand (independent outliers)."""
    return macs * (1.0 - (1.0 - fa) * (1.0 - fb))


@dataclass(frozen=True)
class OutlierRun:
    """Outlier-path work of one GEMM instance: MACs and cycles (array clock)."""

    macs: float
    cycles: int


def outlier_run(op: Op, st: GemmStats, p: OliveParams) -> OutlierRun:
    fa, fb = outlier_fracs(op, p)
    if fa == 0.0 and fb == 0.0:
        return OutlierRun(0.0, 0)
    om = outlier_macs(st.macs, fa, fb)
    cyc = math.ceil(om / p.outlier.lanes) + p.outlier.sync_cycles_per_fold * st.folds
    return OutlierRun(om, cyc)


def charge_outliers(ledger: EnergyLedger, run: OutlierRun, p: OliveParams, count: int) -> float:
    """pJ of the outlier MACs (``outlier.mac_actions`` each)."""
    return sum(ledger.charge("outlier_path", a, run.macs * count) for a in p.outlier.mac_actions)


def area_mm2(p: OliveParams) -> dict[str, float]:
    """Area breakdown (mm^2) at the preset's node: PE slots (+ outlier controller), edge decoders, SRAM."""
    t = load_area_table(AREA_TABLE)
    slots = p.array.rows * p.array.cols
    out = {"pe_array": t.mm2(p.pe.area_key, p.node_nm, slots)}
    if p.outlier.enabled and p.outlier.area_overhead:
        out["outlier_control"] = out["pe_array"] * p.outlier.area_overhead
    if p.decoder.area_key:
        out["edge_decoders"] = t.mm2(p.decoder.area_key, p.node_nm, p.array.rows + p.array.cols)
    out["sram"] = t.mm2("sram_per_kib", p.node_nm, p.sram.input_kib + p.sram.weight_kib + p.sram.output_kib)
    return out
