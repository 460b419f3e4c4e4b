"""The element types, one DType object per dtype of the core, and the Array
API's dtype functions (result_type, can_cast, finfo, iinfo, isdtype).

The dtypes are read from the library when swiftgrad is imported (name,
size and kind from the C ABI), so a dtype added to the core appears here
without a Python edit; promotion and casting rules are the core's.
"""

from __future__ import annotations

import builtins
import sys
from typing import TYPE_CHECKING, Any, NamedTuple

from . import _swiftgrad as _C

# The Array API's names of the kinds, by sg_dtype_kind.
_KIND_NAMES = {
    _C.DTYPE_KIND_BOOL: "bool",
    _C.DTYPE_KIND_SIGNED_INTEGER: "signed integer",
    _C.DTYPE_KIND_UNSIGNED_INTEGER: "unsigned integer",
    _C.DTYPE_KIND_REAL_FLOATING: "real floating",
    _C.DTYPE_KIND_COMPLEX_FLOATING: "complex floating",
}
# isdtype's kinds that group others.
_KIND_GROUPS = {
    "integral": ("signed integer", "unsigned integer"),
    "numeric": ("signed integer", "unsigned integer", "real floating",
                "complex floating"),
}


class DType:
    """A tensor element type.

    There is one object per type, so ``is`` works; it also compares equal to
    its name and to NumPy's dtype and scalar type of the same name:

        >>> swiftgrad.float64 == "float64", swiftgrad.int32 == numpy.int32
        (True, True)
    """

    __slots__ = ("name", "itemsize", "kind", "_code")

    name: str
    itemsize: int
    kind: str  # the Array API's kind: "bool", "signed integer", ...
    _code: int

    def __init__(self, name: str, itemsize: int, kind: str, code: int) -> None:
        self.name = name
        self.itemsize = itemsize
        self.kind = kind
        self._code = code

    def __repr__(self) -> str:
        return f"swiftgrad.{self.name}"

    def __str__(self) -> str:
        return self.name

    def __eq__(self, other: object) -> builtins.bool:
        if isinstance(other, DType):
            return self is other
        if isinstance(other, str):
            return other == self.name
        name = _numpy_name(other)
        return NotImplemented if name is None else name == self.name

    def __hash__(self) -> int:
        return hash(self.name)

    # Theano code treats dtypes as strings: y.dtype.startswith('int').
    def startswith(self, prefix: Any, *args: Any) -> builtins.bool:
        return self.name.startswith(prefix, *args)

    def endswith(self, suffix: Any, *args: Any) -> builtins.bool:
        return self.name.endswith(suffix, *args)

    def __contains__(self, text: str) -> builtins.bool:
        return text in self.name

    def __reduce__(self) -> str:
        return self.name  # pickles as the module-level singleton

    @property
    def dtype(self) -> Any:
        """The NumPy dtype, so that ``numpy.dtype(swiftgrad.float32)`` works."""
        try:
            import numpy
        except ImportError:
            raise AttributeError("dtype needs NumPy") from None
        return numpy.dtype(self.name)


def _numpy_name(obj: object) -> str | None:
    """The name of a NumPy dtype or scalar type (numpy.int32, numpy.intc,
    numpy.dtype('>f8')), without importing NumPy."""
    module = obj.__module__ if isinstance(obj, type) else type(obj).__module__
    if not isinstance(module, str) or module.split(".")[0] != "numpy":
        return None
    numpy = sys.modules.get("numpy")
    if numpy is None:
        return None
    try:
        name = numpy.dtype(obj).name  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return None
    return name if isinstance(name, str) else None


# ---------------------------------------------------------- the dtypes

_ALL: tuple[DType, ...] = tuple(
    DType(name, itemsize, _KIND_NAMES[kind], code)
    for code, name, itemsize, kind in _C.dtypes())
_BY_CODE: dict[int, DType] = {d._code: d for d in _ALL}
_BY_NAME: dict[str, DType] = {d.name: d for d in _ALL}
globals().update(_BY_NAME)  # bool, int8, ..., complex128: module attributes

if TYPE_CHECKING:  # what the loop above makes, for type checkers
    bool: DType
    int8: DType
    int16: DType
    int32: DType
    int64: DType
    uint8: DType
    uint16: DType
    uint32: DType
    uint64: DType
    float32: DType
    float64: DType
    complex64: DType
    complex128: DType

# Python's number types as dtypes (the Array API's defaults).
_PYTHON_TYPES = {builtins.bool: "bool", int: "int64", float: "float64",
                 complex: "complex128"}
# The kind of a Python number, as promote_scalar takes it.
_SCALAR_KINDS = {builtins.bool: _C.DTYPE_KIND_BOOL, int: _C.DTYPE_KIND_SIGNED_INTEGER,
                 float: _C.DTYPE_KIND_REAL_FLOATING,
                 complex: _C.DTYPE_KIND_COMPLEX_FLOATING}


def from_code(code: int) -> DType:
    return _BY_CODE[code]


