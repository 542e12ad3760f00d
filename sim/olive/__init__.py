"""OliVe (ISCA 2023) and its baselines (ANT, OLAccel, GOBO, AdaFloat) on the shared systolic engine."""
