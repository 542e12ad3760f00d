"""Baseline systolic-array accelerator: PE types, dataflow formulas, per-PE
reference simulation, closed-form fast path, op-level model and the
``systolic`` design.  See docs/sim-core.md."""
