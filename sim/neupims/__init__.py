"""NeuPIMs: NPU (weight-stationary systolic arrays + vector units) beside an HBM-PIM.

Modules: ``params`` (validated preset sections), ``pim`` (Newton-style PIM commands:
reference per-command scheduler and tile-level fast path), ``npu`` (GEMM tile cost of
spec/neupims.md and vector units), ``pipeline`` (sub-batch interleaving stages A..F,
blocked vs dual row buffers, baselines), ``design`` (the ``neupims`` plug-in).
See docs/neupims.md.
"""
