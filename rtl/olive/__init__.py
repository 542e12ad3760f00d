"""OliVe RTL: OVP edge decoders, the exponent-integer PE and a small OVP systolic array."""
