"""RTL checks of the baseline PE and the output-stationary systolic array.

Each check writes Verilog from the Amaranth source, writes a vectors file with
the expected outputs, and runs a cocotb testbench on one simulator:

* ``baseline.pe``: all 65,536 INT8 x INT8 products, >= 10,000 random
  ``a, b, en, clear`` vectors with corner runs, the overflow bound, reset.
  Expected values: :func:`pe_model` (the PE's next-state table, evaluated per
  cycle) and numpy's products.
* ``baseline.array4x4`` / ``baseline.array2x3``: random tiles (``T`` in 1..64)
  plus corner tiles, some with idle input cycles.  Expected ``C``: numpy
  matmul; expected latency: :func:`rtl.baseline.array.latency_cycles` plus the
  idle cycles inserted.  rtl/ may not import sim/ (tests/test_layering.py), so
  ``tests/rtl/test_baseline.py`` holds ``latency_cycles`` equal to
  ``sim.systolic.reference.simulate_os_tile`` on every one of these tiles.

Vectors are seeded (``numpy.random.default_rng``): runs are reproducible.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from llmaccel.rtl.baseline.array import ArrayConfig, OsArray, latency_cycles
from llmaccel.rtl.baseline.pe import MacPE, PEConfig, safe_accumulations, worst_product
from llmaccel.rtl.flow import run_cocotb, write_verilog
from llmaccel.rtl.registry import RtlCheck

VECTORS_ENV = "LLMACCEL_VECTORS"
PE_TOP = "baseline_pe"
ARRAY_TOP = "baseline_os_array"

PE_RANDOM_VECTORS = 12_000
ARRAY_RANDOM_TILES = {(4, 4): 200, (2, 3): 100}
MAX_T = 64


def _wrap(x: np.ndarray | int, bits: int):
    """Two's-complement wrap of int64 values to ``bits``."""
    half = 1 << (bits - 1)
    return ((np.asarray(x, dtype=np.int64) + half) % (1 << bits)) - half


# ----------------------------------------------------------------------------- PE
DEFAULT_PE = PEConfig()


def pe_model(a, b, en, clear, cfg: PEConfig = DEFAULT_PE) -> np.ndarray:
    """Accumulator value visible one cycle after each input vector (per-cycle model).

    Next state, from the PE's specification table: ``clear`` zeroes the old sum,
    ``en`` adds ``a*b`` (both may be high: the new sum is ``a*b``).
    """
    acc = 0
    out = np.empty(len(a), dtype=np.int64)
    half, mod = 1 << (cfg.acc_width - 1), 1 << cfg.acc_width
    for k, (ak, bk, ek, ck) in enumerate(zip(a.tolist(), b.tolist(), en.tolist(), clear.tolist())):
        base = 0 if ck else acc
        acc = ((base + ak * bk + half) % mod) - half if ek else base
        out[k] = acc
    return out


def pe_vectors(seed: int = 2024, n_random: int = PE_RANDOM_VECTORS, cfg: PEConfig = DEFAULT_PE) -> dict[str, Any]:
    """Exhaustive products, a random stream with corner runs, and the overflow bound."""
    rng = np.random.default_rng(seed)
    lo_a, hi_a = -(1 << (cfg.a_width - 1)), (1 << (cfg.a_width - 1)) - 1
    lo_b, hi_b = -(1 << (cfg.b_width - 1)), (1 << (cfg.b_width - 1)) - 1
    ga, gb = np.meshgrid(np.arange(lo_a, hi_a + 1), np.arange(lo_b, hi_b + 1), indexing="ij")
    prod_a, prod_b = ga.ravel(), gb.ravel()

    # random stream: uniform operands, en ~ 80 %, clear ~ 5 %
    a = rng.integers(lo_a, hi_a + 1, n_random)
    b = rng.integers(lo_b, hi_b + 1, n_random)
    en = (rng.random(n_random) < 0.8).astype(np.int64)
    clear = (rng.random(n_random) < 0.05).astype(np.int64)
    # corner runs spliced in at random places
    corners = [
        (np.full(300, lo_a), np.full(300, lo_b), np.ones(300), np.r_[1, np.zeros(299)]),  # max positive products
        (np.full(300, hi_a), np.full(300, lo_b), np.ones(300), np.r_[1, np.zeros(299)]),  # most negative products
        (np.full(50, hi_a), np.full(50, hi_b), np.r_[np.ones(25), np.zeros(25)], np.zeros(50)),  # en low holds
        (np.full(20, lo_a), np.full(20, hi_b), np.ones(20), np.tile([0, 1], 10)),  # clear mid-stream
        (np.full(20, 5), np.full(20, -7), np.zeros(20), np.tile([1, 0, 0, 0], 5)),  # clear without en
        (np.zeros(10), np.full(10, lo_b), np.ones(10), np.zeros(10)),  # zero operand
    ]
    for ca, cb, ce, cc in corners:
        at = int(rng.integers(0, len(a)))
        a, b = np.insert(a, at, ca), np.insert(b, at, cb)
        en, clear = np.insert(en, at, ce), np.insert(clear, at, cc)
    a, b, en, clear = (x.astype(np.int64) for x in (a, b, en, clear))

    safe = safe_accumulations(cfg)
    wp = worst_product(cfg)
    return {
        "prod_a": prod_a,
        "prod_b": prod_b,
        "prod_expected": prod_a.astype(np.int64) * prod_b,  # numpy product, never wraps here
        "rnd_a": a,
        "rnd_b": b,
        "rnd_en": en,
        "rnd_clear": clear,
        "rnd_expected": pe_model(a, b, en, clear, cfg),
        "bound_a": np.int64(lo_a),
        "bound_b": np.int64(lo_b),
        "bound_safe": np.int64(safe),
        "bound_at_safe": np.int64(safe * wp),
        "bound_after_wrap": _wrap((safe + 1) * wp, cfg.acc_width),
    }


