"""OliVe (ISCA 2023) and its baselines (ANT, OLAccel, GOBO, AdaFloat) as machines of the one systolic array host."""
