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

import builtins as _builtins
import contextlib
import math as _math
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from . import _dtypes
from . import _swiftgrad as _C
from ._dtypes import (DType, can_cast, finfo, iinfo, isdtype, result_type)
from ._tensor import Tensor
# BEGIN views and indexing
from ._indexing import (broadcast_arrays, broadcast_to, concat, expand_dims, flip,
                        matrix_transpose, moveaxis, nonzero, repeat, reshape, roll,
                        squeeze, stack, take, tile, unstack, where)
from ._indexing import __all__ as _INDEXING
# END views and indexing

if TYPE_CHECKING:
    # For type checkers, what this module makes at import from the core's
    # description: the dtypes, and the elementwise functions as
    # tools/gen_ops.py writes them out.
    from ._dtypes import bool as bool  # noqa: A004
    from ._dtypes import complex64 as complex64, complex128 as complex128
    from ._dtypes import float32 as float32, float64 as float64
    from ._dtypes import int8 as int8, int16 as int16, int32 as int32, int64 as int64
    from ._dtypes import uint8 as uint8, uint16 as uint16, uint32 as uint32
    from ._dtypes import uint64 as uint64
    from ._ops import *  # noqa: F403

__version__: str = _C.__version__
__array_api_version__ = "2023.12"
from ._info import __array_namespace_info__  # noqa: E402
from .printing import debugprint, pp  # noqa: E402
_theano = __import__("importlib").import_module("._theano", __name__)
from ._theano import (In, Mode, Out, config, DebugMode, NanGuardMode,  # noqa: E402
                      ProfileMode, UnusedInputError)
from . import func  # noqa: E402
from . import autograd  # noqa: E402
from .autograd import custom_vjp, gradcheck, gradgradcheck  # noqa: E402

Function = _C.Function

ArrayLike = Any  # a Tensor, a nested list of numbers, a number or a buffer
Axis = int | tuple[int, ...] | None

# Constants (the Array API's).
e = _math.e
pi = _math.pi
inf = _math.inf
nan = _math.nan
newaxis = None

# The dtypes, one module attribute each: swiftgrad.bool, int8, ..., complex128.
globals().update({d.name: d for d in _dtypes._ALL})


# ------------------------------------------------------------- creation

# Creation, random, sorting and sets (_creation.py, random.py, _sorting.py).
from . import random  # noqa: E402
from ._creation import (arange, asarray, empty, empty_like, eye, full,  # noqa: E402
                        full_like, linspace, meshgrid, ones, ones_like, tril, triu,
                        zeros, zeros_like)
from ._sorting import (argsort, searchsorted, sort, unique_all,  # noqa: E402
                       unique_counts, unique_inverse, unique_values)
# End of creation, random, sorting and sets.


def from_dlpack(x: Any, /, *, device: Any = None, copy: _builtins.bool | None = None) -> Tensor:
    """A tensor over the memory of `x`, any object with `__dlpack__` on
    the CPU (NumPy arrays, PyTorch and JAX CPU tensors), without a copy
    unless copy=True."""
    if device not in (None, "cpu"):
        raise ValueError(f"from_dlpack: unknown device {device!r}; swiftgrad has 'cpu'")
    if isinstance(x, Tensor):
        return x.copy() if copy else x
    if not hasattr(x, "__dlpack__"):
        raise TypeError(f"from_dlpack: {type(x).__name__} does not support DLPack")
    if hasattr(x, "__dlpack_device__") and tuple(x.__dlpack_device__())[0] != 1:
        raise BufferError(
            f"from_dlpack: the array is on device {x.__dlpack_device__()}; only CPU memory can be shared")
    try:
        capsule = x.__dlpack__(max_version=(1, 0), copy=copy)
    except TypeError:  # a producer older than the 2023.12 standard
        capsule = x.__dlpack__()
    t = _C._from_dlpack(capsule)
    return t.copy() if copy else t


def astype(x: ArrayLike, dtype: Any, /, *, copy: _builtins.bool = True,
           device: Any = None) -> Tensor:
    """`x` converted to `dtype` (differentiable between floating dtypes): a
    new tensor, or with copy=False `x` itself where it has `dtype`."""
    if isinstance(x, Tensor):
        return x.astype(dtype, copy=copy)
    return _C.astype(x, _dtypes.as_dtype(dtype, "astype")._code)


