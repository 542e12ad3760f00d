"""llmaccel: the CLI and config loading; it only wires workloads, mapping, sim and reports."""

__version__ = "0.1.0"
