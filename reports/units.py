"""Human-readable quantities: the one formatter every table, HTML report and plot axis uses.

``si(1.566e-2, "J")`` -> ``"15.66 mJ"``: the value is given in the base unit and shown with the SI
prefix that puts the mantissa in [1, 1000).  Thin wrappers take the units the simulator stores
(energy in pJ, time in s, bandwidth in B/s, area in mm²) so callers never convert by hand.
"""

from __future__ import annotations

import math

#: SI prefixes from 1e-15 to 1e15 (``u`` for micro: plain ASCII for any terminal)
_PREFIXES = {-15: "f", -12: "p", -9: "n", -6: "u", -3: "m", 0: "", 3: "k", 6: "M", 9: "G", 12: "T", 15: "P"}
#: prefix -> its factor (``"m"`` -> 1e-3), to scale an axis to the prefix :func:`si_parts` chose
PREFIX_FACTOR = {p: 10.0**e for e, p in _PREFIXES.items()}


def si_parts(value: float, digits: int = 4) -> tuple[str, str]:
    """``(mantissa text, prefix)`` of ``value`` with ``digits`` significant digits, e.g. ``("15.66", "m")``."""
    if value == 0 or not math.isfinite(value):
        return (f"{value:g}", "")
    exp = 3 * math.floor(math.log10(abs(value)) / 3)
    exp = max(min(exp, 15), -15)
    mant = value / 10.0**exp
    text = f"{mant:.{digits}g}"
    if abs(float(text)) >= 1000 and exp < 15:  # rounding carried into the next prefix (999.97 -> 1000)
        exp += 3
        text = f"{value / 10.0**exp:.{digits}g}"
    return (text, _PREFIXES[exp])


def si(value: float | None, unit: str, digits: int = 4) -> str:
    """``value`` (in ``unit``) with an SI prefix: ``si(2.5e10, "B/s")`` -> ``"25 GB/s"``; None -> ``"-"``."""
    if value is None:
        return "-"
    mant, prefix = si_parts(float(value), digits)
    return f"{mant} {prefix}{unit}".rstrip()


def energy_pj(pj: float | None, digits: int = 4) -> str:
    """Energy given in pJ, shown in fJ ... kJ: ``energy_pj(1.566e13)`` -> ``"15.66 J"``."""
    return si(None if pj is None else pj * 1e-12, "J", digits)


def time_s(s: float | None, digits: int = 4) -> str:
    """Time given in s: ``time_s(0.02746)`` -> ``"27.46 ms"``."""
    return si(s, "s", digits)


def bandwidth_bps(bps: float | None, digits: int = 4) -> str:
    """Bandwidth given in bytes per second: ``bandwidth_bps(6.4e10)`` -> ``"64 GB/s"``."""
    return si(bps, "B/s", digits)


def area_mm2(mm2: float | None, digits: int = 4) -> str:
    """Area given in mm²: mm² from 0.01 mm² up, µm² below (1 mm² = 1e6 µm²)."""
    if mm2 is None:
        return "-"
    if mm2 != 0 and abs(mm2) < 0.01:
        return f"{mm2 * 1e6:.{digits}g} µm²"
    return f"{mm2:.{digits}g} mm²"


#: metric-name suffix -> (base unit, factor from the metric's unit to the base unit)
_METRIC_UNITS = {
    "_pj": ("J", 1e-12),
    "_j": ("J", 1.0),
    "_s": ("s", 1.0),
    "_us": ("s", 1e-6),
    "_gbps": ("B/s", 1e9),
    "_bps": ("B/s", 1.0),
    "tokens_per_s": ("tokens/s", 1.0),
    "_tok_s": ("tokens/s", 1.0),
    "_req_s": ("req/s", 1.0),
}


def _metric_unit(name: str) -> tuple[str, float] | None:
    """(base unit, factor) of a metric named with a unit suffix; the longest suffix wins."""
    for suffix in sorted(_METRIC_UNITS, key=len, reverse=True):
        if name.endswith(suffix):
            return _METRIC_UNITS[suffix]
    return None


def metric(name: str, value: float | None, digits: int = 4) -> str:
    """A named metric in human units when its name carries the unit (``energy_per_token_j``,
    ``time_s``, ``area_mm2``, ``tokens_per_s``, ``energy_pj``); other numbers to ``digits`` digits."""
    if value is None:
        return "-"
    if name.endswith("_mm2"):
        return area_mm2(value, digits)
    unit = _metric_unit(name)
    if unit is not None:
        return si(value * unit[1], unit[0], digits)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    return f"{value:.{digits}g}" if isinstance(value, float) else f"{value:,}"


def axis_scale(name: str, largest: float) -> tuple[float, str]:
    """``(divisor, unit text)`` that draws a metric's axis in one SI unit fitting ``largest``:
    ``axis_scale("energy_per_token_j", 0.019)`` -> ``(1e-3, "mJ")``; ``(1.0, "")`` for a metric
    whose name carries no unit (area stays in mm²)."""
    if name.endswith("_mm2"):
        return (1.0, "mm²")
    unit = _metric_unit(name)
    if unit is None:
        return (1.0, "")
    _, prefix = si_parts(largest * unit[1])
    return (PREFIX_FACTOR[prefix] / unit[1], prefix + unit[0])
