"""NumPy's override protocols: numpy functions and ufuncs called on
swiftgrad tensors run in swiftgrad and return swiftgrad tensors.

`np.exp(t)` reaches `Tensor.__array_ufunc__`, `np.mean(t)` and
`np.concatenate([t, u])` reach `Tensor.__array_function__` (NEP 13 and
NEP 18). Both find the swiftgrad function of the same name (or of the
Array API's name for it: `concatenate` is `concat`), bind the caller's
arguments with NumPy's signature and pass them on under swiftgrad's
names. An argument swiftgrad has no use for is dropped when it holds
NumPy's default and refused otherwise, so nothing is silently ignored:
what swiftgrad lacks is a TypeError that names it.
"""

from __future__ import annotations

import inspect
from typing import Any

# NumPy names whose Array API (swiftgrad) names differ.
_ALIASES = {
    "absolute": "abs", "fabs": "abs",
    "arccos": "acos", "arccosh": "acosh", "arcsin": "asin", "arcsinh": "asinh",
    "arctan": "atan", "arctan2": "atan2", "arctanh": "atanh",
    "invert": "bitwise_invert", "bitwise_not": "bitwise_invert",
    "left_shift": "bitwise_left_shift", "right_shift": "bitwise_right_shift",
    "conjugate": "conj", "power": "pow", "true_divide": "divide",
    "mod": "remainder", "rint": "round", "around": "round",
    "concatenate": "concat", "transpose": "permute_dims",
    "amax": "max", "amin": "min", "cumsum": "cumulative_sum",
}

# NumPy parameter names whose swiftgrad names differ.
_PARAMETERS = {"ddof": "correction", "a_min": "min", "a_max": "max"}

# Ufunc methods that are reductions in swiftgrad.
_REDUCTIONS = {
    ("add", "reduce"): "sum", ("multiply", "reduce"): "prod",
    ("maximum", "reduce"): "max", ("minimum", "reduce"): "min",
    ("logical_and", "reduce"): "all", ("logical_or", "reduce"): "any",
    ("add", "accumulate"): "cumulative_sum",
}

# Arguments of ufunc calls that change nothing at these values.
_UFUNC_DEFAULTS = {"casting": "same_kind", "order": "K", "subok": True,
                   "where": True, "signature": None}


def _namespace() -> Any:
    import swiftgrad

    return swiftgrad


def _target(name: str, module: str) -> Any:
    """swiftgrad's function for numpy's `module.name` (numpy.linalg.inv is
    swiftgrad.linalg.inv), or None."""
    namespace = _namespace()
    for part in module.split(".")[1:]:
        namespace = getattr(namespace, part, None)
    target = getattr(namespace, _ALIASES.get(name, name), None)
    return target if callable(target) and not isinstance(target, type) else None


def _refuse(what: str) -> TypeError:
    return TypeError(f"swiftgrad does not implement {what}")


def _is_default(value: Any, default: Any) -> bool:
    # No == on arbitrary values: arrays compare elementwise.
    return value is default or (type(value) is type(default) and
                                isinstance(value, (str, bool, int)) and value == default)


def _no_output(out: Any, what: str) -> None:
    if out is None or (isinstance(out, tuple) and all(o is None for o in out)):
        return
    raise TypeError(f"{what}: out= is not supported; swiftgrad returns a new tensor")


def array_ufunc(ufunc: Any, method: str, inputs: tuple, kwargs: dict) -> Any:
    name = ufunc.__name__
    what = f"numpy.{name}" + ("" if method == "__call__" else f".{method}")
    _no_output(kwargs.pop("out", None), what)
    for key, default in _UFUNC_DEFAULTS.items():
        if key in kwargs and not _is_default(kwargs.pop(key), default):
            raise TypeError(f"{what}: {key}= is not supported")
    sg = _namespace()
    if method == "__call__":
        target = _target(name, "numpy")
        if target is None:
            raise _refuse(what)
        dtype = kwargs.pop("dtype", None)
        if kwargs:
            raise TypeError(f"{what}: unexpected arguments {sorted(kwargs)}")
        args = [sg.asarray(x, dtype=dtype) if dtype is not None else x for x in inputs]
        return target(*args)
    reduction = _REDUCTIONS.get((name, method))
    if reduction is None or not hasattr(sg, reduction):
        raise _refuse(what)
    (x,) = inputs
    axis = kwargs.pop("axis", 0)
    keywords = {"axis": axis, **kwargs}
    if reduction == "cumulative_sum" and axis is None:
        raise TypeError(f"{what}: axis=None is not supported")
    return getattr(sg, reduction)(x, **keywords)


def array_function(func: Any, args: tuple, kwargs: dict) -> Any:
    name = func.__name__
    module = getattr(func, "__module__", None) or "numpy"
    what = f"{module}.{name}"
    target = _target(name, module)
    if target is None:
        raise _refuse(what)
    try:
        numpy_signature = inspect.signature(func)
        bound = numpy_signature.bind(*args, **kwargs)
        target_signature = inspect.signature(target)
    except (TypeError, ValueError):
        return target(*args, **kwargs)
    # The leading data arguments go by position (swiftgrad's are
    # positional-only); the rest by name.
    data = sum(1 for p in target_signature.parameters.values()
               if p.kind in (p.POSITIONAL_ONLY, p.VAR_POSITIONAL))
    accepted = target_signature.parameters
    positional: list[Any] = []
    keywords: dict[str, Any] = {}
    given = list(bound.arguments.items())
    for index, (key, value) in enumerate(given):
        parameter = numpy_signature.parameters[key]
        if parameter.kind is parameter.VAR_POSITIONAL:
            positional.extend(value)
        elif parameter.kind is parameter.VAR_KEYWORD:
            for k, v in value.items():
                _pass_on(what, name, k, v, None, accepted, keywords)
        elif index < data:
            positional.append(value)
        else:
            _pass_on(what, name, key, value, parameter.default, accepted, keywords)
    return target(*positional, **keywords)


def _pass_on(what: str, name: str, key: str, value: Any, default: Any,
             accepted: Any, keywords: dict[str, Any]) -> None:
    if key == "out":
        return _no_output(value, what)
    renamed = _PARAMETERS.get(key, key)
    if renamed in accepted:
        keywords[renamed] = value
    elif not (value is None or _is_default(value, default)):
        raise TypeError(f"{what}: swiftgrad's {name} has no {key}= argument")
