"""Workloads: model shapes, operator graphs, numeric formats, request sets and traces.

This package imports nothing from the rest of llmaccel (data flows
workloads -> mapping -> sim -> reports).
"""
