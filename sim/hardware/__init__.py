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
SRAM levels                 :class:`memory.SramLevels`    ``sram.*`` (MixPE: ``memory.*``)
off-chip memory             :class:`memory.OffChipMemory` ``dram`` (MixPE: ``memory.dram``)
named memory systems        :func:`memory.memory_system`  ``dram: hbm3`` (MixPE: ``memory.dram``)
vector unit                 :class:`vector.VectorUnitCfg` ``vector.*``
SRAM/DRAM energy actions    :class:`energy.SramEnergy`    ``energy.*``
==========================  ===========================  ==============================

The NeuPIMs NPU (``sim/neupims/params.py``) keeps its ``npu.*`` keys (``npu.rows/cols``,
``npu.vector_lanes``, ``npu.vector_passes``) for the same reason and builds
:class:`array.ArrayGeometry` and :class:`vector.VectorUnitCfg` from them
(``NpuParams.geometry`` / ``vector_unit``); its scratchpad (``npu.spad_kib``) is one shared
buffer, not the input/weight/output levels of :class:`memory.SramLevels`, and sizes the
L2 tiles of its GEMM timing plug-in (``sim/systolic/timing.py``).

The MixPE presets keep their key spelling (``memory.input_kib``, ``memory.dram``): renaming
them would change the ``hardware`` block every run prints, which the golden outputs freeze
(a preset override may only replace an existing key).  Their sections are the same classes.
No shipped preset has an interconnect or a power budget section, so none is defined here.
"""
