"""NeuPIMs preset sections as validated dataclasses (``sim.params.build``), and the NPU as a
:class:`sim.systolic.machine.Machine` of the one array host (:func:`npu_machine`).

The ``npu`` section keeps its preset keys (``npu.rows``, ``npu.vector_lanes``, ``npu.spad_kib``
...: the golden outputs freeze the ``hardware`` block every run prints, and sweeps name them);
it is built through the hardware layer's types -- :class:`sim.hardware.array.ArrayGeometry`
(``npu.rows/cols``, weight stationary), :class:`sim.hardware.vector.VectorUnitCfg`
(``npu.vector_lanes``, ``npu.vector_passes``) -- and the host's GEMM timing plug-in
:class:`sim.systolic.timing.InstructionPipelineTiming` (``npu.arrays``, ``npu.min_stream``,
``npu.gemm_schedule``, ``npu.tile_spad_kib`` (else ``npu.spad_kib``), ``npu.elem_bytes``).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Literal

from llmaccel.sim.dram.config import DramConfig, load_dram
from llmaccel.sim.dram.energy import ENERGY_TABLE as DRAM_TABLE
from llmaccel.sim.hardware.array import ArrayGeometry
from llmaccel.sim.hardware.vector import VectorUnitCfg
from llmaccel.sim.neupims.pim import PimParams
from llmaccel.sim.params import build
from llmaccel.sim.preset import HardwareConfig
from llmaccel.sim.systolic.machine import Conventions, Machine, VectorUnit
from llmaccel.sim.systolic.model import ArrayParams, EnergyActions
from llmaccel.sim.systolic.pe import PEType
from llmaccel.sim.systolic.plugins import HostedPE
from llmaccel.sim.systolic.timing import InstructionPipelineTiming
from llmaccel.workloads.errors import InputError

#: PIM command energies (pJ per command) and the NPU's SRAM / leakage entries
PIM_TABLE = Path(__file__).parent / "energy.yaml"


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
#: energy actions of one MAC of the paper's NPU: fp16 multiply + fp16 add (spec/neupims.md NPU:
#: FP16 MACs; Horowitz 45 nm entries of sim/tables, scaled to ``energy.node_nm``)
NATIVE_MAC_ACTIONS = ("fp16_mult", "fp16_add")
#: energy action of one vector lane-op (spec/neupims.md: 1-cycle fp16 add/mul per lane)
VECTOR_ACTION = "fp16_add"


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
            see :class:`sim.systolic.timing.InstructionPipelineTiming`.
        spad_kib: the physical scratchpad (KiB): its leakage and per-byte access energy
            (``sim/neupims/sram_energy.py``); bounds the ``artifact`` L2 tiles only when
            ``tile_spad_kib`` is None.
        tile_spad_kib: the scratchpad (KiB) whose half bounds an L2 tile of the ``artifact``
            schedule, as the artifact's ``MatMul::calculate_loops`` sees it (None: ``spad_kib``).
            The artifact reads it from its config's ``sram_size``, not ``spad_size``
            (``src/Common.cc:179``; docs/neupims.md, NPU).
        pe: a registered PE type (:mod:`sim.components`: ``int8``, ``olive-ovp4``, ``mixpe-a8`` ...)
            the arrays are built from, with its passes per operand width, dot-product width,
            edge decoders and group dequantizer charged as the baseline host charges them;
            ``npu-fp16`` (the default): the NPU's own FP16 MAC (fp16 multiply + fp16 add per MAC,
            weights in ``elem_bytes``: the paper's NPU).
        mha_core: the core whose instruction timing runs NPU-only decode attention under the
            ``artifact`` schedule: ``"neupims_ws"`` (the main branch's ``NeuPIMSystolicWS``,
            preloads ``rows`` cycles apart, :func:`sim.neupims.npu.attention_sa_cycles`) or
            ``"systolic_ws"`` (the ``npu-only`` branch's ``SystolicWS``: every preload starts when
            the previous instruction finishes, :func:`sim.neupims.npu.attention_systolic_ws_cycles`).
        op_overlap: how an NPU stage overlaps weight loads with compute: ``"across_ops"`` (the
            stage's summed compute hides its summed weight stream, vector ops included) or
            ``"within_op"`` (each GEMM op takes ``max(its compute, its weight stream)``, ops and
            vector ops run one after another: the authors' artifact, which makes an op executable
            only when its inputs are produced, casys-kaist/NeuPIMs src/operations/Operation.cc:107-116, and
            loads no tile of the next op ahead; :attr:`sim.neupims.pipeline.NpuTime.wall`).
        vector_units: vector units the ``vector_lanes`` are split into; one softmax instruction
            runs on one unit (``vector_lanes / vector_units`` lanes) under ``mha_core: systolic_ws``.
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
    tile_spad_kib: int | None = None
    pe: str = "npu-fp16"
    mha_core: Literal["neupims_ws", "systolic_ws"] = "neupims_ws"
    op_overlap: Literal["across_ops", "within_op"] = "across_ops"
    vector_units: int = field(default=8, metadata={"min": 1})

    def geometry(self) -> ArrayGeometry:
        """One array of the NPU in the hardware layer's terms: ``rows x cols``, weight stationary."""
        return ArrayGeometry(self.rows, self.cols, "ws")

    def vector_unit(self) -> VectorUnitCfg:
        """The vector units in the hardware layer's terms: ``vector_lanes`` lanes in total, no
        per-op latency (spec/neupims.md: 1-cycle ops per lane), passes per op kind."""
        return VectorUnitCfg(self.vector_lanes, 0, dict(asdict(self.vector_passes)), [VECTOR_ACTION])

    def timing(self, decoder_latency: int = 0) -> InstructionPipelineTiming:
        """The GEMM timing plug-in of the NPU (the artifact's instruction pipeline)."""
        return InstructionPipelineTiming(
            self.arrays,
            self.rows,
            self.cols,
            self.min_stream,
            self.gemm_schedule,
            self.spad_kib if self.tile_spad_kib is None else self.tile_spad_kib,
            self.elem_bytes,
            decoder_latency,
        )

    def native_pe(self) -> HostedPE:
        """The paper's own NPU MAC as a hosted PE: ``8 * elem_bytes``-bit float operands, one
        MAC per cycle, partial sums at ``elem_bytes`` (the artifact keeps every on-chip tensor at
        ``precision: 2``), fp16 multiply + fp16 add per MAC.  Not a registered PE type."""
        bits = 8 * self.elem_bytes
        pe = PEType(NATIVE_PE, bits, bits, "float", 1, 1, bits, NATIVE_MAC_ACTIONS)
        return HostedPE(pe, "neupims", "the NeuPIMs paper's FP16 NPU MAC", source="spec/neupims.md NPU")

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


