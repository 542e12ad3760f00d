"""``llmaccel quant-eval``: quantization quality of OVP-4/8 and its baselines on weight tensors.

Per tensor (2-D weights, Hugging Face ``[out_features, in_features]`` layout:
pairs, groups and ANT/int scales run along ``in_features`` = the reduction axis, one
scale per output channel) and overall: MSE, SQNR (dB), and for OVP the chosen
normal type (``ovp_normal``: int4 or flint4 at 4 bits) and the fractions of
outlier-normal / outlier-outlier pairs.

Methods: ``ovp4``, ``ovp8`` (workloads.quant.ovp), ``int4``, ``int8`` (symmetric
per channel), ``ant4`` (int4/flint4 type per tensor, scale per channel), ``gobo``
(3-bit dictionary + FP32 outliers beyond 3 sigma), ``olaccel`` (4-bit + 3 % 8-bit
outliers), ``int4-group``, ``int3-group``, ``int2-group`` (MixPE-style asymmetric
min/max groups of ``--group-size`` along the reduction, fp16 scale and zero point).

Input: a ``.safetensors``/``.npy``/``.npz`` file or a checkpoint folder, of which
only the Linear weights are evaluated by default (workloads.checkpoint: 2-D float
``*.weight`` tensors, no embeddings, position tables or norms; ``--include`` /
``--exclude`` patterns change that, and the skipped tensors are counted in the
output).  Without a path: synthetic heavy-tailed tensors (Student-t, a few outlier
input channels), seeded.  Every row of every tensor is evaluated unless
``--max-rows N`` samples the first N output channels, which the output states.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import math
import os
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from llmaccel.workloads.errors import InputError, require_positive_int

METHODS = (
    "ovp4",
    "ovp8",
    "int4",
    "int8",
    "ant4",
    "gobo",
    "olaccel",
    "int4-group",
    "int3-group",
    "int2-group",
)
#: Methods run when --methods is not given.
DEFAULT_METHODS = ("ovp4", "ovp8", "int4", "int8", "ant4", "gobo", "olaccel", "int4-group")
#: MixPE's group size (spec/mixpe.md: g128).
DEFAULT_GROUP_SIZE = 128
COLUMNS = (
    "tensor",
    "method",
    "elements",
    "mse",
    "sqnr_db",
    "detail",
    "outlier_normal_pairs",
    "outlier_outlier_pairs",
    "ovp_normal",
    "rows",
    "rows_total",
)
#: Synthetic tensors: Student-t degrees of freedom, outlier input channels and their gain.
SYNTH_DOF = 4.0
SYNTH_OUTLIER_CHANNELS = 4
SYNTH_OUTLIER_GAIN = 20.0
SYNTH_STD = 0.02


def _patterns(items: list[str] | None) -> list[str]:
    return [p.strip() for item in items or [] for p in item.split(",") if p.strip()]


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "quant-eval",
        help="MSE/SQNR of OVP-4/8, int4/8, ANT-4, GOBO, OLAccel, group INT4/3/2 on weight tensors",
        description=__doc__.split("\n\n")[0],
        epilog="examples:\n  llmaccel quant-eval ckpt/            # Linear weights of a checkpoint folder\n"
        "  llmaccel quant-eval ckpt/ --include '*attention*' --methods ovp4,int4-group --group-size 64\n"
        "  llmaccel quant-eval model.safetensors --max-rows 256 --format json",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "path",
        nargs="?",
        help="tensor file, checkpoint folder or Hub id (org/name) in the local HF cache (default: synthetic tensors)",
    )
    p.add_argument(
        "--methods", default=",".join(DEFAULT_METHODS), help=f"comma list of {', '.join(METHODS)} (default %(default)s)"
    )
    p.add_argument(
        "--group-size",
        type=int,
        default=DEFAULT_GROUP_SIZE,
        help="values per group of the *-group methods (default %(default)s)",
    )
    p.add_argument(
        "--include",
        action="append",
        metavar="PATTERN",
        help="evaluate only tensors whose name matches (shell pattern, comma list, repeatable); replaces the Linear-name rule",
    )
    p.add_argument("--exclude", action="append", metavar="PATTERN", help="skip tensors whose name matches (repeatable)")
    p.add_argument(
        "--max-rows",
        type=int,
        default=None,
        help="sample the first N output channels of each tensor (default: all rows; the output states any sampling)",
    )
    p.add_argument("--max-tensors", type=int, default=0, help="stop after N tensors (0: all)")
    p.add_argument("--synthetic", default="4x256x1024", help="synthetic set: COUNTxROWSxCOLS (default 4x256x1024)")
    p.add_argument("--seed", type=int, default=0, help="seed of the synthetic tensors")
    p.add_argument("--csv", help="also write the table as CSV to this file (refused if it exists, unless --force)")
    p.add_argument("--force", action="store_true", help="replace the --csv file if it exists")
    p.add_argument("--format", choices=("table", "csv", "json"), default="table")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=run)


def check_synthetic_size(count: int, rows: int, cols: int) -> None:
    """Refuse, before generating anything, a synthetic set above the limits of :mod:`workloads.limits`."""
    from llmaccel.workloads import limits

    limits.check_count("--synthetic COUNT", count, limits.MAX_TENSORS)
    limits.check_product("--synthetic", {"ROWS": rows, "COLS": cols}, limits.MAX_TENSOR_ELEMENTS, "elements per tensor")


def check_tensor_size(name: str, shape: tuple[int, ...], max_rows: int | None) -> None:
    """Refuse a tensor whose evaluated part (all rows, or the first ``max_rows``) exceeds
    MAX_TENSOR_ELEMENTS, before loading it."""
    from llmaccel.workloads import limits

    rows = (int(shape[0]) if max_rows is None else min(int(shape[0]), max_rows)) if shape else 1
    cols = int(np.prod(shape[1:], dtype=object)) if len(shape) > 1 else 1
    limits.check_product(f"tensor {name}", {"rows": rows, "cols": cols}, limits.MAX_TENSOR_ELEMENTS, "elements")


def synthetic(spec: str, seed: int):
    """Seeded heavy-tailed weight matrices ``(name, array)``."""
    try:
        count, rows, cols = (int(x) for x in spec.lower().split("x"))
    except ValueError:
        raise InputError("--synthetic", f"must be COUNTxROWSxCOLS, got {spec!r}") from None
    for v, n in ((count, "COUNT"), (rows, "ROWS"), (cols, "COLS")):
        require_positive_int(f"--synthetic {n}", v)
    check_synthetic_size(count, rows, cols)
    rng = np.random.default_rng(seed)
    for t in range(count):
        w = rng.standard_t(SYNTH_DOF, (rows, cols)) * SYNTH_STD
        ch = rng.choice(cols, size=min(SYNTH_OUTLIER_CHANNELS, cols), replace=False)
        w[:, ch] *= SYNTH_OUTLIER_GAIN
        yield f"synthetic.{t}", w


def evaluate(w: np.ndarray, method: str, group_size: int = DEFAULT_GROUP_SIZE) -> tuple[np.ndarray, str, dict, str]:
    """Quantize-dequantize ``w`` [out, in] with ``method``: (xq, detail, pair stats, OVP normal type or "")."""
    from llmaccel.workloads.quant import fast_search, group, outlier, ovp

    if method in ("ovp4", "ovp8"):
        t = fast_search.ovp_quantize_rows(w, 4 if method == "ovp4" else 8)
        return t.dequantize(), t.fmt.normal, ovp.pair_stats(t.stats), t.fmt.normal
    if method in ("int4", "int8"):
        xq, _ = fast_search.ant_quantize_rows(w, int(method[3:]), (method,))
        return xq, "per-channel", {}, ""
    if method == "ant4":
        xq, name = fast_search.ant_quantize_rows(w, 4)
        return xq, name, {}, ""
    if method == "gobo":
        r = outlier.gobo_quantize(w, 3)
        return r.xq, f"outliers {100 * r.outlier_frac:.3f}%", {}, ""
    if method == "olaccel":
        r = outlier.olaccel_quantize(w, 4, 8, 0.03)
        return r.xq, f"outliers {100 * r.outlier_frac:.2f}%", {}, ""
    if method.endswith("-group"):
        bits = int(method[3])
        q = group.quantize_weights(np.asarray(w, np.float64).T, bits, group_size, scale_format="fp16")
        return q.dequantize().T, f"g{group_size} asym fp16 scale", {}, ""
    raise InputError("--methods", f"unknown method {method!r}; allowed: {', '.join(METHODS)}")


def _fmt(x: float) -> str:
    return "inf" if math.isinf(x) else f"{x:.6g}"


def evaluate_all(
    tensors,
    methods: list[str],
    max_rows: int | None,
    max_tensors: int,
    group_size: int = DEFAULT_GROUP_SIZE,
    progress: bool = False,
) -> list[dict]:
    """Rows per (tensor, method) and an OVERALL row per method (signal and noise summed over tensors)."""
    from llmaccel.workloads.quant.metrics import sqnr_db

    rows: list[dict] = []
    tot = {m: [0.0, 0.0, 0] for m in methods}  # signal, noise, elements
    bar = None
    if progress and sys.stderr.isatty():
        from tqdm import tqdm

        bar = tqdm(desc="quant-eval", unit="tensor", file=sys.stderr, leave=False)
    try:
        for i, (name, w) in enumerate(tensors):
            if max_tensors and i >= max_tensors:
                break
            total_rows = int(np.shape(w)[0]) if np.ndim(w) else 0
            check_tensor_size(name, np.shape(w), max_rows)
            w = np.asarray(w[:max_rows] if max_rows else w, dtype=np.float64)
            if w.size == 0 or not np.isfinite(w).all():
                raise InputError(f"tensor {name}", "must be non-empty and finite")
            for m in methods:
                xq, detail, ps, normal = evaluate(w, m, group_size)
                noise = float(np.sum((w - xq) ** 2))
                tot[m][0] += float(np.sum(w**2))
                tot[m][1] += noise
                tot[m][2] += w.size
                rows.append(
                    {
                        "tensor": name,
                        "method": m,
                        "elements": w.size,
                        "mse": noise / w.size,
                        "sqnr_db": sqnr_db(w, xq),
                        "detail": detail,
                        "outlier_normal_pairs": ps.get("outlier_normal_frac", ""),
                        "outlier_outlier_pairs": ps.get("outlier_outlier_frac", ""),
                        "ovp_normal": normal,
                        "rows": int(w.shape[0]),
                        "rows_total": total_rows,
                    }
                )
            if bar is not None:
                bar.update(1)
    finally:
        if bar is not None:
            bar.close()
    if not rows:
        raise InputError("path", "no tensors to evaluate (see --include/--exclude)")
    for m in methods:
        s, n, e = tot[m]
        mine = [r for r in rows if r["method"] == m]
        on = [r["outlier_normal_pairs"] for r in mine if r["outlier_normal_pairs"] != ""]
        oo = [r["outlier_outlier_pairs"] for r in mine if r["outlier_outlier_pairs"] != ""]
        w_el = [r["elements"] for r in mine if r["outlier_normal_pairs"] != ""]
        normals = sorted({r["ovp_normal"] for r in mine if r["ovp_normal"]})
        rows.append(
            {
                "tensor": "OVERALL",
                "method": m,
                "elements": e,
                "mse": n / e,
                "sqnr_db": math.inf if n == 0 else 10 * math.log10(s / n) if s else -math.inf,
                "detail": "",
                "outlier_normal_pairs": float(np.average(on, weights=w_el)) if on else "",
                "outlier_outlier_pairs": float(np.average(oo, weights=w_el)) if oo else "",
                "ovp_normal": " ".join(f"{k}:{sum(r['ovp_normal'] == k for r in mine)}" for k in normals),
                "rows": sum(r["rows"] for r in mine),
                "rows_total": sum(r["rows_total"] for r in mine),
            }
        )
    return rows


def to_csv(rows: list[dict]) -> str:
    buf = io.StringIO()
    wr = csv.writer(buf, lineterminator="\n")
    wr.writerow(COLUMNS)
    for r in rows:
        wr.writerow([_fmt(r[c]) if isinstance(r[c], float) else r[c] for c in COLUMNS])
    return buf.getvalue()


def to_table(rows: list[dict], notes: Sequence[str] = ()) -> str:
    head = ("tensor", "method", "elements", "MSE", "SQNR dB", "detail", "OVP normal", "O-N pairs %", "O-O pairs %")
    body = [
        (
            r["tensor"],
            r["method"],
            str(r["elements"]),
            f"{r['mse']:.4g}",
            f"{r['sqnr_db']:.2f}",
            r["detail"],
            r["ovp_normal"],
            "" if r["outlier_normal_pairs"] == "" else f"{100 * r['outlier_normal_pairs']:.3f}",
            "" if r["outlier_outlier_pairs"] == "" else f"{100 * r['outlier_outlier_pairs']:.4f}",
        )
        for r in rows
    ]
    widths = [max(len(h), *(len(b[i]) for b in body)) for i, h in enumerate(head)]
    line = lambda cells: "  ".join(c.ljust(w) for c, w in zip(cells, widths)).rstrip()  # noqa: E731
    lines = [line(head), line(["-" * w for w in widths]), *(line(b) for b in body)]
    return "\n".join([*lines, "", *notes]) + "\n"


def _json_safe(x):
    return None if isinstance(x, float) and not math.isfinite(x) else x


def _write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(fd, "w") as f:
        f.write(text)
    os.replace(tmp, path)


def run(args: argparse.Namespace) -> int:
    from llmaccel.progress import enabled

    methods = [m.strip() for m in args.methods.split(",") if m.strip()]
    for m in methods:
        if m not in METHODS:
            raise InputError("--methods", f"unknown method {m!r}; allowed: {', '.join(METHODS)}")
    if not methods:
        raise InputError("--methods", f"need at least one of {', '.join(METHODS)}")
    max_rows = None if args.max_rows is None else require_positive_int("--max-rows", args.max_rows)
    group_size = require_positive_int("--group-size", args.group_size)
    if args.max_tensors < 0:
        raise InputError("--max-tensors", f"must be >= 0, got {args.max_tensors}")
    if args.csv is not None:
        from llmaccel.reports.output_folders import check_new_file

        check_new_file(args.csv, "--csv", args.force)  # before any work
    if args.path is not None:
        from llmaccel.workloads.checkpoint import Selection, linear_weights
        from llmaccel.workloads.hf_cache import find_config, is_hf_id

        path = Path(args.path)
        if not path.exists():
            if not is_hf_id(args.path):
                raise InputError(
                    "tensors",
                    f"not found: {args.path} (a tensor file, a checkpoint folder or a Hugging Face id in the local cache)",
                )
            path = find_config(args.path).parent  # a Hub id: its snapshot folder in the local cache
        selection = Selection()
        tensors = linear_weights(path, _patterns(args.include), _patterns(args.exclude), selection)
    else:
        selection = None
        tensors = synthetic(args.synthetic, args.seed)
    rows = evaluate_all(tensors, methods, max_rows, args.max_tensors, group_size, progress=enabled(args.quiet))
    sampling = f"first {max_rows} output rows of each tensor (--max-rows)" if max_rows else "all rows of every tensor"
    notes = [f"rows evaluated: {sampling}"]
    if selection is not None:
        notes.insert(0, f"tensors: {selection.describe()}")
    text = to_csv(rows)
    if args.csv:
        _write_atomic(Path(args.csv), text)
    if args.format == "csv":
        sys.stdout.write(text)
    elif args.format == "json":
        doc = {
            "methods": methods,
            "group_size": group_size,
            "sampling": sampling,
            "selection": selection.describe() if selection is not None else f"synthetic {args.synthetic}",
            "skipped": dict(sorted(selection.skipped.items())) if selection is not None else {},
            "rows": [{k: _json_safe(v) for k, v in r.items()} for r in rows],
        }
        sys.stdout.write(json.dumps(doc, indent=2, sort_keys=True) + "\n")
    else:
        sys.stdout.write(to_table(rows, notes))
    return 0
