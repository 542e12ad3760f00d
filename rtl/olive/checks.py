"""RTL checks of the OliVe units (registered for ``llmaccel verify`` and tests/rtl/test_olive.py).

* ``olive.decoder4``: every byte (two 4-bit codes) for both normal types
  (int4, flint4) — 255 pairs each: the pair of two identifiers (0x88) is never
  produced by the encoder and has no defined decoding — plus a random stream of
  encoder-produced bytes; expected ``<exp, int>``: ``workloads.quant.ovp.decode_exp_int``.
* ``olive.decoder8``: >= 100,000 random 8-bit code pairs (uniform over all
  pairs except (0x80, 0x80)) plus every pair with an identifier; same model.
* ``olive.pe``: a random stream of decoded operand pairs with ``en``/``clear``
  against the per-cycle model :func:`pe_model`.
* ``olive.array4x4``: random encoded tiles (heavy-tailed values, both normal
  types, K odd and even) against numpy matmul of the decoded values and the
  exponent-integer model; latency against :func:`rtl.olive.array.latency_cycles`.

Vectors are seeded (``numpy.random.default_rng``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from llmaccel.rtl.flow import run_cocotb, write_verilog
from llmaccel.rtl.olive import decoder as dec
from llmaccel.rtl.olive import pe as pe_mod
from llmaccel.rtl.olive.array import OvpArray, OvpArrayConfig, latency_cycles
from llmaccel.rtl.olive.decoder import DECODER4, DECODER8, DecoderConfig, OvpDecoderLanes
from llmaccel.rtl.olive.pe import OvpPE, OvpPEConfig
from llmaccel.rtl.registry import RtlCheck
from llmaccel.workloads.quant import ovp

VECTORS_ENV = "LLMACCEL_VECTORS"
DEC8_RANDOM = 100_000
DECODER_LANES = 8  # code pairs per cycle in the decoder checks (8 decoder instances)
PE_RANDOM = 4_000
ARRAY_TILES = 60


def fmt_of(cfg: DecoderConfig, flint: bool) -> ovp.OVPFormat:
    """The functional-model format a decoder configuration implements."""
    if cfg.bits == 4:
        return ovp.ovp4("flint4" if flint else "int4")
    return ovp.ovp8(cfg.exp_bits, cfg.man_bits, cfg.bias)


def expected_decode(pairs: np.ndarray, fmt: ovp.OVPFormat) -> dict[str, np.ndarray]:
    """``exp0 int0 exp1 int1`` of code pairs ``[n, 2]`` from the Python decoder."""
    e, i = ovp.decode_exp_int(pairs.reshape(-1, 2), fmt)
    return {"exp0": e[:, 0], "int0": i[:, 0], "exp1": e[:, 1], "int1": i[:, 1]}


def decoder4_vectors(seed: int = 4) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    parts = []
    for flint in (0, 1):
        f = fmt_of(DECODER4, bool(flint))
        byte = np.array([b for b in range(256) if b != 0x88])
        rnd = ovp.pack4(ovp.encode(rng.standard_t(2, 4000) * 3, f))  # encoder-produced stream
        byte = np.concatenate([byte, rnd])
        pairs = np.stack([byte & 0xF, byte >> 4], axis=1).astype(np.uint8)
        parts.append({"code": byte, "flint": np.full(len(byte), flint), **expected_decode(pairs, f)})
    return _lane_words(parts, DECODER4, 1)


def decoder8_vectors(seed: int = 8, n: int = DEC8_RANDOM, cfg: DecoderConfig = DECODER8) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    f = fmt_of(cfg, False)
    ident = f.identifier
    c = rng.integers(0, 256, (n, 2))
    c = c[~((c[:, 0] == ident) & (c[:, 1] == ident))]
    allc = np.arange(256)
    corners = np.concatenate([np.stack([allc, np.full(256, ident)], 1), np.stack([np.full(256, ident), allc], 1)])
    corners = corners[~((corners[:, 0] == ident) & (corners[:, 1] == ident))]
    pairs = np.concatenate([corners, c]).astype(np.uint8)
    code = pairs[:, 0].astype(np.int64) | (pairs[:, 1].astype(np.int64) << 8)
    part = {"code": code, "flint": np.zeros(len(code), np.int64), **expected_decode(pairs, f)}
    return _lane_words([part], cfg, 0)


def _lane_words(
    parts: list[dict], cfg: DecoderConfig, has_flint: int, lanes: int = DECODER_LANES
) -> dict[str, np.ndarray]:
    """Pack per-pair vectors into per-cycle words of ``lanes`` pairs (one flint setting per word).

    A short last group is padded by repeating its first pair.  Words are hex text
    (wider than 64 bits).
    """
    ew, iw = cfg.exp_width, cfg.int_width
    cw, ow = 2 * cfg.bits, 2 * (ew + iw)
    codes, outs, flints, pairs = [], [], [], 0
    for p in parts:
        n = len(p["code"])
        pairs += n
        for g in range(0, n, lanes):
            idx = list(range(g, min(g + lanes, n)))
            idx += [idx[0]] * (lanes - len(idx))
            cword = oword = 0
            for l, k in enumerate(idx):
                cword |= int(p["code"][k]) << (l * cw)
                fields = (
                    (int(p["exp0"][k]), ew),
                    (int(p["int0"][k]), iw),
                    (int(p["exp1"][k]), ew),
                    (int(p["int1"][k]), iw),
                )
                off = l * ow
                for val, w in fields:
                    oword |= (val & ((1 << w) - 1)) << off
                    off += w
            codes.append(format(cword, "x"))
            outs.append(format(oword, "x"))
            flints.append(int(p["flint"][0]))
    return {
        "code": np.array(codes),
        "out": np.array(outs),
        "flint": np.array(flints),
        "latency": np.array(dec.LATENCY),
        "has_flint": np.array(has_flint),
        "pairs": np.array(pairs),
    }


def pe_model(a_exp, a_int, b_exp, b_int, en, clear, acc_width: int = 32) -> np.ndarray:
    """Accumulator after each input cycle (visible ``pe.LATENCY`` cycles later), per-cycle model."""
    acc = 0
    half, mod = 1 << (acc_width - 1), 1 << acc_width
    out = np.empty(len(en), np.int64)
    for k in range(len(en)):
        s = sum(
            int(a_int[k][l]) * int(b_int[k][l]) << (int(a_exp[k][l]) + int(b_exp[k][l])) for l in range(len(a_int[k]))
        )
        base = 0 if clear[k] else acc
        acc = ((base + s + half) % mod) - half if en[k] else base
        out[k] = acc
    return out


def _pack(vals: np.ndarray, width: int) -> np.ndarray:
    """Pack rows of small ints into words (element l at bits l*width)."""
    if width * vals.shape[1] > 62:
        raise ValueError("packed word wider than 62 bits")
    mask = (1 << width) - 1
    words = np.zeros(vals.shape[0], dtype=np.int64)
    for l in range(vals.shape[1]):
        words |= (vals[:, l].astype(np.int64) & mask) << (l * width)
    return words


def pe_vectors(seed: int = 11, n: int = PE_RANDOM, d: int = 2) -> dict[str, np.ndarray]:
    """Random decoded operands (from random encoder-produced code pairs of both normal types)."""
    rng = np.random.default_rng(seed)
    ops = {}
    for side in ("a", "b"):
        es, is_ = [], []
        for flint in (False, True):
            f = fmt_of(DECODER4, flint)
            codes = ovp.encode(rng.standard_t(2, (n // 2, d)) * 4, f)
            e, i = ovp.decode_exp_int(codes, f)
            es.append(e)
            is_.append(i)
        perm = rng.permutation(n)
        ops[f"{side}_exp"] = np.concatenate(es)[perm]
        ops[f"{side}_int"] = np.concatenate(is_)[perm]
    en = (rng.random(n) < 0.85).astype(np.int64)
    clear = (rng.random(n) < 0.05).astype(np.int64)
    acc = pe_model(ops["a_exp"], ops["a_int"], ops["b_exp"], ops["b_int"], en, clear)
    ecfg = OvpPEConfig(d, DECODER4.exp_width, DECODER4.int_width)
    return {
        "a_exp": _pack(ops["a_exp"], ecfg.exp_width),
        "a_int": _pack(ops["a_int"], ecfg.int_width),
        "b_exp": _pack(ops["b_exp"], ecfg.exp_width),
        "b_int": _pack(ops["b_int"], ecfg.int_width),
        "en": en,
        "clear": clear,
        "acc": acc,
        "latency": np.array(pe_mod.LATENCY),
    }


def exp_int_matmul(ae, ai, be, bi) -> np.ndarray:
    """The PE's arithmetic on whole tiles: ``C[i, j] = sum_k (ai[i,k] * bi[k,j]) << (ae[i,k] + be[k,j])``."""
    prod = ai[:, :, None].astype(np.int64) * bi[None, :, :].astype(np.int64)
    return np.sum(prod << (ae[:, :, None].astype(np.int64) + be[None, :, :].astype(np.int64)), axis=1)


