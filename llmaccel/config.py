"""CLI-side loading helpers: defaults, ``--set`` parsing, and building the trace a run simulates.

Everything here only wires the packages together (workloads -> sim); the rules of
what is valid live in those packages and surface as InputError.
"""

from __future__ import annotations

import argparse
import math
import numbers
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import yaml

from llmaccel import workload
from llmaccel.workload import step_tokens
from llmaccel.workloads.errors import InputError, require_positive_int

#: ``llmaccel run`` and ``llmaccel trace`` defaults (one place; README.md and ``--help``).
DEFAULT_HW = "systolic-int8"
DEFAULT_MODEL = "llama2-7b"
#: Phase of a decoder when --phase is not given; an encoder (no KV cache) always runs prefill.
DEFAULT_PHASE = "decode"
DEFAULT_BATCH = 1
#: Prompt tokens when --prompt-len is not given, capped at the model's max positions
#: (ViT-B then gets its full 197-token image).
DEFAULT_PROMPT_LEN = workload.DEFAULT_PROMPT_LEN
#: Output tokens per request recorded with the requests (traces, summary ``workload.gen_len``);
#: ``run --gen-len N`` additionally simulates the N decode steps (llmaccel.generation).
DEFAULT_GEN_LEN = workload.DEFAULT_GEN_LEN
DEFAULT_SEED = workload.DEFAULT_SEED
#: ``run --gen-len``: decode steps per simulated KV length.
DEFAULT_GEN_BUCKET = 64
#: Quantization when neither --quant nor the hardware preset's ``default_quant`` says
#: (``trace`` has no hardware); equal to DEFAULT_HW's default_quant (a test holds them equal).
DEFAULT_QUANT = "w8a8"


def add_workload_flags(p: argparse.ArgumentParser, step: str = "simulate") -> None:
    """The model-workload flags ``llmaccel run`` and ``llmaccel trace`` share (one definition,
    one set of defaults): model, phase, batch, prompt/KV lengths, length distribution and seed,
    tensor parallelism, quantization, layers and LM head (the per-operand bit flags come
    from :func:`llmaccel.precision.add_bit_flags`).  ``step`` words the --layers/--lm-head
    help (``simulate`` or ``emit``)."""
    p.add_argument(
        "--model",
        default=DEFAULT_MODEL,
        metavar="NAME|config.json|org/name",
        help="zoo model (llmaccel list models), a Hugging Face config.json, or an id in the local HF cache "
        "(default %(default)s)",
    )
    p.add_argument(
        "--phase",
        default=None,
        metavar="prefill|decode",
        help="prefill: all prompt tokens at once; decode: one new token per request "
        f"(default {DEFAULT_PHASE}; prefill for an encoder)",
    )
    p.add_argument("--batch", type=int, default=DEFAULT_BATCH, help="requests in the batch (default %(default)s)")
    p.add_argument(
        "--prompt-len",
        type=int,
        default=None,
        help=f"prompt tokens per request (default {DEFAULT_PROMPT_LEN}, capped at the model's max positions)",
    )
    p.add_argument(
        "--kv-len", type=int, default=None, help="decode: tokens already in the KV cache (default: the prompt length)"
    )
    p.add_argument(
        "--dist",
        default=None,
        metavar="sharegpt|alpaca",
        help="sample request lengths from a dataset-like distribution instead of fixed lengths",
    )
    p.add_argument("--seed", type=int, default=DEFAULT_SEED, help="seed for --dist (default %(default)s)")
    p.add_argument("--tp", type=int, default=1, help="tensor-parallel degree; one shard is traced (default 1)")
    p.add_argument(
        "--quant",
        default=None,
        help="quantization preset (llmaccel list quant) or YAML path (default: the hardware preset's "
        f"default_quant, {DEFAULT_QUANT} on {DEFAULT_HW} and for a trace without hardware)",
    )
    p.add_argument("--layers", type=int, default=None, help=f"{step} only the first L blocks (default: all)")
    p.add_argument(
        "--lm-head", action="store_true", help=f"also {step} the embedding lookup, final norm and LM head (layer -1)"
    )


