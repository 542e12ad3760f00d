"""The hardware layer: typed, frozen descriptions of what a machine is made of, each defined once.

Every array-family preset (``systolic``, ``olive``, ``mixpe``) is built from these sections
with :func:`sim.params.build` (unknown, missing, mistyped or non-positive fields raise
``InputError`` naming the dotted key), so the same thing has the same type, the same checks
and the same sweep key on every host:

==========================  ===========================  ==============================
thing                       class                        preset key(s)
==========================  ===========================  ==============================
clock, node                 flat fields                  ``clock_mhz``, ``node_nm``
array geometry, dataflow    :class:`array.ArrayGeometry`  ``array.rows/cols/dataflow``
PE type (the plug-in)       ``sim.systolic.plugins``     ``array.pe`` / ``pe``
SRAM levels                 :class:`memory.SramLevels`    ``sram.*``
off-chip memory             :class:`memory.OffChipMemory` ``dram``
named memory systems        :func:`memory.memory_system`  ``dram: hbm3``
vector unit                 :class:`vector.VectorUnitCfg` ``vector.*``
SRAM/DRAM energy actions    :class:`energy.SramEnergy`    ``energy.*``
static power                :class:`power.StaticPower`    ``static.*``
==========================  ===========================  ==============================

The NeuPIMs NPU (``sim/neupims/params.py``) keeps its ``npu.*`` keys (``npu.rows/cols``,
``npu.vector_lanes``, ``npu.vector_passes``) and builds
:class:`array.ArrayGeometry` and :class:`vector.VectorUnitCfg` from them
(``NpuParams.geometry`` / ``vector_unit``); its scratchpad (``npu.spad_kib``) is one shared
buffer, not the input/weight/output levels of :class:`memory.SramLevels`; the L2 tiles of its
GEMM timing plug-in (``sim/systolic/timing.py``) are sized by ``npu.tile_spad_kib`` (the
scratchpad the authors' simulator tiles by), else by ``npu.spad_kib``.

:func:`memory.build_array_params` is the one builder of the three array hosts' parameters
(named memory system expanded, old key spellings refused naming the new key:
:mod:`renamed`, e.g. the MixPE presets' former ``memory.input_kib`` -> ``sram.input_kib``).

The ``gpu`` presets are built as :class:`gpu.GpuParams` (clock, peaks per kind
:class:`gpu.PeakTops`, off-chip memory :class:`gpu.GpuMemory`, board power, the achieved
block with the SM count); FlightLLM's sections are :mod:`flightllm`.
No shipped preset has an interconnect or a power budget section, so none is defined here
(static power -- PE leakage, DRAM background -- is :class:`power.StaticPower`, shared by the
OliVe and MixPE studies' presets).
"""
