"""Theano's compile-time API over swiftgrad: `config`, `Mode`, `In`, `Out`,
the keywords of `theano.function`, symbolic shapes (`x.shape[0]`) and
Theano's tensor types. Settings and features that swiftgrad does not have
raise NotImplementedError naming them; none is ignored where it would
change results."""

from __future__ import annotations

import contextlib
import os
import re
import sys
import warnings
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from . import _dtypes
from . import _swiftgrad as _C
from ._tensor import Tensor


class UnusedInputError(ValueError):
    """An input of theano.function that no output or update needs (Theano's
    on_unused_input='raise')."""


def missing(feature: str, hint: str = "") -> NotImplementedError:
    """The error for a Theano feature swiftgrad does not have."""
    text = f"{feature} is not implemented in swiftgrad"
    return NotImplementedError(text + (f"; {hint}" if hint else ""))


# Theano's modules that swiftgrad does not have: importing one (`from
# theano.sandbox.rng_mrg import MRG_RandomStreams`) raises
# NotImplementedError naming it. The finder runs after the ordinary ones,
# so a module added to swiftgrad is found first.
_MISSING_MODULES = {
    "swiftgrad.sandbox.cuda": "swiftgrad runs on the CPU",
    "swiftgrad.sandbox.gpuarray": "swiftgrad runs on the CPU",
    "swiftgrad.gpuarray": "swiftgrad runs on the CPU",
    "swiftgrad.sparse": "there are no sparse tensors",
    "swiftgrad.d3viz": "use swiftgrad.debugprint",
    "swiftgrad.gof": "graph internals are not exposed",
    "swiftgrad.graph": "graph internals are not exposed",
    "swiftgrad.scalar": "use 0-d tensors (T.dscalar)",
    "swiftgrad.compile": "theano.function, In, Out and Mode are at the top level",
    "swiftgrad.misc": "",
    "swiftgrad.scan_module": "",
    "swiftgrad.typed_list": "",
    "swiftgrad.tensor.signal": "there is no pooling",
    "swiftgrad.tensor.nlinalg": "use swiftgrad.linalg",
    "swiftgrad.tensor.slinalg": "use swiftgrad.linalg",
    "swiftgrad.tensor.extra_ops": "",
    "swiftgrad.tensor.raw_random": "",
    "swiftgrad.tensor.opt": "swiftgrad's rewrites cannot be chosen",
    "swiftgrad.tensor.fft": "",
    "swiftgrad.tensor.elemwise": "",
    "swiftgrad.tensor.basic": "its functions are in swiftgrad.tensor",
    "swiftgrad.tensor.var": "",
    "swiftgrad.tensor.type": "TensorType is swiftgrad.tensor.TensorType",
}


class _MissingModules:
    @staticmethod
    def find_spec(fullname: str, path: Any = None, target: Any = None) -> None:
        for name, hint in _MISSING_MODULES.items():
            if fullname == name or fullname.startswith(name + "."):
                raise missing(fullname.replace("swiftgrad", "theano", 1), hint)
        return None


if not any(getattr(f, "__name__", "") == "_MissingModules" for f in sys.meta_path):
    sys.meta_path.append(_MissingModules)  # type: ignore[arg-type]


# ------------------------------------------------------------------ config

_ANY = object()  # any value: the setting does not change results

