"""``llmaccel list [presets|models|designs|quant|components|rtl]``: what can be named on the command line."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from llmaccel.reports.tables import format_table

WHAT = ("presets", "models", "designs", "quant", "components", "rtl")


def _presets() -> tuple[tuple[str, ...], list[tuple]]:
    from llmaccel.sim.preset import load_preset, preset_names
    from llmaccel.workloads.errors import InputError

    rows = []
    for n in preset_names():
        try:
            hw = load_preset(n)
        except InputError as e:  # list the others; say what is wrong with this one
            rows.append((n, "?", f"cannot load: {e}"))
            continue
        rows.append((n, hw.design, hw.description))
    return ("preset", "design", "description"), rows


def _models() -> tuple[tuple[str, ...], list[tuple]]:
    from llmaccel.workloads.zoo import get_model, model_names

    rows = []
    for n in model_names():
        m = get_model(n)
        rows.append(
            (
                n,
                m.num_hidden_layers,
                m.hidden_size,
                m.intermediate_size,
                m.num_attention_heads,
                m.num_key_value_heads,
                m.arch,
            )
        )
    return ("model", "layers", "hidden", "ffn", "heads", "kv heads", "arch"), rows


def _designs() -> tuple[tuple[str, ...], list[tuple]]:
    from llmaccel.sim.designs import design_names
    from llmaccel.sim.preset import load_preset, preset_names
    from llmaccel.workloads.errors import InputError

    by_design: dict[str, list[str]] = {}
    for n in preset_names():
        try:
            by_design.setdefault(load_preset(n).design, []).append(n)
        except InputError:
            continue
    return ("design", "presets"), [(d, ", ".join(by_design.get(d, [])) or "-") for d in design_names()]


def _quant() -> tuple[tuple[str, ...], list[tuple]]:
    from llmaccel.workloads.quant_presets import quant_names

    return ("quant preset",), [(n,) for n in quant_names()]


def _rtl() -> tuple[tuple[str, ...], list[tuple]]:
    from llmaccel.extras import has_extra, missing_extra_message

    if not has_extra("rtl"):
        return ("rtl unit", "check"), [("-", missing_extra_message("rtl"))]
    from llmaccel.rtl.registry import all_checks

    return ("rtl unit", "check"), [(c.unit, c.description) for c in all_checks()]


def _components() -> tuple[tuple[str, ...], list[tuple]]:
    """PE types and memory systems any host can take (docs/mix-and-match.md)."""
    from llmaccel.sim.components import component_rows

    return ("kind", "name", "from", "summary"), [
        (r["kind"], r["name"], r["origin"], r["summary"]) for r in component_rows()
    ]


_LISTERS: dict[str, Callable[[], tuple[tuple[str, ...], list[tuple]]]] = {
    "presets": _presets,
    "models": _models,
    "designs": _designs,
    "quant": _quant,
    "components": _components,
    "rtl": _rtl,
}


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "list",
        help="list hardware presets, models, designs, quant presets, components or RTL checks",
        description="List what can be named on the command line. With no argument: everything.",
    )
    p.add_argument("what", nargs="?", choices=WHAT, default=None, help="one of %(choices)s (default: all)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    whats = [args.what] if args.what else list(WHAT)
    for i, w in enumerate(whats):
        header, rows = _LISTERS[w]()
        if len(whats) > 1:
            sys.stdout.write(("\n" if i else "") + f"{w}:\n")
        sys.stdout.write(
            format_table(
                header,
                rows,
                right=[False] * len(header) if w != "models" else [False] + [True] * 5 + [False],
                wrap={len(header) - 1: 80} if w in ("presets", "rtl", "designs", "components") else None,
            )
            + "\n"
        )
    return 0
