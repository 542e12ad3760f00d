"""Pareto extraction and indicators against brute-force definitions."""

import numpy as np
import pytest

from llmaccel.dse.pareto import hypervolume, igd, pareto_mask, to_minimisation


def brute_front(F):
    keep = []
    for i, a in enumerate(F):
        dominated = any(
            all(b[j] <= a[j] for j in range(len(a))) and any(b[j] < a[j] for j in range(len(a)))
            for k, b in enumerate(F)
            if k != i
        )
        keep.append(not dominated)
    return np.array(keep)


@pytest.mark.parametrize("seed", range(25))
def test_pareto_mask_equals_brute_force(seed):
    rng = np.random.default_rng(seed)
    F = rng.integers(0, 6, size=(rng.integers(1, 40), rng.integers(1, 4))).astype(float)
    assert (pareto_mask(F) == brute_front(F)).all()


def test_to_minimisation_flips_max_columns():
    F = to_minimisation(np.array([[1.0, 2.0]]), ["min", "max"])
    assert F.tolist() == [[1.0, -2.0]]


def test_hypervolume_of_staircase_by_hand():
    # two points (1,3) and (2,1) w.r.t. ref (4,4): union of rectangles = 3*1 + 2*3 = 9... computed:
    # (1,3): [1,4]x[3,4] = 3 ; (2,1): [2,4]x[1,4] = 6 ; overlap [2,4]x[3,4] = 2  -> 3 + 6 - 2 = 7
    assert hypervolume(np.array([[1.0, 3.0], [2.0, 1.0]]), np.array([4.0, 4.0])) == pytest.approx(7.0)


def test_igd_zero_on_reference_front():
    ref = np.array([[0.0, 1.0], [1.0, 0.0]])
    assert igd(ref, ref) == pytest.approx(0.0)
    assert igd(np.array([[0.0, 2.0]]), ref) > 0
