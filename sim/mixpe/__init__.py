"""MixPE (arXiv 2411.16158): shift-and-add mixed-precision PEs with per-group dequantization
inside the PE, and the paper's baselines, as machines of the one systolic array host.
See docs/mixpe.md."""
