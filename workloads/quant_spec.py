"""Numeric annotations of operands: format, bits, grouping and sparsity.

These are *descriptions* used for memory traffic and PE selection; the encoders
that actually quantize tensors live in ``workloads/quant/`` (one module per format
family).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from llmaccel.workloads.errors import InputError

#: Known format names -> (default bits, family).  Families: "float", "int",
#: "int-group" (weights with per-group scale/zero), "ovp" (OliVe outlier-victim
#: pairs), "ant" (ANT adaptive int/flint), "bitfusion" (bit-serial composable).
FORMATS: dict[str, tuple[int, str]] = {
    "fp32": (32, "float"),
    "fp16": (16, "float"),
    "bf16": (16, "float"),
    "int8": (8, "int"),
    "int4": (4, "int"),
    "int3": (3, "int"),
    "int2": (2, "int"),
    "int8-group": (8, "int-group"),
    "int4-group": (4, "int-group"),
    "int3-group": (3, "int-group"),
    "int2-group": (2, "int-group"),
    "ovp4": (4, "ovp"),
    "ovp8": (8, "ovp"),
    "ant4": (4, "ant"),
    "ant8": (8, "ant"),
    "adafloat8": (8, "float"),
    "gobo": (4, "outlier"),
    "olaccel": (4, "outlier"),
}


@dataclass(frozen=True)
class SparsitySpec:
    """Structured N:M sparsity (N non-zeros kept in every M consecutive values).

    ``density`` is the fraction of non-zeros actually stored (== n/m for a uniform
    pattern; may be lower/higher on average when blocks choose their own N).
    """

    n: int
    m: int
    density: float

    def __post_init__(self) -> None:
        if self.m <= 0 or self.n < 0 or self.n > self.m:
            raise InputError("sparsity", f"need 0 <= N <= M and M > 0, got {self.n}:{self.m}")
        if not (0.0 <= self.density <= 1.0):
            raise InputError("sparsity.density", f"must be in [0, 1], got {self.density}")


@dataclass(frozen=True)
class QuantSpec:
    """Per-operand numeric format.

    Attributes:
        fmt: format name, a key of :data:`FORMATS`.
        bits: bits per stored value (codes; excludes group metadata).
        group_size: values sharing one scale/zero point (None: per channel/tensor).
        scale_bits: bits of one group scale (plus zero point) stored per group.
        sparsity: optional N:M pattern; None means dense.
    """

    fmt: str = "fp16"
    bits: int = 16
    group_size: int | None = None
    scale_bits: int = 0
    sparsity: SparsitySpec | None = None

    def __post_init__(self) -> None:
        if self.fmt not in FORMATS:
            raise InputError("format", f"unknown format {self.fmt!r}; allowed: {', '.join(FORMATS)}")
        if self.bits <= 0 or self.bits > 32:
            raise InputError("bits", f"must be 1..32, got {self.bits}")
        if self.group_size is not None and self.group_size <= 0:
            raise InputError("group_size", f"must be a positive integer, got {self.group_size}")

    @property
    def family(self) -> str:
        return FORMATS[self.fmt][1]

    @property
    def density(self) -> float:
        return 1.0 if self.sparsity is None else self.sparsity.density

    def storage_bits_per_value(self) -> float:
        """Average stored bits per *logical* value (codes x density + group metadata).

        Sparse index metadata is design-specific and is added by the design's
        mapping, not here.
        """
        bits = self.bits * self.density
        if self.group_size:
            bits += self.scale_bits / self.group_size
        return bits

    def to_dict(self) -> dict:
        return asdict(self)

    @staticmethod
    def from_dict(d: dict) -> QuantSpec:
        d = dict(d)
        sp = d.pop("sparsity", None)
        unknown = set(d) - {"fmt", "bits", "group_size", "scale_bits"}
        if unknown:
            raise InputError(
                "quant", f"unknown field(s) {sorted(unknown)}; allowed: fmt, bits, group_size, scale_bits, sparsity"
            )
        return QuantSpec(sparsity=SparsitySpec(**sp) if sp else None, **d)


FP16 = QuantSpec("fp16", 16)
INT8 = QuantSpec("int8", 8)


def named(
    fmt: str, group_size: int | None = None, scale_bits: int = 0, sparsity: SparsitySpec | None = None
) -> QuantSpec:
    """QuantSpec for a format name with its default width."""
    if fmt not in FORMATS:
        raise InputError("format", f"unknown format {fmt!r}; allowed: {', '.join(FORMATS)}")
    return QuantSpec(fmt, FORMATS[fmt][0], group_size, scale_bits, sparsity)


__all__ = ["FORMATS", "SparsitySpec", "QuantSpec", "FP16", "INT8", "named", "field"]
