"""Cycle-level simulation: shared machinery plus one subpackage per design."""
