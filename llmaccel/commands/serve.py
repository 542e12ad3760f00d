"""``llmaccel serve``: requests arriving over time on one hardware preset (continuous batching,
paged KV cache), reported as TTFT, TPOT, E2E, throughput and goodput (docs/serving.md).

Flow: arrivals -> scheduler + KV cache -> iteration costs (design.compile / design.simulate,
cached per bucketed shape) -> metrics -> table / JSON, and a serve folder with --out.
"""

from __future__ import annotations

import argparse
import math
import sys
from typing import Any

from llmaccel import config
from llmaccel.workloads import limits
from llmaccel.workloads.errors import InputError

EPILOG = """\
examples:
  llmaccel serve --hw u280 --rate 2 --requests 200
  llmaccel serve --hw neupims --rates 1,2,4,8 --slo-ttft 1s --slo-tpot 100ms
  llmaccel serve --hw a100-80gb --arrivals gamma --cv 2 --rate 5 --chunked-prefill 512 --out runs/s1
  llmaccel serve --hw systolic-int8 --arrival-trace trace.csv --format json
an arrival trace is CSV (header arrival_s,prompt_tokens,output_tokens) or JSONL with those keys, sorted by arrival.
"""


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "serve",
        help="simulate serving: arrivals, continuous batching, KV-cache limits; TTFT/TPOT/goodput",
        description="Simulate requests arriving over time on a hardware preset with vLLM-style continuous "
        "batching and a paged KV cache; iteration costs come from the design's cycle model.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "--hw", default=config.DEFAULT_HW, metavar="PRESET|PATH", help="hardware preset (default %(default)s)"
    )
    p.add_argument("--model", default=config.DEFAULT_MODEL, help="model name or config.json (default %(default)s)")
    p.add_argument("--quant", default=None, help="quantization preset (default: the hardware's default_quant)")
    p.add_argument("--rate", default="1", help="arrival rate in requests/s (default %(default)s)")
    p.add_argument("--rates", default=None, metavar="R1,R2,..", help="sweep these rates: latency vs load table")
    p.add_argument("--arrivals", choices=("poisson", "gamma"), default="poisson", help="arrival process")
    p.add_argument("--cv", type=float, default=1.0, help="gamma arrivals: coefficient of variation of gaps")
    p.add_argument("--arrival-trace", default=None, metavar="FILE", help="CSV/JSONL arrival trace (replaces --rate)")
    p.add_argument("--dist", choices=("sharegpt", "alpaca"), default="sharegpt", help="request length distribution")
    p.add_argument("--requests", type=int, default=100, help="requests to simulate (default %(default)s)")
    p.add_argument("--seed", type=int, default=config.DEFAULT_SEED, help="seed (default %(default)s)")
    p.add_argument("--max-batch", type=int, default=256, help="max sequences per iteration (default %(default)s)")
    p.add_argument(
        "--max-batched-tokens", type=int, default=4096, help="max tokens per iteration (default %(default)s)"
    )
    p.add_argument("--chunked-prefill", type=int, default=None, metavar="N", help="Sarathi: N prefill tokens/iteration")
    p.add_argument("--block-size", type=int, default=16, help="KV block size in tokens (default %(default)s)")
    p.add_argument(
        "--kv-bucket", type=int, default=64, help="KV-length bucket of cached iteration costs; 0: exact (default 64)"
    )
    p.add_argument(
        "--seq-bucket",
        type=int,
        default=32,
        help="decode sequence counts above S are interpolated within segments of S; 0: exact (default 32)",
    )
    p.add_argument(
        "--seq-exact",
        type=int,
        default=32,
        help="decode sequence counts up to this are simulated exactly (default 32; 0: interpolate from 1)",
    )
    p.add_argument(
        "--prefill-bucket",
        type=int,
        default=64,
        help="prompt (chunk) lengths above N priced at the nearest multiple of N; 0: exact (default 64)",
    )
    p.add_argument(
        "--prefill-split",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="price a prefill as its token-parallel ops at the total tokens plus each prompt's attention, "
        "cached separately (bounded simulations); --no-prefill-split: one simulation per set of lengths "
        "(default: split)",
    )
    p.add_argument("--memory-gb", type=float, default=None, help="device memory (default: serving_memory.yaml)")
    p.add_argument("--preemption", choices=("recompute", "swap"), default="recompute", help="on a full KV cache")
    p.add_argument("--slo-ttft", default=None, help="TTFT target, e.g. 1s or 500ms")
    p.add_argument("--slo-tpot", default=None, help="TPOT target, e.g. 0.1 or 100ms")
    p.add_argument("--slo-attainment", type=float, default=0.9, help="--rates: share of requests within SLOs")
    p.add_argument("--out", default=None, metavar="DIR", help="write a serve folder (docs/serving.md)")
    p.add_argument("--force", action="store_true", help="with --out: replace DIR even if not a serve folder")
    p.add_argument("--no-plots", action="store_true", help="with --out: skip the plots")
    p.add_argument("--format", choices=("table", "json"), default="table", help="stdout format")
    p.set_defaults(func=run)


