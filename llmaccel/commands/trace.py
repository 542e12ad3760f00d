"""``llmaccel trace``: write a workload trace file (or convert a SCALE-Sim GEMM CSV).

Flow: workloads.zoo.get_model -> llmaccel.workload.model_trace (the one workload builder)
-> workloads.trace_io.write_trace; prints one summary line on stdout.
"""

from __future__ import annotations

import argparse
import sys

from llmaccel import config, precision, workload

EPILOG = """\
examples:
  llmaccel trace --model llama2-7b --phase decode --batch 512 --dist sharegpt --seed 1 --out decode.jsonl
  llmaccel trace --model gpt3-13b --phase decode --batch 64 --prompt-len 80 --gen-len 296 --tp 4 --out g13.jsonl.gz
  llmaccel trace --model vit-b --phase prefill --batch 8 --quant w4a8-g128 --out vit.jsonl
  llmaccel trace --gemm-csv topologies/gpt2.csv --out gpt2.jsonl
  llmaccel trace --check decode.jsonl
the file format is documented in docs/workloads.md (llmaccel-trace, version 1); a .gz suffix compresses.
"""


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "trace",
        help="write a workload trace file (model step or SCALE-Sim GEMM CSV)",
        description="Build the operator trace of one prefill or decode step of a model for a batch "
        "of requests and write it as an llmaccel-trace JSON Lines file.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    config.add_workload_flags(p, "emit")
    precision.add_bit_flags(p)
    p.add_argument(
        "--gen-len",
        type=int,
        default=config.DEFAULT_GEN_LEN,
        help="tokens each request will generate, recorded in the trace's requests (default %(default)s)",
    )
    p.add_argument(
        "--gemm-csv",
        default=None,
        metavar="FILE",
        help="convert a SCALE-Sim GEMM topology CSV (Layer, M, N, K) instead of a model",
    )
    p.add_argument("--out", metavar="FILE", help="trace file to write (.jsonl, or .jsonl.gz); required unless --check")
    p.add_argument("--force", action="store_true", help="replace --out if it already exists")
    p.add_argument(
        "--check",
        metavar="FILE",
        help="validate an existing trace file instead of writing one (exit 2 naming the first bad line and field)",
    )
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=run)


def summary(trace) -> dict:
    """Totals of a trace: ops, MACs, and bytes by operand class (each op's operands at their stored width)."""
    weight = kv = act = 0.0
    for op in trace.ops:
        if op.b_class == "weight":
            weight += op.b_bytes()
        elif op.b_class == "kv":
            kv += op.b_bytes()
        else:
            act += op.b_bytes()
        act += op.a_bytes() + op.out_bytes()
    return {"ops": len(trace.ops), "macs": trace.total_macs, "weight_bytes": weight, "kv_bytes": kv, "act_bytes": act}


def run(args: argparse.Namespace) -> int:
    from llmaccel import config
    from llmaccel.progress import enabled
    from llmaccel.reports.output_folders import check_new_file
    from llmaccel.workloads.errors import InputError, require_positive_int
    from llmaccel.workloads.trace_io import read_trace, validate_trace, write_trace

    if args.check:
        problems = validate_trace(args.check)
        if problems:
            more = f" (and {len(problems) - 1} more problems)" if len(problems) > 1 else ""
            field, _, problem = problems[0].partition(": ")
            raise InputError(field, problem + more)
        s = summary(read_trace(args.check))
        print(f"{args.check}: valid llmaccel-trace: {s['ops']} ops, {s['macs'] / 1e9:.3f} GMAC")
        return 0
    if args.out is None:
        raise InputError("--out", "required: the trace file to write (or use --check FILE)")
    out = check_new_file(args.out, "--out", args.force)
    if not out.parent.is_dir():
        raise InputError("--out", f"folder does not exist: {out.parent}")
    config.check_size_flags(args)
    args.quant = precision.resolve_quant(args)
    if args.gemm_csv:
        from llmaccel.workloads.gemm_csv import read_gemm_csv

        trace = read_gemm_csv(args.gemm_csv, quant=args.quant)
        what = f"{args.gemm_csv} (SCALE-Sim GEMM CSV)"
    else:
        from llmaccel.workloads.graph import PHASES
        from llmaccel.workloads.zoo import get_model

        model = get_model(args.model)
        dist_conflict = args.dist and (args.prompt_len is not None or args.kv_len is not None)
        note = config.model_defaults(args, model)
        if note:
            print(f"note: {note}", file=sys.stderr)
        if args.phase not in PHASES:
            raise InputError("--phase", f"unknown phase {args.phase!r}; allowed: {', '.join(PHASES)}")
        if args.seed < 0:
            raise InputError("--seed", f"must be an integer >= 0, got {args.seed}")
        if dist_conflict:
            raise InputError("--dist", "sampled lengths replace --prompt-len/--kv-len; give one or the other")
        prompt = args.prompt_len
        if args.layers is not None:
            require_positive_int("--layers", args.layers)
        trace = workload.trace_from_args(args, model, prompt, progress=enabled(args.quiet))
        reqs = trace.requests
        if args.dist:
            trace.meta["dist"], trace.meta["seed"] = args.dist, args.seed
        what = (
            f"{model.name} {args.phase}, {len(reqs)} requests, {trace.meta['layers']} layers, "
            f"tp {args.tp}, {trace.meta['quant']}"
        )
    path = write_trace(trace, args.out)
    s = summary(trace)
    print(
        f"{path}: {what}: {s['ops']} ops, {s['macs'] / 1e9:.3f} GMAC, weights {s['weight_bytes'] / 1e9:.3f} GB, "
        f"KV {s['kv_bytes'] / 1e9:.3f} GB, activations {s['act_bytes'] / 1e9:.3f} GB",
        file=sys.stdout,
    )
    return 0
