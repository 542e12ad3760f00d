"""Pareto fronts and front-quality indicators (hypervolume, IGD via pymoo)."""

from __future__ import annotations

import numpy as np


def to_minimisation(values: np.ndarray, goals: list[str]) -> np.ndarray:
    """Flip ``max`` objectives so that every column is minimised."""
    sign = np.array([1.0 if g == "min" else -1.0 for g in goals])
    return np.asarray(values, dtype=float) * sign


def pareto_mask(F: np.ndarray) -> np.ndarray:
    """Boolean mask of non-dominated rows of ``F`` (all columns minimised).

    A row is dominated if another row is <= in every column and < in one.
    Duplicated rows are all kept.  O(n^2) vectorised; fine for 1e4 points.
    """
    F = np.asarray(F, dtype=float)
    n = len(F)
    keep = np.ones(n, dtype=bool)
    for i in range(n):
        le = np.all(F <= F[i], axis=1)
        lt = np.any(F < F[i], axis=1)
        if np.any(le & lt):
            keep[i] = False
    return keep


def hypervolume(F: np.ndarray, ref: np.ndarray) -> float:
    """Hypervolume dominated by ``F`` (minimised) up to reference point ``ref``."""
    from pymoo.indicators.hv import HV

    return float(HV(ref_point=np.asarray(ref, dtype=float))(np.asarray(F, dtype=float)))


def igd(F: np.ndarray, reference_front: np.ndarray) -> float:
    """Inverted generational distance of ``F`` to a reference front (lower is better)."""
    from pymoo.indicators.igd import IGD

    return float(IGD(np.asarray(reference_front, dtype=float))(np.asarray(F, dtype=float)))