# name: (default, values accepted). Values outside the set would change
# what a function computes (a device, an optimizer choice, test values).
_SETTINGS: dict[str, tuple[Any, Any]] = {
    "floatX": ("float64", {"float64", "float32"}),
    "device": ("cpu", {"cpu"}),
    "init_gpu_device": ("", {""}),
    "force_device": (False, _ANY),
    "mode": ("Mode", {"Mode", "FAST_RUN", "FAST_COMPILE"}),
    "optimizer": ("fast_run", {"fast_run", "fast_compile"}),
    "optimizer_including": ("", {""}),
    "optimizer_excluding": ("", {""}),
    "optimizer_requiring": ("", {""}),
    "linker": ("cvm", {"cvm", "vm", "py", "c", "c|py", "cvm_nogc", "vm_nogc", "c|py_nogc"}),
    "on_unused_input": ("raise", {"raise", "warn", "ignore"}),
    "compute_test_value": ("off", {"off", "ignore"}),
    "compute_test_value_opt": ("off", {"off", "ignore"}),
    "print_test_value": (False, _ANY),
    "warn_float64": ("ignore", {"ignore"}),
    "cast_policy": ("custom", {"custom"}),
    "int_division": ("floatX", {"floatX"}),
    "profile": (False, {False}),
    "profile_memory": (False, {False}),
    "profile_optimizer": (False, {False}),
    "exception_verbosity": ("low", {"low", "high"}),
    "allow_gc": (True, _ANY),
    "openmp": (False, _ANY),
    "openmp_elemwise_minsize": (200000, _ANY),
    "cxx": ("", _ANY),
    "deterministic": ("default", {"default", "more"}),
    "compiledir": ("", _ANY),
    "base_compiledir": ("", _ANY),
    "reoptimize_unpickled_function": (False, _ANY),
    "traceback__limit": (8, _ANY),
    "blas__ldflags": ("", _ANY),
    "gcc__cxxflags": ("", _ANY),
    "scan__allow_gc": (False, _ANY),
    "scan__allow_output_prealloc": (True, _ANY),
    "tensor__cmp_sloppy": (0, {0}),
    # GPU-only settings: with device='cpu' they change nothing.
    "gpuarray__preallocate": (0.0, _ANY),
    "lib__cnmem": (0.0, _ANY),
    "dnn__enabled": ("auto", _ANY),
    "nvcc__fastmath": (False, _ANY),
    "nvcc__flags": ("", _ANY),
    "cuda__root": ("", _ANY),
    "dnn__conv__algo_fwd": ("small", _ANY),
    "dnn__conv__algo_bwd_data": ("none", _ANY),
    "dnn__conv__algo_bwd_filter": ("none", _ANY),
    "print_active_device": (True, _ANY),
    "on_opt_error": ("warn", _ANY),
    "unittests__rseed": (666, _ANY),
}
_HINTS = {
    "device": "swiftgrad runs on the CPU",
    "init_gpu_device": "swiftgrad runs on the CPU",
    "floatX": "swiftgrad's floating dtypes are float32 and float64",
    "mode": "swiftgrad compiles one way ('FAST_RUN'); there is no DebugMode, ProfileMode or NanGuardMode",
    "optimizer": "swiftgrad's rewrites (exact algebra and the stability rewrites) always run",
    "compute_test_value": "test values are not computed",
    "profile": "compiled functions are not profiled",
}


class _Section:
    """A group of settings, as config.gpuarray or config.blas."""

    def __init__(self, config: Config, prefix: str) -> None:
        object.__setattr__(self, "_config", config)
        object.__setattr__(self, "_prefix", prefix)

    def __getattr__(self, name: str) -> Any:
        key = f"{self._prefix}__{name}"
        if any(k.startswith(key + "__") for k in _SETTINGS):
            return _Section(self._config, key)
        return self._config._get(key)

    def __setattr__(self, name: str, value: Any) -> None:
        self._config._set(f"{self._prefix}__{name}", value)


def _parse_flag(text: str) -> Any:
    if text in ("True", "False"):
        return text == "True"
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


