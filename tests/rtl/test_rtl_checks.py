"""Every registered RTL check (``rtl/<unit>/checks.py``, found by :func:`rtl.registry.all_checks`)
on Icarus and on Verilator: RTL equals its Python model, bit- and cycle-exact.

One place runs them all; the design files beside it (``test_<design>.py``) hold the
model-side checks (hand values, latency vs the sim/ formulas, cell counts, vector coverage).
"""

from __future__ import annotations

import pytest

from llmaccel.rtl.flow import simulator_available
from llmaccel.rtl.registry import all_checks

SIMS = ("icarus", "verilator")
CHECKS = all_checks()


@pytest.mark.rtl
@pytest.mark.parametrize("sim", SIMS)
@pytest.mark.parametrize("check", CHECKS, ids=[c.unit for c in CHECKS])
def test_rtl_equals_model(check, sim, tmp_path):
    assert simulator_available(sim), f"{sim} is part of the toolchain (TOOLCHAIN.md) but was not found"
    check.run(sim, tmp_path)


def test_every_design_registers_checks():
    """A design's RTL checks that stopped being discovered would silently leave the run above."""
    units = {c.unit for c in CHECKS}
    assert {
        "baseline.pe",
        "baseline.array4x4",
        "olive.decoder4",
        "olive.decoder8",
        "olive.pe",
        "mixpe.pe",
        "mixpe.pe_fp16",
        "flightllm.dsp_group",
        "flightllm.dsp_chain",
        "neupims.bank_mac",
        "neupims.bank_mac_fp16",
        "neupims.seq_dual",
        "neupims.seq_single",
    } <= units
