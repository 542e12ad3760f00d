"""ANT, GOBO-, OLAccel-style quantizers and the metrics."""

from __future__ import annotations

import math

import numpy as np
import pytest

from llmaccel.workloads.errors import InputError
from llmaccel.workloads.quant.ant import ant_dequantize, ant_quantize, decode_type, encode_type, type_table
from llmaccel.workloads.quant.metrics import mse, sqnr_db
from llmaccel.workloads.quant.outlier import gobo_quantize, olaccel_quantize


def test_type_grids():
    assert sorted(set(np.abs(type_table("flint4")[0]))) == [0, 1, 2, 3, 4, 6, 8, 12]
    f8 = set(np.abs(type_table("flint8")[0]))
    assert set(range(64)) <= f8 and {64, 66, 126, 128, 132, 252} <= f8 and 65 not in f8 and len(f8) == 128
    assert type_table("int4")[0].tolist() == list(range(-7, 8))
    for name in ("int4", "flint4", "int8", "flint8"):
        vals, codes = type_table(name)
        assert np.array_equal(decode_type(encode_type(vals, name), name), vals)  # round trip
        assert len(set(codes.tolist())) == len(codes)


def test_ant_rounding_ties_to_larger_magnitude():
    assert decode_type(encode_type(np.array([0.5, -0.5, 5.0, -7.0, 10.0, 100.0]), "flint4"), "flint4").tolist() == [
        1,
        -1,
        6,
        -8,
        12,
        12,
    ]


def test_ant_adapts_type():
    rng = np.random.default_rng(0)
    g = rng.uniform(-1, 1, size=(16, 256))
    heavy = rng.laplace(size=(16, 256)) ** 3
    _, t_g, _ = ant_quantize(g, 4)
    codes, t_h, scale = ant_quantize(heavy, 4, axis=0)
    assert (t_g, t_h) == ("int4", "flint4")
    assert scale.shape == (16, 1)
    xq = ant_dequantize(codes, t_h, scale)
    # adaptive beats the fixed int4 grid on heavy-tailed data
    ci, ti, si = ant_quantize(heavy, 4, axis=0, types=("int4",))
    assert mse(heavy, xq) < mse(heavy, ant_dequantize(ci, ti, si))


def test_gobo_outliers_are_exact_and_rare():
    rng = np.random.default_rng(2)
    w = rng.normal(size=200_000)
    r = gobo_quantize(w, bits=3)
    assert 0.002 < r.outlier_frac < 0.0035  # Gaussian tail beyond 3 sigma: 0.27 %
    assert np.allclose(r.xq[r.outlier_mask], w[r.outlier_mask], rtol=1e-6)
    assert len(np.unique(r.xq[~r.outlier_mask])) <= 8
    assert 3.0 < r.bits_per_value < 3.2


def test_olaccel_ratio():
    rng = np.random.default_rng(3)
    w = rng.standard_t(3, size=100_000)
    r = olaccel_quantize(w, 4, 8, 0.03)
    assert abs(r.outlier_frac - 0.03) < 0.001
    assert sqnr_db(w, r.xq) > sqnr_db(w, olaccel_quantize(w, 4, 8, 0.0).xq)


def test_metrics_hand_values():
    assert mse([1.0, 1.0], [1.1, 0.9]) == pytest.approx(0.01)
    assert sqnr_db([1.0, 1.0], [1.1, 0.9]) == pytest.approx(20.0)
    assert sqnr_db([1.0], [1.0]) == math.inf


@pytest.mark.parametrize(
    "bad",
    [
        lambda: ant_quantize(np.ones(4), 5),
        lambda: ant_quantize(np.array([np.inf]), 4),
        lambda: ant_quantize(np.ones(4), 4, types=("int8",)),
        lambda: type_table("posit4"),
        lambda: gobo_quantize(np.ones(3), bits=0),
        lambda: olaccel_quantize(np.ones(3), outlier_ratio=1.5),
        lambda: mse([1.0], [1.0, 2.0]),
    ],
)
def test_bad_input(bad):
    with pytest.raises(InputError):
        bad()
