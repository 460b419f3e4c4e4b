"""Theano's theano.tensor for swiftgrad: symbolic inputs and the operations
of the computation-graphs chapter.

    >>> import swiftgrad as theano
    >>> import swiftgrad.tensor as T
    >>> x = T.dmatrix("x")
    >>> h = T.nnet.sigmoid(T.dot(x, W) + b)
"""

from __future__ import annotations

from typing import Any

from .. import dot, exp, grad, log, mean, placeholder, sum  # noqa: F401
from .. import argmax, argmin, max, min, prod, std, var  # noqa: F401,A004
from .._tensor import Tensor
from . import nnet  # noqa: F401 (T.nnet.sigmoid)
from . import shared_randomstreams  # noqa: F401 (Theano's RandomStreams)

__all__ = [
    "scalar", "vector", "matrix",
    "dscalar", "dvector", "dmatrix", "fscalar", "fvector", "fmatrix",
    "lscalar", "lvector", "iscalar", "ivector",
    "dot", "grad", "mean", "sum", "exp", "log", "nnet",
    "max", "min", "argmax", "argmin", "prod", "var", "std",
]


def _placeholder(ndim: int, name: str | None, dtype: Any) -> Tensor:
    return placeholder((None,) * ndim, dtype, name)


def scalar(name: str | None = None, dtype: Any = None) -> Tensor:
    """A 0-d symbolic input (float64 unless `dtype` says otherwise)."""
    return _placeholder(0, name, dtype)


def vector(name: str | None = None, dtype: Any = None) -> Tensor:
    """A 1-d symbolic input of any length."""
    return _placeholder(1, name, dtype)


def matrix(name: str | None = None, dtype: Any = None) -> Tensor:
    """A 2-d symbolic input of any shape."""
    return _placeholder(2, name, dtype)


def dscalar(name: str | None = None) -> Tensor:
    return _placeholder(0, name, "float64")


def dvector(name: str | None = None) -> Tensor:
    return _placeholder(1, name, "float64")


def dmatrix(name: str | None = None) -> Tensor:
    return _placeholder(2, name, "float64")


def fscalar(name: str | None = None) -> Tensor:
    return _placeholder(0, name, "float32")


def fvector(name: str | None = None) -> Tensor:
    return _placeholder(1, name, "float32")


def fmatrix(name: str | None = None) -> Tensor:
    return _placeholder(2, name, "float32")


def lscalar(name: str | None = None) -> Tensor:
    """A 0-d int64 input: an index, as in the minibatch idiom of givens."""
    return _placeholder(0, name, "int64")


def lvector(name: str | None = None) -> Tensor:
    return _placeholder(1, name, "int64")


def iscalar(name: str | None = None) -> Tensor:
    return _placeholder(0, name, "int32")


def ivector(name: str | None = None) -> Tensor:
    return _placeholder(1, name, "int32")
