"""MixPE (arXiv 2411.16158): shift-and-add mixed-precision PEs on the shared systolic array,
per-group dequantization inside the PE, and the paper's baselines on the same engine.
See docs/mixpe.md."""
