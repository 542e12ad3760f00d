"""Sweep-space files (YAML, schema 1): validation and expansion.

Schema::

    schema: 1
    name: systolic-size            # identifies the sweep inside a results database
    host: systolic-int8            # preset name or YAML path; its `design` is simulated
    parameters:                    # each: choices OR range (inclusive, integer step)
      hw.array.rows: {choices: [16, 32, 64]}
      hw.array.cols: {range: [16, 64], step: 16}
      workload.quant: {choices: [w8a8, w4a8-g128]}
    workloads:                     # evaluated for every design point
      - {model: llama2-7b, phase: decode, batch: 1, prompt_len: 512}
    objectives:                    # metric names from llmaccel.dse.metrics.METRICS
      - {metric: tokens_per_s, goal: max}
      - {metric: energy_per_token_j, goal: min}
    constraints:                   # optional upper/lower bounds on metrics
      - {metric: area_mm2, max: 40}
    search: {method: grid}         # grid | random {samples} | nsga2 {population, generations}
    seed: 1
    serve: {rate: 2, requests: 200}  # optional: also serve each workload's model (llmaccel.dse.serving)

``hw.<dotted>`` keys override the host preset (an unknown key is an error);
``workload.<field>`` keys override fields of every workload entry.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from llmaccel.sim.preset import load_preset, read_yaml
from llmaccel.workloads import limits
from llmaccel.workloads.errors import InputError

SCHEMA_VERSION = 1
WORKLOAD_FIELDS = (
    "model",
    "phase",
    "batch",
    "prompt_len",
    "gen_len",
    "kv_len",
    "dist",
    "seed",
    "tp",
    "quant",
    "layers",
)
SEARCH_METHODS = ("grid", "random", "nsga2")


@dataclass(frozen=True)
class Parameter:
    """One swept parameter: ``key`` (``hw.*`` or ``workload.*``) over ``values``."""

    key: str
    values: tuple[Any, ...]


@dataclass(frozen=True)
class Objective:
    metric: str
    goal: str  # "min" | "max"


@dataclass(frozen=True)
class Constraint:
    metric: str
    min: float | None = None
    max: float | None = None

    def ok(self, value: float | None) -> bool:
        if value is None:
            return False
        return (self.min is None or value >= self.min) and (self.max is None or value <= self.max)


@dataclass
class SweepSpace:
    name: str
    host: str
    parameters: list[Parameter]
    workloads: list[dict[str, Any]]
    objectives: list[Objective]
    constraints: list[Constraint] = field(default_factory=list)
    search: dict[str, Any] = field(default_factory=lambda: {"method": "grid"})
    seed: int = 1
    path: Path | None = None

    @property
    def size(self) -> int:
        """Number of design points in the full grid."""
        n = 1
        for p in self.parameters:
            n *= len(p.values)
        return n

    def grid(self) -> list[dict[str, Any]]:
        """All design points, in a fixed order (last parameter varies fastest)."""
        keys = [p.key for p in self.parameters]
        return [dict(zip(keys, combo)) for combo in itertools.product(*(p.values for p in self.parameters))]

    def point_from_indices(self, idx: list[int]) -> dict[str, Any]:
        return {p.key: p.values[int(i)] for p, i in zip(self.parameters, idx)}


def point_key(point: dict[str, Any]) -> str:
    """Canonical JSON of a design point (sorted keys): its identity in the store."""
    return json.dumps(point, sort_keys=True, separators=(",", ":"))


def _values(key: str, spec: Any) -> tuple[Any, ...]:
    where = f"parameters.{key}"
    if not isinstance(spec, dict):
        raise InputError(where, "must be {choices: [...]} or {range: [lo, hi], step: s}")
    if "choices" in spec:
        vals = spec["choices"]
        if not isinstance(vals, list) or not vals:
            raise InputError(f"{where}.choices", "must be a non-empty list")
        if len({json.dumps(v, sort_keys=True) for v in vals}) != len(vals):
            raise InputError(f"{where}.choices", "has duplicate values")
        return tuple(vals)
    if "range" in spec:
        r = spec["range"]
        step = spec.get("step", 1)
        if (
            not isinstance(r, list)
            or len(r) != 2
            or not all(isinstance(x, int) and not isinstance(x, bool) for x in r)
            or r[0] > r[1]
        ):
            raise InputError(f"{where}.range", "must be [lo, hi] integers with lo <= hi")
        if isinstance(step, bool) or not isinstance(step, int) or step <= 0:
            raise InputError(f"{where}.step", f"must be a positive integer, got {step!r}")
        n = (r[1] - r[0]) // step + 1
        if n > limits.MAX_SWEEP_POINTS:
            raise InputError(
                f"{where}.range",
                f"{n} values, above the limit {limits.MAX_SWEEP_POINTS} points per sweep (workloads.limits)",
            )
        return tuple(range(r[0], r[1] + 1, step))
    raise InputError(where, "needs 'choices' or 'range'")


def check_hw_values(hw: Any, key: str, values: tuple[Any, ...], is_range: bool) -> None:
    """Every value of a swept ``hw.*`` key through the preset's override validator (a range: its two ends)."""
    for v in (values[0], values[-1]) if is_range else values:
        try:
            hw.with_overrides({key[3:]: v})
        except InputError as e:
            raise InputError(f"parameters.{key}", e.problem) from None