def parse_overrides(items: list[str] | None) -> dict[str, Any]:
    """``["array.rows=64", "dataflow=ws"]`` -> ``{"array.rows": 64, "dataflow": "ws"}`` (values parsed as YAML scalars)."""
    out: dict[str, Any] = {}
    for item in items or []:
        key, sep, raw = item.partition("=")
        key = key.strip()
        if not sep or not key:
            raise InputError("--set", f"expected key=value (dotted preset key), got {item!r}")
        try:
            value = yaml.safe_load(raw) if raw.strip() else ""
        except yaml.YAMLError:
            raise InputError(f"--set {key}", f"value {raw!r} is not a YAML scalar") from None
        if isinstance(value, (dict, list)):
            raise InputError(f"--set {key}", "value must be a single number, string or boolean")
        if not raw.strip().startswith(("'", '"')):  # a quoted value stays text
            value = _yaml11_number(value)
        out[key] = value
    return out


def _yaml11_number(value: Any) -> Any:
    """``1e-300``, ``1e3``, ``nan``, ``inf`` are numbers to a user but strings to YAML 1.1; read them as floats."""
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return value
    return value


@contextmanager
def flag(name: str, fields: tuple[str, ...]):
    """Re-label an InputError whose field is one of ``fields`` (e.g. ``preset``) with the CLI flag ``name``."""
    try:
        yield
    except InputError as e:
        if e.field in fields:
            raise InputError(name, e.problem) from None
        raise


def load_hw(name_or_path: str, overrides: dict[str, Any] | None = None, flag_name: str = "--hw"):
    """Load a hardware preset and apply ``--set`` overrides (unknown key -> InputError listing allowed)."""
    from llmaccel.sim.preset import load_preset

    with flag(flag_name, ("preset",)):
        hw = load_preset(name_or_path)
    if overrides:
        hw = hw.with_overrides(overrides, source="--set on the command line")
    return hw


@contextmanager
def naming_overrides(overrides: dict[str, Any]):
    """Re-label an InputError raised while simulating with ``--set`` values so that it names the key.

    Some preset values (e.g. ``energy.sram_access``, the name of an energy-table action) are
    only checked by the design that reads them; when such an error quotes an overridden
    value, the message is prefixed with ``--set <key>`` so the user sees which flag caused it.
    """
    try:
        yield
    except InputError as e:
        for key, value in overrides.items():
            if isinstance(value, str) and value and repr(value) in e.problem and key not in e.field:
                raise InputError(f"--set {key}", f"{e.field}: {e.problem}") from None
        raise


def positive(flag: str, value: int | None) -> int | None:
    """``value`` if None or a positive integer, else InputError naming ``flag``."""
    return None if value is None else require_positive_int(flag, value)


def check_size_flags(args: argparse.Namespace) -> None:
    """Sizes and seed given on the command line, each through the one numeric validator with its limit.

    Shared by ``run`` and ``trace``; the limits and why they are where they are:
    :mod:`workloads.limits`.  Absent flags (None or not defined by the command) are skipped.
    """
    from llmaccel.workloads import limits

    for flag_name, attr, limit in (
        ("--batch", "batch", limits.MAX_REQUESTS),
        ("--prompt-len", "prompt_len", limits.MAX_TOKENS),
        ("--gen-len", "gen_len", limits.MAX_TOKENS),
        ("--gen-bucket", "gen_bucket", limits.MAX_TOKENS),
        ("--kv-len", "kv_len", limits.MAX_TOKENS),
        ("--tp", "tp", limits.MAX_TP),
        ("--layers", "layers", limits.MAX_LAYERS),
    ):
        value = getattr(args, attr, None)
        if value is not None:
            limits.check_count(flag_name, value, limit)
    if getattr(args, "seed", None) is not None:
        limits.check_count("--seed", args.seed, limits.MAX_SEED, lo=0)


def check_run_args(args: argparse.Namespace) -> None:
    """Reject non-positive or out-of-range sizes and conflicting flags before any work (InputError naming the flag)."""
    check_size_flags(args)
    if getattr(args, "dist", None) is not None:
        from llmaccel.workloads.requests import dist_names

        if args.dist not in dist_names():
            raise InputError("--dist", f"unknown distribution {args.dist!r}; allowed: {', '.join(dist_names())}")
    if args.trace and args.gemm_csv:
        raise InputError("--trace", "give either --trace or --gemm-csv, not both")