def run_pe(sim: str, build_dir: Path, seed: int = 2024) -> None:
    """Build the PE, run :mod:`rtl.baseline.tb_pe`; raises RtlCheckFailed on mismatch."""
    build_dir = Path(build_dir)
    build_dir.mkdir(parents=True, exist_ok=True)
    vec = build_dir / "pe_vectors.npz"
    np.savez(vec, **pe_vectors(seed))
    src = write_verilog(MacPE(), build_dir / "src", PE_TOP)
    run_cocotb(src, PE_TOP, "llmaccel.rtl.baseline.tb_pe", sim, build_dir / sim, env={VECTORS_ENV: str(vec)})


# -------------------------------------------------------------------------- array
@dataclass(frozen=True)
class Tile:
    """One array test case: ``A[R, T]``, ``B[T, C]`` and idle cycles before each beat."""

    A: np.ndarray
    B: np.ndarray
    gaps: np.ndarray  # gaps[t] idle input cycles before beat t (gaps[0] = 0)


def array_tiles(rows: int, cols: int, n_random: int, seed: int = 7, cfg: PEConfig = DEFAULT_PE) -> list[Tile]:
    """Random tiles (T uniform in 1..MAX_T) plus corner tiles; 5 % get idle input cycles.

    Corners: all ``-128`` (largest positive sums), ``127 x -128`` (largest
    negative sums), zero A, alternating extremes with ``T = MAX_T``, a scaled
    identity; each at ``T`` in ``{1, 2, MAX_T}`` where it applies.
    """
    rng = np.random.default_rng(seed)
    lo, hi = -(1 << (cfg.a_width - 1)), (1 << (cfg.a_width - 1)) - 1
    pairs: list[tuple[np.ndarray, np.ndarray]] = []
    for _ in range(n_random):
        t = int(rng.integers(1, MAX_T + 1))
        pairs.append((rng.integers(lo, hi + 1, (rows, t)), rng.integers(lo, hi + 1, (t, cols))))
    for t in (1, 2, MAX_T):
        pairs.append((np.full((rows, t), lo), np.full((t, cols), lo)))
        pairs.append((np.full((rows, t), hi), np.full((t, cols), lo)))
        pairs.append((np.zeros((rows, t), dtype=np.int64), rng.integers(lo, hi + 1, (t, cols))))
    alt = np.where(np.arange(MAX_T) % 2 == 0, lo, hi)
    pairs.append((np.tile(alt, (rows, 1)), np.tile(alt[:, None], (1, cols))))
    eye_t = max(rows, cols)
    pairs.append((np.eye(rows, eye_t, dtype=np.int64) * hi, rng.integers(lo, hi + 1, (eye_t, cols))))

    gap_tiles = set(rng.choice(len(pairs), max(1, len(pairs) // 20), replace=False).tolist())
    tiles = []
    for n, (A, B) in enumerate(pairs):
        T = A.shape[1]
        gaps = np.asarray(rng.integers(0, 3, T) if n in gap_tiles else np.zeros(T, dtype=np.int64), dtype=np.int64)
        gaps[0] = 0  # cycle 0 = first beat
        tiles.append(Tile(A.astype(np.int64), B.astype(np.int64), gaps.astype(np.int64)))
    return tiles


def _pack(values: np.ndarray, width: int) -> int:
    word = 0
    for k, x in enumerate(values.tolist()):
        word |= (int(x) & ((1 << width) - 1)) << (k * width)
    return word


def array_vectors(rows: int, cols: int, n_random: int, seed: int = 7, cfg: PEConfig = DEFAULT_PE) -> dict[str, Any]:
    """Input schedules of :func:`array_tiles` with expected C (numpy) and latency.

    Expected latency = :func:`rtl.baseline.array.latency_cycles` (equal to the
    sim/ reference's cycles, held so by tests/rtl/test_baseline.py) plus the
    idle cycles inserted between beats.
    """
    tiles = array_tiles(rows, cols, n_random, seed, cfg)
    valid: list[int] = []
    last: list[int] = []
    a_words: list[int] = []
    b_words: list[int] = []
    starts: list[int] = []
    lengths: list[int] = []
    exp_c, exp_lat = [], []
    for tile in tiles:
        A, B, gaps = tile.A, tile.B, tile.gaps
        T = A.shape[1]
        starts.append(len(valid))
        for t in range(T):
            for _ in range(int(gaps[t])):
                valid.append(0)
                last.append(0)
                a_words.append(0)
                b_words.append(0)
            valid.append(1)
            last.append(int(t == T - 1))
            a_words.append(_pack(A[:, t], cfg.a_width))
            b_words.append(_pack(B[t, :], cfg.b_width))
        lengths.append(len(valid) - starts[-1])
        exp_c.append(_wrap(A @ B, cfg.acc_width))
        exp_lat.append(latency_cycles(rows, cols, T) + int(gaps.sum()))
    return {
        "rows": np.int64(rows),
        "cols": np.int64(cols),
        "acc_width": np.int64(cfg.acc_width),
        "valid": np.array(valid, dtype=np.int64),
        "last": np.array(last, dtype=np.int64),
        # packed words as decimal strings: an R x 8-bit word may exceed 64 bits
        "a_words": np.array([str(w) for w in a_words]),
        "b_words": np.array([str(w) for w in b_words]),
        "tile_start": np.array(starts, dtype=np.int64),
        "tile_len": np.array(lengths, dtype=np.int64),
        "expected_c": np.stack([c.ravel() for c in exp_c]).ravel(),
        "expected_latency": np.array(exp_lat, dtype=np.int64),
        "n_macs": np.int64(sum(t.A.shape[0] * t.A.shape[1] * t.B.shape[1] for t in tiles)),
    }


def run_array(
    rows: int,
    cols: int,
    sim: str,
    build_dir: Path,
    seed: int = 7,
    n_random: int | None = None,
    dut: OsArray | None = None,
) -> None:
    """Build an R x C array, run :mod:`rtl.baseline.tb_array`; raises RtlCheckFailed on mismatch.

    ``n_random`` defaults to :data:`ARRAY_RANDOM_TILES`; ``dut`` replaces the
    array under test (tests pass deliberately broken variants to show the
    check fails).
    """
    build_dir = Path(build_dir)
    build_dir.mkdir(parents=True, exist_ok=True)
    vec = build_dir / f"array{rows}x{cols}_vectors.npz"
    n = ARRAY_RANDOM_TILES.get((rows, cols), 100) if n_random is None else n_random
    np.savez(vec, **array_vectors(rows, cols, n, seed))
    src = write_verilog(dut if dut is not None else OsArray(ArrayConfig(rows, cols)), build_dir / "src", ARRAY_TOP)
    run_cocotb(src, ARRAY_TOP, "llmaccel.rtl.baseline.tb_array", sim, build_dir / sim, env={VECTORS_ENV: str(vec)})


CHECKS = [
    RtlCheck(
        "baseline.pe",
        "INT8 MAC PE: 65,536 exhaustive products, 12,000+ random vectors with corner runs, "
        "131,071-MAC overflow bound, reset; 1-cycle latency",
        run_pe,
    ),
    RtlCheck(
        "baseline.array4x4",
        "4x4 OS array: 200 random tiles (T 1..64) + corner tiles, some with idle cycles; "
        "C vs numpy, latency vs documented formula (= sim reference, see tests)",
        lambda sim, d: run_array(4, 4, sim, d),
    ),
    RtlCheck(
        "baseline.array2x3",
        "2x3 OS array (non-square): 100 random tiles + corners; C vs numpy, latency vs model",
        lambda sim, d: run_array(2, 3, sim, d),
    ),
]