def check_hw_names(hw: Any, swept: list[Parameter], workload: dict[str, Any]) -> None:
    """Refuse a swept ``hw.*`` value that names nothing the host knows (``array.dataflow: zigzag``,
    an unknown PE type or memory system), before any evaluation.

    Numbers went through the override validator already; a name is only checked by the
    design's own parameter builder, so each string or boolean value is set alone on the host
    and the first workload's first block compiled.  Only an error that names the swept key
    and says the value is unknown refuses the space; any other failure (a tile that does not fit, a format the PE cannot
    take) depends on the combination and stays an error row, as a hardware infeasibility.
    """
    from llmaccel.dse.evaluate import with_hw_quant, workload_trace
    from llmaccel.sim.designs import get_design

    named = [p for p in swept if any(isinstance(v, (str, bool)) for v in p.values)]
    if not named:
        return
    trace = workload_trace(with_hw_quant(workload, hw), layers=1)  # as an evaluation would
    design = get_design(hw.design)
    for prm in named:
        leaf = prm.key[3:]
        for v in prm.values:
            if not isinstance(v, (str, bool)):
                continue
            try:
                design.compile(trace, hw.with_overrides({leaf: v}, "sweep check"))
            except InputError as e:
                names_key = leaf in e.field or leaf.split(".")[-1] in e.field.split(".")[-1:]
                if names_key and "unknown" in e.problem:  # the name itself, not a combination
                    raise InputError(f"parameters.{prm.key}", f"{v!r}: {e.problem}") from None


