"""Which numeric formats a run uses, and whether the hardware pays extra passes for them.

* :func:`resolve_quant`: ``--quant`` if given, else the hardware preset's
  ``default_quant``, else :data:`llmaccel.config.DEFAULT_QUANT`; then the per-operand
  bit flags (``--wbits --abits --kvbits --wgroup``) override the matching operands.
* :func:`pass_warnings`: for designs whose PEs bit-slice wide operands (systolic host,
  OliVe, MixPE), one line per group of matrix ops that needs more array passes than
  the same op in the reference format would (e.g. W8A8 on OliVe's 4-bit PEs: 4 passes
  instead of 1).  The reference is the preset's ``default_quant``; on the systolic host
  with a PE taken from another design's preset (``--set array.pe=olive-ovp4``), that
  preset's ``default_quant``.  An op the reference format cannot run on this PE is not
  judged.  Other designs give no warning.
"""

from __future__ import annotations

import argparse
import re
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from llmaccel import config
from llmaccel.workloads.errors import InputError
from llmaccel.workloads.quant_presets import QuantPreset, get_quant, with_bits
from llmaccel.workloads.quant_spec import QuantSpec

#: (a_spec, b_spec) -> passes on the hardware's PE; raises InputError when the PE cannot run it.
PassFn = Callable[[QuantSpec, QuantSpec], int]


def add_bit_flags(p: argparse.ArgumentParser) -> None:
    """The per-operand precision flags shared by ``run`` and ``trace``."""
    p.add_argument("--wbits", type=int, default=None, help="weight bits of every linear layer (2, 3, 4, 8, 16)")
    p.add_argument(
        "--abits", type=int, default=None, help="activation bits entering linear layers and attention (2, 3, 4, 8, 16)"
    )
    p.add_argument(
        "--kvbits", type=int, default=None, help="KV-cache bits: attention's K and V operands (2, 3, 4, 8, 16)"
    )
    p.add_argument(
        "--wgroup", type=int, default=None, help="group-quantize weights with this many values per scale (e.g. 128)"
    )


def resolve_quant(args: argparse.Namespace, hw: Any = None) -> str | QuantPreset:
    """The quantization the run uses: a preset name (no bit flags) or a derived :class:`QuantPreset`.

    ``hw`` is the loaded hardware preset (None for ``trace``, which has no hardware).
    """
    flags = {k: getattr(args, k, None) for k in ("wbits", "abits", "kvbits", "wgroup")}
    if getattr(args, "trace", None) and (args.quant is not None or any(v is not None for v in flags.values())):
        bad = "--quant" if args.quant is not None else "--" + next(k for k, v in flags.items() if v is not None)
        raise InputError(bad, "a trace file carries its own operand formats; set them when writing it (llmaccel trace)")
    name = args.quant
    if name is None:
        name = getattr(hw, "default_quant", None) or config.DEFAULT_QUANT
    if all(v is None for v in flags.values()):
        return name
    with config.flag("--quant", ("quant",)):
        return with_bits(name, **flags)


def quant_name(quant: str | QuantPreset) -> str:
    """Name to record for a resolved quantization."""
    return quant.name if isinstance(quant, QuantPreset) else str(quant)


def _pass_fn(hw: Any) -> tuple[PassFn, str] | None:
    """How the hardware's PEs count passes and the PE's name, or None for designs without
    bit-sliced PEs."""
    if hw.design == "systolic":
        from llmaccel.sim.systolic.params import systolic_params

        pe = systolic_params(hw).pe()
        return (lambda a, b: pe.passes(a.bits, b.bits, a.family == "float", b.family == "float")), pe.name
    if hw.design == "olive":
        from llmaccel.sim.olive.params import olive_params

        pe = olive_params(hw).pe.pe_type()
        return (lambda a, b: pe.passes(a.bits, b.bits, a.family == "float", b.family == "float")), pe.name
    if hw.design == "mixpe":
        from llmaccel.sim.mixpe.params import from_preset
        from llmaccel.sim.mixpe.pe import pe_kind

        p = from_preset(hw)
        kind = pe_kind(p.pe.kind)
        return (lambda a, b: kind.passes(a, b, p.float_act_int_bits, "op")), kind.name
    return None


def _passes(fn: PassFn, a: QuantSpec, b: QuantSpec) -> int | None:
    try:
        return fn(a, b)
    except InputError:
        return None


def reference_quant(hw: Any) -> str | None:
    """The format the hardware's PEs were built for: the ``default_quant`` of the preset the
    PE comes from (a PE hosted on the systolic array from another design), else the preset's."""
    if hw.design == "systolic":
        from llmaccel.sim.preset import load_preset
        from llmaccel.sim.systolic.params import systolic_params

        m = _PE_PRESET.match(systolic_params(hw).hosted().source)
        if m and m.group(1) != hw.name:
            return load_preset(m.group(1)).default_quant
    return hw.default_quant


#: A hosted PE's source names the preset it was taken from first (sim/components.py).
_PE_PRESET = re.compile(r"sim/presets/([A-Za-z0-9_.-]+)\.yaml")


def pass_warnings(trace: Any, hw: Any) -> list[str]:
    """One line per (role set, operand widths, passes) whose ops need more passes than under
    the reference format (:func:`reference_quant`; 1 pass when there is none)."""
    found = _pass_fn(hw)
    if found is None:
        return []
    fn, pe_name = found
    ref_name = reference_quant(hw)
    reference = get_quant(ref_name) if ref_name else None
    groups: dict[tuple, list[str]] = defaultdict(list)
    for op in trace.ops:
        if not op.kind.is_matmul:
            continue
        got = _passes(fn, op.a_spec, op.b_spec)
        want: int | None = 1
        if reference is not None and op.role in reference.table:
            ra, rb, _ = reference.spec_for(op.role)
            want = _passes(fn, ra, rb)
        if got is not None and want is not None and got > want:
            key = (op.a_spec.fmt, op.a_spec.bits, op.b_spec.fmt, op.b_spec.bits, got, want)
            if op.role not in groups[key]:
                groups[key].append(op.role or op.kind.value)
    out = []
    ref_text = f"under {ref_name}, the format these PEs are built for" if reference else "natively"
    for (af, ab, bf, bb, got, want), roles in groups.items():
        out.append(
            f"precision: {', '.join(roles)} run {af} ({ab}-bit) x {bf} ({bb}-bit) operands on the {pe_name} PEs of "
            f"{hw.name} in {got} passes instead of {want} {ref_text}; "
            f"give --quant {ref_name or '<narrower preset>'} or narrower --wbits/--abits/--kvbits"
        )
    return sorted(out)
