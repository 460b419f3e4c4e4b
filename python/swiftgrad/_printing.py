"""repr() and str() of tensors, printed exactly as NumPy prints the same array.

NumPy is optional, so this re-implements the parts of numpy's arrayprint
that its default options use (precision 8, floatmode 'maxprec', threshold
1000, edgeitems 3, linewidth 75). Digits follow NumPy's Dragon4: the
shortest decimal that reads back as the same float32/float64 value, cut to
`precision` digits by rounding the exact binary value half-to-even.
"""

from __future__ import annotations

import math
import struct
from decimal import ROUND_HALF_EVEN, Context, Decimal
from fractions import Fraction
from typing import Any

PRECISION = 8
THRESHOLD = 1000
EDGEITEMS = 3
LINEWIDTH = 75

_EXACT = Context(prec=1200, rounding=ROUND_HALF_EVEN, Emin=-99999, Emax=99999)
_FLOAT32_MAX = 3.4028234663852886e38


def _to_float32(x: float) -> float:
    if abs(x) > _FLOAT32_MAX:
        return math.copysign(math.inf, x)
    return struct.unpack("<f", struct.pack("<f", x))[0]


# ---------------------------------------------------------------- digits

def _shortest(x: float, f32: bool) -> Decimal:
    """The shortest decimal that rounds back to x (finite, > 0)."""
    if not f32:
        return Decimal(repr(x)).normalize(_EXACT)  # Python's repr is shortest
    return _shortest_float32(x)


def _shortest_float32(x: float) -> Decimal:
    # Values between the midpoints to the neighbouring float32s read back
    # as x; the midpoints themselves do when x's mantissa is even.
    bits = struct.unpack("<I", struct.pack("<f", x))[0]
    below = struct.unpack("<f", struct.pack("<I", bits - 1))[0]
    above = (struct.unpack("<f", struct.pack("<I", bits + 1))[0]
             if bits + 1 < 0x7F800000 else x + (x - below))
    exact = Fraction(x)
    low, high = (Fraction(below) + exact) / 2, (exact + Fraction(above)) / 2
    even = bits % 2 == 0
    for n in range(1, 10):
        mantissa, exponent = f"{x:.{n - 1}e}".split("e")
        digits = int(mantissa.replace(".", ""))
        scale = Fraction(10) ** (int(exponent) - (n - 1))
        # The nearest n-digit decimal, or a neighbour when the interval
        # around x is lopsided (at powers of two).
        valid = [d for d in (digits, digits - 1, digits + 1)
                 if low < d * scale < high
                 or (even and d * scale in (low, high))]
        if valid:
            best = min(valid, key=lambda d: abs(d * scale - exact))
            return Decimal(best).scaleb(int(exponent) - (n - 1)).normalize(_EXACT)
    return Decimal(x).normalize(_EXACT)


def _round_exact(x: float, exponent: int) -> Decimal:
    """x rounded half-to-even at 10**exponent, from its exact binary value."""
    return Decimal(x).quantize(Decimal(1).scaleb(exponent), context=_EXACT)


def _positional(x: float, f32: bool, precision: int, min_digits: int = -1,
                trim: str = ".", pad_left: int = 0, pad_right: int = 0) -> str:
    """numpy's dragon4_positional(x, unique=True, fractional=True, ...)."""
    sign = "-" if math.copysign(1.0, x) < 0 else ""
    a = abs(x)
    if a == 0:
        value = Decimal(0)
    else:
        value = _shortest(a, f32)
        if precision >= 0 and -value.as_tuple().exponent > precision:
            value = _round_exact(a, -precision).normalize(_EXACT)
    digits = max(0, -value.as_tuple().exponent)
    if min_digits > digits:
        value = _round_exact(a, -min_digits)
    whole, _, frac = f"{value:f}".partition(".")
    if trim == "." and precision >= 0:
        frac = frac.rstrip("0")
    elif trim == "k" and precision > len(frac):
        frac += "0" * (precision - len(frac))
    return (sign + whole).rjust(pad_left) + "." + frac.ljust(pad_right)


