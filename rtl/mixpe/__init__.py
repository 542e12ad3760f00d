"""MixPE RTL: shift-and-add mixed-precision PE with group accumulation and dequantization."""
