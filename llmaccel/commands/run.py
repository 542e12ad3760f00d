"""``llmaccel run``: simulate one model step (or a trace file) on one hardware preset.

Flow: workloads.zoo.get_model -> llmaccel.workload (the one workload builder) -> design.compile ->
design.simulate -> reports.run_folder.write (only with --out) -> table or JSON on stdout.
"""

from __future__ import annotations

import argparse
import sys

from llmaccel import config, generation, precision
from llmaccel.progress import stages

EPILOG = f"""\
defaults: --hw {config.DEFAULT_HW} --model {config.DEFAULT_MODEL} --phase {config.DEFAULT_PHASE} (prefill for an \
encoder) --batch {config.DEFAULT_BATCH} --prompt-len {config.DEFAULT_PROMPT_LEN} (capped at the model's max \
positions) --quant: the hardware preset's default_quant ({config.DEFAULT_QUANT} on {config.DEFAULT_HW}); \
with no arguments: one LLaMA2-7B decode step (batch 1, 512 tokens in the KV cache) on the baseline INT8 \
systolic array, printed as a table.  Nothing is written unless --out is given.
--wbits/--abits/--kvbits/--wgroup override the weight / activation / KV-cache operands of the chosen
quantization; a format that costs the PEs extra passes is reported as a warning.
examples:
  llmaccel run
  llmaccel run --hw olive-w4a4                      # OliVe runs its own 4-bit OVP format
  llmaccel run --hw mixpe-w4a8 --wbits 3            # W3A8 g128 on MixPE
  llmaccel run --model bert-base --prompt-len 128   # an encoder runs prefill
  llmaccel run --gen-len 256                        # + the 256 decode steps, per-token and total
  llmaccel run --hw systolic-fp16 --phase prefill --batch 4 --out runs/p4
  llmaccel run --dist sharegpt --seed 1 --batch 16 --gpu a100-80gb --format json
  llmaccel run --set array.rows=64 --set array.cols=64 --layers 2
"""


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "run",
        help="simulate a model step or trace on a hardware preset",
        description="Simulate one prefill or decode step of a model (or a trace / GEMM CSV) "
        "on a hardware preset; print a table or JSON, optionally write a run folder.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "--hw",
        default=config.DEFAULT_HW,
        metavar="PRESET|PATH",
        help=f"hardware preset name (llmaccel list presets) or YAML path (default {config.DEFAULT_HW})",
    )
    config.add_workload_flags(p, "simulate")
    precision.add_bit_flags(p)
    p.add_argument(
        "--gen-len",
        type=int,
        default=None,
        help="decode: also simulate generating this many tokens per request (KV growing step by step, "
        f"see --gen-bucket) and report per-token and total time and energy (default: only the one step; "
        f"the requests record {config.DEFAULT_GEN_LEN} output tokens)",
    )
    p.add_argument(
        "--gen-bucket",
        type=int,
        default=config.DEFAULT_GEN_BUCKET,
        help="with --gen-len: decode steps per simulated KV length (default %(default)s)",
    )
    p.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a preset parameter by dotted key, e.g. --set array.rows=64 (repeatable)",
    )
    p.add_argument("--trace", default=None, metavar="FILE", help="simulate this trace file instead of a model")
    p.add_argument(
        "--gemm-csv",
        default=None,
        metavar="FILE",
        help="simulate GEMMs from a SCALE-Sim style topology CSV (Layer, M, N, K)",
    )
    p.add_argument(
        "--gpu",
        default=None,
        metavar="PRESET",
        help="also run the same trace on a GPU preset (e.g. a100-80gb) and report it beside",
    )
    p.add_argument(
        "--out",
        default=None,
        metavar="DIR",
        help="write a run folder here (summary.json, ops.csv, layers.csv, energy.csv, plots/); "
        "built in a temporary sibling and renamed, so a failure leaves DIR as it was; an existing DIR is "
        "replaced only if it is an llmaccel run folder (see docs/outputs.md) or --force is given",
    )
    p.add_argument(
        "--force",
        action="store_true",
        help="with --out: replace DIR even if it is not an llmaccel run folder (its files are deleted)",
    )
    p.add_argument("--no-plots", action="store_true", help="with --out: skip the plots")
    p.add_argument(
        "--format",
        choices=("table", "json"),
        default="table",
        help="stdout: readable table or the JSON run summary with per-op rows (default table)",
    )
    p.add_argument("--top", type=int, default=10, help="table: ops listed (default %(default)s)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=run)


def _gpu_preset(name: str):
    """The ``--gpu`` preset, checked before any simulation (it must be a ``gpu`` design)."""
    from llmaccel.workloads.errors import InputError

    hw = config.load_hw(name, flag_name="--gpu")
    if hw.design != "gpu":
        raise InputError(
            "--gpu", f"preset {name!r} is a {hw.design!r} design; give a GPU preset (llmaccel list designs)"
        )
    return hw


def _reference(trace, hw) -> dict:
    from llmaccel.sim.designs import run as run_design

    r = run_design(trace, hw)
    return {
        "preset": r.preset,
        "design": r.design,
        "clock_mhz": r.clock_mhz,
        "total_cycles": int(r.total_cycles),
        "time_s": r.time_s,
        "total_energy_pj": r.total_energy_pj,
    }


def run(args: argparse.Namespace) -> int:
    from llmaccel.reports import output_folders, run_folder
    from llmaccel.reports.tables import run_table
    from llmaccel.sim.designs import get_design

    config.positive("--top", args.top)
    config.check_run_args(args)
    if args.gpu is not None and not args.gpu.strip():
        from llmaccel.workloads.errors import InputError

        raise InputError("--gpu", "must be a GPU preset name (llmaccel list presets), got ''")
    if args.out is not None:
        output_folders.check_target(args.out, "run-folder", args.force)  # fail before any work
    if args.gen_len is not None and (args.trace or args.gemm_csv):
        from llmaccel.workloads.errors import InputError

        raise InputError("--gen-len", "needs a model (--model), not --trace/--gemm-csv")
    names = (
        ["load preset", "build trace", "compile", "simulate"]
        + (["generation"] if args.gen_len is not None else [])
        + (["gpu reference"] if args.gpu else [])
        + (["write run folder"] if args.out else [])
    )
    with stages(names, quiet=args.quiet) as bar:
        bar.step("load preset")
        overrides = config.parse_overrides(args.overrides)
        hw = config.load_hw(args.hw, overrides)
        design = get_design(hw.design)
        gpu_hw = _gpu_preset(args.gpu) if args.gpu is not None else None
        args.quant = precision.resolve_quant(args, hw)
        bar.step("build trace")
        trace, workload = config.build_workload(args)
        warnings = precision.pass_warnings(trace, hw)
        with config.naming_overrides(overrides):
            bar.step("compile")
            program = design.compile(trace, hw)
            bar.step("simulate")
            result = design.simulate(program, hw)
        config.check_result(result)
        if result.tokens is None:  # designs that do not see the requests: the workload's count
            result.tokens = workload.get("tokens")
        roles = {op.name: op.role for op in trace.ops if op.role}
        gen = None
        if args.gen_len is not None:
            bar.step("generation")
            gen = generation.simulate_generation(trace, args, hw, design)
        refs = []
        if gpu_hw is not None:
            bar.step("gpu reference")
            refs.append(_reference(trace, gpu_hw))
        if args.out:
            bar.step("write run folder")
            run_folder.write(
                result,
                args.out,
                hw=hw,
                workload=workload,
                references=refs,
                plots=not args.no_plots,
                roles=roles,
                warnings=warnings,
                generation=gen,
                force=args.force,
            )
    doc = run_folder.result_json(
        result, hw=hw, workload=workload, references=refs, roles=roles, warnings=warnings, generation=gen
    )
    if args.format == "json":
        sys.stdout.write(run_folder.dumps(doc))
    else:
        sys.stdout.write(run_table(doc, top=args.top))
        if gen:
            sys.stdout.write(generation.describe(gen) + "\n")
        for w in warnings:
            sys.stdout.write(f"warning: {w}\n")
        if args.out:
            sys.stdout.write(f"run folder: {args.out}\n")
    return 0
