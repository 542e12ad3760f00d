"""Numeric encoders/decoders (bit-exact functional models), one module per format family."""