class Config:
    """Theano's theano.config. Settings that change nothing here may be set
    freely; `floatX` picks the dtype of untyped constructors (T.matrix());
    `on_unused_input` and `mode` are function's defaults. A setting or
    value swiftgrad does not implement raises NotImplementedError."""

    def __init__(self, flags: str = "") -> None:
        object.__setattr__(self, "_values", {k: v[0] for k, v in _SETTINGS.items()})
        object.__setattr__(self, "_pending", None)
        # THEANO_FLAGS: what swiftgrad does not implement is reported when a
        # function is compiled, not at import.
        for item in filter(None, (f.strip() for f in flags.split(","))):
            name, _, value = item.partition("=")
            try:
                self._set(name.strip().replace(".", "__"), _parse_flag(value.strip()))
            except NotImplementedError as error:
                if self._pending is None:
                    object.__setattr__(self, "_pending",
                                       NotImplementedError(f"THEANO_FLAGS sets {item!r}: {error}"))

    def check_flags(self) -> None:
        """Raises what THEANO_FLAGS asked for that swiftgrad lacks."""
        if self._pending is not None:
            raise self._pending

    def _get(self, key: str) -> Any:
        if key in self._values:
            return self._values[key]
        name = key.replace("__", ".")
        raise AttributeError(f"theano.config has no setting {name!r} in swiftgrad")

    def _set(self, key: str, value: Any) -> None:
        name = key.replace("__", ".")
        if key not in _SETTINGS:
            raise missing(f"theano.config.{name}")
        allowed = _SETTINGS[key][1]
        if allowed is not _ANY and value not in allowed:
            if key == "device" and isinstance(value, str) and value.startswith("cpu"):
                value = "cpu"
            else:
                raise missing(f"theano.config.{name} = {value!r}", _HINTS.get(key, ""))
        self._values[key] = value

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        if any(k.startswith(name + "__") for k in _SETTINGS):
            return _Section(self, name)
        return self._get(name)

    def __setattr__(self, name: str, value: Any) -> None:
        self._set(name, value)

    @contextlib.contextmanager
    def change_flags(self, **flags: Any) -> Iterator[None]:
        """Settings changed inside a `with` block, restored after it."""
        saved = dict(self._values)
        try:
            for name, value in flags.items():
                self._set(name.replace(".", "__"), value)
            yield
        finally:
            self._values.clear()
            self._values.update(saved)

    def __dir__(self) -> list[str]:
        return sorted({k.split("__")[0] for k in _SETTINGS} | {"change_flags"})


config = Config(os.environ.get("THEANO_FLAGS", ""))


def float_x() -> str:
    return config.floatX


# -------------------------------------------------------------------- Mode

_LINKERS = _SETTINGS["linker"][1]
_OPTIMIZERS = {"default", "fast_run", "fast_compile", None}
_MODE_NAMES = {"Mode", "FAST_RUN", "FAST_COMPILE"}


class Mode:
    """Theano's compilation mode. swiftgrad compiles one way; the linkers
    (which only choose how Theano runs the same program) are accepted, and
    so are the 'fast_run' and 'fast_compile' optimizers. optimizer=None
    (no rewrites) and tags to include or exclude raise NotImplementedError:
    swiftgrad's rewrites always run."""

    def __init__(self, linker: str | None = None, optimizer: Any = "default") -> None:
        if linker is not None and linker not in _LINKERS:
            raise missing(f"Mode(linker={linker!r})", f"the linkers accepted are {sorted(_LINKERS)}")
        if optimizer is None:
            raise missing("Mode(optimizer=None)", "swiftgrad's rewrites always run")
        if optimizer not in _OPTIMIZERS:
            raise missing(f"Mode(optimizer={optimizer!r})", "the optimizers accepted are 'fast_run' "
                          "and 'fast_compile'")
        self.linker = linker or config.linker
        self.optimizer = config.optimizer if optimizer == "default" else optimizer

    def including(self, *tags: str) -> Mode:
        if tags:
            raise missing(f"Mode.including{tags}", "swiftgrad's rewrites cannot be chosen")
        return self

    def excluding(self, *tags: str) -> Mode:
        if tags:
            raise missing(f"Mode.excluding{tags}", "swiftgrad's rewrites cannot be chosen")
        return self

    def requiring(self, *tags: str) -> Mode:
        if tags:
            raise missing(f"Mode.requiring{tags}", "swiftgrad's rewrites cannot be chosen")
        return self

    def __repr__(self) -> str:
        return f"Mode(linker={self.linker!r}, optimizer={self.optimizer!r})"