def permute_dims(x: ArrayLike, /, axes: Sequence[int]) -> Tensor:
    """`x` with its axes reordered: output axis i is input axis axes[i]."""
    return _C.permute_dims(x, axes)


# ------------------------------------------------------------ operations

def _unary_function(code: int, name: str) -> Any:
    def op(x: ArrayLike, /) -> Tensor:
        return _C.unary(code, x)

    op.__name__ = op.__qualname__ = name
    op.__doc__ = (f"{name}(x, /)\n\nThe Array API's {name}, elementwise: the "
                  f"core's unary operation '{name}' (sg_unary_op {code}).")
    return op


def _binary_function(code: int, name: str) -> Any:
    def op(x1: ArrayLike, x2: ArrayLike, /) -> Tensor:
        return _C.binary(code, x1, x2)

    op.__name__ = op.__qualname__ = name
    op.__doc__ = (f"{name}(x1, x2, /)\n\nThe Array API's {name}, elementwise "
                  f"with broadcasting: the core's binary operation '{name}' "
                  f"(sg_binary_op {code}).")
    return op


def _make_elementwise_functions() -> None:
    """One function per operation of the core's registry, named as the C
    ABI names it: an operation added to the core appears here without a
    Python edit. Runs once, on first use (see __getattr__)."""
    namespace = globals()
    if "__all__" in namespace:
        return
    ops = [_unary_function(code, name) for code, name in enumerate(_C.unary_op_names())]
    ops += [_binary_function(code, name) for code, name in enumerate(_C.binary_op_names())]
    namespace.update({op.__name__: op for op in ops})
    namespace["__all__"] = _PUBLIC + [d.name for d in _dtypes._ALL] + [op.__name__ for op in ops]


def __getattr__(name: str) -> Any:
    """The elementwise functions and __all__, made on first use (PEP 562):
    reading the registry's names costs the core about 2 MB of memory, which
    `import swiftgrad` alone does not pay."""
    if name == "tensor":
        return __import__("importlib").import_module(".tensor", __name__)
    if name == "__all__" or not name.startswith("_"):
        _make_elementwise_functions()
        if name in globals():
            return globals()[name]
        if name in _THEANO_MISSING:
            raise _theano.missing(f"theano.{name}", _THEANO_MISSING[name])
    raise AttributeError(f"module 'swiftgrad' has no attribute {name!r}")


# Theano's top-level names that swiftgrad does not have.
_THEANO_MISSING = {
    "scan_module": "Theano's loops are swiftgrad.scan, map, reduce, foldl and foldr",
    "gpuarray": "swiftgrad runs on the CPU",
    "sparse": "there are no sparse tensors",
    "d3viz": "use swiftgrad.debugprint",
    "OpFromGraph": "",
    "compile": "theano.function, In, Out and Mode are at the top level",
    "Op": "write a custom op with swiftgrad.autograd.Function or custom_vjp",
    "misc": "",
    "typed_list": "",
    "check_value": "",
}


def __dir__() -> list[str]:
    _make_elementwise_functions()
    return sorted(globals())


def clip(x: ArrayLike, /, min: Any = None, max: Any = None) -> Tensor:  # noqa: A002
    """Each element of x limited to [min, max] (the Array API's clip);
    either bound may be None. Bounds broadcast against x and take its
    dtype; the result has x's dtype."""
    return _C.clip(x, min, max)


def dot(a: ArrayLike, b: ArrayLike, /) -> Tensor:
    """numpy.dot for operands of up to two dimensions (Theano's T.dot)."""
    return _C.dot(a, b)


# ------------------------------------ reductions and linear algebra
# importlib, not `from . import`: that would ask __getattr__ first.
linalg = __import__("importlib").import_module(".linalg", __name__)
from ._linalg import einsum, matmul, tensordot, vecdot  # noqa: E402
from ._linalg import matrix_transpose  # noqa: E402
from ._reductions import (all, any, argmax, argmin, cumulative_sum, max,  # noqa: E402,A004
                          mean, min, prod, std, sum, var)
