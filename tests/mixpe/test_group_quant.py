"""Numerics of group-wise quantization and the two mpGEMM orders (workloads/quant/group.py)."""

from __future__ import annotations

import numpy as np
import pytest

from llmaccel.workloads.errors import InputError
from llmaccel.workloads.quant import group as gq


def _rand_case(rng, max_m=9, max_k=300, max_n=9):
    m = int(rng.integers(1, max_m + 1))
    k = int(rng.integers(1, max_k + 1))
    n = int(rng.integers(1, max_n + 1))
    bits = int(rng.choice(gq.WEIGHT_BITS))
    gs = int(rng.choice([1, 3, 32, 64, 128, int(rng.integers(1, 200))]))
    w = rng.normal(0, rng.uniform(0.001, 3), (k, n)) + rng.uniform(-1, 1)
    x = rng.normal(0, rng.uniform(0.1, 10), (m, k))
    return m, k, n, bits, gs, w, x


def test_shift_add_product_exhaustive_int4_int8():
    a = np.arange(-128, 128)[:, None]
    w = np.arange(-8, 8)[None, :]
    assert np.array_equal(gq.shift_add_product(a, w, 4), a * w)  # 4096 pairs, numpy product


@pytest.mark.parametrize("bits", [2, 3, 8])
def test_shift_add_product_other_widths(bits):
    a = np.arange(-128, 128)[:, None]
    w = np.arange(-(1 << (bits - 1)), 1 << (bits - 1))[None, :]
    assert np.array_equal(gq.shift_add_product(a, w, bits), a * w)


def test_shift_add_hand_values():
    # -8 = 1000b: only the sign bit -> -(a << 3); 5 = 0101b -> a + (a << 2)
    assert gq.shift_add_product(np.array([3]), np.array([-8]))[0] == -24
    assert gq.shift_add_product(np.array([-7]), np.array([5]))[0] == -35
    with pytest.raises(InputError):
        gq.shift_add_product(np.array([1]), np.array([8]), 4)


def test_fp16_shift_add_exact_all_fp16_times_int4():
    allbits = np.arange(0, 1 << 16, dtype=np.uint32).astype(np.uint16)
    x = allbits.view(np.float16)
    x = x[np.isfinite(x)]
    for w in range(-8, 8):
        got = gq.fp16_shift_add_product(x, np.full(x.shape, w))
        assert np.array_equal(got, x.astype(np.float64) * w)


def test_quantize_hand_example():
    # one group of 4 values, 2 bits: lo=-1, hi=2 -> s=1, z_u=1; codes q_u=[0,1,2,3] -> signed [-2,-1,0,1], z=-1
    w = np.array([[-1.0], [0.0], [1.0], [2.0]])
    wq = gq.quantize_weights(w, bits=2, group_size=4, scale_format="fixed", scale_bits=8)
    assert wq.q[:, 0].tolist() == [-2, -1, 0, 1]
    assert wq.zero.tolist() == [[-1]]
    assert wq.scale[0, 0] == 1.0
    assert np.array_equal(wq.dequantize(), w)


def test_quantize_error_within_half_step_and_codes_in_range():
    rng = np.random.default_rng(1)
    for _ in range(200):
        _, k, n, bits, gs, w, _ = _rand_case(rng)
        for fmt in ("fixed", "fp16"):
            wq = gq.quantize_weights(w, bits, gs, fmt)
            lo, hi = -(1 << (bits - 1)), (1 << (bits - 1)) - 1
            assert wq.q.min() >= lo and wq.q.max() <= hi
            assert wq.zero.min() >= lo and wq.zero.max() <= hi
            err = np.abs(wq.dequantize() - w)
            s = wq.expand(wq.scale)
            # scales are rounded up into their format, so [lo, hi] stays in range and
            # round-to-nearest leaves at most half a step (plus float round-off).
            assert np.all(err <= 0.5 * s * (1 + 1e-9) + 1e-15)


def test_integer_paths_exactly_equal_on_random_shapes():
    rng = np.random.default_rng(2)
    for _ in range(250):
        m, k, n, bits, gs, w, x = _rand_case(rng)
        wq = gq.quantize_weights(w, bits, gs, "fixed", int(rng.choice([8, 12, 16])))
        act = gq.quantize_activations_int8(x, str(rng.choice(["token", "tensor"])))
        first = gq.mpgemm_dequant_first_int(act.a, wq)
        grouped = gq.mpgemm_group_int(act.a, wq)
        assert grouped.dtype == np.int64 and np.array_equal(first, grouped)
        # Independent check of the real value against float dequantize-then-matmul.
        real = gq.to_real(grouped, wq, act.scale)
        ref = (act.a * act.scale) @ wq.dequantize()
        assert np.allclose(real, ref, rtol=1e-9, atol=1e-9 * np.abs(ref).max() + 1e-300)