def check_mode(mode: Any) -> None:
    if mode is None or isinstance(mode, Mode):
        return
    if isinstance(mode, str) and mode in _MODE_NAMES:
        return
    raise missing(f"mode={mode!r}", _HINTS["mode"])


def _unavailable_mode(name: str) -> type:
    def init(self: Any, *args: Any, **kwargs: Any) -> None:
        raise missing(name, _HINTS["mode"])

    return type(name, (), {"__init__": init, "__doc__": f"Theano's {name}: not in swiftgrad."})


DebugMode = _unavailable_mode("DebugMode")
ProfileMode = _unavailable_mode("ProfileMode")
NanGuardMode = _unavailable_mode("NanGuardMode")
MonitorMode = _unavailable_mode("MonitorMode")


# --------------------------------------------------------------- In and Out

_NO_VALUE = object()


class In:
    """An input of theano.function with Theano's options: `value` is its
    default (so the argument may be left out), `name` the keyword that
    passes it (the variable's name otherwise)."""

    def __init__(self, variable: Tensor, name: str | None = None, value: Any = _NO_VALUE,
                 update: Any = None, mutable: bool | None = None, strict: bool = False,
                 allow_downcast: bool | None = None, autoname: bool = True,
                 implicit: bool | None = None, borrow: bool | None = None,
                 shared: bool = False) -> None:
        if not isinstance(variable, Tensor):
            raise TypeError(f"[In] expected a symbolic Tensor, not {type(variable).__name__}")
        if update is not None:
            raise missing("In(update=...)", "use a shared variable and function(updates=...)")
        if mutable:
            raise missing("In(mutable=True)", "inputs are never changed in place")
        if implicit:
            raise missing("In(implicit=True)")
        self.variable = variable
        self.name = name if name is not None else (variable.name if autoname else None)
        self.value = value
        self.strict = strict
        self.allow_downcast = allow_downcast


class Out:
    """An output of theano.function. Outputs are new tensors that later
    calls never overwrite, so `borrow` changes nothing."""

    def __init__(self, variable: Tensor, borrow: bool = False) -> None:
        self.variable = variable
        self.borrow = borrow


# ---------------------------------------------------------------- function

_UNIMPLEMENTED_KEYWORDS = {
    "accept_inplace": False, "rebuild_strict": True,
    "profile": None, "trust_input": False,
}


def check_keywords(kwargs: Mapping[str, Any]) -> None:
    for key, value in kwargs.items():
        if key not in _UNIMPLEMENTED_KEYWORDS:
            raise TypeError(f"function() got an unexpected keyword argument {key!r}")
        if key == "profile" and value in (None, False):
            continue
        if key in ("accept_inplace", "trust_input"):
            continue  # no effect on results
        if value != _UNIMPLEMENTED_KEYWORDS[key]:
            raise missing(f"function({key}={value!r})")


def used_inputs(fn: Any) -> set[int]:
    """The inputs the compiled program reads, from its listing."""
    return {int(m) for m in re.findall(r"= input (\d+):", _C._describe(fn))}


def check_unused(fn: Any, inputs: Sequence[Tensor], policy: str) -> None:
    if policy == "ignore":
        return
    used = used_inputs(fn)
    for i, x in enumerate(inputs):
        if i in used:
            continue
        text = (f"[function] input {i} ({x.name!r}) is not needed to compute the outputs or "
                f"updates; pass on_unused_input='warn' or 'ignore' to allow it")
        if policy == "raise":
            raise UnusedInputError(text)
        warnings.warn(text, stacklevel=3)