# ------------------------------------ end reductions and linear algebra
from ._stable import (binary_cross_entropy_with_logits, log_sigmoid,  # noqa: E402
                      log_softmax, logsumexp, softmax)
from ._stable import __all__ as _STABLE  # noqa: E402
from ._jit import jit  # noqa: E402
# Theano's loops; map and reduce stay out of __all__ so a star import keeps the builtins.
from ._scan import foldl, foldr, map, reduce, scan  # noqa: E402,A004


# -------------------------------------------------------------- autograd

def grad(cost: Tensor, wrt: Tensor | Sequence[Tensor], *, create_graph: _builtins.bool = False,
         disconnected_inputs: str = "raise", **theano_options: Any) -> Any:
    """The gradients of the one-element tensor `cost` with respect to `wrt`
    (Theano's T.grad): one tensor for one, a list for a list. Symbolic
    graphs give symbolic gradients; eager graphs give values, which record
    graphs of their own with create_graph=True (so they can be
    differentiated again). A tensor of `wrt` the cost does not depend on
    raises ValueError, or with disconnected_inputs='warn' or 'ignore' gets
    zeros (after a warning for 'warn'). Theano's other keywords
    (consider_constant, known_grads, ...) go to swiftgrad.gradient.grad."""
    if theano_options:
        return gradient.grad(cost, wrt, disconnected_inputs=disconnected_inputs, **theano_options)
    if disconnected_inputs not in ("raise", "warn", "ignore"):
        raise ValueError(f"[grad] disconnected_inputs must be 'raise', 'warn' or 'ignore', "
                         f"not {disconnected_inputs!r}")
    single = isinstance(wrt, Tensor)
    targets = [wrt] if single else wrt
    flags = _C.GRAD_CREATE_GRAPH if create_graph else 0
    if disconnected_inputs == "warn":
        try:
            grads = _C.grad(cost, targets, flags)
        except ValueError as error:
            if "does not depend on" not in str(error):
                raise
            import warnings

            warnings.warn(str(error), stacklevel=2)
            grads = _C.grad(cost, targets, flags | _C.GRAD_ALLOW_UNUSED)
    else:
        if disconnected_inputs == "ignore":
            flags |= _C.GRAD_ALLOW_UNUSED
        grads = _C.grad(cost, targets, flags)
    return grads[0] if single else grads


def jvp(outputs: Tensor | Sequence[Tensor], wrt: Tensor | Sequence[Tensor],
        tangents: Any) -> Any:
    """Forward mode over a graph (Theano's Rop): how much each output moves,
    to first order, when each tensor of `wrt` moves by its tangent. One
    tensor for one output, a list for a list. Symbolic graphs give symbolic
    results a function can compile; eager outputs need `wrt` to require
    grad while they are computed (see swiftgrad.func.jvp for functions)."""
    single = isinstance(outputs, Tensor)
    outs = [outputs] if single else list(outputs)
    xs = [wrt] if isinstance(wrt, Tensor) else list(wrt)
    ts = [tangents] if isinstance(wrt, Tensor) else list(tangents)
    if len(ts) != len(xs):
        raise ValueError(f"[jvp] {len(xs)} inputs but {len(ts)} tangents")
    ts = [t if isinstance(t, Tensor) else asarray(t, dtype=x.dtype) for x, t in zip(xs, ts)]
    results = _C.jvp(outs, xs, ts)
    return results[0] if single else results


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


class enable_grad(contextlib.ContextDecorator):
    """Turns recording of eager graphs back on in this thread, inside
    no_grad too (PyTorch's torch.enable_grad)."""

    def __enter__(self) -> None:
        self._previous = _C._set_grad_enabled(True)

    def __exit__(self, *exc_info: object) -> None:
        _C._set_grad_enabled(self._previous)

    def _recreate_cm(self) -> enable_grad:
        return type(self)()


# ---------------------------------------------------------------- symbolic

def placeholder(shape: Sequence[int | None], dtype: Any = "float64",
                name: str | None = None) -> Tensor:
    """A symbolic input of a compiled function; None in `shape` leaves that
    length open until the call (T.dmatrix is placeholder((None, None)))."""
    return _C.placeholder(_dtypes.code("float64" if dtype is None else dtype, "placeholder"),
                          shape, name)


