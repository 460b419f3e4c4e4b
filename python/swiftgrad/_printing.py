"""repr() and str() of tensors, printed exactly as NumPy prints the same array.

NumPy is optional, so this re-implements the parts of numpy's arrayprint
that its default options use (precision 8, floatmode 'maxprec', threshold
1000, edgeitems 3, linewidth 75) for every dtype: bools (' True'), integers
right-aligned, floats and the two parts of complex numbers. Digits follow
NumPy's Dragon4: the shortest decimal that reads back as the same
float32/float64 value, cut to `precision` digits by rounding the exact
binary value half-to-even. Only the values printed are read: the edges of
a summarized array, nothing of an empty one.
"""

from __future__ import annotations

import math
import struct
from decimal import ROUND_HALF_EVEN, Context, Decimal
from fractions import Fraction
from typing import Any, Callable

from . import _swiftgrad as _C

PRECISION = 8
THRESHOLD = 1000
EDGEITEMS = 3
LINEWIDTH = 75

# The dtypes whose repr does not say so (NumPy's _typelessdata).
_IMPLIED = ("bool", "int64", "float64", "complex128")

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


def _exponent(value: Decimal) -> int:
    """The exponent of a finite Decimal's last digit."""
    return int(value.as_tuple().exponent)


def _round_exact(x: float, exponent: int) -> Decimal:
    """x rounded half-to-even at 10**exponent, from its exact binary value."""
    return Decimal(x).quantize(Decimal(1).scaleb(exponent), context=_EXACT)


def _sign(x: float, plus: bool) -> str:
    return "-" if math.copysign(1.0, x) < 0 else "+" if plus else ""


def _positional(x: float, f32: bool, precision: int, min_digits: int = -1,
                trim: str = ".", pad_left: int = 0, pad_right: int = 0,
                plus: bool = False) -> str:
    """numpy's dragon4_positional(x, unique=True, fractional=True, ...)."""
    sign = _sign(x, plus)
    a = abs(x)
    if a == 0:
        value = Decimal(0)
    else:
        value = _shortest(a, f32)
        if precision >= 0 and -_exponent(value) > precision:
            value = _round_exact(a, -precision).normalize(_EXACT)
    digits = max(0, -_exponent(value))
    if min_digits > digits:
        value = _round_exact(a, -min_digits)
    whole, _, frac = f"{value:f}".partition(".")
    if trim == "." and precision >= 0:
        frac = frac.rstrip("0")
    elif trim == "k" and precision > len(frac):
        frac += "0" * (precision - len(frac))
    return (sign + whole).rjust(pad_left) + "." + frac.ljust(pad_right)


def _scientific(x: float, f32: bool, precision: int, min_digits: int = -1,
                trim: str = ".", pad_left: int = 0, exp_digits: int = -1,
                plus: bool = False) -> str:
    """numpy's dragon4_scientific(x, unique=True, ...)."""
    sign = _sign(x, plus)
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


def complex_scalar_str(z: complex, f32: bool) -> str:
    """str() of a NumPy complex scalar: Python's style, '(1+2j)', '-1j'."""

    def part(x: float, plus: bool) -> str:
        if math.isnan(x):
            return "+nan" if plus else "nan"
        if math.isinf(x):
            return "-inf" if x < 0 else "+inf" if plus else "inf"
        text = scalar_str(x, f32)
        text = text[:-2] if text.endswith(".0") else text
        return "+" + text if plus and not text.startswith("-") else text

    if z.real == 0 and math.copysign(1.0, z.real) > 0:
        return part(z.imag, False) + "j"
    return "(" + part(z.real, False) + part(z.imag, True) + "j)"


# ------------------------------------------------------------ formats

class _FloatFormat:
    """numpy's FloatingFormat: one width and style for every element.
    `plus` is its sign='+' (the imaginary parts of complex numbers)."""

    def __init__(self, values: list[float], f32: bool, plus: bool = False) -> None:
        self.f32 = f32
        self.plus = plus
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
            parts = [_scientific(v, f32, self.precision, plus=plus).partition("e")
                     for v in finite]
            mantissas = [m.split(".") for m, _, _ in parts]
            self.exp_size = max(len(e) for _, _, e in parts) - 1
            self.trim = "k"
            self.precision = self.min_digits = max(len(f) for _, f in mantissas)
            self.pad_left = max(len(w) for w, _ in mantissas)
            self.pad_right = self.exp_size + 2 + self.precision
        else:
            halves = [_positional(v, f32, self.precision, plus=plus).split(".")
                      for v in finite]
            self.pad_left = max(len(w) for w, _ in halves)
            self.pad_right = max(len(f) for _, f in halves)
            self.trim = "."
            self.min_digits = 0

        if len(finite) != len(values):
            neginf = plus or any(v == -math.inf for v in values)
            offset = self.pad_right + 1
            self.pad_left = max(self.pad_left, 3 - offset, 3 + neginf - offset)

    def __call__(self, x: float) -> str:
        if not math.isfinite(x):
            if math.isnan(x):
                text = "+nan" if self.plus else "nan"
            else:
                text = "-inf" if x < 0 else "+inf" if self.plus else "inf"
            return text.rjust(self.pad_left + self.pad_right + 1)
        if self.exp:
            return _scientific(x, self.f32, self.precision, self.min_digits,
                               self.trim, self.pad_left, self.exp_size, self.plus)
        return _positional(x, self.f32, self.precision, self.min_digits,
                           self.trim, self.pad_left, self.pad_right, self.plus)