class CompiledFunction:
    """A compiled function with Theano's calling conventions: arguments by
    position or by input name, defaults from `In(value=...)`, and
    allow_input_downcast. Calls run the compiled program of `function`."""

    __slots__ = ("_fn", "_inputs", "_names", "_defaults", "_downcast", "_strict", "name", "_dtypes")

    def __init__(self, fn: Any, inputs: Sequence[In], downcast: bool | None, name: str | None) -> None:
        self._fn = fn
        self._inputs = [i.variable for i in inputs]
        self._names = {i.name: k for k, i in enumerate(inputs) if i.name is not None}
        self._defaults = [i.value for i in inputs]
        self._downcast = [downcast if i.allow_downcast is None else i.allow_downcast for i in inputs]
        self._strict = [i.strict for i in inputs]
        self._dtypes = [_dtypes.from_code(v._dtype) for v in self._inputs]
        self.name = name

    @property
    def num_inputs(self) -> int:
        return self._fn.num_inputs

    @property
    def num_outputs(self) -> int:
        return self._fn.num_outputs

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        n = len(self._inputs)
        if len(args) > n:
            raise TypeError(f"[function] expected at most {n} arguments, got {len(args)}")
        values = list(args) + [_NO_VALUE] * (n - len(args))
        for key, value in kwargs.items():
            k = self._names.get(key)
            if k is None:
                raise TypeError(f"[function] unknown input name {key!r}; the inputs are named "
                                f"{sorted(self._names)}")
            if values[k] is not _NO_VALUE:
                raise TypeError(f"[function] input {key!r} given twice")
            values[k] = value
        for k, value in enumerate(values):
            if value is _NO_VALUE:
                value = self._defaults[k]
                if value is _NO_VALUE:
                    raise TypeError(f"[function] missing input {k} ({self._inputs[k].name!r}), "
                                    f"which has no default")
            values[k] = self._convert(k, value)
        return self._fn(*values)

    def _convert(self, k: int, value: Any) -> Any:
        policy = self._downcast[k]
        if self._strict[k]:
            have = getattr(value, "dtype", None)
            if have is None or str(have) != self._dtypes[k].name:
                raise TypeError(f"[function] input {k} ({self._inputs[k].name!r}) is strict: it "
                                f"takes {self._dtypes[k].name} arrays only, not "
                                f"{type(value).__name__} of dtype {have}")
            return value
        if policy is None:
            return value  # the extension refuses lossy conversions of arrays
        import numpy

        want = self._dtypes[k].name
        if policy:
            if isinstance(value, Tensor):
                return value.astype(want, copy=False)
            return numpy.asarray(value).astype(want, copy=False)
        have = value.dtype.name if isinstance(value, Tensor) else numpy.asarray(value).dtype.name
        if have != want and not numpy.can_cast(have, want, "safe"):
            raise TypeError(f"[function] input {k} ({self._inputs[k].name!r}) is {want} and "
                            f"allow_input_downcast=False refuses {have} data")
        return value

    def __repr__(self) -> str:
        return f"<swiftgrad compiled function {self.name or ''}>".replace(" >", ">")

    def __getattr__(self, name: str) -> Any:
        if name in ("maker", "copy", "fn", "profile", "trust_input", "input_storage",
                    "output_storage", "free"):
            raise missing(f"Theano's Function.{name}", "a compiled function is called and "
                          "printed (debugprint) only")
        raise AttributeError(f"'CompiledFunction' object has no attribute {name!r}")


def unwrap(obj: Any) -> Any:
    return obj._fn if isinstance(obj, CompiledFunction) else obj


# ---------------------------------------------------------- symbolic shape

