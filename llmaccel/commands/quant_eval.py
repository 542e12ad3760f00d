"""``llmaccel quant-eval``: quantization quality of OVP-4/8 and its baselines on weight tensors.

Per tensor (2-D weights, Hugging Face ``[out_features, in_features]`` layout:
pairs and ANT/int scales run along ``in_features`` = the reduction axis, one
scale per output channel) and overall: MSE, SQNR (dB), and for OVP the chosen
normal type and the fractions of outlier-normal / outlier-outlier pairs.

Methods: ``ovp4``, ``ovp8`` (workloads.quant.ovp), ``int4``, ``int8``
(symmetric per channel), ``ant4`` (int4/flint4 type per tensor, scale per channel), ``gobo`` (3-bit
dictionary + FP32 outliers beyond 3 sigma), ``olaccel`` (4-bit + 3 % 8-bit
outliers).  Input: a ``.safetensors``/``.npy``/``.npz`` file or a checkpoint
folder; without one, synthetic heavy-tailed tensors (Student-t, a few outlier
input channels), seeded.  ``--max-rows`` evaluates the first N output channels
of large tensors (scales are per channel, so those rows are quantized exactly
as in the full tensor, except GOBO/OLAccel/ANT whose statistics are per tensor).
"""

from __future__ import annotations

import argparse
import csv
import io
import math
import os
import sys
import tempfile
from pathlib import Path

import numpy as np

from llmaccel.workloads.errors import InputError, require_positive_int

METHODS = ("ovp4", "ovp8", "int4", "int8", "ant4", "gobo", "olaccel")
COLUMNS = ("tensor", "method", "elements", "mse", "sqnr_db", "detail", "outlier_normal_pairs", "outlier_outlier_pairs")
#: Synthetic tensors: Student-t degrees of freedom, outlier input channels and their gain.
SYNTH_DOF = 4.0
SYNTH_OUTLIER_CHANNELS = 4
SYNTH_OUTLIER_GAIN = 20.0
SYNTH_STD = 0.02


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "quant-eval",
        help="MSE/SQNR of OVP-4/8, int4/8, ANT-4, GOBO, OLAccel on weight tensors",
        description=__doc__.split("\n\n")[0],
    )
    p.add_argument("path", nargs="?", help="tensor file or checkpoint folder (default: synthetic tensors)")
    p.add_argument("--methods", default=",".join(METHODS), help=f"comma list of {', '.join(METHODS)}")
    p.add_argument("--max-rows", type=int, default=512, help="evaluate at most this many output channels per tensor")
    p.add_argument("--max-tensors", type=int, default=0, help="stop after N tensors (0: all)")
    p.add_argument("--synthetic", default="4x256x1024", help="synthetic set: COUNTxROWSxCOLS (default 4x256x1024)")
    p.add_argument("--seed", type=int, default=0, help="seed of the synthetic tensors")
    p.add_argument("--csv", help="also write the table as CSV to this file (refused if it exists, unless --force)")
    p.add_argument("--force", action="store_true", help="replace the --csv file if it exists")
    p.add_argument("--format", choices=("table", "csv"), default="table")
    p.set_defaults(func=run)


def check_synthetic_size(count: int, rows: int, cols: int) -> None:
    """Refuse, before generating anything, a synthetic set above the limits of :mod:`workloads.limits`."""
    from llmaccel.workloads import limits

    limits.check_count("--synthetic COUNT", count, limits.MAX_TENSORS)
    limits.check_product("--synthetic", {"ROWS": rows, "COLS": cols}, limits.MAX_TENSOR_ELEMENTS, "elements per tensor")


def check_tensor_size(name: str, shape: tuple[int, ...], max_rows: int) -> None:
    """Refuse a tensor whose evaluated part (first ``max_rows`` rows) exceeds MAX_TENSOR_ELEMENTS, before loading it."""
    from llmaccel.workloads import limits

    rows = min(int(shape[0]), max_rows) if shape else 1
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


