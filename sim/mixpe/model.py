"""MixPE-study numbers that reports read beside a run: energy table and the area of a preset.

Everything that runs is the one array host (:mod:`sim.systolic.host`) with the MixPE
machine of :mod:`sim.mixpe.params`:

* **array**: a block ``x*y*z`` costs ``passes * gemm_cycles(x, y, z, R, C, "os", L, 0, d)``
  (edge folds padded; the preset's ``array.fold_convention``), ``d`` = PE lanes, ``L`` = PE pipeline depth, ``passes`` from the PE
  kind (sim/mixpe/pe.py), K blocks of whole beats aligned to weight groups.
* **dequantization**: ``in_pe`` (MixPE, :class:`sim.systolic.plugins.GroupDequant`): one
  operation per group per output, ``m * n * ceil(k / G)``, never on the critical path
  (``G % d == 0`` checked); its occupancy ``ops / (R * C * compute cycles)`` is reported.
  ``in_loop`` (baselines, :class:`sim.systolic.plugins.InLoopDequant`): every weight of a
  block is dequantized before the block runs, ``ceil(z * y / lanes) * ii`` cycles in series
  with the array: ``k * n * ceil(m / mb)`` operations per GEMM.
* **memory**: the shared double-buffering closed form; outputs written to SRAM once per block.
* **energy** (pJ, node-scaled by the ledger): PE operations x (product + accumulate
  actions), dequant operations, SRAM accesses, DRAM bits, and the preset's static power
  (``static``: PE leakage and DRAM background, from the authors' artifact) x run time.

Vector ops run on a ``vector_lanes``-wide unit: ``ceil(elements / lanes)`` cycles.
"""

from __future__ import annotations

from functools import lru_cache

from llmaccel.sim.energy import EnergyTable, load_table
from llmaccel.sim.hardware.memory import MEMORY_ENERGY
from llmaccel.sim.mixpe.params import AREA_TABLE, ENERGY_TABLE, MixPEParams, mixpe_machine
from llmaccel.sim.systolic import host

__all__ = ["AREA_TABLE", "ENERGY_TABLE", "area_mm2", "energy_table"]


@lru_cache(maxsize=4)
def energy_table() -> EnergyTable:
    """Shared anchors merged with sim/mixpe/energy.yaml."""
    return load_table(MEMORY_ENERGY, ENERGY_TABLE)  # named memory systems' DRAM actions too


def area_mm2(p: MixPEParams) -> dict[str, float]:
    """Area breakdown (mm^2) at the preset's node: PE lanes (product + accumulate adder, as
    the energy model pairs them), dequantizers (one per ``pes_per_unit`` PEs for ``in_pe``,
    ``dequant.lanes`` for ``in_loop``) and SRAM.  Registers and wiring are not counted."""
    return host.area_mm2(mixpe_machine(p))
