"""swiftgrad.Tensor: the Python face of the C type _swiftgrad._Tensor."""

from __future__ import annotations

import math
from typing import Any

from . import _dtypes, _reductions
from . import _swiftgrad as _C
from ._dtypes import DType

_KIND_NAMES = {
    _C.KIND_PLACEHOLDER: "symbolic",
    _C.KIND_SYMBOLIC: "symbolic",
    _C.KIND_SHARED: "shared",
}


class Tensor(_C._Tensor):
    """An n-dimensional array of one of swiftgrad's dtypes (bool, signed and
    unsigned integers, float32, float64, complex64, complex128).

    A tensor either holds a value (a NumPy-like array) or is symbolic: an
    expression over placeholders and shared variables that a compiled
    function evaluates. Operators, broadcasting and dtype promotion follow
    the Array API; Python numbers take the dtype of the tensor they meet
    where their kind fits (x * 2 keeps float32, int32 * 0.5 is float64).

        >>> x = swiftgrad.asarray([[1.0, 2.0], [3.0, 4.0]])
        >>> x.requires_grad = True
        >>> (x * x).sum().backward()
        >>> x.grad
        array([[2., 4.],
               [6., 8.]])

    Indexed assignment (x[i] = v) writes into the tensor's own storage, as
    NumPy's does; numpy.asarray(t) shares the memory read-only. Iteration
    gives the views along the first axis. Comparisons give bool tensors;
    hashing is by identity, so tensors can be dict keys.
    """

    __slots__ = ()

    def __new__(cls, data: Any, dtype: Any = None) -> Tensor:
        return super().__new__(cls, data, _dtypes.code(dtype, "Tensor"))

    # ---- attributes

    @property
    def dtype(self) -> DType:
        """The element type, such as swiftgrad.float64."""
        return _dtypes.from_code(self._dtype)

    @property
    def size(self) -> int | None:
        """The number of elements; None if a length is not known yet."""
        shape = self.shape
        return None if None in shape else math.prod(shape)  # type: ignore[arg-type]

    @property
    def T(self) -> Tensor:
        """The tensor with its axes reversed (the transpose of a matrix)."""
        return _C.permute_dims(self, tuple(range(self.ndim - 1, -1, -1)))

    # BEGIN views and indexing
    @property
    def mT(self) -> Tensor:
        """The tensor with its last two axes swapped (a view)."""
        return _C.matrix_transpose(self)

    def reshape(self, *shape: Any, copy: bool | None = None) -> Tensor:
        """The elements seen as `shape` (a tuple or separate ints; one may
        be -1): a view where strides allow."""
        target = shape[0] if len(shape) == 1 else shape
        try:
            return _C.reshape(self, target, copy)
        except TypeError:
            from ._theano import static_lengths

            lengths = static_lengths(target, "reshape")  # Theano's x.shape[0] entries
            if lengths is None:
                raise
            return _C.reshape(self, lengths, copy)

    # END views and indexing

    @property
    def device(self) -> str:
        return "cpu"

    # ---- Theano's TensorVariable (see _theano.py)

    @property
    def shape(self) -> tuple[int | None, ...]:
        """The lengths of the axes, None where known only at run time;
        indexing such a length gives it as a symbolic 0-d int64 tensor, so
        Theano's T.arange(y.shape[0]) works."""
        shape = _SHAPE.__get__(self, Tensor)
        if None in shape:
            from ._theano import SymbolicShape

            return SymbolicShape(self, shape)
        return shape

    @property
    def type(self) -> Any:
        """Theano's type: the dtype and which axes broadcast (T.dmatrix
        itself for a float64 matrix, as in Theano)."""
        from ._theano import TensorType

        shape = _SHAPE.__get__(self, Tensor)
        if all(n is None or n == 1 for n in shape):
            from .tensor import typed

            found = typed(self.dtype.name, tuple(n == 1 for n in shape))
            if found is not None:
                return found
        return TensorType(self.dtype, shape=shape)

    @property
    def broadcastable(self) -> tuple[bool, ...]:
        """For each axis, whether its length is known to be 1."""
        return tuple(n == 1 for n in _SHAPE.__get__(self, Tensor))

    def dimshuffle(self, *pattern: Any) -> Tensor:
        """Theano's dimshuffle: output axis i is input axis pattern[i], or a
        new axis of length 1 where pattern[i] is 'x'; input axes left out
        must have length 1 and are dropped."""
        import swiftgrad

        if len(pattern) == 1 and isinstance(pattern[0], (list, tuple)):
            pattern = tuple(pattern[0])
        kept = [p for p in pattern if p != "x"]
        if any(not isinstance(p, int) or not 0 <= p < self.ndim for p in kept) or \
                len(set(kept)) != len(kept):
            raise ValueError(f"[dimshuffle] {pattern} is not a pattern for {self.ndim} axes")
        shape = _SHAPE.__get__(self, Tensor)
        dropped = [a for a in range(self.ndim) if a not in kept]
        for a in dropped:
            if shape[a] != 1:
                raise ValueError(f"[dimshuffle] axis {a} is left out of {pattern} but its length "
                                 f"is {shape[a]}, not 1")
        x = swiftgrad.squeeze(self, axis=tuple(dropped)) if dropped else self
        order = [p - sum(1 for d in dropped if d < p) for p in kept]
        if order != sorted(order):
            x = swiftgrad.permute_dims(x, order)
        for i, p in enumerate(pattern):
            if p == "x":
                x = swiftgrad.expand_dims(x, axis=i)
        return x

    def eval(self, inputs_to_values: Any = None) -> Tensor:
        """The value, computed by a function of the placeholders given in
        `inputs_to_values` (a dict from them to values)."""
        if self._kind == _C.KIND_VALUE:
            return self
        import swiftgrad

        pairs = dict(inputs_to_values or {})
        fn = swiftgrad.function(list(pairs), self, on_unused_input="ignore")
        return fn(*pairs.values())

    def flatten(self, ndim: int = 1) -> Tensor:
        """Theano's flatten: the first ndim - 1 axes kept, the rest joined."""
        from ._theano import missing

        if not 1 <= ndim <= max(self.ndim, 1):
            raise ValueError(f"[flatten] ndim must be in 1..{self.ndim}, not {ndim}")
        shape = _SHAPE.__get__(self, Tensor)
        lead, rest = shape[:ndim - 1], shape[ndim - 1:]
        if len(rest) == 1:
            return self  # nothing to join
        if None in lead and (None in rest or lead.count(None) > 1):
            raise missing(f"flatten(ndim={ndim}) of shape {shape} (more than one length known "
                          f"only at run time)")
        if None in lead:
            return self.reshape(tuple(-1 if n is None else n for n in lead) + (math.prod(rest),))
        return self.reshape(tuple(lead) + (-1,))

    def transpose(self, *axes: Any) -> Tensor:
        """The axes reversed, or in the order given."""
        if len(axes) == 1 and isinstance(axes[0], (list, tuple)):
            axes = tuple(axes[0])
        return _C.permute_dims(self, axes or tuple(range(self.ndim - 1, -1, -1)))

    def dot(self, other: Any) -> Tensor:
        """Theano's x.dot(y): numpy.dot."""
        from .tensor import dot

        return dot(self, other)

    def zeros_like(self, dtype: Any = None) -> Tensor:
        """Zeros of this tensor's shape (and dtype unless given)."""
        import swiftgrad

        return swiftgrad.zeros_like(self, dtype=dtype)

    def ones_like(self, dtype: Any = None) -> Tensor:
        """Ones of this tensor's shape (and dtype unless given)."""
        import swiftgrad

        return swiftgrad.ones_like(self, dtype=dtype)

    def cumsum(self, axis: int | None = None) -> Tensor:
        """Theano's running sums along axis (of the flattened tensor when None)."""
        from .tensor import cumsum

        return cumsum(self, axis)

    def norm(self, L: int = 2, axis: Any = None) -> Tensor:
        """Theano's L-norm over axis (all elements by default)."""
        from .tensor import norm

        return norm(self, L, axis)

    def get_value(self, borrow: bool = False, return_internal_type: bool = False) -> Any:
        """A shared variable's value as a NumPy array (Theano's): a copy, or
        with borrow=True a read-only array over the variable's current
        memory (which later updates never write into)."""
        import numpy

        array = numpy.asarray(memoryview(_GET_VALUE(self)))
        return array if borrow or return_internal_type else array.copy()

    def set_value(self, value: Any, borrow: bool = False) -> None:
        """Replaces a shared variable's value with a copy of `value`."""
        _SET_VALUE(self, value)

    # ---- methods

    def sum(self, axis: int | tuple[int, ...] | None = None,
            keepdims: bool = False, dtype: Any = None) -> Tensor:
        """The sum over `axis` (all axes by default); integers and bools sum
        to int64 (uint64 for unsigned) unless `dtype` says otherwise."""
        return _reductions.sum(self, axis=axis, keepdims=keepdims, dtype=dtype)

    def mean(self, axis: int | tuple[int, ...] | None = None,
             keepdims: bool = False, dtype: Any = None) -> Tensor:
        """The mean over `axis` (all axes by default) of a floating tensor."""
        return _reductions.mean(self, axis=axis, keepdims=keepdims, dtype=dtype)

    # ---- reductions as methods (NumPy's spellings; see _reductions.py)

    def prod(self, axis: int | tuple[int, ...] | None = None, keepdims: bool = False,
             dtype: Any = None) -> Tensor:
        """The product over `axis` (all axes by default)."""
        return _reductions.prod(self, axis=axis, keepdims=keepdims, dtype=dtype)

    def max(self, axis: int | tuple[int, ...] | None = None, keepdims: bool = False) -> Tensor:
        """The largest element over `axis`; NaN propagates."""
        return _reductions.max(self, axis=axis, keepdims=keepdims)

    def min(self, axis: int | tuple[int, ...] | None = None, keepdims: bool = False) -> Tensor:
        """The smallest element over `axis`; NaN propagates."""
        return _reductions.min(self, axis=axis, keepdims=keepdims)

    def argmax(self, axis: int | None = None, keepdims: bool = False) -> Tensor:
        """The index of the first largest element along `axis`."""
        return _reductions.argmax(self, axis=axis, keepdims=keepdims)

    def argmin(self, axis: int | None = None, keepdims: bool = False) -> Tensor:
        """The index of the first smallest element along `axis`."""
        return _reductions.argmin(self, axis=axis, keepdims=keepdims)

    def all(self, axis: int | tuple[int, ...] | None = None, keepdims: bool = False) -> Tensor:
        """Whether every element over `axis` is nonzero."""
        return _reductions.all(self, axis=axis, keepdims=keepdims)

    def any(self, axis: int | tuple[int, ...] | None = None, keepdims: bool = False) -> Tensor:
        """Whether some element over `axis` is nonzero."""
        return _reductions.any(self, axis=axis, keepdims=keepdims)

    def var(self, axis: int | tuple[int, ...] | None = None, keepdims: bool = False,
            correction: float = 0.0) -> Tensor:
        """The variance over `axis`, dividing by N - correction."""
        return _reductions.var(self, axis=axis, keepdims=keepdims, correction=correction)

    def std(self, axis: int | tuple[int, ...] | None = None, keepdims: bool = False,
            correction: float = 0.0) -> Tensor:
        """The standard deviation over `axis`, dividing by N - correction."""
        return _reductions.std(self, axis=axis, keepdims=keepdims, correction=correction)

    # ---- end reductions as methods

    def astype(self, dtype: Any, /, *, copy: bool = True) -> Tensor:
        """The tensor converted to `dtype`: a new tensor, or with
        copy=False this one where the dtype is already `dtype`."""
        code = _dtypes.as_dtype(dtype, "astype")._code
        if code != self._dtype:
            return _C.astype(self, code)
        if not copy or self._kind != _C.KIND_VALUE:
            return self
        if self.dtype.name == "bool":
            return self.copy()
        import swiftgrad

        return swiftgrad.positive(self)  # a copy that keeps the gradient

    def numpy(self) -> Any:
        """A read-only NumPy array sharing the tensor's memory."""
        return self.__array__()

    # ---- interoperability

    def __array__(self, dtype: Any = None, copy: bool | None = None) -> Any:
        import numpy

        array = numpy.asarray(memoryview(self))
        if dtype is not None and array.dtype != dtype:
            if copy is False:
                raise ValueError(
                    f"converting {self.dtype} to {dtype} needs a copy")
            return array.astype(dtype)
        return array.copy() if copy else array

    def __array_namespace__(self, *, api_version: str | None = None) -> Any:
        if api_version not in (None, "2021.12", "2022.12", "2023.12"):
            raise ValueError(f"unsupported Array API version {api_version!r}")
        import swiftgrad

        return swiftgrad

    # NumPy functions and ufuncs called on tensors run in swiftgrad.
    def __array_ufunc__(self, ufunc: Any, method: str, *inputs: Any, **kwargs: Any) -> Any:
        from . import _interop

        return _interop.array_ufunc(ufunc, method, inputs, kwargs)

    def __array_function__(self, func: Any, types: Any, args: Any, kwargs: Any) -> Any:
        from . import _interop

        return _interop.array_function(func, args, kwargs)

    def __dlpack__(self, *, stream: Any = None, max_version: tuple[int, int] | None = None,
                   dl_device: tuple[int, int] | None = None, copy: bool | None = None) -> Any:
        """A DLPack capsule sharing this tensor's memory (a copy's if
        copy=True); versioned and marked read-only when the consumer
        accepts DLPack 1.0."""
        if stream is not None:
            raise ValueError("__dlpack__: stream must be None for CPU tensors")
        if dl_device is not None and tuple(dl_device) != _CPU:
            raise BufferError(f"__dlpack__: cannot export to device {dl_device}; tensors live on the CPU")
        source = self.copy() if copy else self
        return _C._to_dlpack(source, max_version is not None and max_version[0] >= 1)

    def __dlpack_device__(self) -> tuple[int, int]:
        return _CPU

    def to_device(self, device: Any, /, *, stream: Any = None) -> Tensor:
        """This tensor: the CPU is swiftgrad's only device."""
        if device != "cpu":
            raise ValueError(f"to_device: unknown device {device!r}; swiftgrad has 'cpu'")
        return self

    # ---- autograd (PyTorch's names)

    @property
    def data(self) -> Tensor:
        """The value without graph history, sharing this tensor's memory:
        writes through it are not recorded."""
        return self.detach()

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        """Sets requires_grad; returns this tensor."""
        self.requires_grad = requires_grad
        return self

    @property
    def grad_fn(self) -> GradFn | None:
        """The recorded operation that made this tensor, or None for a leaf."""
        name = _C._op_name(self)
        return GradFn(name) if name else None

    @property
    def is_leaf(self) -> bool:
        """Whether no recorded operation made this tensor (tensors that do
        not require grad are leaves, as in PyTorch)."""
        return not self.requires_grad or not _C._op_name(self)

    @property
    def grad(self) -> Tensor | None:
        """The gradient backward() accumulated into this leaf (or into a
        non-leaf that retains it), or None. Reading it on a non-leaf that
        does not warns, as PyTorch does: backward leaves it None."""
        g = _GRAD.__get__(self, Tensor)
        if g is None and self.requires_grad and not self.is_leaf and not self.retains_grad:
            import warnings

            warnings.warn("the .grad of a tensor that is not a leaf is not filled by backward(); "
                          "call retain_grad() on it first, or read the leaf's .grad", UserWarning,
                          stacklevel=2)
        return g

    @grad.setter
    def grad(self, value: Any) -> None:
        _GRAD.__set__(self, value)

    @grad.deleter
    def grad(self) -> None:
        _GRAD.__set__(self, None)

    def retain_grad(self) -> None:
        """Keeps this non-leaf's gradient in .grad after backward (leaves
        keep theirs anyway), as PyTorch's retain_grad."""
        _C._retain_grad(self)

    @property
    def retains_grad(self) -> bool:
        """Whether backward stores this non-leaf's gradient in .grad."""
        return _C._retains_grad(self)

    def register_hook(self, hook: Any) -> RemovableHandle:
        """Calls hook(grad) with this tensor's gradient each time a
        backward pass (or swiftgrad.grad) computes it, before it is used or
        accumulated; a tensor the hook returns replaces the gradient. The
        handle's remove() takes the hook off. A hook that refers to its
        own tensor keeps both alive until it is removed."""
        def call(grad: Tensor) -> Any:
            result = hook(grad)
            if result is None or isinstance(result, Tensor):
                return result
            import swiftgrad

            return swiftgrad.asarray(result, dtype=grad.dtype)

        return RemovableHandle(self, _C._register_hook(self, call))

    # ---- in place: x op= y writes into x's memory (the extension's
    # in-place number slots, sg_binary_update); symbolic tensors, which
    # have none, get a new node, as x = x op y.

    def __imatmul__(self, other: Any) -> Tensor:
        result = self @ other
        if self._kind != _C.KIND_VALUE:
            return result
        if result.dtype != self.dtype or result.shape != self.shape:
            raise ValueError(f"[@=] the result ({result.dtype}, shape {result.shape}) cannot be "
                             f"written into a {self.dtype} tensor of shape {self.shape} in place")
        self[...] = result
        return self

    def add_(self, other: Any, *, alpha: Any = 1) -> Tensor:
        """self += alpha * other, in place."""
        x = self
        x += other if alpha == 1 else other * alpha
        return x

    def sub_(self, other: Any, *, alpha: Any = 1) -> Tensor:
        """self -= alpha * other, in place."""
        x = self
        x -= other if alpha == 1 else other * alpha
        return x

    def mul_(self, other: Any) -> Tensor:
        x = self
        x *= other
        return x

    def div_(self, other: Any) -> Tensor:
        x = self
        x /= other
        return x

    def fill_(self, value: Any) -> Tensor:
        """Every element set to `value`, in place."""
        self[...] = value
        return self

    def zero_(self) -> Tensor:
        """Every element set to zero, in place (p.grad.zero_())."""
        return self.fill_(0)

    def copy_(self, source: Any) -> Tensor:
        """The elements of `source` (broadcast, converted) copied in."""
        self[...] = source
        return self

    # Every array function of the namespace as a method too: x.exp(),
    # x.tanh(), x.max(axis=0), x.flip(), ...
    def __getattr__(self, name: str) -> Any:
        if name in _method_names():
            import functools

            import swiftgrad

            return functools.partial(getattr(swiftgrad, name), self)
        if name in _THEANO_MISSING:
            from ._theano import missing

            raise missing(f"Theano's TensorVariable.{name}", _THEANO_MISSING[name])
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    # ---- Python protocols

    def __iter__(self) -> Any:
        """The views along the first axis."""
        if self.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(len(self)))

    def __format__(self, spec: str) -> str:
        if not spec:
            return str(self)
        if self.ndim == 0:
            return format(self.item(), spec)
        raise TypeError(f"unsupported format string passed to {type(self).__name__}.__format__")

    def copy(self) -> Tensor:
        """A new tensor holding a copy of the value (no graph history)."""
        shape = self.shape
        return _C._from_bytes(memoryview(self).tobytes(), self._dtype, shape)

    def __copy__(self) -> Tensor:
        return self.copy()

    def __deepcopy__(self, memo: Any) -> Tensor:
        return self.copy()

    def __reduce__(self) -> tuple:
        if self._kind != _C.KIND_VALUE:
            raise TypeError("cannot pickle a symbolic tensor; pickle its value or the compiled function's inputs")
        return (_rebuild, (memoryview(self).tobytes(), self.dtype.name, self.shape))

    # ---- printing (numpy's rules; _printing loads on first use)

    def __repr__(self) -> str:
        if self._kind != _C.KIND_VALUE:
            return self._describe()
        from . import _printing

        return _printing.array_repr(self, self.requires_grad)

    def __str__(self) -> str:
        if self._kind != _C.KIND_VALUE:
            return self._describe()
        from . import _printing

        return _printing.array_str(self)

    def _describe(self) -> str:
        shape = "(" + ", ".join(map(str, self.shape)) + ("," if self.ndim == 1 else "") + ")"
        text = (f"Tensor({_KIND_NAMES[self._kind]}, shape={shape}, "
                f"dtype={self.dtype}")
        if self.name is not None:
            text += f", name={self.name!r}"
        return text + ")"


