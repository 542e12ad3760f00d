"""Command-level HBM/DRAM model: organisation, timing, FR-FCFS open-page controller.

* :mod:`sim.dram.config`    — ``DramConfig`` (org + timing + controller) from presets by name.
* :mod:`sim.dram.address`   — byte address <-> (channel, rank, bank group, bank, row, column).
* :mod:`sim.dram.timing`    — command-to-command gaps derived from the timing parameters.
* :mod:`sim.dram.reference` — per-cycle controller checking every constraint against the
  whole command history (slow, obviously right).
* :mod:`sim.dram.fast`      — the same policy in numba with next-allowed-time registers and
  exact cycle skipping (fast; tests hold it equal to the reference).
* :mod:`sim.dram.patterns`  — request streams (streaming, random) and analytical bandwidth bounds.
* :mod:`sim.dram.energy`    — per-command energy (IDD-derived table) and background energy.

See docs/dram.md.
"""

from llmaccel.sim.dram.config import DramConfig, load_dram  # noqa: F401
