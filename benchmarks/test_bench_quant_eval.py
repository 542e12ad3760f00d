"""``llmaccel quant-eval`` on the Linear weights of a 6-layer, 384-wide encoder checkpoint
(MiniLM-L6-sized: q/k/v/o 384x384, FFN 1536x384 and 384x1536; 10.6 M weights), every default
method, every row.  No wall-clock assertion; the figure goes into docs/olive.md.

Run: ``.venv/bin/pytest benchmarks/test_bench_quant_eval.py --benchmark-only``.

The checkpoint is made here (no download): Student-t(4) weights (heavy tails) of std 0.02
with a few input channels per matrix scaled x20, the outlier channels that OliVe / LLM.int8()
report for transformer weights and activations.
"""

from __future__ import annotations

import contextlib
import io

import numpy as np
import pytest

from llmaccel.cli import main
from llmaccel.workloads.checkpoint import bert_block_linears

LAYERS, E, F = 6, 384, 1536
OUTLIER_CHANNELS, OUTLIER_GAIN = 4, 20.0


@pytest.fixture(scope="module")
def encoder_checkpoint(tmp_path_factory):
    from safetensors.numpy import save_file

    rng = np.random.default_rng(0)
    tensors = {"embeddings.word_embeddings.weight": rng.normal(0, 0.02, (30522, E)).astype(np.float32)}
    for i in range(LAYERS):
        for name, shape in bert_block_linears(E, F):
            w = rng.standard_t(4, shape) * 0.02
            w[:, rng.choice(shape[1], OUTLIER_CHANNELS, replace=False)] *= OUTLIER_GAIN
            tensors[f"encoder.layer.{i}.{name}.weight"] = w.astype(np.float32)
            tensors[f"encoder.layer.{i}.{name}.bias"] = np.zeros(shape[0], np.float32)
    folder = tmp_path_factory.mktemp("minilm")
    save_file(tensors, str(folder / "model.safetensors"))
    return folder


def test_bench_quant_eval_6_layer_384_encoder(benchmark, encoder_checkpoint):
    # compile the numba kernels outside the timed round (they are cached on disk afterwards)
    with contextlib.redirect_stdout(io.StringIO()):
        main(["quant-eval", str(encoder_checkpoint), "--max-tensors", "1", "--quiet"])

    def once() -> str:
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf):
            assert main(["quant-eval", str(encoder_checkpoint), "--format", "csv", "--quiet"]) == 0
        return buf.getvalue()

    out = benchmark.pedantic(once, rounds=1, iterations=1)
    overall = [line for line in out.splitlines() if line.startswith("OVERALL")]
    assert len(overall) == 8 and f",{LAYERS * (4 * E * E + 2 * E * F)}," in overall[0]