class RemovableHandle:
    """What register_hook returns: remove() takes the hook off."""

    __slots__ = ("_tensor", "id")

    def __init__(self, tensor: Tensor, id: int) -> None:
        self._tensor: Tensor | None = tensor
        self.id = id

    def remove(self) -> None:
        """Removes the hook; removing it again does nothing."""
        if self._tensor is not None:
            _C._remove_hook(self._tensor, self.id)
            self._tensor = None

    def __enter__(self) -> RemovableHandle:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.remove()


class GradFn:
    """The recorded operation that made a tensor (PyTorch's grad_fn)."""

    __slots__ = ("_name",)

    def __init__(self, name: str) -> None:
        self._name = name

    def name(self) -> str:
        return self._name

    def __repr__(self) -> str:
        return f"<GradFn {self._name}>"


_METHODS: frozenset[str] | None = None

# Attributes of Theano's variables that swiftgrad's tensors do not have.
_THEANO_MISSING = {
    "owner": "graph nodes are not exposed; swiftgrad.pp(x) prints the expression",
    "tag": "test values are not computed",
    "clone": "",
    "container": "",
    "get_parents": "",
}

# Namespace functions of one array that are methods as well (beyond the
# elementwise ones, which all are).
_ARRAY_FUNCTIONS = (
    "max", "min", "prod", "var", "std", "argmax", "argmin", "all", "any", "cumulative_sum",
    "flip", "roll", "repeat", "tile", "squeeze", "expand_dims", "moveaxis", "permute_dims",
    "matrix_transpose", "broadcast_to", "take", "nonzero", "sort", "argsort", "clip",
    "matmul", "tensordot", "vecdot", "tril", "triu", "unstack",
    "logsumexp", "softmax", "log_softmax", "log_sigmoid",
)


def _method_names() -> frozenset[str]:
    global _METHODS
    if _METHODS is None:
        import swiftgrad

        names = set(_C.unary_op_names()) | set(_C.binary_op_names())
        names |= {n for n in _ARRAY_FUNCTIONS if hasattr(swiftgrad, n)}
        _METHODS = frozenset(names)
    return _METHODS


_CPU = (1, 0)  # DLPack's kDLCPU, device 0


def _rebuild(data: bytes, dtype: str, shape: tuple[int, ...]) -> Tensor:
    return _C._from_bytes(data, _dtypes.as_dtype(dtype, "unpickle")._code, shape)


_GRAD = _C._Tensor.grad  # the extension's descriptor, under Tensor.grad
_SHAPE = _C._Tensor.shape
_GET_VALUE = _C._Tensor.get_value
_SET_VALUE = _C._Tensor.set_value

_C._set_tensor_class(Tensor)