def as_dtype(dtype: object, op: str = "dtype") -> DType:
    """The DType of any accepted spelling: a DType, a name, Python's bool,
    int, float or complex, or a NumPy dtype or scalar type; TypeError
    naming `op` otherwise."""
    if isinstance(dtype, DType):
        return dtype
    name: object = dtype
    if isinstance(dtype, type) and dtype in _PYTHON_TYPES:
        name = _PYTHON_TYPES[dtype]
    elif not isinstance(dtype, str):
        name = _numpy_name(dtype)
    found = _BY_NAME.get(name) if isinstance(name, str) else None
    if found is None:
        raise TypeError(
            f"[{op}] unsupported dtype {dtype!r}; swiftgrad has "
            + ", ".join(d.name for d in _ALL))
    return found


def code(dtype: object, op: str = "dtype") -> int:
    """The C code of a dtype given in any accepted spelling; -1 for None."""
    return -1 if dtype is None else as_dtype(dtype, op)._code


# ------------------------------------------------ Array API functions

def _dtype_of(obj: object) -> DType:
    """The dtype of a tensor, an array (anything with .dtype) or a dtype."""
    if isinstance(obj, (DType, type, str)):
        return as_dtype(obj)
    dtype = getattr(obj, "dtype", None)
    return as_dtype(obj if dtype is None else dtype)


def result_type(*arrays_and_dtypes: Any) -> DType:
    """The dtype of the result of an operation on these arrays, dtypes and
    Python numbers (Array API 2023.12): arrays and dtypes promote by the
    standard's table (TypeError where it has no entry, such as int32 with
    float32); a Python number then takes their dtype where its kind fits
    (2.5 with float32 is float32), else its own kind's default (2.5 with
    int32 is float64).

        >>> swiftgrad.result_type(swiftgrad.int8, swiftgrad.uint8, 1)
        swiftgrad.int16
    """
    result: DType | None = None
    scalars = []
    for obj in arrays_and_dtypes:
        if type(obj) in _SCALAR_KINDS:
            scalars.append(type(obj))
            continue
        dtype = _dtype_of(obj)
        result = dtype if result is None else from_code(
            _C.promote_types(result._code, dtype._code))
    if result is None:
        raise ValueError("[result_type] needs at least one array or dtype")
    for kind in scalars:
        result = from_code(_C.promote_scalar(result._code, _SCALAR_KINDS[kind]))
    return result


def can_cast(from_: Any, to: Any, /) -> builtins.bool:
    """Whether `from_` (a dtype or an array) converts to `to` without loss
    by the promotion rules: can_cast(int8, int16) but not can_cast(int64,
    float64)."""
    return _C.can_cast(_dtype_of(from_)._code, as_dtype(to)._code)


class finfo_object(NamedTuple):
    """Limits of a floating dtype (a complex dtype gives its parts')."""
    bits: int
    eps: float
    max: float
    min: float
    smallest_normal: float
    dtype: DType


class iinfo_object(NamedTuple):
    """Limits of an integer dtype."""
    bits: int
    max: int
    min: int
    dtype: DType


def finfo(type: Any, /) -> finfo_object:  # noqa: A002 (the Array API's name)
    """The limits of a floating dtype, or of an array's dtype:

        >>> swiftgrad.finfo(swiftgrad.float32).eps
        1.1920928955078125e-07
        >>> swiftgrad.finfo(swiftgrad.complex64).dtype
        swiftgrad.float32
    """
    dtype = _dtype_of(type)
    bits, eps, max_, min_, smallest_normal = _C.finfo(dtype._code)
    real = dtype
    if dtype.kind == "complex floating":
        real = next(d for d in _ALL if d.kind == "real floating"
                    and d.itemsize * 2 == dtype.itemsize)
    return finfo_object(bits, eps, max_, min_, smallest_normal, real)


def iinfo(type: Any, /) -> iinfo_object:  # noqa: A002
    """The limits of an integer dtype, or of an array's dtype:

        >>> swiftgrad.iinfo(swiftgrad.uint8)
        iinfo_object(bits=8, max=255, min=0, dtype=swiftgrad.uint8)
    """
    dtype = _dtype_of(type)
    bits, min_, max_ = _C.iinfo(dtype._code)
    return iinfo_object(bits, max_, min_, dtype)


def isdtype(dtype: Any, kind: Any) -> builtins.bool:
    """Whether `dtype` is of `kind` (Array API): a dtype, one of 'bool',
    'signed integer', 'unsigned integer', 'integral', 'real floating',
    'complex floating', 'numeric', or a tuple of those."""
    d = as_dtype(dtype)
    if isinstance(kind, tuple):
        return any(isdtype(d, k) for k in kind)
    if isinstance(kind, str):
        if kind in _KIND_GROUPS:
            return d.kind in _KIND_GROUPS[kind]
        if kind in _KIND_NAMES.values():
            return d.kind == kind
        raise ValueError(f"[isdtype] unknown kind {kind!r}")
    return d is as_dtype(kind)
