"""The one workload builder: a model step as a trace, for the CLI, the DSE and paper reproduction.

``llmaccel run`` / ``llmaccel trace`` (:func:`llmaccel.config.build_workload`), the DSE
(:mod:`llmaccel.dse.evaluate`) and the reproduction scripts (:mod:`llmaccel.reproduce`) all
build model traces here, so a workload means the same thing everywhere:

* requests: sampled from a length distribution (``dist``, seeded; clipped to the model's
  context only when asked, ``clip=True``, as the NeuPIMs reproduction does — ``llmaccel run``
  and sweeps never clipped, and a request whose KV cache exceeds the context is an InputError
  of the trace builder) or ``batch`` identical requests of ``prompt_len`` / ``gen_len`` / ``kv_len``
  (``kv_len`` defaults to the prompt length in decode, 0 in prefill), or given explicitly;
* the step: :func:`llmaccel.workloads.graph.build_trace` (blocks, tensor parallelism,
  quantization preset, LM head).

One default seed, :data:`DEFAULT_SEED`, for every caller.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from llmaccel.workloads.model_config import ModelConfig
    from llmaccel.workloads.trace import Request, Trace

#: Seed of sampled request lengths when none is given (``llmaccel run --seed``, sweep workloads).
DEFAULT_SEED = 0
#: Lengths when none are given (``llmaccel run`` defaults, sweep workloads).
DEFAULT_PROMPT_LEN = 512
DEFAULT_GEN_LEN = 128


def model_requests(
    phase: str,
    batch: int,
    prompt_len: int = DEFAULT_PROMPT_LEN,
    gen_len: int = DEFAULT_GEN_LEN,
    kv_len: int | None = None,
    dist: str | None = None,
    seed: int = DEFAULT_SEED,
    max_len: int | None = None,
) -> list[Request]:
    """The batch of one step: ``batch`` requests sampled from ``dist`` (``prompt_len``/``gen_len``/
    ``kv_len`` unused; lengths clipped to ``max_len`` positions when given) or identical ones."""
    from llmaccel.workloads import requests as wreq

    if dist:
        return wreq.sample(dist, batch, seed, phase=phase, max_len=max_len)
    return wreq.fixed(batch, prompt_len, gen_len, kv_len, phase=phase)


def model_trace(
    model: str | ModelConfig,
    phase: str = "decode",
    batch: int = 1,
    prompt_len: int = DEFAULT_PROMPT_LEN,
    gen_len: int = DEFAULT_GEN_LEN,
    kv_len: int | None = None,
    dist: str | None = None,
    seed: int = DEFAULT_SEED,
    tp: int = 1,
    quant: Any = None,
    layers: int | None = None,
    lm_head: bool = False,
    requests: list[Request] | None = None,
    progress: bool = False,
    clip: bool = False,
) -> Trace:
    """One model step as a trace (see the module docstring).

    Args:
        model: zoo name, config.json path or ModelConfig.
        phase: ``"prefill"`` or ``"decode"``.
        batch, prompt_len, gen_len, kv_len, dist, seed: the requests (:func:`model_requests`),
            unless ``requests`` gives them.
        tp: tensor-parallel degree (one rank's share is traced).
        quant: quantization preset name / path / QuantPreset; None: the trace builder's default.
        layers: blocks from the first (None: all).
        lm_head: also trace the embedding, final norm and LM head.
        progress: tqdm bar over layers on stderr (TTY only).
        clip: clip sampled lengths to the model's max positions.
    """
    from llmaccel.workloads.graph import build_trace
    from llmaccel.workloads.zoo import get_model

    cfg = get_model(model) if isinstance(model, str) else model
    if requests is None:
        max_len = cfg.max_position_embeddings if clip else None
        requests = model_requests(phase, batch, prompt_len, gen_len, kv_len, dist, seed, max_len)
    kwargs = {} if quant is None else {"quant": quant}
    return build_trace(cfg, phase, requests, tp=tp, layers=layers, include_lm_head=lm_head, progress=progress, **kwargs)


def trace_from_args(args: Any, model: ModelConfig, prompt_len: int, progress: bool = False) -> Trace:
    """:func:`model_trace` from the workload flags ``llmaccel run`` and ``llmaccel trace`` share
    (``--phase --batch --gen-len --kv-len --dist --seed --tp --quant --layers --lm-head``)."""
    return model_trace(
        model,
        args.phase,
        args.batch,
        prompt_len,
        args.gen_len or DEFAULT_GEN_LEN,
        args.kv_len,
        args.dist,
        args.seed,
        tp=args.tp,
        quant=args.quant,
        layers=args.layers,
        lm_head=bool(getattr(args, "lm_head", False)),
        progress=progress,
    )


def step_tokens(trace: Trace) -> int | None:
    """Tokens of a traced step: one per request in decode, prompt tokens in prefill; None without requests."""
    reqs = list(getattr(trace, "requests", []) or [])
    if not reqs:
        return None
    phase = (trace.meta or {}).get("phase") or (getattr(trace.ops[0].phase, "value", "") if trace.ops else "")
    phase = getattr(phase, "value", phase)
    if phase == "prefill":
        return int(sum(r.prompt_len for r in reqs))
    return len(reqs)
