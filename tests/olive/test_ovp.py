"""OVP numerics: spec vectors, slow reference == fast paths, and the issue's properties."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from llmaccel.workloads.errors import InputError
from llmaccel.workloads.quant import ovp
from llmaccel.workloads.quant.ovp import (
    OVPFormat,
    decode,
    decode_exp_int,
    decode_pair_ref,
    encode,
    encode_pair_ref,
    ovp4,
    ovp8,
    pack4,
    unpack4,
)

FORMATS = [
    ovp4("int4"),
    ovp4("flint4"),
    ovp8(),
    ovp8(4, 3, 4),
    ovp4("int4", "away", "larger"),
    ovp4("flint4", "up", "larger"),
    ovp8(tie="away"),
]
FMT_IDS = [f.name + f"-{f.tie}-{f.pair_rule}" for f in FORMATS]

finite = st.floats(-400.0, 400.0, allow_nan=False, width=64)
halfs = st.integers(-800, 800).map(lambda i: i / 2)  # exact ties
values = st.one_of(finite, halfs, st.sampled_from([9.5, -9.5, 18.0, -18.0, 0.5, -0.5, 1e9, -1e9]))


def test_spec_int4_vectors():
    """olive.md's int4 vectors: inputs in LSB units -> nibbles (left, right)."""
    f = ovp4("int4")
    x = np.array([[2.6, 4.2, -1.5, 37.2, 9.49, 0.3, 0.5, -0.5]])
    codes = encode(x, f)
    assert codes.tolist() == [[0b0011, 0b0100, 0b1000, 0b0100, 0b0111, 0b0000, 0b0001, 0b0000]]
    assert decode(codes, f).tolist() == [[3, 4, 0, 32, 7, 0, 1, 0]]
    for a, b, want in [(2.6, 4.2, (3, 4)), (-1.5, 37.2, (8, 4)), (9.49, 0.3, (7, 0)), (0.5, -0.5, (1, 0))]:
        assert encode_pair_ref(a, b, f) == want


def test_abfloat_magnitudes_and_boundary_ties():
    i4 = ovp.representable_values(ovp4("int4"))
    assert sorted(set(np.abs(i4)) - set(range(8))) == [12, 16, 24, 32, 48, 64, 96]
    f4 = ovp.representable_values(ovp4("flint4"))
    assert sorted(set(np.abs(f4))) == [0, 1, 2, 3, 4, 6, 8, 12, 24, 32, 48, 64, 96, 128, 192]
    f = ovp4("int4")
    # boundary tie -> outlier (both signs); beyond the range saturates to +-96
    assert decode(encode(np.array([9.5, 0, -9.5, 0, 500, 0, -500, 0]), f), f).tolist() == [12, 0, -12, 0, 96, 0, -96, 0]
    # "away" tie rule: -0.5 -> -1, inside the outlier grid 14 -> 16 (tie 12|16)
    fa = ovp4("int4", tie="away")
    assert decode(encode(np.array([0.5, -0.5, 14.0, 0.0, -14.0, 0.0]), fa), fa).tolist() == [1, -1, 16, 0, -16, 0]
    assert decode(encode(np.array([14.0, 0.0, -14.0, 0.0]), f), f).tolist() == [16, 0, -12, 0]


def test_outlier_outlier_rules():
    left, larger = ovp4("int4"), ovp4("int4", pair_rule="larger")
    x = np.array([20.0, -70.0])
    assert decode(encode(x, left), left).tolist() == [24, 0]
    assert decode(encode(x, larger), larger).tolist() == [0, -64]


def test_8bit_split_is_a_parameter():
    f = ovp8()  # E2M5 bias 2: (32+m) << (e+2)
    assert (f.min_outlier, f.max_outlier) == (33 << 2, 63 << 5)
    g = ovp8(4, 3, 4)  # E4M3 bias 4: (8+m) << (e+4)
    assert (g.min_outlier, g.max_outlier) == (9 << 4, 15 << 19)
    c = encode(np.array([299.0, 5.0]), f)
    assert c[1] == f.identifier and decode(c, f).tolist() == [296, 0]  # 296 = 37 << 3 (300 would tie 296|304 -> 304)


@settings(max_examples=200, deadline=None)
@given(fmt=st.sampled_from(FORMATS), pairs=st.lists(st.tuples(values, values), min_size=1, max_size=12))
def test_fast_paths_equal_reference(fmt, pairs):
    x = np.array([v for p in pairs for v in p])[None, :]
    ref = [c for a, b in pairs for c in encode_pair_ref(a, b, fmt)]
    assert encode(x, fmt, backend="numba")[0].tolist() == ref
    assert encode(x, fmt, backend="numpy")[0].tolist() == ref
    e, i = decode_exp_int(np.array(ref, np.uint8), fmt)
    ref_ei = [p for k in range(0, len(ref), 2) for p in decode_pair_ref(ref[k], ref[k + 1], fmt)]
    assert list(zip(e.tolist(), i.tolist())) == ref_ei
    assert decode(np.array(ref, np.uint8), fmt).tolist() == [float(ii << ee) for ee, ii in ref_ei]


@pytest.mark.parametrize("fmt", FORMATS, ids=FMT_IDS)
def test_numba_equals_numpy_on_many_values(fmt):
    rng = np.random.default_rng(7)
    x = np.concatenate(
        [
            rng.standard_t(2, 300_000) * fmt.max_normal / 2,  # >= PARALLEL_MIN_VALUES: threaded kernel
            rng.integers(-4 * fmt.max_outlier, 4 * fmt.max_outlier, 50_000) / 2,
        ]
    )
    assert np.array_equal(encode(x, fmt, backend="numba"), encode(x, fmt, backend="numpy"))


