"""Typed FlightLLM hardware parameters (hardware layer), built from a preset with :func:`sim.params.build`.

Read by the simulator (``sim/flightllm``) and by the compiler (``mapping/flightllm``), which
reuses these sections instead of declaring its own.

Units are in the field names: ``_mhz``, ``_kib``, ``_gbps`` (GB/s, 1e9 bytes/s),
``_ns``, ``_w`` (watts), ``_usd``.  Every value comes from a preset YAML
(``sim/presets/u280.yaml``, ``vhk158.yaml``) where it carries its source.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Literal

from llmaccel.sim.params import build
from llmaccel.sim.preset import HardwareConfig
from llmaccel.workloads.errors import InputError


@dataclass(frozen=True)
class Parallelism:
    """Spatial unrolling (pN, pK, pM) of one core: columns x reduction x tokens per cycle."""

    pn: int
    pk: int
    pm: int

    @property
    def macs_per_cycle(self) -> int:
        return self.pn * self.pk * self.pm


@dataclass(frozen=True)
class DeviceParams:
    dsp: int
    uram: int
    bram36: int
    lut: int
    slrs: int
    uram_kib: float
    bram36_kib: float
    price_usd: float


@dataclass(frozen=True)
class ComputeParams:
    """The MPE (one per core): CSD-chains of DSP groups.

    ``mm``/``mv`` give the MM-mode and MV-mode unrolling.  A CSD-chain has ``pk``
    DSPs (``pk / dsps_per_group`` DSP groups); in MM mode one DSP holds two INT8
    MACs (two tokens share a weight), in MV mode one (a single token).
    """

    cores: int
    dsps_per_group: int
    sparse_m: int
    block: int
    dg_pipeline_stages: int
    accumulate_cycles: int
    mm: Parallelism
    mv: Parallelism

    @property
    def chain_dsps(self) -> int:
        """DSP48s per CSD-chain (the cascade length = pK)."""
        return self.mm.pk

    def dsps_used(self) -> int:
        """DSP48s of all cores (MM mode needs the most: pN x pM/2 chains of pK DSPs)."""
        mm = self.mm.pn * (self.mm.pm // 2) * self.mm.pk
        mv = self.mv.pn * self.mv.pm * self.mv.pk
        return self.cores * max(mm, mv)


@dataclass(frozen=True)
class SfuParams:
    lanes: int
    pipeline_cycles: int
    two_pass_ops: list[str] = field(default_factory=lambda: ["softmax", "norm"])


@dataclass(frozen=True)
class BufferParams:
    """On-chip buffers per core (KiB) and BRAM36 blocks for SFU/queues."""

    weight_kib: float
    act_kib: float
    kv_kib: float
    sfu_bram36: int


@dataclass(frozen=True)
class HbmParams:
    """HBM organisation and timing (per pseudo-channel, PC).

    ``pcs_per_core``: pseudo-channels each core's LD/ST engines stream from (its own set;
    the design drives ``min(pseudo_channels, cores x pcs_per_core)`` PCs, see
    :meth:`FlightParams.hbm_pcs`).
    """

    capacity_gb: float
    peak_gbps: float
    pseudo_channels: int
    data_rate_mtps: float
    pc_bytes_per_beat: int
    burst_beats: int
    row_bytes: int
    banks: int
    tRCD_ns: float
    tRP_ns: float
    tRFC_ns: float
    tREFI_ns: float
    tWTR_ns: float
    tRTW_ns: float
    access_latency_ns: float
    axi_bits: int
    axi_mhz: float
    request_bytes: int
    outstanding: int
    pcs_per_core: int = field(metadata={"min": 1})
    kind: str = "hbm2"


@dataclass(frozen=True)
class DdrParams:
    capacity_gb: float
    peak_gbps: float


@dataclass(frozen=True)
class IsaWords:
    LD: int
    ST: int
    MM: int
    MV: int
    MISC: int
    SYS: int


@dataclass(frozen=True)
class IsaParams:
    words: IsaWords
    prefill_bucket: int
    decode_bucket: int
    max_len: int


@dataclass(frozen=True)
class CompressionParams:
    """Weight compression and the compiler's precision map.

    Attributes:
        int8_layers: blocks that keep INT8 weights (mixed precision per layer).
        seed: seed of the per-16x16-block N map of N:M weights.
        index_bits: stored index bits per kept weight.
        block_header_bits: bits per 16x16 block header (its N).
        block_sparse_attention: prefill skips causally masked 16x16 attention blocks.
        decode_attention_keep: fraction of the causal key blocks a decode query reads, per
            query block row (row ``r`` = keys ``r*attention_mask_block+1 ..
            (r+1)*attention_mask_block``; rows past the list use its last entry); empty = every key.
            Applies to decoders with ``block_sparse_attention`` on.
        attention_mask_block: keys per block of the attention mask (tokens).
    """

    int8_layers: list[int] = field(default_factory=list, metadata={"min": -(1 << 20)})
    seed: int = field(default=0, metadata={"min": 0})
    index_bits: int = 4
    block_header_bits: int = 8
    block_sparse_attention: bool = True
    decode_attention_keep: list[float] = field(default_factory=list, metadata={"min": 0.0, "max": 1.0})
    attention_mask_block: int = field(default=64, metadata={"min": 1})

    def kept_keys(self, keys: int) -> int:
        """Keys a decode query over ``keys`` keys reads under the block mask (all when no mask)."""
        if not self.decode_attention_keep or keys <= 0:
            return keys
        row = min((keys - 1) // self.attention_mask_block, len(self.decode_attention_keep) - 1)
        return max(1, min(keys, math.ceil(keys * self.decode_attention_keep[row])))


@dataclass(frozen=True)
class PowerParams:
    """Board power model inputs (:mod:`sim.flightllm.power`); every value is sourced in the preset.

    Attributes:
        ff_clock_fj: energy per flip-flop per clock cycle (clock pin + leaf clock wire), fJ.
        net_toggle_fj: energy per transition of a routed LUT output net, fJ.
        toggle_rate: transitions per LUT net per busy cycle (fraction).
        dg_luts, dg_ffs: LUTs and flip-flops of one DSP group (sparse MUX, packing, overflow adjust).
        dsp_register_bits: pipeline register bits clocked in every used DSP48 per cycle.
        hbm_interface_pj_bit: FPGA-side HBM controller/PHY/AXI switch energy per bit moved, pJ.
        hbm_stacks: HBM stacks on the package.
        hbm_stack_static_w: per-stack standby + refresh + PHY idle power, W.
        device_static_w: FPGA device static (leakage) power at operating temperature, W.
        ddr_standby_w: on-card DDR standby power (present, unused by the design), W.
        board_other_w: card management, clocking and misc. power, W.
        vrm_efficiency: on-card regulator efficiency (on-chip power / rail input power).
    """

    ff_clock_fj: float
    net_toggle_fj: float
    toggle_rate: float = field(metadata={"max": 1.0})
    dg_luts: int
    dg_ffs: int
    dsp_register_bits: int
    hbm_interface_pj_bit: float = field(metadata={"min": 0})
    hbm_stacks: int
    hbm_stack_static_w: float = field(metadata={"min": 0})
    device_static_w: float = field(metadata={"min": 0})
    ddr_standby_w: float = field(metadata={"min": 0})
    board_other_w: float = field(metadata={"min": 0})
    vrm_efficiency: float = field(metadata={"max": 1.0})


@dataclass(frozen=True)
class LinkParams:
    """Latencies outside the cores: the SLR-crossing gather after every split op, the host per step.

    Attributes:
        slr_crossing_cycles: core-clock cycles to cross one SLR boundary (registered SLL path).
        gather_bits: bits per cycle of the inter-SLR gather bus at each boundary.
        host_round_trip_ns: one PCIe round trip between host and card, ns.
        host_round_trips_per_step: round trips per step program (start doorbell, token read-back).
    """

    slr_crossing_cycles: int = field(metadata={"min": 0})
    gather_bits: int
    host_round_trip_ns: float = field(metadata={"min": 0})
    host_round_trips_per_step: int = field(metadata={"min": 0})


@dataclass(frozen=True)
class FlightParams:
    clock_mhz: float
    device: DeviceParams
    compute: ComputeParams
    sfu: SfuParams
    buffers: BufferParams
    hbm: HbmParams
    ddr: DdrParams
    isa: IsaParams
    power: PowerParams
    links: LinkParams
    decode_mode: Literal["on_chip", "off_chip"] = "on_chip"
    fusion: bool = True
    compression: CompressionParams = CompressionParams()

    def hbm_pcs(self) -> int:
        """Pseudo-channels the design streams from: each core owns ``hbm.pcs_per_core`` of them
        (the authors' on-board layout), capped at the device's ``hbm.pseudo_channels``."""
        return min(self.hbm.pseudo_channels, self.compute.cores * self.hbm.pcs_per_core)

    @staticmethod
    def of(hw: HardwareConfig) -> FlightParams:
        """:func:`flight_params` (the compiler's spelling, ``CompilerParams.of``)."""
        return flight_params(hw)


_CACHE: dict[str, FlightParams] = {}


def check_memory_section(hw: HardwareConfig) -> None:
    """A named memory system (``hbm: hbm3``) is an InputError saying why: FlightLLM's HBM is
    modelled per pseudo-channel (timing, refresh, AXI ports and outstanding requests of
    :class:`HbmParams`), and a named system carries only channels, bandwidth, latency and burst."""
    for section in ("hbm", "ddr"):
        name = hw.params.get(section)
        if isinstance(name, str):
            raise InputError(
                f"{hw.name}.params.{section}",
                f"FlightLLM cannot take the named memory system {name!r}: its {section.upper()} is modelled "
                "per pseudo-channel (timing, refresh, AXI ports, outstanding requests), which a named system "
                "(channels, bandwidth, latency, burst) does not give; allowed: a full "
                f"{section} section (see sim/presets/u280.yaml), or a host that takes named systems "
                "(systolic, olive, mixpe)",
            )


def flight_params(hw: HardwareConfig) -> FlightParams:
    """Validated parameters of a FlightLLM preset (InputError names the bad field); cached per content."""
    key = f"{hw.name}:{hw.params!r}"
    p = _CACHE.get(key)
    if p is None:
        check_memory_section(hw)
        p = _CACHE[key] = build(FlightParams, hw.params, f"{hw.name}.params")
    return p
