"""Seeded random tensors whose streams are the same on every run, machine
and thread count (swiftgrad.random).

A Generator is a seed and a counter. Element i of a draw is computed from
Philox4x32-10 (Random123's counter-based generator) keyed by the seed, at
counter + i, and a draw advances the counter by its size; the exact
conversions (top 53 or 24 bits for uniforms, Box-Muller normals, Lemire's
unbiased integers) are written out in the Swift type Generator and in
swiftgrad.h, so C, Swift and Python give the same numbers:

    >>> g = swiftgrad.random.Generator(42)
    >>> x = g.normal(size=(2, 3))
    >>> swiftgrad.random.seed(42); y = swiftgrad.random.normal(size=(2, 3))
    >>> x.tolist() == y.tolist()   # the same stream
    True
"""

from __future__ import annotations

import builtins
import operator
import os
from typing import Any

from . import _dtypes
from . import _swiftgrad as _C
from ._tensor import Tensor

_MASK = 2**64 - 1


def _shape(size: Any) -> Any:
    # The extension reads an int or a sequence of ints; None is one draw.
    return () if size is None else size


def _is_number(x: Any) -> builtins.bool:
    return isinstance(x, (int, float)) and not isinstance(x, builtins.bool)


def _broadcast(*shapes: tuple[int, ...]) -> tuple[int, ...]:
    ndim = max(len(s) for s in shapes)
    out = []
    for axis in range(ndim):
        lengths = {s[axis - ndim + len(s)] for s in shapes if axis - ndim + len(s) >= 0} - {1}
        if len(lengths) > 1:
            raise ValueError(f"[random] shapes {', '.join(map(str, shapes))} do not broadcast")
        out.append(lengths.pop() if lengths else 1)
    return tuple(out)


def _affine(draw: Any, a: Any, b: Any, size: Any, dtype: Any) -> Tensor:
    """a + b * draw(shape, dtype) for array parameters: differentiable in a
    and b (the reparameterization trick)."""
    from . import asarray

    a = a if isinstance(a, Tensor) else asarray(a)
    b = b if isinstance(b, Tensor) else asarray(b)
    if dtype is None:
        dtype = a.dtype if a.dtype == b.dtype and a.dtype.kind == "real floating" else "float64"
    shape = _broadcast(a.shape, b.shape) if size is None else _shape(size)
    return a.astype(dtype) + b.astype(dtype) * draw(shape, dtype)


class Generator:
    """A seeded stream of random tensors (like numpy.random.Generator).
    `seed` is an int in [0, 2**64); None draws one from the OS."""

    __slots__ = ("seed", "counter")

    def __init__(self, seed: int | None = None, counter: int = 0) -> None:
        # os.urandom, not secrets: secrets loads OpenSSL (4 MB resident)
        seed = int.from_bytes(os.urandom(8), "little") if seed is None else operator.index(seed)
        if not 0 <= seed <= _MASK:
            raise ValueError(f"[Generator] seed must be in [0, 2**64), got {seed}")
        self.seed = seed
        self.counter = operator.index(counter) & _MASK

    def __repr__(self) -> str:
        return f"Generator(seed={self.seed}, counter={self.counter})"

    def _draw(self, kind: int, a: Any, b: Any, size: Any, dtype: Any, default: str,
              op: str) -> Tensor:
        code = _dtypes.code(default if dtype is None else dtype, op)
        t = _C._random(kind, self.seed, self.counter, a, b, _shape(size), code)
        self.counter = (self.counter + t.size) & _MASK
        return t

    def uniform(self, low: Any = 0.0, high: Any = 1.0, size: Any = None,
                dtype: Any = None) -> Tensor:
        """Uniform values in [low, high) (float64 by default, or float32).
        Array bounds broadcast, and the result is differentiable in them."""
        if not (_is_number(low) and _is_number(high)):
            from . import asarray

            low = low if isinstance(low, Tensor) else asarray(low)
            high = high if isinstance(high, Tensor) else asarray(high)
            return _affine(lambda shape, dt: self._draw(0, 0.0, 1.0, shape, dt, "float64", "uniform"),
                           low, high - low, size, dtype)
        return self._draw(0, float(low), float(high), size, dtype, "float64", "uniform")

    def random(self, size: Any = None, dtype: Any = None) -> Tensor:
        """Uniform values in [0, 1)."""
        return self.uniform(0.0, 1.0, size, dtype)

    def normal(self, loc: Any = 0.0, scale: Any = 1.0, size: Any = None,
               dtype: Any = None) -> Tensor:
        """Normal values of mean `loc` and standard deviation `scale`. Array
        parameters broadcast, and the result, loc + scale * z, is
        differentiable in them (the reparameterization trick)."""
        if not (_is_number(loc) and _is_number(scale)):
            return _affine(lambda shape, dt: self._draw(1, 0.0, 1.0, shape, dt, "float64", "normal"),
                           loc, scale, size, dtype)
        return self._draw(1, float(loc), float(scale), size, dtype, "float64", "normal")

    def standard_normal(self, size: Any = None, dtype: Any = None) -> Tensor:
        return self.normal(0.0, 1.0, size, dtype)

    def integers(self, low: int, high: int | None = None, size: Any = None,
                 dtype: Any = None) -> Tensor:
        """Integers in [low, high) ([0, low) when high is None), each value
        equally likely (int64 by default)."""
        if high is None:
            low, high = 0, low
        return self._draw(2, low, high, size, dtype, "int64", "integers")

    def bernoulli(self, p: float, size: Any = None, dtype: Any = None) -> Tensor:
        """True with probability p (bool by default; any real dtype gives 0
        and 1)."""
        return self._draw(3, float(p), 0.0, size, dtype, "bool", "bernoulli")

    def permutation(self, x: Any) -> Tensor:
        """A random ordering of range(x) for an int, else x with its first
        axis shuffled (differentiable)."""
        if isinstance(x, builtins.bool):
            raise TypeError("[permutation] needs an int or an array, not bool")
        t = _C._permutation(self.seed, self.counter, x)
        n = x if isinstance(x, int) else (t.shape[0] if t.ndim else 0)
        self.counter = (self.counter + n) & _MASK
        return t


def default_rng(seed: int | None = None) -> Generator:
    """A new Generator (NumPy's spelling)."""
    return Generator(seed)


_default = Generator(0)


def seed(n: int) -> None:
    """Restarts the module's default generator at seed n."""
    global _default
    _default = Generator(n)


def get_state() -> tuple[int, int]:
    """(seed, counter) of the default generator."""
    return _default.seed, _default.counter


def uniform(low: Any = 0.0, high: Any = 1.0, size: Any = None, dtype: Any = None) -> Tensor:
    return _default.uniform(low, high, size, dtype)


def random(size: Any = None, dtype: Any = None) -> Tensor:
    return _default.random(size, dtype)


def normal(loc: Any = 0.0, scale: Any = 1.0, size: Any = None, dtype: Any = None) -> Tensor:
    return _default.normal(loc, scale, size, dtype)


def standard_normal(size: Any = None, dtype: Any = None) -> Tensor:
    return _default.standard_normal(size, dtype)


def integers(low: int, high: int | None = None, size: Any = None, dtype: Any = None) -> Tensor:
    return _default.integers(low, high, size, dtype)


def bernoulli(p: float, size: Any = None, dtype: Any = None) -> Tensor:
    return _default.bernoulli(p, size, dtype)


def permutation(x: Any) -> Tensor:
    return _default.permutation(x)


__all__ = ["Generator", "default_rng", "seed", "get_state", "uniform", "random", "normal",
           "standard_normal", "integers", "bernoulli", "permutation"]
