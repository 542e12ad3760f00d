"""Named quantization presets: which numeric format each operand of each op role uses.

A preset is a YAML file ``workloads/quant_presets/<name>.yaml`` (schema 1)::

    schema: 1
    name: w4a16-g128
    aliases: [awq-w4]                    # optional other names
    description: one line
    source: "where the scheme comes from"
    specs:                               # named operand formats
      fp16: {fmt: fp16}
      w4g128: {fmt: int4-group, group_size: 128, scale_bits: 20}
    default: {a: fp16, b: fp16, out: fp16}
    roles:                               # role or role group -> {a, b, out}
      linear: {b: w4g128}

An operand entry names a spec of ``specs`` or a format of
:data:`workloads.quant_spec.FORMATS` (at its default width), or is an inline
QuantSpec mapping.  Missing operands fall back to ``default``.  Role groups:
``linear`` (every weight GEMM: q/k/v/o projections, FFN, lm_head and CSV
``gemm``), ``attention`` (attn_score, attn_context), ``vector`` (softmax, norms incl. norm_final,
activation, rope, residuals, gate_mul, embed).  A specific role overrides its group.

Designs may add their own preset files under a distinct name.

:func:`with_bits` composes per-operand widths (the CLI's ``--wbits --abits
--kvbits --wgroup``) onto a preset: weights are operand ``b`` of the ``linear``
roles, activations operand ``a`` of the ``linear`` and ``attention`` roles, the
KV cache operand ``b`` of the ``attention`` roles.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from llmaccel.workloads.errors import InputError
from llmaccel.workloads.quant_spec import FORMATS, QuantSpec, SparsitySpec, named
from llmaccel.workloads.textfile import read_yaml

PRESET_DIR = Path(__file__).parent / "quant_presets"
SCHEMA_VERSION = 1

#: Every op role of workloads.graph (see workloads/ops.py) plus ``gemm`` (CSV GEMM lists).
#: Mixture-of-experts roles: ``moe_router`` (token -> expert logits), ``expert_gate/up/down``
#: (routed experts), ``shared_expert_gate`` (Qwen-MoE's sigmoid gate of the shared expert),
#: ``moe_topk`` (router softmax + top-k), ``expert_act``, ``expert_gate_mul``, ``moe_combine``.
ROLE_GROUPS: dict[str, tuple[str, ...]] = {
    "linear": (
        "q_proj",
        "k_proj",
        "v_proj",
        "o_proj",
        "ffn_gate",
        "ffn_up",
        "ffn_down",
        "lm_head",
        "gemm",
        "moe_router",
        "expert_gate",
        "expert_up",
        "expert_down",
        "shared_expert_gate",
    ),
    "attention": ("attn_score", "attn_context"),
    "vector": (
        "softmax",
        "norm_attn",
        "norm_ffn",
        "norm_final",
        "act",
        "rope",
        "residual_attn",
        "residual_ffn",
        "gate_mul",
        "embed",
        "moe_topk",
        "expert_act",
        "expert_gate_mul",
        "moe_combine",
    ),
}
ROLES: tuple[str, ...] = tuple(r for g in ROLE_GROUPS.values() for r in g)
_OPERANDS = ("a", "b", "out")
_TOP = {"schema", "name", "aliases", "description", "source", "specs", "default", "roles"}

Triple = tuple[QuantSpec, QuantSpec, QuantSpec]


@dataclass(frozen=True)
class QuantPreset:
    """Resolved preset: role -> (a_spec, b_spec, out_spec).

    The QuantSpec objects are shared between roles that use the same format, so
    a trace of 50k ops holds a handful of spec objects.
    """

    name: str
    table: dict[str, Triple]
    description: str = ""
    source: str = ""
    path: Path | None = field(default=None, compare=False)

    def spec_for(self, role: str) -> Triple:
        """(a_spec, b_spec, out_spec) for an op role; unknown role -> InputError."""
        try:
            return self.table[role]
        except KeyError:
            raise InputError("quant role", f"unknown role {role!r}; allowed: {', '.join(ROLES)}") from None


def _spec(entry: object, specs: dict[str, QuantSpec], where: str) -> QuantSpec:
    if isinstance(entry, str):
        if entry in specs:
            return specs[entry]
        if entry in FORMATS:
            return named(entry)
        raise InputError(
            where, f"unknown spec or format {entry!r}; allowed: {', '.join(sorted(set(specs) | set(FORMATS)))}"
        )
    if isinstance(entry, dict):
        d = dict(entry)
        fmt = d.get("fmt")
        if fmt not in FORMATS:
            raise InputError(f"{where}.fmt", f"unknown format {fmt!r}; allowed: {', '.join(FORMATS)}")
        d.setdefault("bits", FORMATS[fmt][0])
        try:
            return QuantSpec.from_dict(d)
        except InputError as e:
            raise InputError(f"{where}.{e.field}", e.problem) from None
        except TypeError as e:
            raise InputError(where, f"bad sparsity entry ({e}); write sparsity: {{n: N, m: M, density: D}}") from None
    raise InputError(where, f"must be a spec name, a format name or a mapping, got {entry!r}")


def parse_preset(doc: object, file: str = "<preset>", path: Path | None = None) -> QuantPreset:
    """Validate and resolve a parsed preset document."""
    if not isinstance(doc, dict):
        raise InputError(file, "quant preset must be a YAML mapping")
    unknown = set(doc) - _TOP
    if unknown:
        raise InputError(f"{file}: {sorted(unknown)[0]}", f"unknown top-level key; allowed: {', '.join(sorted(_TOP))}")
    if doc.get("schema") != SCHEMA_VERSION:
        raise InputError(f"{file}: schema", f"must be {SCHEMA_VERSION}, got {doc.get('schema')!r}")
    if not isinstance(doc.get("name"), str):
        raise InputError(f"{file}: name", "required string field")
    specs: dict[str, QuantSpec] = {}
    raw_specs = doc.get("specs") or {}
    if not isinstance(raw_specs, dict):
        raise InputError(f"{file}: specs", "must be a mapping name -> spec")
    for sname, entry in raw_specs.items():
        if not isinstance(entry, dict):
            raise InputError(f"{file}: specs.{sname}", "must be a mapping with at least fmt")
        specs[str(sname)] = _spec(entry, {}, f"{file}: specs.{sname}")

    def triple(entry: object, base: Triple, where: str) -> Triple:
        if not isinstance(entry, dict):
            raise InputError(where, "must be a mapping with keys a, b, out")
        bad = set(entry) - set(_OPERANDS)
        if bad:
            raise InputError(f"{where}.{sorted(bad)[0]}", "unknown operand; allowed: a, b, out")
        return tuple(_spec(entry[o], specs, f"{where}.{o}") if o in entry else base[i] for i, o in enumerate(_OPERANDS))  # type: ignore[return-value]

    fp16 = named("fp16")
    default = triple(doc.get("default", {}), (fp16, fp16, fp16), f"{file}: default")
    roles = doc.get("roles") or {}
    if not isinstance(roles, dict):
        raise InputError(f"{file}: roles", "must be a mapping role -> {a, b, out}")
    for r in roles:
        if r not in ROLES and r not in ROLE_GROUPS:
            raise InputError(
                f"{file}: roles.{r}", f"unknown role; allowed: {', '.join(list(ROLE_GROUPS) + list(ROLES))}"
            )
    table: dict[str, Triple] = {}
    for group, members in ROLE_GROUPS.items():
        gt = triple(roles[group], default, f"{file}: roles.{group}") if group in roles else default
        for r in members:
            table[r] = triple(roles[r], gt, f"{file}: roles.{r}") if r in roles else gt
    return QuantPreset(doc["name"], table, str(doc.get("description", "")), str(doc.get("source", "")), path)


def _read(path: Path) -> dict:
    return read_yaml(path, "quant")


@lru_cache(maxsize=1)
def _index() -> dict[str, Path]:
    idx: dict[str, Path] = {}
    for p in sorted(PRESET_DIR.glob("*.yaml")):
        doc = _read(p)
        idx[p.stem.lower()] = p
        for a in (doc.get("aliases") or []) if isinstance(doc, dict) else []:
            idx[str(a).lower()] = p
    return idx


def quant_names() -> list[str]:
    """Names of the shipped presets (file stems, sorted)."""
    return sorted(p.stem for p in PRESET_DIR.glob("*.yaml"))


@lru_cache(maxsize=64)
def _load(path: Path) -> QuantPreset:
    return parse_preset(_read(path), path.name, path)


def get_quant(name_or_path: str | QuantPreset) -> QuantPreset:
    """A preset by name/alias (case-insensitive) or YAML path; a QuantPreset passes through."""
    if isinstance(name_or_path, QuantPreset):
        return name_or_path
    key = str(name_or_path).strip().lower()
    path = _index().get(key)
    if path is None:
        p = Path(str(name_or_path))
        if p.suffix in (".yaml", ".yml") or p.exists():
            path = p.resolve()
        else:
            raise InputError(
                "quant", f"unknown preset {name_or_path!r}; allowed: {', '.join(quant_names())} or a YAML path"
            )
    return _load(path)


#: Operand widths the bit flags accept (bits): the integer formats of quant_spec.FORMATS and fp16.
FLAG_BITS = (2, 3, 4, 8, 16)
#: Group metadata per group of ``b`` weight bits: an fp16 scale plus a ``b``-bit zero point
#: (the convention of the shipped ``*-g128`` presets: 16 + 4 = 20 bits for INT4).
GROUP_SCALE_BASE_BITS = 16
#: Format families that have a variant at each width: family -> width -> format name.
_WIDTH_VARIANTS = {
    "ovp": {4: "ovp4", 8: "ovp8"},
    "ant": {4: "ant4", 8: "ant8"},
}


def _at_width(spec: QuantSpec, bits: int, group: int | None, flag: str) -> QuantSpec:
    """``spec`` re-expressed at ``bits`` (same family where it has that width, else INT; 16 -> fp16)."""
    if isinstance(bits, bool) or bits not in FLAG_BITS:
        raise InputError(flag, f"allowed: {', '.join(map(str, FLAG_BITS))}; got {bits!r}")
    if bits == 16:
        if group is not None:
            raise InputError("--wgroup", "needs integer weights (--wbits 2, 3, 4 or 8), not 16-bit")
        return spec if spec.family == "float" and spec.bits == 16 else named("fp16")
    if group is not None or spec.family == "int-group":
        size = group if group is not None else spec.group_size
        return QuantSpec(f"int{bits}-group", bits, size, GROUP_SCALE_BASE_BITS + bits, spec.sparsity)
    fmt = _WIDTH_VARIANTS.get(spec.family, {}).get(bits, f"int{bits}")
    return QuantSpec(fmt, bits, None, 0, spec.sparsity)


def with_bits(
    preset: str | QuantPreset,
    wbits: int | None = None,
    abits: int | None = None,
    kvbits: int | None = None,
    wgroup: int | None = None,
) -> QuantPreset:
    """``preset`` with weight / activation / KV-cache operands set to the given widths.

    Only the named operands change; everything else (vector ops, outputs, sparsity
    patterns) stays as the preset has it.  ``wgroup`` makes weights group-quantized
    (``int<w>-group``, group size ``wgroup``, fp16 scale + zero point per group).
    No flag: the preset itself.  The result is named ``<preset>+wbits4+...``.
    """
    base = get_quant(preset)
    if wbits is None and abits is None and kvbits is None and wgroup is None:
        return base
    if wgroup is not None and (isinstance(wgroup, bool) or not isinstance(wgroup, int) or wgroup <= 0):
        raise InputError("--wgroup", f"must be a positive integer (values per weight group), got {wgroup!r}")
    table = dict(base.table)
    for role in ROLE_GROUPS["linear"]:
        a, b, o = table[role]
        if wbits is not None or wgroup is not None:
            b = _at_width(b, wbits if wbits is not None else b.bits, wgroup, "--wbits")
        if abits is not None:
            a = _at_width(a, abits, None, "--abits")
        table[role] = (a, b, o)
    for role in ROLE_GROUPS["attention"]:
        a, b, o = table[role]
        if abits is not None:
            a = _at_width(a, abits, None, "--abits")
        if kvbits is not None:
            b = _at_width(b, kvbits, None, "--kvbits")
        table[role] = (a, b, o)
    flags = (("wbits", wbits), ("abits", abits), ("kvbits", kvbits), ("wgroup", wgroup))
    name = base.name + "".join(f"+{f}{v}" for f, v in flags if v is not None)
    what = ", ".join(f"--{f} {v}" for f, v in flags if v is not None)
    return QuantPreset(name, table, f"{base.description} (with {what})", base.source, base.path)


__all__ = [
    "QuantPreset",
    "ROLES",
    "ROLE_GROUPS",
    "get_quant",
    "quant_names",
    "with_bits",
    "parse_preset",
    "SparsitySpec",
]
