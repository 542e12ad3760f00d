"""Baseline RTL: INT8 MAC PE and an output-stationary systolic array (see docs/rtl.md)."""