def _scientific(x: float, f32: bool, precision: int, min_digits: int = -1,
                trim: str = ".", pad_left: int = 0, exp_digits: int = -1) -> str:
    """numpy's dragon4_scientific(x, unique=True, ...)."""
    sign = "-" if math.copysign(1.0, x) < 0 else ""
    a = abs(x)
    if a == 0:
        digits, exponent = "0", 0
    else:
        value = _shortest(a, f32)
        exponent = value.adjusted()
        if precision >= 0 and len(value.as_tuple().digits) - 1 > precision:
            value = _round_exact(a, exponent - precision).normalize(_EXACT)
            exponent = value.adjusted()
        digits = "".join(map(str, value.as_tuple().digits))
        if min_digits > len(digits) - 1:
            # More digits than the shortest: those of the exact value, whose
            # exponent may be lower than the shortest's (9.9999997e-06 for
            # float32(1e-05)).
            exponent = Decimal(a).adjusted()
            value = _round_exact(a, exponent - min_digits)
            exponent = value.adjusted()
            digits = "".join(map(str, value.as_tuple().digits))[:min_digits + 1]
    frac = digits[1:]
    if trim == "." and precision >= 0:
        frac = frac.rstrip("0")
    elif trim == "k" and precision > len(frac):
        frac += "0" * (precision - len(frac))
    width = exp_digits if exp_digits >= 0 else 2
    exp_sign = "-" if exponent < 0 else "+"
    return ((sign + digits[0]).rjust(pad_left) + "." + frac + "e" + exp_sign
            + str(abs(exponent)).zfill(width))


def scalar_str(x: float, f32: bool) -> str:
    """str() of a NumPy float scalar, which str() of a 0-d array is."""
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "-inf" if x < 0 else "inf"
    a = abs(x)
    sign = "-" if math.copysign(1.0, x) < 0 else ""
    if a == 0 or 1e-4 <= a < (1e6 if f32 else 1e16):
        text = f"{_shortest(a, f32) if a else Decimal(0):f}"
        return sign + (text if "." in text else text + ".0")
    value = _shortest(a, f32)
    digits = "".join(map(str, value.as_tuple().digits))
    mantissa = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
    exponent = value.adjusted()
    return (sign + mantissa + "e" + ("-" if exponent < 0 else "+")
            + str(abs(exponent)).zfill(2))


# ------------------------------------------------------- FloatingFormat

class _FloatFormat:
    """numpy's FloatingFormat: one width and style for every element."""

    def __init__(self, values: list[float], f32: bool) -> None:
        self.f32 = f32
        self.precision = PRECISION
        finite = [v for v in values if math.isfinite(v)]
        nonzero = [abs(v) for v in finite if v != 0]
        self.exp = False
        if nonzero:
            biggest, smallest = max(nonzero), min(nonzero)
            if f32:  # NumPy compares in float32 with float32 constants
                ratio = _to_float32(biggest / smallest)
                self.exp = (biggest >= 1e6 or smallest < _to_float32(1e-4)
                            or ratio > 1000.0)
            else:
                self.exp = (biggest >= 1e8 or smallest < 1e-4
                            or biggest / smallest > 1000.0)

        self.min_digits = -1
        self.exp_size = -1
        if not finite:
            self.pad_left = self.pad_right = 0
            self.trim = "."
        elif self.exp:
            parts = [_scientific(v, f32, self.precision).partition("e")
                     for v in finite]
            mantissas = [m.split(".") for m, _, _ in parts]
            self.exp_size = max(len(e) for _, _, e in parts) - 1
            self.trim = "k"
            self.precision = self.min_digits = max(len(f) for _, f in mantissas)
            self.pad_left = max(len(w) for w, _ in mantissas)
            self.pad_right = self.exp_size + 2 + self.precision
        else:
            parts = [_positional(v, f32, self.precision).split(".")
                     for v in finite]
            self.pad_left = max(len(w) for w, _ in parts)
            self.pad_right = max(len(f) for _, f in parts)
            self.trim = "."
            self.min_digits = 0

        if len(finite) != len(values):
            neginf = any(v == -math.inf for v in values)
            offset = self.pad_right + 1
            self.pad_left = max(self.pad_left, 3 - offset, 3 + neginf - offset)

    def __call__(self, x: float) -> str:
        if not math.isfinite(x):
            text = "nan" if math.isnan(x) else ("-inf" if x < 0 else "inf")
            return text.rjust(self.pad_left + self.pad_right + 1)
        if self.exp:
            return _scientific(x, self.f32, self.precision, self.min_digits,
                               self.trim, self.pad_left, self.exp_size)
        return _positional(x, self.f32, self.precision, self.min_digits,
                           self.trim, self.pad_left, self.pad_right)


# ------------------------------------------------------------- layout

def _size(shape: tuple[int, ...]) -> int:
    return math.prod(shape)


def _edges(data: Any, ndim: int) -> Any:
    """The leading and trailing EDGEITEMS along every axis (summaries)."""
    if ndim == 0:
        return data
    if len(data) > 2 * EDGEITEMS:
        data = data[:EDGEITEMS] + data[-EDGEITEMS:]
    return [_edges(item, ndim - 1) for item in data]