def shared(value: ArrayLike, name: str | None = None, strict: _builtins.bool = False,
           allow_downcast: _builtins.bool | None = None, borrow: _builtins.bool = False,
           broadcastable: Sequence[_builtins.bool] | None = None) -> Tensor:
    """A shared variable starting at a copy of `value` (Theano's
    theano.shared). Operations on it build symbolic graphs that read its
    value when a compiled function runs; function updates change it.
    borrow=True is accepted; the value is copied all the same, which
    Theano allows. `broadcastable`, if given, must match the value's shape
    (a shared variable's shape is the value's)."""
    variable = _C.shared(value, name, -1)
    if broadcastable is not None and tuple(broadcastable) != variable.broadcastable:
        raise _theano.missing(f"shared(broadcastable={tuple(broadcastable)}) for a value of shape "
                              f"{variable.shape}", "a shared variable's shape is its value's")
    return variable


def function(inputs: Sequence[Any] = (), outputs: Any = None, mode: Any = None,
             updates: Mapping[Tensor, Any] | Iterable[tuple[Tensor, Any]] | None = None,
             givens: Mapping[Tensor, Any] | Iterable[tuple[Tensor, Any]] | None = None,
             no_default_updates: _builtins.bool = False, *, name: str | None = None,
             allow_input_downcast: _builtins.bool | None = None,
             on_unused_input: str | None = None, **theano_keywords: Any) -> Any:
    """Compiles a function from placeholders to outputs (Theano's
    theano.function). `outputs` is one tensor (the function returns one
    tensor) or a list of them (it returns a list). `updates` pairs shared
    variables with new values, computed from the values before the call
    and then all written:

        >>> train = swiftgrad.function([x, y], cost, updates=[(W, W - 0.1 * gW)])

    `givens` pairs tensors of the graph (placeholders that are not inputs,
    shared variables, expressions) with replacements of the same dtype and
    rank, substituted before compiling; Theano's minibatch idiom:

        >>> train = swiftgrad.function([i], cost, updates=...,
        ...     givens={x: data_x[i * 20:(i + 1) * 20], y: data_y[i * 20:(i + 1) * 20]})

    Shared variables with a default update (the states of RandomStreams)
    that `updates` leaves out get it, unless `no_default_updates`.

    Theano's keywords: inputs may be `In(x, value=default, name=...)`,
    outputs `Out(y)`; `allow_input_downcast=True` converts arguments to
    the inputs' dtypes (without it an array that would lose precision
    raises TypeError); `on_unused_input` ('raise', Theano's default from
    config, 'warn' or 'ignore') is what an input no output needs does;
    `mode` may be 'FAST_RUN', 'FAST_COMPILE' or a `Mode` (others raise
    NotImplementedError); `name` names the function."""
    _theano.config.check_flags()
    _theano.check_keywords(theano_keywords)
    if isinstance(mode, (list, tuple, Mapping)):
        raise TypeError("[function] the third argument is mode, as in Theano; pass updates=...")
    _theano.check_mode(mode)
    policy = _theano.config.on_unused_input if on_unused_input is None else on_unused_input
    if policy not in ("raise", "warn", "ignore"):
        raise ValueError(f"[function] on_unused_input must be 'raise', 'warn' or 'ignore', "
                         f"not {policy!r}")
    if isinstance(inputs, (Tensor, _theano.In)):
        inputs = [inputs]
    if not isinstance(inputs, (list, tuple)) or not _builtins.all(
            isinstance(i, (Tensor, _theano.In)) for i in inputs):
        return _C.function(inputs, [], [], [], False)  # the extension's TypeError
    ins = [i if isinstance(i, _theano.In) else _theano.In(i) for i in inputs]
    variables = [i.variable for i in ins]
    single = not isinstance(outputs, (list, tuple))
    if outputs is None:
        outs: list[Tensor] = []
        single = False
    else:
        outs = [_as_output(o) for o in ([outputs] if single else outputs)]
    update_vars, values = _updates(updates)
    given_vars, given_values = _givens(givens) if givens is not None else ([], [])
    fn = _C.function(variables, outs, update_vars, values, single, given_vars, given_values,
                     1 if no_default_updates else 0)
    _theano.check_unused(fn, variables, policy)
    plain = name is None and allow_input_downcast is None and _builtins.all(
        i.value is _theano._NO_VALUE and i.allow_downcast is None and not i.strict
        and i.name == i.variable.name for i in ins)
    return fn if plain else _theano.CompiledFunction(fn, ins, allow_input_downcast, name)


