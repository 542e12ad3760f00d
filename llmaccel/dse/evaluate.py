"""Evaluate one design point on one workload (runs in worker processes).

Everything here is a plain top-level function of plain data (picklable), so the
same code runs in-process, in a process pool and on Dask workers.  Traces are
built once per worker per workload (``functools.lru_cache``).
"""

from __future__ import annotations

import json
import time
from functools import lru_cache
from typing import Any

from llmaccel.workloads.errors import InputError


def _split(point: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    hw = {k[3:]: v for k, v in point.items() if k.startswith("hw.")}
    wl = {k[9:]: v for k, v in point.items() if k.startswith("workload.")}
    return hw, wl


def with_hw_quant(w: dict[str, Any], hw: Any) -> dict[str, Any]:
    """``w`` with the hardware's ``default_quant`` when it names no ``quant`` (as ``llmaccel run``)."""
    if w.get("quant") is None and hw.default_quant:
        return {**w, "quant": hw.default_quant}
    return w


def workload_trace(w: dict[str, Any], layers: int | None = None) -> Any:
    """The trace of one sweep workload entry through the one builder (:func:`llmaccel.workload.model_trace`):
    same defaults as ``llmaccel run`` (seed :data:`~llmaccel.workload.DEFAULT_SEED`); without ``quant``
    the trace builder's default; ``layers`` overrides the entry's own (e.g. 1 for an up-front check)."""
    from llmaccel.workload import DEFAULT_GEN_LEN, DEFAULT_PROMPT_LEN, DEFAULT_SEED, model_trace

    phase = w.get("phase", "decode")
    trace = model_trace(
        w["model"],
        phase,
        int(w.get("batch", 1)),
        int(w.get("prompt_len", DEFAULT_PROMPT_LEN)),
        int(w.get("gen_len", DEFAULT_GEN_LEN)),
        w.get("kv_len"),
        w.get("dist"),
        int(w.get("seed", DEFAULT_SEED)),
        tp=int(w.get("tp", 1)),
        quant=w.get("quant"),
        layers=layers if layers is not None else w.get("layers"),
    )
    trace.meta.setdefault("phase", phase)
    return trace


@lru_cache(maxsize=64)
def _trace(workload_json: str) -> Any:
    return workload_trace(json.loads(workload_json))


@lru_cache(maxsize=8)
def _host(host: str) -> Any:
    from llmaccel.sim.preset import load_preset

    return load_preset(host)


def evaluate(host: str, point: dict[str, Any], workload: dict[str, Any]) -> dict[str, Any]:
    """Simulate ``workload`` on ``host`` with ``point``'s overrides.

    A workload carrying ``serve`` settings (a space's ``serve:`` section, one rate) is also
    served: :data:`llmaccel.dse.serving.SERVE_METRICS` join the step metrics.

    Returns:
        ``{"status": "ok", "metrics": {...}, "seconds": s}`` or
        ``{"status": "error", "error": "field: problem", "seconds": s}`` for an
        invalid combination (an InputError from any layer).
    """
    from llmaccel.config import check_result
    from llmaccel.dse.metrics import breakdowns_of, metrics_of, step_tokens
    from llmaccel.dse.serving import serve_metrics
    from llmaccel.sim.designs import get_design

    t0 = time.perf_counter()
    hw_over, wl_over = _split(point)
    w = {**workload, **wl_over}
    serving = w.pop("serve", None)  # run settings of a space with a serve: section
    try:
        hw = _host(host).with_overrides(hw_over, source="sweep") if hw_over else _host(host)
        w = with_hw_quant(w, hw)
        trace = _trace(json.dumps(w, sort_keys=True))
        design = get_design(hw.design)
        result = design.simulate(design.compile(trace, hw), hw)
        check_result(result)
        if result.tokens is None:  # designs that do not see the requests: the workload's count
            result.tokens = step_tokens(trace)
        metrics = metrics_of(result, trace, hw)
        if serving is not None:
            metrics.update(serve_metrics(hw, w, serving))
        breakdown = breakdowns_of(result)
    except InputError as e:
        return {"status": "error", "error": str(e), "seconds": time.perf_counter() - t0}
    return {"status": "ok", "metrics": metrics, "breakdown": breakdown, "seconds": time.perf_counter() - t0}


def evaluate_task(task: tuple[str, dict[str, Any], dict[str, Any]]) -> dict[str, Any]:
    """Single-argument form for executors."""
    return evaluate(*task)