@settings(max_examples=250, deadline=None)
@given(fmt=st.sampled_from(FORMATS), pairs=st.lists(st.tuples(values, values), min_size=1, max_size=16))
def test_properties(fmt, pairs):
    x = np.array([v for p in pairs for v in p])
    codes = encode(x, fmt)
    q = decode(codes, fmt).astype(np.float64)
    grid = ovp.representable_values(fmt)
    ident = fmt.identifier
    c0, c1 = codes[0::2], codes[1::2]
    # never two identifiers in a pair, i.e. no outlier code equals the identifier
    assert not np.any((c0 == ident) & (c1 == ident))
    victim = codes == ident
    partner_q = np.where(np.arange(len(x)) % 2 == 0, np.roll(q, -1), np.roll(q, 1))
    # victims only next to outliers, and decode to 0
    assert np.all(np.abs(partner_q[victim]) >= fmt.min_outlier)
    assert np.all(q[victim] == 0)
    # every non-victim decodes to a nearest representable value (saturating beyond the range)
    xs = np.clip(x, grid[0], grid[-1])
    dist = np.min(np.abs(xs[:, None] - grid[None, :]), axis=1)
    keep = ~victim
    assert np.all(np.abs(xs[keep] - q[keep]) <= dist[keep] + 1e-9)
    # normals within half an LSB (int types); outliers within half the local abfloat spacing
    normal_range = keep & (np.abs(x) <= fmt.max_normal)
    if fmt.normal != "flint4":
        assert np.all(np.abs(x[normal_range] - q[normal_range]) <= 0.5)
    big = keep & (np.abs(q) >= fmt.min_outlier) & (np.abs(x) <= fmt.max_outlier)
    mags = np.unique(np.abs(grid[np.abs(grid) >= fmt.max_normal]))
    spacing = np.max(np.diff(mags))
    assert np.all(np.abs(x[big] - q[big]) <= spacing / 2)
    # idempotence on representable values
    assert np.array_equal(encode(q, fmt), codes)


def test_pack_nibble_order_and_roundtrip():
    codes = np.array([[0x3, 0x4, 0x8, 0x4]], np.uint8)
    assert pack4(codes).tolist() == [[0x43, 0x48]]
    rng = np.random.default_rng(3)
    c = rng.integers(0, 16, (6, 8), dtype=np.uint8)
    assert np.array_equal(unpack4(pack4(c)), c)
    assert np.array_equal(unpack4(pack4(c, axis=0), axis=0), np.moveaxis(unpack4(pack4(np.moveaxis(c, 0, -1))), -1, 0))


def test_odd_axis_and_axis_choice():
    f = ovp4()
    x = np.array([[1.0, 40.0, 2.0], [3.0, 1.0, 50.0]])
    c = encode(x, f, axis=1)
    assert c.shape == (2, 4)
    assert decode(c, f, axis=1, length=3).tolist() == [[0, 48, 2], [3, 1, 48]]  # 40 ties 32|48 -> 48
    c0 = encode(x.T, f, axis=0)
    assert np.array_equal(c0, c.T)


def test_scale_search_beats_plain_int4_on_outlier_channels():
    from llmaccel.workloads.quant.ant import int_quantize
    from llmaccel.workloads.quant.metrics import mse

    rng = np.random.default_rng(0)
    w = rng.standard_t(4, size=(64, 256)) * 0.02
    w[:, :3] *= 30  # outlier input channels
    t = ovp.ovp_quantize(w, 4, axis=1, channel_axis=0)
    assert t.scale.shape == (64, 1)
    q = t.dequantize()
    assert mse(w, q) < mse(w, int_quantize(w, 4, axis=0))
    # the scale search picks the best alpha: no grid alpha does better on any channel
    err_best = np.mean((q - w) ** 2, axis=1)
    xmax = ovp.xmax_of(w, (1,))
    for p in (75, 101, 151, 249):
        s = xmax * p / 100 / t.fmt.max_normal
        e = np.mean((ovp.quantize(w, t.fmt, s, axis=1) - w) ** 2, axis=1)
        assert np.all(err_best <= e + 1e-18)
    assert t.stats["pairs"] == 64 * 128 and t.stats["outlier_normal"] > 0


def test_normal_type_choice_by_mse():
    rng = np.random.default_rng(1)
    picked = set()
    for x in (rng.normal(size=(8, 512)), rng.laplace(size=(8, 512)) ** 3):
        t = ovp.ovp_quantize(x, 4)
        e = {n: ovp.search_scale(x, ovp4(n))[1] for n in ("int4", "flint4")}
        assert t.fmt.normal == min(e, key=e.get)
        picked.add(t.fmt.normal)
    assert picked == {"int4", "flint4"}  # Gaussian -> int4, cubed Laplace -> flint4


@pytest.mark.parametrize(
    "bad",
    [
        lambda: OVPFormat(5),
        lambda: OVPFormat(4, "int8"),
        lambda: ovp4("int8"),
        lambda: ovp8(2, 4, 2),
        lambda: ovp8(4, 3, 2),
        lambda: ovp4(tie="down"),
        lambda: ovp4(pair_rule="right"),
        lambda: encode(np.array([1.0, np.nan]), ovp4()),
        lambda: decode(np.array([8, 8], np.uint8), ovp4()),
        lambda: decode(np.array([1, 2, 3], np.uint8), ovp4()),
        lambda: decode(np.array([17, 0], np.uint8), ovp4()),
        lambda: ovp.ovp_quantize(np.ones(4), 6),
        lambda: encode(np.ones(4), ovp4(), backend="gpu"),
    ],
)
def test_bad_input(bad):
    with pytest.raises(InputError):
        bad()