def npu_machine(p: NeuPimsParams) -> Machine:
    """The NPU as a machine of the one array host: ``arrays`` x ``rows x cols`` weight-stationary
    arrays of ``npu.pe`` (or the paper's FP16 MAC), the instruction-pipeline timing plug-in
    (edge-decoder latency per fold of a hosted decoder), the hosted PE's group dequantizer, the
    vector units.  No SRAM levels for the host's op loop: the stage pipeline
    (:mod:`sim.neupims.pipeline`) costs each GEMM with :func:`sim.systolic.host.gemm_instance`
    and models the scratchpad itself (:mod:`sim.neupims.sram_energy`).  The paper's NPU holds
    every operand at ``8 * elem_bytes`` bits whatever its format (one pass, no operand checks);
    a hosted PE is checked against the registry's operand rules, errors naming ``npu.pe``."""
    npu = p.npu
    hosted = npu.hosted()
    pe = hosted if hosted is not None else npu.native_pe()
    dec = pe.decoder
    g = npu.geometry()
    v = npu.vector_unit()
    latency = dec.latency_cycles if dec is not None else 0
    return Machine(
        "neupims",
        npu.clock_mhz,
        p.energy.node_nm,
        ArrayParams(g.rows, g.cols, g.dataflow, latency, dec.action if dec is not None else ""),
        pe,
        None,
        VectorUnit(v.lanes, v.latency_cycles, tuple(v.passes.items()), tuple(v.actions), traffic=False),
        EnergyActions(),  # unused: the NPU's SRAM and HBM energy are charged by sim/neupims/design.py
        (DRAM_TABLE, PIM_TABLE, *pe.energy_tables),
        pe.area_tables,
        Conventions(
            strict_operands=hosted is not None,
            sparse_stored_dense=False,
            uniform_operand_bits=None if hosted is not None else 8 * npu.elem_bytes,
        ),
        dequant=pe.group_dequant,
        timing=npu.timing(latency),
        pe_key="npu.pe",
    )


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