def evaluate(w: np.ndarray, method: str) -> tuple[np.ndarray, str, dict]:
    """Quantize-dequantize ``w`` [out, in] with ``method``: (xq, detail, pair stats)."""
    from llmaccel.workloads.quant import ant, outlier, ovp

    if method in ("ovp4", "ovp8"):
        t = ovp.ovp_quantize(w, 4 if method == "ovp4" else 8, axis=1, channel_axis=0)
        return t.dequantize(), t.fmt.normal, ovp.pair_stats(t.stats)
    if method in ("int4", "int8"):
        return ant.int_quantize(w, int(method[3:]), axis=0), "per-channel", {}
    if method == "ant4":
        codes, name, scale = ant.ant_quantize(w, 4, axis=0)
        return ant.ant_dequantize(codes, name, scale), name, {}
    if method == "gobo":
        r = outlier.gobo_quantize(w, 3)
        return r.xq, f"outliers {100 * r.outlier_frac:.3f}%", {}
    if method == "olaccel":
        r = outlier.olaccel_quantize(w, 4, 8, 0.03)
        return r.xq, f"outliers {100 * r.outlier_frac:.2f}%", {}
    raise InputError("--methods", f"unknown method {method!r}; allowed: {', '.join(METHODS)}")


def _fmt(x: float) -> str:
    return "inf" if math.isinf(x) else f"{x:.6g}"


def evaluate_all(tensors, methods: list[str], max_rows: int, max_tensors: int) -> list[dict]:
    from llmaccel.workloads.quant.metrics import sqnr_db

    rows: list[dict] = []
    tot = {m: [0.0, 0.0, 0] for m in methods}  # signal, noise, elements
    for i, (name, w) in enumerate(tensors):
        if max_tensors and i >= max_tensors:
            break
        check_tensor_size(name, w.shape, max_rows)
        w = np.asarray(w[:max_rows], dtype=np.float64)
        if w.size == 0 or not np.isfinite(w).all():
            raise InputError(f"tensor {name}", "must be non-empty and finite")
        for m in methods:
            xq, detail, ps = evaluate(w, m)
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
                }
            )
    if not rows:
        raise InputError("path", "no 2-D tensors found")
    for m in methods:
        s, n, e = tot[m]
        on = [r["outlier_normal_pairs"] for r in rows if r["method"] == m and r["outlier_normal_pairs"] != ""]
        oo = [r["outlier_outlier_pairs"] for r in rows if r["method"] == m and r["outlier_outlier_pairs"] != ""]
        w_el = [r["elements"] for r in rows if r["method"] == m and r["outlier_normal_pairs"] != ""]
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


def to_table(rows: list[dict]) -> str:
    head = ("tensor", "method", "elements", "MSE", "SQNR dB", "detail", "O-N pairs %", "O-O pairs %")
    body = [
        (
            r["tensor"],
            r["method"],
            str(r["elements"]),
            f"{r['mse']:.4g}",
            f"{r['sqnr_db']:.2f}",
            r["detail"],
            "" if r["outlier_normal_pairs"] == "" else f"{100 * r['outlier_normal_pairs']:.3f}",
            "" if r["outlier_outlier_pairs"] == "" else f"{100 * r['outlier_outlier_pairs']:.4f}",
        )
        for r in rows
    ]
    widths = [max(len(h), *(len(b[i]) for b in body)) for i, h in enumerate(head)]
    line = lambda cells: "  ".join(c.ljust(w) for c, w in zip(cells, widths)).rstrip()  # noqa: E731
    return "\n".join([line(head), line(["-" * w for w in widths]), *(line(b) for b in body)]) + "\n"


def _write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(fd, "w") as f:
        f.write(text)
    os.replace(tmp, path)


def run(args: argparse.Namespace) -> int:
    methods = [m.strip() for m in args.methods.split(",") if m.strip()]
    for m in methods:
        if m not in METHODS:
            raise InputError("--methods", f"unknown method {m!r}; allowed: {', '.join(METHODS)}")
    if not methods:
        raise InputError("--methods", f"need at least one of {', '.join(METHODS)}")
    max_rows = require_positive_int("--max-rows", args.max_rows)
    if args.max_tensors < 0:
        raise InputError("--max-tensors", f"must be >= 0, got {args.max_tensors}")
    if args.csv is not None:
        from llmaccel.reports.output_folders import check_new_file

        check_new_file(args.csv, "--csv", args.force)  # before any work
    if args.path is not None:
        from llmaccel.workloads.tensors import iter_weights

        tensors = iter_weights(args.path, ndim=2)
    else:
        tensors = synthetic(args.synthetic, args.seed)
    rows = evaluate_all(tensors, methods, max_rows, args.max_tensors)
    text = to_csv(rows)
    if args.csv:
        _write_atomic(Path(args.csv), text)
    sys.stdout.write(text if args.format == "csv" else to_table(rows))
    return 0
