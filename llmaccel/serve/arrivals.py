"""Requests of a serving run: arrival times (seconds) and prompt / output lengths (tokens).

* Poisson arrivals at ``rate`` req/s: exponential gaps with mean ``1/rate``.
* Gamma arrivals with coefficient of variation ``cv``: gaps ~ Gamma(shape ``1/cv^2``,
  scale ``cv^2/rate``) (mean ``1/rate``, std ``cv/rate``; ``cv = 1`` is Poisson).
* Lengths from the ShareGPT/Alpaca-like distributions (:func:`llmaccel.workloads.requests.sample`,
  clipped to the model's context) or fixed.
* Or an arrival trace file: CSV with header ``arrival_s,prompt_tokens,output_tokens`` or JSONL
  with those keys; arrival times must not decrease.

Everything random comes from ``numpy.random.default_rng(seed)``: gaps are drawn from a generator
seeded ``seed``, lengths from :func:`~llmaccel.workloads.requests.sample` with the same seed.
"""

from __future__ import annotations

import csv
import io
import json
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from llmaccel.workloads.errors import InputError

TRACE_FIELDS = ("arrival_s", "prompt_tokens", "output_tokens")


@dataclass(frozen=True)
class ServeRequest:
    """One request: id, arrival time (s), prompt tokens, output tokens (>= 1, the first from prefill)."""

    id: int
    arrival_s: float
    prompt_tokens: int
    output_tokens: int


def check_rate(flag: str, rate: object) -> float:
    """``rate`` as a finite positive float, else InputError."""
    try:
        r = float(rate)  # type: ignore[arg-type]  # any value: a bad one is an InputError
    except (TypeError, ValueError):
        raise InputError(flag, f"must be a positive number of requests per second, got {rate!r}") from None
    if not math.isfinite(r) or r <= 0:
        raise InputError(flag, f"must be a positive number of requests per second, got {rate!r}")
    return r


def arrival_times(process: str, rate: float, n: int, seed: int, cv: float = 1.0) -> np.ndarray:
    """``n`` arrival times (s) of a ``"poisson"`` or ``"gamma"`` process, the first at its first gap."""
    rate = check_rate("--rate", rate)
    rng = np.random.default_rng(seed)
    if process == "poisson":
        gaps = rng.exponential(1.0 / rate, n)
    elif process == "gamma":
        if not (isinstance(cv, (int, float)) and math.isfinite(cv) and cv > 0):
            raise InputError("--cv", f"must be a positive number, got {cv!r}")
        shape = 1.0 / (cv * cv)
        gaps = rng.gamma(shape, 1.0 / (rate * shape), n)
    else:
        raise InputError("--arrivals", f"unknown process {process!r}; allowed: poisson, gamma")
    return np.cumsum(gaps)


def synthetic(
    process: str,
    rate: float,
    n: int,
    seed: int,
    dist: str | None,
    max_len: int,
    prompt_len: int = 512,
    output_len: int = 128,
    cv: float = 1.0,
) -> list[ServeRequest]:
    """``n`` requests arriving by ``process`` with lengths from ``dist`` (or fixed lengths)."""
    from llmaccel.workloads import requests as wreq

    times = arrival_times(process, rate, n, seed, cv)
    if dist:
        lens = [(r.prompt_len, r.gen_len) for r in wreq.sample(dist, n, seed, phase="prefill", max_len=max_len)]
    else:
        lens = [(r.prompt_len, r.gen_len) for r in wreq.fixed(n, prompt_len, output_len, phase="prefill")]
    return [ServeRequest(i, float(t), int(p), int(g)) for i, (t, (p, g)) in enumerate(zip(times.tolist(), lens))]


def _int_field(row: dict, key: str, where: str) -> int:
    v = row.get(key)
    try:
        f = float(v)  # type: ignore[arg-type]  # any value: a bad one is an InputError
    except (TypeError, ValueError):
        raise InputError(f"{where}.{key}", f"must be a positive integer, got {v!r}") from None
    if not math.isfinite(f) or f != int(f) or f < 1:
        raise InputError(f"{where}.{key}", f"must be a positive integer, got {v!r}")
    return int(f)


def read_trace(path: str | Path, max_len: int) -> list[ServeRequest]:
    """Requests of an arrival-trace file (CSV or ``.jsonl``); InputError on any malformed row,
    a decreasing arrival time, or a request longer than ``max_len`` positions."""
    p = Path(path)
    flag = "--arrival-trace"
    try:
        text = p.read_bytes().decode("utf-8")
    except OSError as e:
        raise InputError(flag, f"cannot read {path}: {e.strerror or e}") from None
    except UnicodeDecodeError:
        raise InputError(flag, f"{path} is not UTF-8 text") from None
    if p.suffix.lower() in (".jsonl", ".json"):
        rows = []
        for i, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                doc = json.loads(line)
            except ValueError:
                raise InputError(f"{flag} line {i}", "is not a JSON object") from None
            if not isinstance(doc, dict):
                raise InputError(f"{flag} line {i}", "is not a JSON object")
            rows.append((f"{flag} line {i}", doc))
    else:
        reader = csv.DictReader(io.StringIO(text))
        missing = [f for f in TRACE_FIELDS if f not in (reader.fieldnames or [])]
        if missing:
            raise InputError(flag, f"CSV header must name {', '.join(TRACE_FIELDS)}; missing {', '.join(missing)}")
        rows = [(f"{flag} row {i}", row) for i, row in enumerate(reader, 2)]
    if not rows:
        raise InputError(flag, f"{path} holds no requests")
    out: list[ServeRequest] = []
    last = 0.0
    for i, (where, row) in enumerate(rows):
        try:
            t = float(row.get("arrival_s"))  # type: ignore[arg-type]  # a bad value is an InputError
        except (TypeError, ValueError):
            raise InputError(
                f"{where}.arrival_s", f"must be a number of seconds, got {row.get('arrival_s')!r}"
            ) from None
        if not math.isfinite(t) or t < 0:
            raise InputError(f"{where}.arrival_s", f"must be a non-negative number of seconds, got {t!r}")
        if t < last:
            raise InputError(f"{where}.arrival_s", f"out of order: {t} s after {last} s (sort the trace by arrival)")
        last = t
        prompt, output = _int_field(row, "prompt_tokens", where), _int_field(row, "output_tokens", where)
        if prompt + output > max_len:
            raise InputError(
                where, f"prompt + output = {prompt + output} tokens exceeds the model's {max_len} positions"
            )
        out.append(ServeRequest(i, t, prompt, output))
    return out
