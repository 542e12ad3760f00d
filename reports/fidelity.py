"""docs/fidelity.md: every reproduction row that carries a paper value, in one Markdown table,
summarised per design (issue 11).

Rendered from the rows ``llmaccel reproduce all`` computes (the dicts of ``ReproRow.to_dict``);
``llmaccel reproduce all --out DIR`` writes it as ``DIR/fidelity.md``.  Nothing here simulates.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

#: a row is "within tolerance" when its model value is within this relative error of the paper's
TOLERANCE = 0.15


def _cell(text: Any) -> str:
    """One Markdown table cell: pipes escaped, whitespace folded onto one line."""
    return " ".join(str(text).split()).replace("|", "\\|")


def _num(x: Any) -> str:
    if x is None:
        return "–"
    if isinstance(x, float):
        return f"{x:.4g}"
    return str(x)


def fidelity_markdown(rows: Sequence[dict[str, Any]]) -> str:
    """The fidelity document: a summary per design (rows with a paper value, how many within
    ±15 %), then one table of every such row with paper, model, relative error and cause."""
    cited = [r for r in rows if r.get("paper") is not None]
    designs = sorted({r["design"] for r in cited})
    ok = [r for r in cited if r.get("rel_err") is not None and abs(r["rel_err"]) <= TOLERANCE]
    out = [
        "# Fidelity: paper value vs model value",
        "",
        "Written by `llmaccel reproduce all --out DIR` (DIR/fidelity.md) from the rows every "
        "design's reproduction computes; the *cause* column is the row's own assumptions text: "
        "what the model value rests on and, where it misses, the fact that is missing.  No "
        "constant is fitted to a paper value.",
        "",
        f"Rows with a paper value: {len(cited)}; within ±{TOLERANCE:.0%}: {len(ok)} ({len(ok) / len(cited):.0%})."
        if cited
        else "No row carries a paper value.",
        "",
        "| design | rows with a paper value | within ±15 % |",
        "|---|---|---|",
    ]
    for d in designs:
        mine = [r for r in cited if r["design"] == d]
        good = [r for r in mine if r in ok]
        out.append(f"| {d} | {len(mine)} | {len(good)} |")
    out += [
        "",
        "| design | workload | metric | baseline | paper | model | rel. err | within | cause |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in cited:
        rel = r.get("rel_err")
        err = f"{100 * rel:+.1f} %" if rel is not None else "–"
        within = "yes" if r in ok else "no"
        out.append(
            "| "
            + " | ".join(
                _cell(c)
                for c in (
                    r["design"],
                    r["workload"],
                    r["metric"],
                    r.get("baseline") or "–",
                    _num(r.get("paper")),
                    _num(r.get("model")),
                    err,
                    within,
                    r.get("assumptions") or "",
                )
            )
            + " |"
        )
    return "\n".join(out) + "\n"