def check_workloads(workloads: list[dict[str, Any]], swept: list[Parameter]) -> None:
    """Refuse, before any evaluation, a workload that is invalid whatever the hardware.

    Each workload entry, with each value of every swept ``workload.*`` parameter,
    goes through the same checks as ``llmaccel run``'s flags (model, phase, sizes
    and their limits, quant, distribution).  Only hardware-related failures are left
    to become error rows.
    """
    from llmaccel.dse.evaluate import workload_trace
    from llmaccel.workloads import limits as lim
    from llmaccel.workloads.graph import PHASES
    from llmaccel.workloads.quant_presets import get_quant
    from llmaccel.workloads.requests import dist_names
    from llmaccel.workloads.zoo import get_model

    sizes = {
        "batch": lim.MAX_REQUESTS,
        "prompt_len": lim.MAX_TOKENS,
        "gen_len": lim.MAX_TOKENS,
        "kv_len": lim.MAX_TOKENS,
        "tp": lim.MAX_TP,
        "layers": lim.MAX_LAYERS,
    }
    variants: list[tuple[str, dict[str, Any]]] = []
    for i, w in enumerate(workloads):
        variants.append((f"workloads[{i}]", w))
        for prm in swept:
            for v in prm.values:
                variants.append((f"parameters.{prm.key}", {**w, prm.key[9:]: v}))
    for where, w in variants:
        field = None
        try:
            for k, v in w.items():
                if v is None:
                    field = k
                    raise InputError(k, "must not be null; leave the field out for its default")
            for k, limit in sizes.items():
                if w.get(k) is not None:
                    field = k
                    lim.check_count(k, w[k], limit)
            if w.get("seed") is not None:
                field = "seed"
                lim.check_count("seed", w["seed"], lim.MAX_SEED, lo=0)
            field = "model"
            if not isinstance(w.get("model"), str):
                raise InputError("model", f"must be a model name or config.json path, got {w.get('model')!r}")
            model = get_model(w["model"])
            field = "phase"
            if w.get("phase", "decode") not in PHASES:
                raise InputError("phase", f"unknown phase {w.get('phase')!r}; allowed: {', '.join(PHASES)}")
            if w.get("layers") is not None and w["layers"] > model.num_hidden_layers:
                field = "layers"
                raise InputError("layers", f"{model.name} has {model.num_hidden_layers} layers, got {w['layers']}")
            if w.get("quant") is not None:
                field = "quant"
                if not isinstance(w["quant"], str):
                    raise InputError("quant", f"must be a quant preset name, got {w['quant']!r}")
                get_quant(w["quant"])
            if w.get("dist") is not None:
                field = "dist"
                if w["dist"] not in dist_names():
                    raise InputError("dist", f"unknown distribution {w['dist']!r}; allowed: {', '.join(dist_names())}")
            field = None
            workload_trace(w, layers=1)  # tp split, context and quant roles, as an evaluation would
        except InputError as e:
            name = field or e.field.lstrip("-").replace("-", "_")
            sub = where if where.startswith("parameters.") else f"{where}.{name}"
            raise InputError(sub, e.problem) from None