class SymbolicShape(tuple):
    """The shape of a symbolic tensor, a tuple of ints and None as the
    Array API has it; indexing a length known only at run time gives it as
    a symbolic 0-d int64 tensor (Theano's x.shape[0])."""

    _tensor: Tensor

    def __new__(cls, tensor: Tensor, shape: tuple[Any, ...]) -> SymbolicShape:
        self = super().__new__(cls, shape)
        self._tensor = tensor
        return self

    def __getitem__(self, index: Any) -> Any:
        value = tuple.__getitem__(self, index)
        if isinstance(index, slice) or value is not None:
            return value
        return _C._length(self._tensor, index % len(self))  # read when the function runs

    def lengths(self) -> list[Any]:
        """Each length: an int, or a symbolic tensor."""
        return [self[i] for i in range(len(self))]


def static_lengths(shape: Any, op: str) -> tuple[int, ...] | None:
    """A shape holding symbolic lengths (x.shape[0], or x.shape itself) as
    ints, its one symbolic length as -1; None when no entry is symbolic."""
    if isinstance(shape, SymbolicShape):
        shape = shape.lengths()
    if not isinstance(shape, (list, tuple)) or not any(isinstance(n, Tensor) for n in shape):
        return None
    out = [-1 if isinstance(n, Tensor) and n._kind != _C.KIND_VALUE else int(n) for n in shape]
    if out.count(-1) > 1:
        raise missing(f"{op} to a shape with more than one length known only at run time",
                      "give all lengths but one as ints")
    return tuple(out)


def vector_of_length(n: Any) -> Tensor:
    """int64 zeros of length n (an int or a symbolic 0-d integer)."""
    import swiftgrad as sg

    if isinstance(n, Tensor) and n._kind != _C.KIND_VALUE:
        return sg.zeros_like(sg.arange(n, dtype=sg.int64))
    return sg.zeros(int(n), dtype=sg.int64)


def filled(shape: Any, value: Any, dtype: Any, op: str) -> Tensor:
    """A tensor of `shape` (ints and symbolic lengths) filled with value."""
    import swiftgrad as sg

    if isinstance(shape, SymbolicShape):
        return sg.full_like(shape._tensor, value, dtype=dtype)
    if isinstance(shape, (int, Tensor)):
        shape = (shape,)
    lengths = list(shape)
    if all(not isinstance(n, Tensor) or n._kind == _C.KIND_VALUE for n in lengths):
        return sg.full(tuple(int(n) for n in lengths), value, dtype=dtype)
    out = sg.full((), value, dtype=dtype)
    for axis, n in enumerate(lengths):  # broadcast one axis at a time
        v = vector_of_length(n).astype(dtype)
        shape_i = [1] * len(lengths)
        shape_i[axis] = -1 if isinstance(n, Tensor) else int(n)
        out = out + sg.reshape(v, tuple(shape_i))
    return out


# ------------------------------------------------------------- tensor types

class TensorType:
    """Theano's type of a tensor: a dtype and which axes broadcast (have
    length 1). Calling it makes a symbolic input of that type."""

    def __init__(self, dtype: Any, broadcastable: Sequence[bool] | None = None,
                 shape: Sequence[int | None] | None = None) -> None:
        self.dtype = str(_dtypes.as_dtype(dtype, "TensorType"))
        if shape is None:
            shape = tuple(1 if b else None for b in (broadcastable or ()))
        self.shape = tuple(shape)
        self.broadcastable = tuple(n == 1 for n in self.shape)
        self.ndim = len(self.shape)

    def __call__(self, name: str | None = None) -> Tensor:
        import swiftgrad as sg

        return sg.placeholder(self.shape, self.dtype, name)

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, TensorType) and other.dtype == self.dtype
                and other.broadcastable == self.broadcastable)

    def __hash__(self) -> int:
        return hash((self.dtype, self.broadcastable))

    def __repr__(self) -> str:
        kinds = {(): "scalar", (False,): "vector", (False, False): "matrix",
                 (True, False): "row", (False, True): "col"}
        kind = kinds.get(self.broadcastable, f"{self.broadcastable}")
        return f"TensorType({self.dtype}, {kind})"

    __str__ = __repr__