def _flatten(data: Any, ndim: int) -> list[float]:
    if ndim == 0:
        return [data]
    if ndim == 1:
        return list(data)
    return [x for item in data for x in _flatten(item, ndim - 1)]


def _extend_line(s: str, line: str, word: str, width: int,
                 next_line_prefix: str) -> tuple[str, str]:
    if len(line) + len(word) > width and len(line) > len(next_line_prefix):
        s += line.rstrip() + "\n"
        line = next_line_prefix
    return s, line + word


def _format_array(data: Any, ndim: int, fmt: _FloatFormat, line_width: int,
                  next_line_prefix: str, separator: str,
                  summary_insert: str) -> str:
    """numpy's _formatArray: rows wrapped at line_width, nested brackets."""

    def recurse(item: Any, axes_left: int, hanging_indent: str,
                curr_width: int) -> str:
        if axes_left == 0:
            return fmt(item)
        next_hanging_indent = hanging_indent + " "
        next_width = curr_width - len("]")
        length = len(item)
        show_summary = bool(summary_insert) and 2 * EDGEITEMS < length
        leading = EDGEITEMS if show_summary else 0
        trailing = EDGEITEMS if show_summary else length

        def nested(i: int) -> str:
            return recurse(item[i], axes_left - 1, next_hanging_indent,
                           next_width)

        if axes_left == 1:
            elem_width = curr_width - max(len(separator.rstrip()), len("]"))
            s, line = "", hanging_indent
            for i in range(leading):
                s, line = _extend_line(s, line, nested(i), elem_width,
                                       hanging_indent)
                line += separator
            if show_summary:
                s, line = _extend_line(s, line, summary_insert, elem_width,
                                       hanging_indent)
                line += separator
            for i in range(trailing, 1, -1):
                s, line = _extend_line(s, line, nested(-i), elem_width,
                                       hanging_indent)
                line += separator
            s, line = _extend_line(s, line, nested(-1), elem_width,
                                   hanging_indent)
            s += line
        else:
            s = ""
            line_sep = separator.rstrip() + "\n" * (axes_left - 1)
            for i in range(leading):
                s += hanging_indent + nested(i) + line_sep
            if show_summary:
                s += hanging_indent + summary_insert + line_sep
            for i in range(trailing, 1, -1):
                s += hanging_indent + nested(-i) + line_sep
            s += hanging_indent + nested(-1)
        return "[" + s[len(hanging_indent):] + "]"

    return recurse(data, ndim, next_line_prefix, line_width)


def _array2string(data: Any, shape: tuple[int, ...], f32: bool,
                  separator: str, prefix: str, line_width: int) -> str:
    ndim = len(shape)
    if _size(shape) == 0:
        return "[]"
    if _size(shape) > THRESHOLD:
        summary_insert = "..."
        values = _flatten(_edges(data, ndim), ndim)
    else:
        summary_insert = ""
        values = _flatten(data, ndim)
    fmt = _FloatFormat(values, f32)
    return _format_array(data, ndim, fmt, line_width, " " + " " * len(prefix),
                         separator, summary_insert)


# ---------------------------------------------------------------- API

def array_repr(data: Any, shape: tuple[int, ...], f32: bool,
               requires_grad: bool = False) -> str:
    """numpy.array_repr of the array with these values (nested lists, as
    memoryview.tolist gives them); `requires_grad=True` is added as PyTorch
    does."""
    prefix = "array("
    # NumPy leaves room for the closing parenthesis.
    body = _array2string(data, shape, f32, ", ", prefix, LINEWIDTH - 1)
    size = _size(shape)
    extras = []
    if (size == 0 and shape != (0,)) or size > THRESHOLD:
        extras.append(f"shape={shape}")
    if f32 or size == 0:
        extras.append(f"dtype={'float32' if f32 else 'float64'}")
    if requires_grad:
        extras.append("requires_grad=True")
    if not extras:
        return prefix + body + ")"
    text = prefix + body + ","
    extra = ", ".join(extras) + ")"
    last_line = len(text) - (text.rfind("\n") + 1)
    spacer = " " if last_line + len(extra) + 1 <= LINEWIDTH else "\n" + " " * len(prefix)
    return text + spacer + extra


def array_str(data: Any, shape: tuple[int, ...], f32: bool) -> str:
    """numpy.array_str of the array with these values."""
    if shape == ():
        return scalar_str(data, f32)
    return _array2string(data, shape, f32, " ", "", LINEWIDTH)
