"""Amaranth RTL units, converted to Verilog and checked by cocotb against sim/ models."""
