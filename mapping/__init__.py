"""Mapping: lay a trace onto a machine (tiling, schedules, instruction streams) -> Program."""