def _rates(args: argparse.Namespace) -> list[float]:
    from llmaccel.serve.arrivals import check_rate

    if args.rates is None:
        return [check_rate("--rate", args.rate)]
    items = [x.strip() for x in str(args.rates).split(",")]
    if not items or any(not x for x in items):
        raise InputError("--rates", f"must be comma-separated positive rates, got {args.rates!r}")
    return [check_rate("--rates", x) for x in items]


def _check(args: argparse.Namespace) -> None:
    limits.check_count("--requests", args.requests, limits.MAX_REQUESTS)
    for flag, v in (
        ("--max-batch", args.max_batch),
        ("--max-batched-tokens", args.max_batched_tokens),
        ("--block-size", args.block_size),
        ("--chunked-prefill", args.chunked_prefill),
    ):
        config.positive(flag, v)
    if args.kv_bucket is None or isinstance(args.kv_bucket, bool) or args.kv_bucket < 0:
        raise InputError("--kv-bucket", f"must be 0 (exact) or a positive number of tokens, got {args.kv_bucket!r}")
    if args.seq_bucket is None or isinstance(args.seq_bucket, bool) or args.seq_bucket < 0:
        raise InputError("--seq-bucket", f"must be 0 (exact) or a positive sequence count, got {args.seq_bucket!r}")
    if args.prefill_bucket is None or isinstance(args.prefill_bucket, bool) or args.prefill_bucket < 0:
        raise InputError(
            "--prefill-bucket", f"must be 0 (exact) or a positive number of tokens, got {args.prefill_bucket!r}"
        )
    if args.seq_exact is None or isinstance(args.seq_exact, bool) or args.seq_exact < 0:
        raise InputError("--seq-exact", f"must be a non-negative sequence count, got {args.seq_exact!r}")
    if args.seed < 0:
        raise InputError("--seed", f"must be a non-negative integer, got {args.seed}")
    if args.memory_gb is not None and not (math.isfinite(args.memory_gb) and args.memory_gb > 0):
        raise InputError("--memory-gb", f"must be a positive number of GB, got {args.memory_gb}")
    if not (math.isfinite(args.cv) and args.cv > 0):
        raise InputError("--cv", f"must be a positive number, got {args.cv}")
    if not (0 < args.slo_attainment <= 1):
        raise InputError("--slo-attainment", f"must be in (0, 1], got {args.slo_attainment}")
    if args.arrival_trace and args.rates:
        raise InputError("--rates", "a rate sweep needs generated arrivals, not --arrival-trace")


def _row(rate: float | None, s: dict) -> dict:
    lat = s["latency"]
    return {
        "rate": rate,
        "ttft_p50_s": lat["ttft_s"]["p50"],
        "ttft_p99_s": lat["ttft_s"]["p99"],
        "tpot_p50_s": lat["tpot_s"]["p50"],
        "tpot_p99_s": lat["tpot_s"]["p99"],
        "e2e_p50_s": lat["e2e_s"]["p50"],
        "throughput_req_s": s["throughput_req_s"],
        "throughput_tok_s": s["throughput_tok_s"],
        "goodput_req_s": s["goodput_req_s"],
        "slo_attained": s["slo_attained"],
        "kv_occupancy_peak": s["kv_occupancy_peak"],
        "preemptions": s["preemptions"],
    }


def _table(doc: dict) -> str:
    setup = doc["setup"]
    lines = [
        f"serve: {setup['model']} on {setup['preset']} ({setup['design']}, {setup['quant']}), "
        f"{setup['kv_blocks']} KV blocks x {setup['block_size']} tokens "
        f"({setup['memory_gb']:.4g} GB - {setup['weight_gb']:.4g} GB weights), prefill on {setup['prefill_host']}",
        f"cost cache: {doc['cost_cache']['simulations']} simulations, hit rate {doc['cost_cache']['hit_rate']:.3f} "
        f"(KV bucket {setup['kv_bucket']}, sequence bucket {setup.get('seq_bucket')}, exact up to {setup.get('seq_exact')}; "
        f"prefill bucket {setup.get('prefill_bucket')}, split {setup.get('prefill_split')})",
    ]
    head = ("rate", "ttft_p50_s", "ttft_p99_s", "tpot_p50_s", "tpot_p99_s", "throughput_tok_s", "goodput_req_s")
    lines.append("  ".join(f"{h:>16}" for h in head))
    for r in doc["rows"]:
        lines.append("  ".join(f"{'trace' if r[h] is None else format(r[h], '.4g'):>16}" for h in head))
    if "max_rate_within_slo" in doc:
        lines.append(f"max rate within SLOs (attainment >= {doc['slo_attainment']}): {doc['max_rate_within_slo']}")
    from llmaccel.reports import units

    s = doc["runs"][-1]["summary"]
    lines.append(
        f"last run: {s['requests']} requests, energy per token {units.energy_pj(s['energy_per_token_pj'])}, "
        f"KV peak {s['kv_occupancy_peak']:.3f}, mean batch {s['batch_size_mean']:.3g}, preemptions {s['preemptions']}"
    )
    return "\n".join(lines) + "\n"


