"""swiftgrad: automatic differentiation on computation graphs.

NumPy-like tensors (following the Python Array API), PyTorch-style eager
autograd, and Theano-style symbolic graphs compiled into functions, over a
Swift core.

Eager:

    >>> import swiftgrad as sg
    >>> W = sg.asarray([[3.0, 2.0], [4.0, 3.0]])
    >>> W.requires_grad = True
    >>> sg.sigmoid(sg.asarray([1.0, 0.0]) @ W).sum().backward()
    >>> W.grad
    array([[0.04517666, 0.10499359],
           [0.        , 0.        ]])

Symbolic (see also swiftgrad.tensor, Theano's theano.tensor):

    >>> import swiftgrad.tensor as T
    >>> x = T.dvector("x")
    >>> f = sg.function([x], sg.grad((x * x).sum(), x))
    >>> f([1.0, 2.0])
    array([2., 4.])
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from . import _dtypes
from . import _swiftgrad as _C
from ._dtypes import DType, float32, float64
from ._tensor import Tensor

__version__: str = _C.__version__

__all__ = [
    "DType", "Tensor", "float32", "float64",
    "asarray", "astype", "permute_dims",
    "add", "subtract", "multiply", "divide", "pow", "negative",
    "exp", "log", "sigmoid", "matmul", "dot", "sum", "mean",
    "grad", "no_grad", "placeholder", "shared", "function", "Function",
]

Function = _C.Function

ArrayLike = Any  # a Tensor, a nested list of numbers, a number or a buffer
Axis = int | tuple[int, ...] | None


# ------------------------------------------------------------- creation

def asarray(obj: ArrayLike, /, dtype: Any = None) -> Tensor:
    """A tensor holding `obj`: a Tensor (returned as is unless `dtype`
    differs), a nested list of numbers, a number, or any buffer-protocol
    object such as a NumPy array (copied). Integer and bool data become
    float64; float data keeps its width unless `dtype` says otherwise.

        >>> swiftgrad.asarray([[1, 2], [3, 4]], dtype="float32")
        array([[1., 2.],
               [3., 4.]], dtype=float32)
    """
    return _C.asarray(obj, _dtypes.code(dtype))


def astype(x: ArrayLike, dtype: Any, /, *, copy: bool = True) -> Tensor:
    """`x` converted to `dtype` (differentiable)."""
    return _C.astype(x, _dtypes.code(dtype))


def permute_dims(x: ArrayLike, /, axes: Sequence[int]) -> Tensor:
    """`x` with its axes reordered: output axis i is input axis axes[i]."""
    return _C.permute_dims(x, tuple(axes))


# ------------------------------------------------------------ operations

def add(x1: ArrayLike, x2: ArrayLike, /) -> Tensor:
    return _C.binary(_C.BINARY_ADD, x1, x2)


def subtract(x1: ArrayLike, x2: ArrayLike, /) -> Tensor:
    return _C.binary(_C.BINARY_SUB, x1, x2)


def multiply(x1: ArrayLike, x2: ArrayLike, /) -> Tensor:
    return _C.binary(_C.BINARY_MUL, x1, x2)


def divide(x1: ArrayLike, x2: ArrayLike, /) -> Tensor:
    return _C.binary(_C.BINARY_DIV, x1, x2)


def pow(x1: ArrayLike, x2: ArrayLike, /) -> Tensor:  # noqa: A001 (Array API name)
    return _C.binary(_C.BINARY_POW, x1, x2)


def negative(x: ArrayLike, /) -> Tensor:
    return _C.unary(_C.UNARY_NEG, x)


def exp(x: ArrayLike, /) -> Tensor:
    return _C.unary(_C.UNARY_EXP, x)


def log(x: ArrayLike, /) -> Tensor:
    return _C.unary(_C.UNARY_LOG, x)


def sigmoid(x: ArrayLike, /) -> Tensor:
    """1 / (1 + exp(-x))."""
    return _C.unary(_C.UNARY_SIGMOID, x)


def matmul(x1: ArrayLike, x2: ArrayLike, /) -> Tensor:
    """numpy.matmul for 1-D and 2-D operands."""
    return _C.matmul(x1, x2)


def dot(a: ArrayLike, b: ArrayLike, /) -> Tensor:
    """numpy.dot for operands of up to two dimensions (Theano's T.dot)."""
    return _C.dot(a, b)


def sum(x: ArrayLike, /, axis: Axis = None, keepdims: bool = False) -> Tensor:  # noqa: A001
    """The sum over `axis` (all axes by default)."""
    return _C.sum(x, axis, keepdims)


def mean(x: ArrayLike, /, axis: Axis = None, keepdims: bool = False) -> Tensor:
    """The mean over `axis` (all axes by default)."""
    return _C.mean(x, axis, keepdims)


# -------------------------------------------------------------- autograd

def grad(cost: Tensor, wrt: Tensor | Sequence[Tensor]) -> Any:
    """The gradients of the one-element tensor `cost` with respect to `wrt`
    (Theano's T.grad): one tensor for one, a list for a list. Symbolic
    graphs give symbolic gradients; eager graphs give values."""
    if isinstance(wrt, Tensor):
        return _C.grad(cost, [wrt])[0]
    return _C.grad(cost, list(wrt))


class no_grad(contextlib.ContextDecorator):
    """Turns off recording of eager graphs in this thread, as a context
    manager or a decorator (PyTorch's torch.no_grad):

        >>> with swiftgrad.no_grad():
        ...     y = W * 2          # y does not require grad
    """

    def __enter__(self) -> None:
        self._previous = _C._set_grad_enabled(False)

    def __exit__(self, *exc_info: object) -> None:
        _C._set_grad_enabled(self._previous)

    def _recreate_cm(self) -> no_grad:
        return type(self)()  # one per call, so recursion and threads nest


# ---------------------------------------------------------------- symbolic

def placeholder(shape: Sequence[int | None], dtype: Any = "float64",
                name: str | None = None) -> Tensor:
    """A symbolic input of a compiled function; None in `shape` leaves that
    length open until the call (T.dmatrix is placeholder((None, None)))."""
    code = _dtypes.code(dtype)
    return _C.placeholder(float64._code if code < 0 else code, tuple(shape), name)


def shared(value: ArrayLike, name: str | None = None) -> Tensor:
    """A shared variable starting at a copy of `value` (Theano's
    theano.shared). Operations on it build symbolic graphs that read its
    value when a compiled function runs; function updates change it."""
    return _C.shared(value, name, -1)


def function(inputs: Sequence[Tensor], outputs: Any = None,
             updates: Mapping[Tensor, Any] | Iterable[tuple[Tensor, Any]] | None = None,
             ) -> Function:
    """Compiles a function from placeholders to outputs (Theano's
    theano.function). `outputs` is one tensor (the function returns one
    tensor) or a list of them (it returns a list). `updates` pairs shared
    variables with new values, computed from the values before the call
    and then all written:

        >>> train = swiftgrad.function([x, y], cost, updates=[(W, W - 0.1 * gW)])
    """
    if isinstance(inputs, Tensor):
        inputs = [inputs]
    single = not isinstance(outputs, (list, tuple))
    if outputs is None:
        outs: list[Tensor] = []
        single = False
    else:
        outs = [_as_output(o) for o in ([outputs] if single else outputs)]
    variables, values = _updates(updates)
    return _C.function(list(inputs), outs, variables, values, single)


def _as_output(obj: Any) -> Tensor:
    return obj if isinstance(obj, Tensor) else asarray(obj)


def _updates(updates: Any) -> tuple[list[Tensor], list[Tensor]]:
    if updates is None:
        return [], []
    pairs = updates.items() if isinstance(updates, Mapping) else updates
    variables, values = [], []
    for pair in pairs:
        try:
            variable, value = pair
        except (TypeError, ValueError):
            raise TypeError(
                "[function] updates must be (shared variable, value) pairs, "
                f"not {pair!r}") from None
        if not isinstance(variable, Tensor) or variable._kind != _C.KIND_SHARED:
            raise TypeError(
                f"[function] only shared variables can be updated, not {variable!r}")
        if not isinstance(value, Tensor):
            value = asarray(value, dtype=variable.dtype)
        variables.append(variable)
        values.append(value)
    return variables, values