def _givens(givens: Any) -> tuple[list[Tensor], list[Tensor]]:
    return _pairs(givens, "givens must be (tensor, replacement) pairs",
                  lambda v: isinstance(v, Tensor), "a given must replace a Tensor")


def _as_output(obj: Any) -> Tensor:
    if isinstance(obj, _theano.Out):
        obj = obj.variable
    if isinstance(obj, Mapping):
        raise _theano.missing("outputs given as a dict", "pass a list of outputs")
    return obj if isinstance(obj, Tensor) else asarray(obj)


def _updates(updates: Any) -> tuple[list[Tensor], list[Tensor]]:
    if updates is None:
        return [], []
    return _pairs(updates, "updates must be (shared variable, value) pairs",
                  lambda v: isinstance(v, Tensor) and v._kind == _C.KIND_SHARED,
                  "only shared variables can be updated")


def _pairs(pairs: Any, shape_error: str, accepts: Any, kind_error: str) -> tuple[list[Tensor], list[Tensor]]:
    """(tensor, value) pairs from a mapping or a sequence of pairs; values
    that are not tensors take their tensor's dtype."""
    variables, values = [], []
    for pair in pairs.items() if isinstance(pairs, Mapping) else pairs:
        try:
            if isinstance(pair, Tensor):  # iterable, but never a pair
                raise TypeError
            variable, value = pair
        except (TypeError, ValueError):
            raise TypeError(f"[function] {shape_error}, not {pair!r}") from None
        if not accepts(variable):
            raise TypeError(f"[function] {kind_error}, not {variable!r}")
        if not isinstance(value, Tensor):
            value = asarray(value, dtype=variable.dtype)
        variables.append(variable)
        values.append(value)
    return variables, values


_PUBLIC = [
    "__array_api_version__", "DType", "Tensor", "Function",
    "e", "pi", "inf", "nan", "newaxis",
    "__array_namespace_info__", "asarray", "from_dlpack", "astype", "permute_dims", "clip", "matmul", "dot", "sum", "mean",
    # reductions and linear algebra
    "prod", "var", "std", "max", "min", "argmax", "argmin", "all", "any",
    "cumulative_sum", "tensordot", "vecdot", "einsum", "matrix_transpose", "linalg",
    "result_type", "can_cast", "finfo", "iinfo", "isdtype",
    "grad", "jvp", "no_grad", "enable_grad", "func", "autograd", "custom_vjp", "gradcheck",
    "gradgradcheck", "placeholder", "shared", "function", "jit", "scan", "debugprint", "pp",
    # creation, random, sorting and sets
    "zeros", "ones", "empty", "full", "zeros_like", "ones_like", "empty_like", "full_like",
    "arange", "linspace", "eye", "meshgrid", "tril", "triu", "random",
    "sort", "argsort", "searchsorted", "unique_all", "unique_counts", "unique_inverse",
    "unique_values",
] + _INDEXING + _STABLE  # views and indexing; stable functions


# ---------------------------------------------------------------- Theano
# Theano's namespace: `import swiftgrad as theano; import swiftgrad.tensor
# as T` (see _theano.py, tensor/, gradient.py, ifelse.py).


def Param(variable: Tensor, default: Any = None, name: str | None = None, **options: Any) -> Any:
    """Theano's older form of In: `default` is the value (None: none)."""
    value = _theano._NO_VALUE if default is None else default
    return _theano.In(variable, name=name, value=value, **options)


change_flags = config.change_flags  # Theano's theano.change_flags
_PUBLIC += ["config", "change_flags", "Mode", "In", "Out", "Param", "UnusedInputError", "tensor",
            "gradient", "ifelse"]
gradient = __import__("importlib").import_module(".gradient", __name__)
ifelse = __import__("importlib").import_module(".ifelse", __name__)
# swiftgrad.tensor loads on first use (it reads the elementwise functions).