def load_space(path: str | Path) -> SweepSpace:
    """Read and validate a sweep-space YAML file (raises InputError naming the field)."""
    from llmaccel.dse.metrics import METRICS
    from llmaccel.dse.serving import SERVE_METRICS, check_serve

    path = Path(path)
    doc = read_yaml(path, "space")
    if not isinstance(doc, dict):
        raise InputError("space", f"{path} must be a YAML mapping")
    allowed = {
        "schema",
        "name",
        "host",
        "parameters",
        "workloads",
        "objectives",
        "constraints",
        "search",
        "seed",
        "description",
        "serve",
    }
    unknown = sorted(set(doc) - allowed)
    if unknown:
        raise InputError(unknown[0], f"unknown top-level key; allowed: {', '.join(sorted(allowed))}")
    if doc.get("schema", SCHEMA_VERSION) != SCHEMA_VERSION:
        raise InputError("schema", f"unsupported {doc.get('schema')!r}; this llmaccel reads {SCHEMA_VERSION}")
    for k in ("name", "host"):
        if not isinstance(doc.get(k), str) or not doc[k]:
            raise InputError(k, "required string")
    host_ref = doc["host"]
    if not Path(host_ref).is_absolute() and (path.parent / host_ref).exists():
        host_ref = str(path.parent / host_ref)
    try:
        hw = load_preset(host_ref)
    except InputError as e:
        raise InputError("host", e.problem if e.field == "preset" else f"{e.field}: {e.problem}") from None
    params_doc = doc.get("parameters") or {}
    if not isinstance(params_doc, dict):
        raise InputError("parameters", "must be a mapping of key -> {choices|range}")
    params = []
    for key, spec in params_doc.items():
        if not isinstance(key, str):
            raise InputError(f"parameters.{key}", "keys must be strings starting with 'hw.' or 'workload.'")
        if key.startswith("workload."):
            if key[9:] not in WORKLOAD_FIELDS:
                raise InputError(f"parameters.{key}", f"unknown workload field; allowed: {', '.join(WORKLOAD_FIELDS)}")
        elif not key.startswith("hw."):
            raise InputError(f"parameters.{key}", "keys must start with 'hw.' (preset override) or 'workload.'")
        params.append(Parameter(key, _values(key, spec)))
        if key.startswith("hw."):
            check_hw_values(hw, key, params[-1].values, "range" in spec)
    size = 1
    for prm in params:
        size *= len(prm.values)
    wls = doc.get("workloads")
    if not isinstance(wls, list) or not wls:
        raise InputError("workloads", "must be a non-empty list of {model, phase, ...}")
    for i, w in enumerate(wls):
        if not isinstance(w, dict) or "model" not in w:
            raise InputError(f"workloads[{i}]", "must be a mapping with at least 'model'")
        bad = sorted(set(w) - set(WORKLOAD_FIELDS), key=str)
        if bad:
            raise InputError(f"workloads[{i}].{bad[0]}", f"unknown field; allowed: {', '.join(WORKLOAD_FIELDS)}")
    if size * len(wls) > limits.MAX_SWEEP_POINTS:
        raise InputError(
            "parameters",
            f"{size} design points x {len(wls)} workloads = {size * len(wls)} evaluations, above the limit "
            f"{limits.MAX_SWEEP_POINTS} (workloads.limits.MAX_SWEEP_POINTS)",
        )
    check_workloads(wls, [p for p in params if p.key.startswith("workload.")])
    check_hw_names(hw, [p for p in params if p.key.startswith("hw.")], wls[0])
    runs = check_serve(doc["serve"], [w["model"] for w in wls], hw.name) if "serve" in doc else None
    metric_ok = METRICS if runs else tuple(m for m in METRICS if m not in SERVE_METRICS)
    objs = []
    for i, o in enumerate(doc.get("objectives") or []):
        _needs_serve(f"objectives[{i}].metric", o, metric_ok)
        if not isinstance(o, dict) or o.get("metric") not in METRICS:
            raise InputError(f"objectives[{i}].metric", f"allowed: {', '.join(sorted(METRICS))}")
        if o.get("goal") not in ("min", "max"):
            raise InputError(f"objectives[{i}].goal", "allowed: min, max")
        objs.append(Objective(o["metric"], o["goal"]))
    if not objs:
        raise InputError("objectives", "need at least one {metric, goal}")
    cons = []
    for i, c in enumerate(doc.get("constraints") or []):
        _needs_serve(f"constraints[{i}].metric", c, metric_ok)
        if not isinstance(c, dict) or c.get("metric") not in METRICS:
            raise InputError(f"constraints[{i}].metric", f"allowed: {', '.join(sorted(METRICS))}")
        if "min" not in c and "max" not in c:
            raise InputError(f"constraints[{i}]", "needs min and/or max")
        bounds = {k: limits.check_number(f"constraints[{i}].{k}", c[k]) for k in ("min", "max") if k in c}
        cons.append(Constraint(c["metric"], bounds.get("min"), bounds.get("max")))
    search = doc.get("search") or {"method": "grid"}
    if not isinstance(search, dict) or search.get("method") not in SEARCH_METHODS:
        raise InputError("search.method", f"allowed: {', '.join(SEARCH_METHODS)}")
    for k in ("samples", "population", "generations"):
        if k in search and (not isinstance(search[k], int) or search[k] <= 0):
            raise InputError(f"search.{k}", f"must be a positive integer, got {search[k]!r}")
    seed = limits.check_count("seed", doc.get("seed", 1), limits.MAX_SEED, lo=0)
    workloads = [dict(w) for w in wls] if runs is None else [{**w, "serve": r} for w in wls for r in runs]
    return SweepSpace(doc["name"], host_ref, params, workloads, objs, cons, dict(search), seed, path)


def _needs_serve(field: str, entry: Any, allowed: tuple[str, ...]) -> None:
    """A serving metric in an objective or constraint of a space without a ``serve:`` section."""
    from llmaccel.dse.serving import SERVE_METRICS

    if isinstance(entry, dict) and entry.get("metric") in SERVE_METRICS and entry["metric"] not in allowed:
        raise InputError(field, f"{entry['metric']} needs a serve: section (llmaccel.dse.serving)")