def model_defaults(args: argparse.Namespace, model: Any) -> str | None:
    """Fill ``args.phase`` and ``args.prompt_len`` left at None from the model; a note when it matters.

    Phase: decode for a decoder, prefill for an encoder (which has no decode step).
    Prompt: :data:`DEFAULT_PROMPT_LEN` capped at the model's max positions (one fewer in
    decode, where the new token also needs a position).
    """
    note = None
    if args.phase is None:
        args.phase = "prefill" if model.arch == "encoder" else DEFAULT_PHASE
        if model.arch == "encoder":
            note = f"{model.name} is an encoder: running --phase prefill (it has no decode step)"
    if getattr(args, "prompt_len", None) is None and not getattr(args, "dist", None):
        args.prompt_len = min(DEFAULT_PROMPT_LEN, model.max_position_embeddings - (args.phase == "decode"))
    return note


def build_workload(args: argparse.Namespace) -> tuple[Any, dict[str, Any]]:
    """The trace to simulate, and a record of how it was made (for summary.json).

    Sources, in order: ``--trace FILE``, ``--gemm-csv FILE``, else a model
    (``--model``) with requests from ``--dist``/``--seed`` or fixed lengths.
    """
    check_run_args(args)
    if args.trace:
        from llmaccel.workloads.trace_io import read_trace

        path = Path(args.trace)
        if not path.is_file():
            raise InputError("--trace", f"file not found: {path}")
        trace = read_trace(path)
        return trace, {
            "source": "trace",
            "trace": str(path),
            "model": trace.model,
            "phase": (trace.meta or {}).get("phase"),
            "batch": len(trace.requests) or None,
            "tokens": step_tokens(trace),
        }
    if args.gemm_csv:
        from llmaccel.workloads.gemm_csv import read_gemm_csv

        path = Path(args.gemm_csv)
        if not path.is_file():
            raise InputError("--gemm-csv", f"file not found: {path}")
        with flag("--quant", ("quant",)):
            trace = read_gemm_csv(path, quant=args.quant)
        return trace, {
            "source": "gemm_csv",
            "gemm_csv": str(path),
            "model": trace.model,
            "quant": trace.meta["quant"],
            "tokens": None,
        }
    from llmaccel.workload import trace_from_args
    from llmaccel.workloads.zoo import get_model

    with flag("--model", ("model",)):
        model = get_model(args.model)
    note = model_defaults(args, model)
    if note:
        print(f"note: {note}", file=sys.stderr)
    lm_head = bool(getattr(args, "lm_head", False))
    with flag("--quant", ("quant",)):
        trace = trace_from_args(args, model, args.prompt_len)
    workload = {
        "source": "model",
        "model": model.name,
        "phase": args.phase,
        "batch": args.batch,
        "prompt_len": None if args.dist else args.prompt_len,
        "gen_len": None if args.dist else args.gen_len or DEFAULT_GEN_LEN,
        "kv_len": args.kv_len,
        "dist": args.dist,
        "seed": args.seed if args.dist else None,
        "tp": args.tp,
        "quant": trace.meta["quant"],
        "layers": args.layers,
        "lm_head": lm_head,
        "tokens": step_tokens(trace),
    }
    if "moe" in trace.meta:  # routing assumption, experts touched, expert bytes held vs read
        workload["moe"] = trace.meta["moe"]
    return trace, workload


def check_result(result: Any) -> None:
    """Refuse a result whose totals are not finite, non-negative numbers (extreme parameters overflowed).

    The numeric validator keeps every input in range; this is the last guard that no
    nonsense total (negative or NaN cycles, energy or time) is ever printed or written.
    """
    totals = {
        "total cycles": result.total_cycles,
        "time": result.time_s,
        "energy": result.total_energy_pj,
        "clock": result.clock_mhz,
    }
    for what, value in totals.items():
        v = float(value) if isinstance(value, numbers.Real) else math.nan
        if not math.isfinite(v) or v < 0:
            raise InputError(
                "--hw/--set", f"the parameters give a {what} of {value!r}; check for extreme or inconsistent values"
            )
