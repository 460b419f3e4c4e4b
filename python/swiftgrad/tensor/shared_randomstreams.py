"""Theano's RandomStreams: symbolic random variables whose draws change
from call to call of a compiled function.

Each variable reads its seed and counter from a shared uint64 state whose
default update advances the counter by the draw's size, so every call of a
function draws anew (and the same variable used twice in one call is one
draw); `function(..., no_default_updates=True)` draws the same numbers
each time. The numbers are those of swiftgrad.random's generator with the
variable's seed and counter.
"""

from __future__ import annotations

import math
import os
from typing import Any

from .. import _dtypes
from .. import _swiftgrad as _C
from .._tensor import Tensor

__all__ = ["RandomStreams"]

_UNIFORM, _NORMAL, _INTEGERS, _BERNOULLI = 0, 1, 2, 3
_MASK = 2**64 - 1


def _mix(x: int) -> int:
    """SplitMix64's finalizer: well-spread seeds from consecutive ones."""
    x = (x + 0x9E3779B97F4A7C15) & _MASK
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & _MASK
    return x ^ (x >> 31)


def _float_x() -> str:
    from .. import __dict__ as namespace
    config = namespace.get("config")
    return getattr(config, "floatX", "float64")


class RandomStreams:
    """A source of random variables (Theano's
    theano.tensor.shared_randomstreams.RandomStreams):

        >>> srng = RandomStreams(seed=234)
        >>> rv_u = srng.uniform((2, 2))
        >>> f = function([], rv_u)      # new numbers on every call
    """

    def __init__(self, seed: int | None = None) -> None:
        self._states: list[Tensor] = []
        self.seed(seed)

    def seed(self, seed: int | None = None) -> None:
        """Restarts every variable made so far (and the next ones) from `seed`."""
        if seed is None:
            seed = int.from_bytes(os.urandom(8), "little")
        self._seed = int(seed) & _MASK
        for i, state in enumerate(self._states):
            state.set_value(self._initial_state(i))

    def _initial_state(self, i: int) -> Tensor:
        from .. import asarray
        return asarray([_mix(self._seed ^ _mix(i)), 0], dtype="uint64")

    def _draw(self, kind: int, a: float, b: float, size: Any, dtype: Any) -> Tensor:
        from .. import shared, asarray
        if isinstance(size, Tensor):
            raise NotImplementedError("RandomStreams: a symbolic size is not supported; give a tuple of ints")
        shape = () if size is None else (size,) if isinstance(size, int) else tuple(int(n) for n in size)
        state = shared(self._initial_state(len(self._states)), name=f"random_state_{len(self._states)}")
        self._states.append(state)
        draw = _C._random_draw(kind, state, float(a), float(b), shape,
                               _dtypes.as_dtype(dtype, "random")._code)
        _C._set_default_update(state, state + asarray([0, math.prod(shape)], dtype="uint64"))
        return draw

    def uniform(self, size: Any = (), low: Any = 0.0, high: Any = 1.0, ndim: int | None = None,
                dtype: Any = None) -> Tensor:
        """Uniform in [low, high)."""
        dtype = dtype or _float_x()
        if isinstance(low, Tensor) or isinstance(high, Tensor):
            return low + (high - low) * self._draw(_UNIFORM, 0.0, 1.0, size, dtype)
        return self._draw(_UNIFORM, low, high, size, dtype)

    def normal(self, size: Any = (), avg: Any = 0.0, std: Any = 1.0, ndim: int | None = None,
               dtype: Any = None) -> Tensor:
        """Normal with mean `avg` and standard deviation `std`."""
        dtype = dtype or _float_x()
        if isinstance(avg, Tensor) or isinstance(std, Tensor):
            return avg + std * self._draw(_NORMAL, 0.0, 1.0, size, dtype)
        return self._draw(_NORMAL, avg, std, size, dtype)

    def binomial(self, size: Any = (), n: int = 1, p: Any = 0.5, ndim: int | None = None,
                 dtype: Any = "int64") -> Tensor:
        """Bernoulli trials (binomial with n=1), 1 with probability `p`."""
        if n != 1:
            raise NotImplementedError(f"RandomStreams.binomial: n={n} is not supported; only n=1 (Bernoulli)")
        if isinstance(p, Tensor):
            return (self._draw(_UNIFORM, 0.0, 1.0, size, "float64") < p).astype(dtype)
        return self._draw(_BERNOULLI, p, 0.0, size, dtype)

    def random_integers(self, size: Any = (), low: int = 0, high: int = 1, ndim: int | None = None,
                        dtype: Any = "int64") -> Tensor:
        """Integers from low to high, both included."""
        return self._draw(_INTEGERS, low, high + 1, size, dtype)

    def __getattr__(self, name: str) -> Any:
        if name in ("permutation", "multinomial", "choice", "shuffle_row_elements", "poisson",
                    "gen", "updates"):
            raise NotImplementedError(f"RandomStreams.{name} is not supported by swiftgrad")
        raise AttributeError(name)
