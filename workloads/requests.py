"""Request sets: a fixed batch, or one sampled from a length distribution.

Sampled lengths follow a lognormal law per dataset (``workloads/zoo/datasets/<name>.yaml``,
every number with its source).  For a target mean ``mu_x`` and log-space std
``sigma`` the log-space mean is ``ln(mu_x) - sigma^2 / 2`` so that E[X] = mu_x
before rounding.  Lengths are rounded to the nearest integer and clipped to
``[1, max_len]`` (prompt to ``max_len - 1`` so at least one token can be
generated, output to ``max_len - prompt``).  Without a limit the sample means
match the targets (200k draws: ShareGPT 79.8 / 294.4, Alpaca 12.0 / 55.8); a
2048-token limit cuts ShareGPT's output tail and lowers its mean to ~287 (-3 %).

Decode snapshots: a request caught mid-generation has generated
``g ~ U{0 .. gen_len - 1}`` tokens, so ``kv_len = prompt_len + g`` keys sit in its
KV cache when the traced step runs.  Prefill requests have ``kv_len = 0``.
Everything is drawn from ``numpy.random.default_rng(seed)`` in a fixed order, so a
seed gives the same set on every machine.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import numpy as np
import yaml

from llmaccel.workloads import limits
from llmaccel.workloads.errors import InputError, require_positive_int
from llmaccel.workloads.trace import Request

DATASET_DIR = Path(__file__).parent / "zoo" / "datasets"
PHASES = ("prefill", "decode")


def dist_names() -> list[str]:
    """Shipped length distributions."""
    return sorted(p.stem for p in DATASET_DIR.glob("*.yaml"))


@cache
def load_dist(name: str) -> dict[str, tuple[float, float]]:
    """``{"prompt_len": (mean, sigma), "gen_len": (mean, sigma)}`` of a dataset."""
    path = DATASET_DIR / f"{name}.yaml"
    if name not in dist_names():
        raise InputError("dist", f"unknown distribution {name!r}; allowed: {', '.join(dist_names())}")
    doc = yaml.safe_load(path.read_text())
    if doc.get("family") != "lognormal":
        raise InputError(f"{path.name}: family", "only 'lognormal' is supported")
    out = {}
    for key in ("prompt_len", "gen_len"):
        mean, sigma = doc[key]["mean"], doc[key]["sigma"]
        if not (mean.get("source") and sigma.get("source")):
            raise InputError(f"{path.name}: {key}", "every number needs a source")
        out[key] = (float(mean["value"]), float(sigma["value"]))
    return out


def fixed(batch: int, prompt_len: int, gen_len: int, kv_len: int | None = None, phase: str = "decode") -> list[Request]:
    """``batch`` identical requests (ids 0..batch-1).

    ``kv_len`` defaults to ``prompt_len`` in decode (the snapshot right after
    prefill) and to 0 in prefill.
    """
    batch = limits.check_count("--batch", batch, limits.MAX_REQUESTS)
    prompt_len = limits.check_count("--prompt-len", prompt_len, limits.MAX_TOKENS)
    gen_len = limits.check_count("--gen-len", gen_len, limits.MAX_TOKENS)
    if phase not in PHASES:
        raise InputError("--phase", f"unknown phase {phase!r}; allowed: {', '.join(PHASES)}")
    if kv_len is None:
        kv_len = prompt_len if phase == "decode" else 0
    elif phase == "decode":
        kv_len = limits.check_count("--kv-len", kv_len, limits.MAX_TOKENS)
    elif isinstance(kv_len, bool) or not isinstance(kv_len, int) or kv_len < 0:
        raise InputError("--kv-len", f"must be a non-negative integer, got {kv_len!r}")
    return [Request(i, prompt_len, gen_len, kv_len) for i in range(batch)]


def _lognormal(rng: np.random.Generator, mean: float, sigma: float, n: int) -> np.ndarray:
    mu = np.log(mean) - sigma * sigma / 2.0
    return np.rint(rng.lognormal(mu, sigma, n)).astype(np.int64)


def sample(dist: str, n: int, seed: int, phase: str = "decode", max_len: int | None = None) -> list[Request]:
    """``n`` requests with lengths drawn from dataset ``dist`` (deterministic for a seed).

    Args:
        dist: ``"sharegpt"`` or ``"alpaca"`` (see :func:`dist_names`).
        n: number of requests.
        seed: RNG seed (``numpy.random.default_rng``).
        phase: ``"decode"`` gives mid-generation snapshots (kv_len as in the module
            docstring); ``"prefill"`` gives kv_len = 0.
        max_len: context limit (the model's max positions); None = no limit.
    """
    params = load_dist(dist)
    n = limits.check_count("--batch", n, limits.MAX_REQUESTS)
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise InputError("--seed", f"must be a non-negative integer, got {seed!r}")
    if phase not in PHASES:
        raise InputError("--phase", f"unknown phase {phase!r}; allowed: {', '.join(PHASES)}")
    if max_len is not None:
        max_len = require_positive_int("max_len", max_len)
        if max_len < 2:
            raise InputError("max_len", f"must be >= 2 (one prompt and one generated token), got {max_len}")
    rng = np.random.default_rng(seed)
    prompt = _lognormal(rng, *params["prompt_len"], n)
    gen = _lognormal(rng, *params["gen_len"], n)
    progress = rng.random(n)
    prompt = np.maximum(prompt, 1)
    gen = np.maximum(gen, 1)
    if max_len is not None:
        prompt = np.minimum(prompt, max_len - 1)
        gen = np.minimum(gen, max_len - prompt)
    if phase == "decode":
        kv = prompt + np.floor(progress * gen).astype(np.int64)
    else:
        kv = np.zeros(n, dtype=np.int64)
    return [
        Request(i, int(p), int(g), int(k))
        for i, (p, g, k) in enumerate(zip(prompt.tolist(), gen.tolist(), kv.tolist()))
    ]
