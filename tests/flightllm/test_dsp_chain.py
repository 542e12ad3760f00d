"""CSD-chain: per-cycle per-DG reference == numpy matmul (values) and == closed form (cycles)."""

from __future__ import annotations

import numpy as np
import pytest

from llmaccel.sim.flightllm.dsp_chain import (
    ALLOWED_N,
    ChainShape,
    chain_cycles,
    check_block_n,
    column_nnz,
    op_cycles_uniform,
    reference_tile_run,
)
from llmaccel.workloads.errors import InputError


def _sparse_operands(rng, m, K, n):
    kb, nb = -(-K // 16), -(-n // 16)
    bn = rng.choice(ALLOWED_N, size=(kb, nb))
    mask = np.zeros((K, n), bool)
    for i in range(kb):
        rows = min(16, K - i * 16)
        for j in range(nb):
            N = max(x for x in ALLOWED_N if x <= rows and x <= bn[i, j])
            bn[i, j] = N
            for c in range(j * 16, min(n, (j + 1) * 16)):
                mask[i * 16 + rng.choice(rows, N, replace=False), c] = True
    return rng.integers(-128, 128, (m, K)), rng.integers(-128, 128, (K, n)), mask, bn


def test_reference_equals_matmul_and_closed_form_on_random_shapes():
    rng = np.random.default_rng(11)
    shapes = 0
    for _ in range(220):
        m = int(rng.integers(1, 5))
        K = int(rng.integers(1, 50))
        n = int(rng.integers(1, 24))
        sh = ChainShape(
            pk=int(rng.choice([2, 4, 8, 16])),
            pn=int(rng.integers(1, 4)),
            pm=int(rng.choice([1, 2, 4])),
            stages=int(rng.integers(1, 4)),
            accumulate_cycles=int(rng.integers(1, 3)),
        )
        a, w, mask, bn = _sparse_operands(rng, m, K, n)
        out, cycles = reference_tile_run(a, w, mask, bn, sh)
        assert np.array_equal(out, a @ np.where(mask, w, 0))
        assert cycles == chain_cycles(column_nnz(bn, n), sh, m)
        shapes += 1
    assert shapes >= 200


def test_dense_mv_cycles_by_hand():
    """4096x4096 dense GEMV on 3 cores of 64 chains x 16 DSPs (MV mode), 2-stage DGs, 1-cycle accumulate.

    Per core 1366 columns -> 22 lock-step tiles of <= 64 columns, each 4096/16 = 256 beats:
    5632 beats; the last beat enters at cycle 5631 and reaches DG 7's output after 2 x 8
    cycles, plus 1 accumulate cycle: 5631 + 16 + 1 = 5648.
    """
    sh = ChainShape(pk=16, pn=64, pm=1, stages=2, accumulate_cycles=1)
    assert op_cycles_uniform(1, 4096, 4096, 16, sh, cores=3) == 5648


def test_sparse_blocks_shorten_the_chain_time_proportionally():
    sh = ChainShape(pk=16, pn=64, pm=1)
    dense = op_cycles_uniform(1, 4096, 4096, 16, sh, 1)
    half = op_cycles_uniform(1, 4096, 4096, 8, sh, 1)
    # cycles = beats + 16 (last beat enters at beats-1, + 2 x 8 DG stages + 1 accumulate)
    assert (dense - 16) == 2 * (half - 16) == 64 * 256


def test_mm_mode_packs_two_tokens_per_dsp():
    sh = ChainShape(pk=16, pn=2, pm=128)
    # 128 tokens x 4 columns x K=32: 2 column tiles x 2 beats = 4 beats, drain 17
    assert chain_cycles(np.full(4, 32), sh, 128) == 3 + 16 + 1
    assert chain_cycles(np.full(4, 32), sh, 129) == 7 + 16 + 1  # a second token tile


def test_bad_block_n_and_pk_raise():
    with pytest.raises(InputError):
        check_block_n(np.array([[3]]))
    with pytest.raises(InputError):
        ChainShape(pk=15, pn=1, pm=1)