class _ComplexFormat:
    """numpy's ComplexFloatingFormat: the real parts aligned as floats, the
    imaginary parts with their sign, then 'j'."""

    def __init__(self, values: list[complex], f32: bool) -> None:
        self.real = _FloatFormat([v.real for v in values], f32)
        self.imag = _FloatFormat([v.imag for v in values], f32, plus=True)

    def __call__(self, z: complex) -> str:
        i = self.imag(z.imag)
        end = len(i.rstrip())
        return self.real(z.real) + i[:end] + "j" + i[end:]


class _IntFormat:
    """numpy's IntegerFormat: right-aligned to the widest."""

    def __init__(self, values: list[int]) -> None:
        self.width = max((len(str(v)) for v in values), default=0)

    def __call__(self, x: int) -> str:
        return str(x).rjust(self.width)


class _BoolFormat:
    """numpy's BoolFormat: ' True' lines up with 'False', except in 0-d."""

    def __init__(self, shape: tuple[int, ...]) -> None:
        self.true = " True" if shape != () else "True"

    def __call__(self, x: bool) -> str:
        return self.true if x else "False"


Format = Callable[[Any], str]


def _format_for(values: list[Any], kind: str, f32: bool,
                shape: tuple[int, ...]) -> Format:
    if kind == "bool":
        return _BoolFormat(shape)
    if kind.endswith("integer"):
        return _IntFormat(values)
    if kind == "complex floating":
        return _ComplexFormat(values, f32)
    return _FloatFormat(values, f32)


# ------------------------------------------------------------- layout

def _flatten(data: Any, ndim: int) -> list[Any]:
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


def _format_array(data: Any, shape: tuple[int, ...], fmt: Format,
                  line_width: int, next_line_prefix: str, separator: str,
                  summary_insert: str) -> str:
    """numpy's _formatArray: rows wrapped at line_width, nested brackets.
    When summarizing, `data` holds only the edges of each long axis (as
    _tolist gives them), and `shape` the real lengths."""
    ndim = len(shape)

    def recurse(item: Any, axis: int, hanging_indent: str,
                curr_width: int) -> str:
        axes_left = ndim - axis
        if axes_left == 0:
            return fmt(item)
        next_hanging_indent = hanging_indent + " "
        next_width = curr_width - len("]")
        length = shape[axis]
        show_summary = bool(summary_insert) and 2 * EDGEITEMS < length
        leading = EDGEITEMS if show_summary else 0
        trailing = EDGEITEMS if show_summary else length

        def nested(i: int) -> str:
            return recurse(item[i], axis + 1, next_hanging_indent, next_width)

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

    return recurse(data, 0, next_line_prefix, line_width)


class _Array:
    """What printing needs of a tensor with a value: its shape, dtype, and
    its values (only the edges of long axes when it will be summarized)."""

    def __init__(self, t: Any) -> None:
        self.shape: tuple[int, ...] = t.shape
        self.size = math.prod(self.shape)
        dtype = t.dtype
        self.dtype = dtype.name
        self.kind: str = dtype.kind
        self.f32 = dtype.name in ("float32", "complex64")
        self.summarize = self.size > THRESHOLD
        if self.size == 0:  # no values to read, however long the axes
            self.data: Any = []
        elif self.summarize:
            self.data = _C._tolist(t, EDGEITEMS)
        else:
            self.data = t.tolist()

    def to_string(self, separator: str, prefix: str, line_width: int) -> str:
        if self.size == 0:
            return "[]"
        values = _flatten(self.data, len(self.shape))
        fmt = _format_for(values, self.kind, self.f32, self.shape)
        return _format_array(self.data, self.shape, fmt, line_width,
                             " " + " " * len(prefix), separator,
                             "..." if self.summarize else "")


# ---------------------------------------------------------------- API

def array_repr(t: Any, requires_grad: bool = False) -> str:
    """numpy.array_repr of the tensor's value; `requires_grad=True` is added
    as PyTorch does."""
    a = _Array(t)
    prefix = "array("
    # NumPy leaves room for the closing parenthesis.
    body = a.to_string(", ", prefix, LINEWIDTH - 1)
    extras = []
    if (a.size == 0 and a.shape != (0,)) or a.size > THRESHOLD:
        extras.append(f"shape={a.shape}")
    if a.dtype not in _IMPLIED or a.size == 0:
        extras.append(f"dtype={a.dtype}")
    if requires_grad:
        extras.append("requires_grad=True")
    if not extras:
        return prefix + body + ")"
    text = prefix + body + ","
    extra = ", ".join(extras) + ")"
    last_line = len(text) - (text.rfind("\n") + 1)
    spacer = " " if last_line + len(extra) + 1 <= LINEWIDTH else "\n" + " " * len(prefix)
    return text + spacer + extra


def array_str(t: Any) -> str:
    """numpy.array_str of the tensor's value."""
    a = _Array(t)
    if a.shape == ():
        x = a.data
        if a.kind == "bool" or a.kind.endswith("integer"):
            return str(x)
        if a.kind == "complex floating":
            return complex_scalar_str(x, a.f32)
        return scalar_str(x, a.f32)
    return a.to_string(" ", "", LINEWIDTH)
