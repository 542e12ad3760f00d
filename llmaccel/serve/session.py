"""One serving setup: preset, model, quantization, KV capacity, cost model, requests.

:func:`build` resolves everything a run needs from plain values (the CLI passes its flags);
:func:`serve` simulates one request set and returns the per-request rows, the summary and the
iterations.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from llmaccel.serve import arrivals, engine, metrics
from llmaccel.serve.costs import CostFn, ModelCosts
from llmaccel.serve.kv_cache import capacity_blocks, kv_bytes_per_token, serving_entry, weight_bytes
from llmaccel.serve.scheduler import SchedulerConfig


@dataclass
class Setup:
    """Everything fixed across the rates of a sweep."""

    hw: Any
    model: Any
    quant: Any
    costs: ModelCosts
    sched: SchedulerConfig
    kv_blocks: int
    block_size: int
    memory_bytes: float
    weight_bytes: float
    kv_bytes_per_token: float
    swap_s_per_token: float
    prefill_host: str

    def describe(self) -> dict[str, Any]:
        """The setup as recorded in summary.json."""
        from llmaccel.precision import quant_name

        return {
            "preset": self.hw.name,
            "design": self.hw.design,
            "model": self.model.name,
            "quant": quant_name(self.quant),
            "memory_gb": self.memory_bytes / 1e9,
            "weight_gb": self.weight_bytes / 1e9,
            "kv_bytes_per_token": self.kv_bytes_per_token,
            "kv_blocks": self.kv_blocks,
            "block_size": self.block_size,
            "kv_bucket": self.costs.bucket,
            "seq_bucket": self.costs.seq_bucket if self.costs.bucket else None,
            "seq_exact": self.costs.seq_exact,
            "prefill_bucket": self.costs.prefill_bucket if self.costs.bucket else None,
            "prefill_split": self.costs.prefill_split if self.costs.bucket else None,
            "prefill_host": self.prefill_host,
            "scheduler": {
                "max_seqs": self.sched.max_seqs,
                "max_batched_tokens": self.sched.max_batched_tokens,
                "chunked_prefill": self.sched.chunk,
                "preemption": self.sched.preemption,
            },
        }


def build(
    hw: Any,
    model: Any,
    quant: Any,
    sched: SchedulerConfig,
    block_size: int = 16,
    kv_bucket: int | None = 64,
    memory_gb: float | None = None,
    tp: int = 1,
    seq_bucket: int | None = 32,
    seq_exact: int = 32,
    prefill_bucket: int | None = 64,
    prefill_split: bool = True,
) -> Setup:
    """Resolve capacity and the cost model (InputError for a preset without a memory size).

    ``kv_bucket`` None prices every shape exactly (``seq_bucket``, ``prefill_bucket`` and
    ``prefill_split`` then do not apply); see :mod:`llmaccel.serve.costs`."""
    from llmaccel import config
    from llmaccel.workloads.errors import InputError

    try:
        entry = serving_entry(hw.name)
    except InputError:
        if memory_gb is None:
            raise
        entry = {}
    memory = (memory_gb if memory_gb is not None else entry["capacity_gb"]) * 1e9
    wb = weight_bytes(model, quant, tp)
    per_token = kv_bytes_per_token(model, quant, tp)
    blocks = capacity_blocks(memory, wb, per_token, block_size)
    swap_gbps = entry.get("swap_gbps")
    if sched.preemption == "swap" and not swap_gbps:
        raise InputError("--preemption", f"swap needs a host link bandwidth; {hw.name} has none in serving_memory.yaml")
    swap = per_token / (swap_gbps * 1e9) if swap_gbps else 0.0
    stand_in = serving_entry("neupims") if hw.design == "neupims" else None
    prefill_hw = None
    if stand_in:
        prefill_hw = config.load_hw(stand_in["prefill_stand_in"]).with_overrides(
            stand_in.get("prefill_stand_in_set", {}), source="sim/tables/serving_memory.yaml (NeuPIMs NPU)"
        )
    costs = ModelCosts(
        model,
        hw,
        quant,
        kv_bucket,
        tp,
        prefill_hw,
        seq_bucket=seq_bucket,
        max_seqs=sched.max_seqs,
        seq_exact=seq_exact,
        prefill_bucket=prefill_bucket,
        prefill_split=prefill_split,
    )
    host = f"{stand_in['prefill_stand_in']} resized to the NeuPIMs NPU" if stand_in else hw.name
    return Setup(hw, model, quant, costs, sched, blocks, block_size, memory, wb, per_token, swap, host)


def serve(
    setup: Setup,
    reqs: list[arrivals.ServeRequest],
    slo_ttft: float | None = None,
    slo_tpot: float | None = None,
    cost: CostFn | None = None,
) -> tuple[list[dict], dict, engine.RunResult]:
    """Simulate ``reqs``: (request rows, summary, run)."""
    run = engine.simulate(
        reqs, cost or setup.costs, setup.sched, setup.kv_blocks, setup.block_size, setup.swap_s_per_token
    )
    summary = metrics.summarize(run, slo_ttft, slo_tpot)
    return metrics.request_rows(run), summary, run


def serve_summary(
    hw: Any,
    model_ref: str,
    quant: str,
    rate: float,
    requests: int,
    seed: int,
    dist: str,
    sched: SchedulerConfig,
    process: str = "poisson",
    cv: float = 1.0,
    block_size: int = 16,
    kv_bucket: int = 64,
    memory_gb: float | None = None,
    tp: int = 1,
    slo_ttft: float | None = None,
    slo_tpot: float | None = None,
    seq_bucket: int = 32,
    seq_exact: int = 32,
    prefill_bucket: int = 64,
    prefill_split: bool = True,
) -> dict[str, Any]:
    """One generated-arrival run as ``llmaccel serve`` does it for one rate (same model check,
    setup and request generation), returning :func:`metrics.summarize`'s summary.

    ``rate`` in requests/s; ``kv_bucket``, ``seq_bucket`` and ``prefill_bucket`` 0 mean exact (as
    the ``--kv-bucket``, ``--seq-bucket`` and ``--prefill-bucket`` flags); SLOs in seconds.  Used
    by the design-space exploration (``serve:`` section of a space).
    """
    from llmaccel import config
    from llmaccel.workloads.errors import InputError
    from llmaccel.workloads.zoo import get_model

    with config.flag("--model", ("model",)):
        model = get_model(model_ref)
    if model.arch != "decoder":
        raise InputError("--model", f"{model.name} is an {model.arch}; serving needs a decoder (a KV cache)")
    setup = build(
        hw,
        model,
        quant,
        sched,
        block_size,
        kv_bucket or None,
        memory_gb,
        tp,
        seq_bucket=seq_bucket or None,
        seq_exact=seq_exact,
        prefill_bucket=prefill_bucket or None,
        prefill_split=prefill_split,
    )
    reqs = arrivals.synthetic(process, rate, requests, seed, dist, model.max_position_embeddings, cv=cv)
    return serve(setup, reqs, slo_ttft, slo_tpot)[1]


def measure_bucketing_error(
    preset: str,
    requests: int,
    rate: float,
    seed: int = 0,
    dist: str = "sharegpt",
    model_ref: str = "llama2-7b",
    max_len: int | None = None,
    sched: SchedulerConfig | None = None,
    variants: tuple[dict[str, Any], ...] = ({},),
    reference: dict[str, Any] | None = None,
) -> list[dict[str, Any]]:
    """The docs/serving.md "Bucketing error" rows of one case: the same Poisson requests (``rate``
    in requests/s, lengths clipped to ``max_len`` tokens, default the model's context) served once
    with every shape exact and once per variant of :func:`build`'s bucketing arguments
    (``kv_bucket``, ``seq_bucket``, ``seq_exact``, ``prefill_bucket``, ``prefill_split``; the
    defaults where a variant leaves them out), compared by
    :func:`llmaccel.serve.costs.bucketing_error`; each row adds the variant, its simulations per
    part and the exact run's mean and max batch size.  ``reference`` replaces the exact run's
    arguments (default ``{"kv_bucket": None}``: every shape exact), e.g. exact prompt lengths
    with bucketed decodes to measure the prefill pricing alone."""
    from llmaccel import config
    from llmaccel.serve.costs import bucketing_error
    from llmaccel.workloads.zoo import get_model

    hw = config.load_hw(preset)
    model = get_model(model_ref)
    quant = hw.default_quant
    sched = sched or SchedulerConfig()
    exact = build(hw, model, quant, sched, **(reference if reference is not None else {"kv_bucket": None}))
    reqs = arrivals.synthetic("poisson", rate, requests, seed, dist, max_len or model.max_position_embeddings)
    summaries: dict[str, dict] = {}

    def run(cost: CostFn) -> dict:
        if cost is not exact.costs:
            return serve(exact, reqs, cost=cost)[1]
        if "exact" not in summaries:  # the exact run once for every variant
            summaries["exact"] = serve(exact, reqs, cost=cost)[1]
        return summaries["exact"]

    rows = []
    for variant in variants:
        bucketed = build(hw, model, quant, sched, **variant)
        row = bucketing_error(run, exact.costs, bucketed.costs)
        row.update(
            variant=variant,
            bucketed_simulations_by_part=dict(sorted(bucketed.costs.by_part.items())),
            batch_size_mean=summaries["exact"]["batch_size_mean"],
            batch_size_max=summaries["exact"]["batch_size_max"],
        )
        rows.append(row)
    return rows
