"""NeuPIMs preset sections as validated dataclasses (``sim.params.build``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from llmaccel.sim.dram.config import DramConfig, load_dram
from llmaccel.sim.neupims.pim import PimParams
from llmaccel.sim.params import build
from llmaccel.sim.preset import HardwareConfig
from llmaccel.workloads.errors import InputError

if TYPE_CHECKING:
    from llmaccel.sim.components import HostedPE


@dataclass(frozen=True)
class VectorPasses:
    """Vector-unit passes over the data per op kind (1 pass = 1 cycle per ``lanes`` elements)."""

    norm: int
    softmax: int
    activation: int
    eltwise: int
    rope: int


#: ``npu.pe`` value of the paper's own NPU MAC (not a registered PE type)
NATIVE_PE = "npu-fp16"


@dataclass(frozen=True)
class NpuParams:
    """NPU: ``arrays`` weight-stationary ``rows x cols`` systolic arrays plus vector units.

    Attributes:
        clock_mhz: NPU and HBM command clock (MHz).
        arrays, rows, cols: systolic arrays and their size.
        min_stream: lower bound of the streamed length in the tile cost (spec: max(stream, 4)).
        vector_lanes: vector-unit lanes in total (8 units x 128).
        elem_bytes: bytes per weight / activation element (fp16: 2).
        vector_passes: passes per vector op kind.
        gemm_schedule: ``"pipelined"`` (weights stationary, tokens streamed, tiles split over
            the arrays) or ``"artifact"`` (the authors' activation-stationary L2/L1 tiling);
            see :mod:`sim.neupims.npu`.
        spad_kib: scratchpad (KiB) whose half bounds an L2 tile (``artifact`` schedule).
        pe: a registered PE type (:mod:`sim.components`: ``int8``, ``olive-ovp4``, ``mixpe-a8`` ...)
            the arrays are built from, with its passes per operand width, dot-product width,
            edge decoders and group dequantizer charged as the baseline host charges them;
            ``npu-fp16`` (the default): the NPU's own FP16 MAC (fp16 multiply + fp16 add per MAC,
            weights in ``elem_bytes``: the paper's NPU).
    """

    clock_mhz: float
    arrays: int
    rows: int
    cols: int
    min_stream: int
    vector_lanes: int
    elem_bytes: int
    vector_passes: VectorPasses
    gemm_schedule: Literal["pipelined", "artifact"] = "pipelined"
    spad_kib: int = 1024
    pe: str = "npu-fp16"

    def hosted(self) -> HostedPE | None:
        """The registered PE type the arrays are built from (``npu.pe``, any name of
        :mod:`sim.components`), or None for the NPU's own FP16 MAC (``npu-fp16``, the paper's NPU)."""
        if self.pe == NATIVE_PE:
            return None
        from llmaccel.sim.components import hosted_pe, pe_names

        if self.pe not in pe_names():
            raise InputError(
                "npu.pe",
                f"unknown PE type {self.pe!r}; allowed: {NATIVE_PE} (the paper's NPU), {', '.join(pe_names())}",
            )
        return hosted_pe(self.pe)


@dataclass(frozen=True)
class Features:
    """What distinguishes NeuPIMs from its baselines and ablations.

    Attributes:
        attention: where decode MHA runs: ``"pim"`` or ``"npu"`` (NPU-only baseline).
        dual_row_buffer: PIM and normal traffic run concurrently (else blocked mode).
        sub_batch_interleaving: two sub-batches pipelined over stages A..F.
        channel_policy: ``"greedy"`` min-load (batch order), ``"greedy_longest_first"`` (min-load,
            requests by decreasing load) or ``"round_robin"`` KV channel assignment.
        sub_batch_min_batch: interleave only batches of at least this many requests
            (smaller batches run QKV, MHA, PF back to back); 0 = always.
    """

    attention: Literal["pim", "npu"]
    dual_row_buffer: bool
    sub_batch_interleaving: bool
    channel_policy: Literal["greedy", "greedy_longest_first", "round_robin"]
    sub_batch_min_batch: int = field(default=0, metadata={"min": 0})

    def interleaves(self, batch: int) -> bool:
        """Whether a batch of ``batch`` requests runs the interleaved A..F pipeline."""
        return self.sub_batch_interleaving and batch >= self.sub_batch_min_batch


@dataclass(frozen=True)
class EnergyParams:
    """node_nm: logic node the NPU's per-op energies are scaled to."""

    node_nm: float


@dataclass(frozen=True)
class NeuPimsParams:
    """``composition``: how a stage's NPU weight stream and PIM work share the HBM —
    ``"stage"`` (closed-form rule of :func:`sim.neupims.pipeline.stage`) or ``"command"``
    (every channel simulated command by command, :mod:`sim.neupims.mixed`)."""

    npu: NpuParams
    pim: PimParams
    features: Features
    energy: EnergyParams
    dram_preset: str = "hbm2-neupims"
    composition: Literal["stage", "command"] = "stage"


def neupims_params(hw: HardwareConfig) -> tuple[NeuPimsParams, DramConfig]:
    """Validated parameters and the DRAM configuration named by ``dram_preset``."""
    p = build(NeuPimsParams, hw.params, f"{hw.name}.params")
    p.npu.hosted()  # unknown PE names fail here, listing the allowed ones
    return p, load_dram(command_level_preset(p.dram_preset, hw.name))


def command_level_preset(name: str, where: str) -> str:
    """The sim/dram preset behind ``dram_preset``: a sim/dram preset name, or a named memory
    system of :mod:`sim.components` derived from one (``hbm2-neupims``).  A named system without
    a command-level organisation is an InputError saying why: NeuPIMs' PIM commands run inside
    the HBM banks, scheduled command by command."""
    from llmaccel.sim.components import memory_systems

    systems = memory_systems()
    if name not in systems:
        return name
    system = systems[name]
    if system.dram_preset is None:
        derived = sorted(n for n, m in systems.items() if m.dram_preset)
        raise InputError(
            f"{where}.params.dram_preset",
            f"memory system {name!r} is a bandwidth/latency channel model; NeuPIMs schedules PIM commands "
            "in the HBM banks command by command and needs a command-level organisation; allowed: a "
            f"sim/dram preset (sim/dram/presets) or a memory system derived from one ({', '.join(derived)})",
        )
    return system.dram_preset