def run(args: argparse.Namespace) -> int:
    from dataclasses import asdict

    from llmaccel import precision
    from llmaccel.reports import output_folders
    from llmaccel.reports import serving as report
    from llmaccel.serve import arrivals, metrics, session
    from llmaccel.serve.scheduler import SchedulerConfig
    from llmaccel.workloads.quant_presets import get_quant
    from llmaccel.workloads.zoo import get_model

    _check(args)
    rates: list[float | None] = [None] if args.arrival_trace else list(_rates(args))
    slo_ttft = metrics.parse_slo("--slo-ttft", args.slo_ttft)
    slo_tpot = metrics.parse_slo("--slo-tpot", args.slo_tpot)
    if args.out is not None:
        output_folders.check_target(args.out, "serve-folder", args.force)
    hw = config.load_hw(args.hw)
    with config.flag("--model", ("model",)):
        model = get_model(args.model)
    if model.arch != "decoder":
        raise InputError("--model", f"{model.name} is an {model.arch}; serving needs a decoder (a KV cache)")
    quant = args.quant or getattr(hw, "default_quant", None) or config.DEFAULT_QUANT
    with config.flag("--quant", ("quant",)):
        get_quant(quant)
    sched = SchedulerConfig(args.max_batch, args.max_batched_tokens, args.chunked_prefill, args.preemption)
    setup = session.build(
        hw,
        model,
        quant,
        sched,
        args.block_size,
        args.kv_bucket or None,
        args.memory_gb,
        seq_bucket=args.seq_bucket or None,
        seq_exact=args.seq_exact,
        prefill_bucket=args.prefill_bucket or None,
        prefill_split=args.prefill_split,
    )
    limit = model.max_position_embeddings
    runs: list[dict[str, Any]] = []
    for rate in rates:
        if rate is None:
            reqs = arrivals.read_trace(args.arrival_trace, limit)
        else:
            reqs = arrivals.synthetic(args.arrivals, rate, args.requests, args.seed, args.dist, limit, cv=args.cv)
        rows, summary, result = session.serve(setup, reqs, slo_ttft, slo_tpot)
        runs.append(
            {"rate": rate, "rows": rows, "summary": summary, "iterations": [asdict(i) for i in result.iterations]}
        )
    setup_doc = setup.describe()
    setup_doc["quant"] = precision.quant_name(quant)
    doc: dict[str, Any] = {
        "setup": setup_doc,
        "arrivals": {
            "process": None if args.arrival_trace else args.arrivals,
            "cv": args.cv if args.arrivals == "gamma" else None,
            "trace": args.arrival_trace,
            "dist": None if args.arrival_trace else args.dist,
            "requests": len(runs[0]["rows"]),
            "seed": args.seed,
        },
        "cost_cache": {
            "simulations": setup.costs.misses,
            "lookups": setup.costs.hits + setup.costs.misses,
            "hit_rate": setup.costs.hit_rate,
            "simulations_by_part": dict(sorted(setup.costs.by_part.items())),
        },
        "rows": [_row(r["rate"], r["summary"]) for r in runs],
        "runs": [{"rate": r["rate"], "summary": r["summary"]} for r in runs],
    }
    if args.rates:
        ok = [r["rate"] for r in runs if r["summary"]["slo_attained"] >= args.slo_attainment]
        doc["slo_attainment"] = args.slo_attainment
        doc["max_rate_within_slo"] = max(ok) if ok else None
    if args.out:

        def build(tmp):
            for r in runs:
                sub = tmp if len(runs) == 1 else tmp / f"rate_{r['rate']:g}"
                sub.mkdir(exist_ok=True)
                report.write_files(sub, r["rows"], r["iterations"], {"setup": setup_doc, **r["summary"]})
            (tmp / "summary.json").write_text(report.dumps(doc), encoding="utf-8")
            if not args.no_plots:
                report.render(tmp)

        try:
            output_folders.atomic_folder(args.out, build, "serve-folder", args.force)
        except OSError as e:  # a location that passed the checks but cannot be written (e.g. /proc)
            raise InputError("--out", f"cannot write {args.out}: {e.strerror or e}") from None
    if args.format == "json":
        sys.stdout.write(report.dumps(doc))
    else:
        sys.stdout.write(_table(doc))
        if args.out:
            sys.stdout.write(f"serve folder: {args.out}\n")
    return 0
