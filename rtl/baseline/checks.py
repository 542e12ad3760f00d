"""RTL checks of the baseline PE and the output-stationary systolic array.

Each check writes Verilog from the Amaranth source, writes a vectors file with
the expected outputs, and runs a cocotb testbench on one simulator:

* ``baseline.pe``: all 65,536 INT8 x INT8 products, >= 10,000 random
  ``a, b, en, clear`` vectors with corner runs, the overflow bound, reset.
  Expected values: :func:`pe_model` (the PE's next-state table, evaluated per
  cycle) and numpy's products.
* ``baseline.array4x4`` / ``baseline.array2x3``: random tiles (``T`` in 1..64)
  plus corner tiles, some with idle input cycles.  Expected ``C``: numpy
  matmul; expected latency: the cycle model :func:`os_tile_reference`
  (per-PE, per-cycle) plus the idle cycles inserted.

Vectors are seeded (``numpy.random.default_rng``): runs are reproducible.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from rtl.baseline.array import ArrayConfig, OsArray
from rtl.baseline.pe import MacPE, PEConfig, safe_accumulations, worst_product
from rtl.flow import run_cocotb, write_verilog
from rtl.registry import RtlCheck

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
def pe_model(a, b, en, clear, cfg: PEConfig = PEConfig()) -> np.ndarray:
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


def pe_vectors(seed: int = 2024, n_random: int = PE_RANDOM_VECTORS,
               cfg: PEConfig = PEConfig()) -> dict[str, np.ndarray]:
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
        (np.full(300, lo_a), np.full(300, lo_b), np.ones(300), np.r_[1, np.zeros(299)]),   # max positive products
        (np.full(300, hi_a), np.full(300, lo_b), np.ones(300), np.r_[1, np.zeros(299)]),   # most negative products
        (np.full(50, hi_a), np.full(50, hi_b), np.r_[np.ones(25), np.zeros(25)], np.zeros(50)),  # en low holds
        (np.full(20, lo_a), np.full(20, hi_b), np.ones(20), np.tile([0, 1], 10)),          # clear mid-stream
        (np.full(20, 5), np.full(20, -7), np.zeros(20), np.tile([1, 0, 0, 0], 5)),         # clear without en
        (np.zeros(10), np.full(10, lo_b), np.ones(10), np.zeros(10)),                      # zero operand
    ]
    for ca, cb, ce, cc in corners:
        at = int(rng.integers(0, len(a)))
        a, b = np.insert(a, at, ca), np.insert(b, at, cb)
        en, clear = np.insert(en, at, ce), np.insert(clear, at, cc)
    a, b, en, clear = (x.astype(np.int64) for x in (a, b, en, clear))

    safe = safe_accumulations(cfg)
    wp = worst_product(cfg)
    return {
        "prod_a": prod_a, "prod_b": prod_b,
        "prod_expected": prod_a.astype(np.int64) * prod_b,     # numpy product, never wraps here
        "rnd_a": a, "rnd_b": b, "rnd_en": en, "rnd_clear": clear,
        "rnd_expected": pe_model(a, b, en, clear, cfg),
        "bound_a": np.int64(lo_a), "bound_b": np.int64(lo_b), "bound_safe": np.int64(safe),
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
    run_cocotb(src, PE_TOP, "rtl.baseline.tb_pe", sim, build_dir / sim, env={VECTORS_ENV: str(vec)})


# -------------------------------------------------------------------------- array
def os_tile_reference(A: np.ndarray, B: np.ndarray, cfg: PEConfig = PEConfig()) -> tuple[np.ndarray, int]:
    """Per-cycle, per-PE output-stationary model of one tile: ``(C, cycles)``.

    Cycle ``c``: PE(i, j) multiplies ``A[i, c-i-j]`` by ``B[c-i-j, j]`` when that
    index is in ``0..T-1``.  The tile is done when no PE has work left; the R
    result rows are then read out one per cycle, the first in the cycle after
    the last MAC.  ``cycles`` counts from cycle 0 to the last readout cycle.
    """
    R, T = A.shape
    T2, C = B.shape
    assert T == T2
    a, b = A.tolist(), B.tolist()
    half, mod = 1 << (cfg.acc_width - 1), 1 << cfg.acc_width
    acc = [[0] * C for _ in range(R)]
    cycle, last_mac = 0, -1
    while True:
        busy = False
        for i in range(R):
            for j in range(C):
                t = cycle - i - j
                if 0 <= t < T:
                    acc[i][j] = ((acc[i][j] + a[i][t] * b[t][j] + half) % mod) - half
                    busy, last_mac = True, cycle
                elif t >= T:
                    continue
                else:
                    busy = True       # data still travelling towards this PE
        if not busy:
            break
        cycle += 1
    readout_cycles = R
    return np.array(acc, dtype=np.int64), last_mac + readout_cycles + 1


def _pack(values: np.ndarray, width: int) -> int:
    word = 0
    for k, x in enumerate(values.tolist()):
        word |= (int(x) & ((1 << width) - 1)) << (k * width)
    return word


def array_vectors(rows: int, cols: int, n_random: int, seed: int = 7,
                  cfg: PEConfig = PEConfig()) -> dict[str, np.ndarray]:
    """Random and corner tiles, their input schedules and expected C and latency."""
    rng = np.random.default_rng(seed)
    lo, hi = -(1 << (cfg.a_width - 1)), (1 << (cfg.a_width - 1)) - 1
    tiles: list[tuple[np.ndarray, np.ndarray]] = []
    for _ in range(n_random):
        t = int(rng.integers(1, MAX_T + 1))
        tiles.append((rng.integers(lo, hi + 1, (rows, t)), rng.integers(lo, hi + 1, (t, cols))))
    full = lambda v, t, shape: np.full(shape, v, dtype=np.int64)   # noqa: E731
    for t in (1, 2, MAX_T):
        tiles.append((full(lo, t, (rows, t)), full(lo, t, (t, cols))))   # largest positive sums
        tiles.append((full(hi, t, (rows, t)), full(lo, t, (t, cols))))   # largest negative sums
        tiles.append((full(0, t, (rows, t)), rng.integers(lo, hi + 1, (t, cols))))
    alt = np.where(np.arange(MAX_T) % 2 == 0, lo, hi)
    tiles.append((np.tile(alt, (rows, 1)), np.tile(alt[:, None], (1, cols))))
    eye_t = max(rows, cols)
    tiles.append((np.eye(rows, eye_t, dtype=np.int64) * hi, rng.integers(lo, hi + 1, (eye_t, cols))))

    valid, last, a_words, b_words, starts, lengths = [], [], [], [], [], []
    exp_c, exp_lat = [], []
    n_gap_tiles = max(1, len(tiles) // 20)                       # 5 % of tiles get idle cycles
    gap_tiles = set(rng.choice(len(tiles), n_gap_tiles, replace=False).tolist())
    for n, (A, B) in enumerate(tiles):
        T = A.shape[1]
        gaps = rng.integers(0, 3, T) if n in gap_tiles else np.zeros(T, dtype=np.int64)
        gaps[0] = 0                                              # cycle 0 = first beat
        starts.append(len(valid))
        for t in range(T):
            for _ in range(int(gaps[t])):
                valid.append(0); last.append(0); a_words.append(0); b_words.append(0)
            valid.append(1); last.append(int(t == T - 1))
            a_words.append(_pack(A[:, t], cfg.a_width)); b_words.append(_pack(B[t, :], cfg.b_width))
        lengths.append(len(valid) - starts[-1])
        C_model, cycles = os_tile_reference(A, B, cfg)
        C_numpy = _wrap(A.astype(np.int64) @ B.astype(np.int64), cfg.acc_width)
        if not np.array_equal(C_model, C_numpy):
            raise AssertionError(f"tile {n}: cycle model disagrees with numpy matmul")
        exp_c.append(C_numpy)
        exp_lat.append(cycles + int(gaps.sum()))
    return {
        "rows": np.int64(rows), "cols": np.int64(cols), "acc_width": np.int64(cfg.acc_width),
        "valid": np.array(valid, dtype=np.int64), "last": np.array(last, dtype=np.int64),
        # packed words as decimal strings: an R x 8-bit word may exceed 64 bits
        "a_words": np.array([str(w) for w in a_words]), "b_words": np.array([str(w) for w in b_words]),
        "tile_start": np.array(starts, dtype=np.int64), "tile_len": np.array(lengths, dtype=np.int64),
        "expected_c": np.stack([c.ravel() for c in exp_c]).ravel(),
        "expected_latency": np.array(exp_lat, dtype=np.int64),
        "n_macs": np.int64(sum(A.shape[0] * A.shape[1] * B.shape[1] for A, B in tiles)),
    }


def run_array(rows: int, cols: int, sim: str, build_dir: Path, seed: int = 7) -> None:
    """Build an R x C array, run :mod:`rtl.baseline.tb_array`; raises on mismatch."""
    build_dir = Path(build_dir)
    build_dir.mkdir(parents=True, exist_ok=True)
    vec = build_dir / f"array{rows}x{cols}_vectors.npz"
    np.savez(vec, **array_vectors(rows, cols, ARRAY_RANDOM_TILES.get((rows, cols), 100), seed))
    src = write_verilog(OsArray(ArrayConfig(rows, cols)), build_dir / "src", ARRAY_TOP)
    run_cocotb(src, ARRAY_TOP, "rtl.baseline.tb_array", sim, build_dir / sim,
               env={VECTORS_ENV: str(vec)})


CHECKS = [
    RtlCheck("baseline.pe",
             "INT8 MAC PE: 65,536 exhaustive products, 12,000+ random vectors with corner runs, "
             "131,071-MAC overflow bound, reset; 1-cycle latency",
             run_pe),
    RtlCheck("baseline.array4x4",
             "4x4 OS array: 200 random tiles (T 1..64) + corner tiles, some with idle cycles; "
             "C vs numpy, latency vs per-PE cycle model",
             lambda sim, d: run_array(4, 4, sim, d)),
    RtlCheck("baseline.array2x3",
             "2x3 OS array (non-square): 100 random tiles + corners; C vs numpy, latency vs model",
             lambda sim, d: run_array(2, 3, sim, d)),
]
