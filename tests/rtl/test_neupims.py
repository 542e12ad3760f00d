"""NeuPIMs PIM bank MAC: model checked by hand and against exact fractions; area (the RTL == model
runs on Icarus and Verilator are in test_rtl_checks.py)."""

import numpy as np

from llmaccel.rtl.flow import cell_counts
from llmaccel.rtl.neupims.mac import PimBankMac
from llmaccel.sim.neupims.pim_unit import LATENCY, run_stream


def test_model_by_hand():
    a = np.array([[1] * 16, [0] * 16, [-128] * 16, [0] * 16])
    b = np.array([list(range(16)), [0] * 16, [-128] * 16, [0] * 16])
    out = run_stream([1, 0, 1, 0], [0, 1, 0, 1], a, b)
    assert out == [(1 + LATENCY, 120), (3 + LATENCY, 16 * 16384)]
    # wrap at 32 bits: 2^31 / 262144 = 8192 COMPs reach +2^31 -> -2^31
    n = 8192
    out = run_stream([1] * n + [0], [0] * n + [1], np.full((n + 1, 16), -128), np.full((n + 1, 16), -128))
    assert out == [(n + LATENCY, -(1 << 31))]


def test_cell_counts():
    cells = cell_counts(PimBankMac(), "neupims_bank_mac")
    ffs = sum(v for k, v in cells.items() if "DFF" in k)
    # registers: 16 products x 16 bits + tree 20 + acc 32 + res 32 + 5 control bits
    assert ffs == 16 * 16 + 20 + 32 + 32 + 5
    assert cells["total"] > ffs


def test_fp16_model_is_exact():
    """The fp16 model's value equals the exact rational sum of the fp16 products (Fraction)."""
    from fractions import Fraction

    from llmaccel.sim.neupims.pim_unit import FP16_FRAC_BITS, run_stream_fp16

    rng = np.random.default_rng(11)
    for _ in range(30):
        n = int(rng.integers(1, 20))
        bits = rng.integers(0, 0x7C00, (n, 2, 16)) | (rng.integers(0, 2, (n, 2, 16)) << 15)
        vals = bits.astype(np.uint16).view(np.float16).astype(np.float64)
        exact = sum(Fraction(float(x)) * Fraction(float(y)) for x, y in zip(vals[:, 0].ravel(), vals[:, 1].ravel()))
        out = run_stream_fp16(
            [1] * n + [0],
            [0] * n + [1],
            np.vstack([bits[:, 0], np.zeros((1, 16), int)]),
            np.vstack([bits[:, 1], np.zeros((1, 16), int)]),
        )
        assert out[0][0] == n + LATENCY and out[0][2] == 0
        assert Fraction(out[0][1], 1 << FP16_FRAC_BITS) == exact