def test_fp16_path_within_stated_tolerance():
    """MixPE's FP32 group accumulation vs the exact fp16 reference.

    Stated tolerance: |O - O_exact| <= 2**-24 * (L + 3) * B, with L = group length
    and B = sum_g s_g sum_k |a_k|(|q_k| + |z_g|) (fp16_error_bound_terms); this is
    the standard recursive-summation bound for FP32 with unit round-off 2**-24.
    """
    rng = np.random.default_rng(3)
    worst = 0.0
    for _ in range(200):
        m, k, n, bits, gs, w, x = _rand_case(rng, max_k=260)
        x16 = x.astype(np.float16)
        wq = gq.quantize_weights(w, bits, gs, "fp16")
        got = gq.mpgemm_group_fp16(x16, wq).astype(np.float64)
        ref = gq.mpgemm_dequant_first_fp16_exact(x16, wq)
        B = gq.fp16_error_bound_terms(x16, wq)
        steps = min(gs, k) + gq.n_groups(k, gs) + 3
        ratio = np.abs(got - ref) / (B * steps * 2.0**-24 + 1e-300)
        worst = max(worst, float(ratio.max()))
    assert worst <= 1.0
    assert worst > 0.0  # the FP32 path really rounds: the check is not vacuous


def test_activation_quantization_per_token_and_tensor():
    x = np.array([[1.0, -2.0, 0.5], [0.0, 0.0, 0.0], [127.0, 63.5, -127.0]])
    t = gq.quantize_activations_int8(x, "token")
    assert t.a.tolist() == [[64, -127, 32], [0, 0, 0], [127, 64, -127]]  # rint(63.5)=64 (half-even)
    assert t.scale[:, 0].tolist() == [2.0 / 127, 1.0, 1.0]
    p = gq.quantize_activations_int8(x, "tensor")
    assert p.scale.shape == (1, 1) and p.scale[0, 0] == 1.0
    assert p.a[0].tolist() == [1, -2, 0]  # 0.5 -> 0 (half to even)


@pytest.mark.parametrize(
    "kwargs, field",
    [
        ({"bits": 5}, "weight bits"),
        ({"group_size": 0}, "group_size"),
        ({"group_size": 2.5}, "group_size"),
        ({"scale_format": "bf16"}, "scale_format"),
        ({"scale_bits": 1}, "scale_bits"),
    ],
)
def test_bad_quantizer_input(kwargs, field):
    with pytest.raises(InputError) as e:
        gq.quantize_weights(np.ones((4, 2)), **kwargs)
    assert e.value.field == field


def test_bad_arrays():
    with pytest.raises(InputError):
        gq.quantize_weights(np.array([[np.nan]]))
    with pytest.raises(InputError):
        gq.quantize_weights(np.ones(4))
    wq = gq.quantize_weights(np.ones((4, 2)), 4, 2)
    with pytest.raises(InputError):
        gq.mpgemm_group_int(np.ones((3, 5), dtype=np.int64), wq)
    with pytest.raises(InputError):
        gq.quantize_activations_int8(np.ones((2, 2)), "channel")
    wf = gq.quantize_weights(np.ones((4, 2)), 4, 2, "fp16")
    with pytest.raises(InputError):
        gq.mpgemm_group_int(np.ones((1, 4), dtype=np.int64), wf)


def test_exact_int_matmul_both_paths():
    rng = np.random.default_rng(5)
    a = rng.integers(-128, 128, (5, 40))
    b = rng.integers(-(1 << 20), 1 << 20, (40, 3))
    want = [[sum(int(a[i, k]) * int(b[k, j]) for k in range(40)) for j in range(3)] for i in range(5)]
    assert gq.exact_int_matmul(a, b).tolist() == want  # float64 BLAS path
    # bound 2 * 2**30 * 2**30 >= 2**53: the int64 path is taken
    a2 = np.array([[1 << 30, 1 << 30]])
    b2 = np.array([[1 << 30], [3]])
    assert gq.exact_int_matmul(a2, b2).tolist() == [[(1 << 60) + 3 * (1 << 30)]]


def test_fp16_group_sums_fixed_exact():
    from fractions import Fraction

    rng = np.random.default_rng(8)
    for _ in range(30):
        k = int(rng.integers(1, 300))
        gs = int(rng.choice([4, 32, 128]))
        bits = rng.integers(0, 1 << 16, k).astype(np.uint16)
        bits = np.where(((bits >> 10) & 0x1F) == 0x1F, bits & 0x83FF, bits).astype(np.uint16)
        x16 = bits.view(np.float16)
        q = rng.integers(-8, 8, k)
        P, S = gq.fp16_group_sums_fixed(x16, q, gs)
        for g in range(len(P)):
            sl = slice(g * gs, (g + 1) * gs)
            want_p = sum(Fraction(float(x)) * int(w) for x, w in zip(x16[sl], q[sl]))
            want_s = sum(Fraction(float(x)) for x in x16[sl])
            assert Fraction(P[g], 1 << 24) == want_p and Fraction(S[g], 1 << 24) == want_s
    with pytest.raises(InputError):
        gq.fp16_group_sums_fixed(np.array([np.inf], np.float16), np.array([1]), 4)
