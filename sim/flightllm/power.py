"""FlightLLM board power from the design's resources and the simulated activity.

Board energy of a run of ``T`` seconds and ``C`` core cycles (all terms in pJ):

* datapath actions (from the simulation, ``energy.yaml``): DSP packed ops, URAM
  accesses, SFU element passes, LUT decoders, HBM stack bits (3.9 pJ/bit);
* ``hbm_interface`` = bits moved x ``hbm_interface_pj_bit`` (FPGA-side controller/PHY);
* ``dsp_clock`` = used DSP48s x ``dsp_register_bits`` x ``ff_clock_fj`` x C (the clock
  runs every cycle, busy or not);
* ``logic_ff_clock`` = DG flip-flops x ``ff_clock_fj`` x C;
* ``logic_lut`` = DG LUTs x ``toggle_rate`` x ``net_toggle_fj`` x MPE-busy cycles;
* ``static_device`` / ``static_hbm`` = (``device_static_w``, ``hbm_stacks`` x
  ``hbm_stack_static_w``) x T;
* ``vrm_loss`` = (everything above) x (1 / ``vrm_efficiency`` - 1);
* ``board_ddr`` / ``board_other`` = (``ddr_standby_w``, ``board_other_w``) x T.

Board power = total / T is an output; the paper's ~45 W is only a check
(``llmaccel reproduce flightllm``).  Not modelled: logic outside the DSP groups
(LD/ST engines, SFU datapath flip-flops, instruction queues), BRAM static/dynamic,
clock-tree trunks, temperature feedback on leakage.
"""

from __future__ import annotations

from llmaccel.sim.hardware.flightllm import FlightParams

FJ_PER_PJ = 1e3


def logic_resources(p: FlightParams) -> dict[str, int]:
    """LUTs and flip-flops of all DSP groups (per-DG Yosys counts x DGs of the used DSPs)."""
    groups = p.compute.dsps_used() // p.compute.dsps_per_group
    return {"dsp_groups": groups, "luts": groups * p.power.dg_luts, "ffs": groups * p.power.dg_ffs}


def board_energy(
    p: FlightParams, datapath_pj: dict[str, float], hbm_bytes: float, cycles: int, mpe_busy_cycles: int
) -> dict[str, float]:
    """Energy components (pJ) of a run of ``cycles`` core cycles moving ``hbm_bytes`` over HBM.

    ``datapath_pj`` holds the action energies of the simulation (dsp, uram, sfu, hbm,
    lut_decoder, ...); ``mpe_busy_cycles`` are the cycles the DSP chains compute.
    """
    w = p.power
    time_s = cycles / (p.clock_mhz * 1e6)
    res = logic_resources(p)
    hbm_bits = 8.0 * hbm_bytes
    on_chip = dict(datapath_pj)
    on_chip["hbm_interface"] = hbm_bits * w.hbm_interface_pj_bit
    on_chip["dsp_clock"] = p.compute.dsps_used() * w.dsp_register_bits * w.ff_clock_fj / FJ_PER_PJ * cycles
    on_chip["logic_ff_clock"] = res["ffs"] * w.ff_clock_fj / FJ_PER_PJ * cycles
    on_chip["logic_lut"] = res["luts"] * w.toggle_rate * w.net_toggle_fj / FJ_PER_PJ * mpe_busy_cycles
    on_chip["static_device"] = w.device_static_w * time_s * 1e12
    on_chip["static_hbm"] = w.hbm_stacks * w.hbm_stack_static_w * time_s * 1e12
    out = dict(on_chip)
    out["vrm_loss"] = sum(on_chip.values()) * (1.0 / w.vrm_efficiency - 1.0)
    out["board_ddr"] = w.ddr_standby_w * time_s * 1e12
    out["board_other"] = w.board_other_w * time_s * 1e12
    return out
