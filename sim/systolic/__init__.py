"""The one systolic array host (designs ``systolic``, ``olive``, ``mixpe``): PE types and
plug-ins, dataflow formulas, per-PE reference simulation, closed-form fast path, op-level
model, machine description and the host itself (``host.py``).  See docs/sim-core.md."""