def array_tiles(rows: int = 4, cols: int = 4, n: int = ARRAY_TILES, seed: int = 44) -> list[dict]:
    """Random encoded tiles: A [rows, K], B [K, cols] heavy-tailed, K in 1..24 (odd K padded)."""
    rng = np.random.default_rng(seed)
    tiles = []
    ks = [1, 2, 24] + rng.integers(1, 25, n - 3).tolist()
    for t, k in enumerate(ks):
        fa, fb = bool(rng.integers(2)), bool(rng.integers(2))
        if t < 4:
            fa, fb = bool(t & 1), bool(t & 2)
        A = rng.standard_t(2, (rows, k)) * 3
        B = rng.standard_t(2, (k, cols)) * 3
        ac = ovp.encode(A, fmt_of(DECODER4, fa), axis=1)
        bc = ovp.encode(B, fmt_of(DECODER4, fb), axis=0)
        ae, ai = ovp.decode_exp_int(ac, fmt_of(DECODER4, fa), axis=1)
        be, bi = ovp.decode_exp_int(bc, fmt_of(DECODER4, fb), axis=0)
        av = ovp.decode(ac, fmt_of(DECODER4, fa), axis=1).astype(np.int64)
        bv = ovp.decode(bc, fmt_of(DECODER4, fb), axis=0).astype(np.int64)
        c_np = av @ bv
        c_model = exp_int_matmul(ae, ai, be, bi)
        assert np.array_equal(c_np, c_model)
        tiles.append(
            {"a_codes": ac, "b_codes": bc, "a_flint": int(fa), "b_flint": int(fb), "C": c_np, "T": ac.shape[1] // 2}
        )
    return tiles


def array_vectors(rows: int = 4, cols: int = 4, n: int = ARRAY_TILES) -> dict[str, np.ndarray]:
    tiles = array_tiles(rows, cols, n)
    a_words, b_words = [], []
    for tl in tiles:
        pa = ovp.pack4(tl["a_codes"], axis=1)  # [rows, T] bytes
        pb = ovp.pack4(tl["b_codes"], axis=0)  # [T, cols] bytes
        a_words.extend(_pack(pa.T, 8).tolist())
        b_words.extend(_pack(pb, 8).tolist())
    return {
        "rows": np.array(rows),
        "cols": np.array(cols),
        "acc_width": np.array(32),
        "a_words": np.array(a_words, dtype=np.int64),
        "b_words": np.array(b_words, dtype=np.int64),
        "tile_len": np.array([tl["T"] for tl in tiles]),
        "a_flint": np.array([tl["a_flint"] for tl in tiles]),
        "b_flint": np.array([tl["b_flint"] for tl in tiles]),
        "expected_c": np.stack([tl["C"] for tl in tiles]).ravel(),
        "expected_latency": np.array([latency_cycles(rows, cols, tl["T"]) for tl in tiles]),
    }


def _run(elab, top: str, tb: str, vectors: dict, sim: str, build_dir: Path) -> None:
    build_dir = Path(build_dir)
    build_dir.mkdir(parents=True, exist_ok=True)
    vec = build_dir / "vectors.npz"
    np.savez(vec, **vectors)
    v = write_verilog(elab, build_dir, top)
    run_cocotb(v, top, tb, sim, build_dir, env={VECTORS_ENV: str(vec)})


def run_decoder4(sim: str, build_dir: Path) -> None:
    _run(
        OvpDecoderLanes(DECODER4, DECODER_LANES),
        "olive_dec4",
        "llmaccel.rtl.olive.tb_decoder",
        decoder4_vectors(),
        sim,
        build_dir,
    )


def run_decoder8(sim: str, build_dir: Path) -> None:
    _run(
        OvpDecoderLanes(DECODER8, DECODER_LANES),
        "olive_dec8",
        "llmaccel.rtl.olive.tb_decoder",
        decoder8_vectors(),
        sim,
        build_dir,
    )


def run_pe(sim: str, build_dir: Path) -> None:
    _run(OvpPE(OvpPEConfig()), "olive_pe", "llmaccel.rtl.olive.tb_pe", pe_vectors(), sim, build_dir)


def run_array(sim: str, build_dir: Path) -> None:
    _run(
        OvpArray(OvpArrayConfig(4, 4)),
        "olive_array",
        "llmaccel.rtl.olive.tb_array",
        array_vectors(4, 4),
        sim,
        build_dir,
    )


CHECKS = [
    RtlCheck(
        "olive.decoder4",
        "OVP 4-bit decoder: all 255 valid bytes x {int4, flint4} + 8,000 encoded bytes "
        "vs workloads.quant.ovp.decode_exp_int; latency 1",
        run_decoder4,
    ),
    RtlCheck(
        "olive.decoder8",
        "OVP 8-bit decoder (E2M5 bias 2): 100,000 random code pairs + all identifier pairs "
        "vs workloads.quant.ovp.decode_exp_int; latency 1",
        run_decoder8,
    ),
    RtlCheck("olive.pe", "exponent-integer PE (d=2): 4,000-cycle random stream vs per-cycle model; latency 2", run_pe),
    RtlCheck(
        "olive.array4x4",
        "4x4 OVP array with 8 edge decoders: 60 encoded tiles vs numpy matmul of decoded "
        "values and the exp-int model; latency T+2R+C-2+e+(L-1)",
        run_array,
    ),
]
