"""Does a FlightLLM configuration fit its FPGA?  DSP, URAM and BRAM budgets.

Needs (per device):

* DSP48: ``cores x max(MM-mode DSPs, MV-mode DSPs)`` where MM mode uses
  ``pN x pM/2`` chains of ``pK`` DSPs (two tokens per DSP) and MV mode ``pN x pM``
  chains of ``pK`` (one token);
* URAM: ``cores x ceil((weight + act + kv buffer KiB) / uram_kib)``;
* BRAM36: ``cores x buffers.sfu_bram36``;
* LUT (reported, not checked): the DSP groups' LUTs from the Yosys count of our DG RTL
  (``power.dg_luts`` per group, :func:`sim.flightllm.power.logic_resources`); the rest of
  the engine is not counted, and the authors' DG may map to fewer LUTs than ours.

:func:`check_fit` raises :class:`InputError` naming the first overflowing resource of
dsp, uram, bram36; :func:`usage` returns the numbers for reports.
"""

from __future__ import annotations

import math

from llmaccel.sim.flightllm.params import FlightParams
from llmaccel.sim.flightllm.power import logic_resources
from llmaccel.workloads.errors import InputError


def usage(p: FlightParams) -> dict[str, dict[str, float]]:
    """``{resource: {"used": n, "available": n, "fraction": f}}`` for dsp, uram, bram36, lut."""
    b = p.buffers
    need = {
        "dsp": p.compute.dsps_used(),
        "uram": p.compute.cores * math.ceil((b.weight_kib + b.act_kib + b.kv_kib) / p.device.uram_kib),
        "bram36": p.compute.cores * b.sfu_bram36,
        "lut": logic_resources(p)["luts"],
    }
    have = {"dsp": p.device.dsp, "uram": p.device.uram, "bram36": p.device.bram36, "lut": p.device.lut}
    return {k: {"used": need[k], "available": have[k], "fraction": need[k] / have[k]} for k in need}


def check_fit(p: FlightParams, preset: str = "preset") -> dict[str, dict[str, float]]:
    """Raise InputError if any resource overflows; return :func:`usage` otherwise."""
    u = usage(p)
    for res, what in (
        ("dsp", "DSP48 slices (compute.cores x chains x pK)"),
        ("uram", "URAM blocks (compute.cores x buffers)"),
        ("bram36", "BRAM36 blocks (compute.cores x buffers.sfu_bram36)"),
    ):
        if u[res]["used"] > u[res]["available"]:
            raise InputError(
                f"{preset}: device.{res}",
                f"configuration needs {u[res]['used']} {what} but the device has {u[res]['available']}",
            )
    return u
