"""Theano's theano.tensor.nnet: neural-network operations, with Theano's
conventions (softmax over the last axis; categorical_crossentropy takes
one-hot or probability rows, or int class indices)."""

from __future__ import annotations

from typing import Any

from .. import relu as _relu
from .. import sigmoid, softplus  # noqa: F401
from .._tensor import Tensor
from .._theano import missing as _missing

__all__ = ["sigmoid", "softplus", "relu", "softmax", "logsoftmax", "log_softmax", "softsign",
           "hard_sigmoid", "elu", "selu", "binary_crossentropy", "sigmoid_binary_crossentropy",
           "categorical_crossentropy", "crossentropy_categorical_1hot"]


def _sg() -> Any:
    import swiftgrad

    return swiftgrad


def _t(x: Any) -> Tensor:
    return x if isinstance(x, Tensor) else _sg().asarray(x)


def relu(x: Any, alpha: Any = 0) -> Tensor:
    """max(x, 0), or with alpha the leaky form: alpha * x below zero."""
    if isinstance(alpha, (int, float)) and alpha == 0:
        return _relu(x)
    x = _t(x)
    return _sg().where(x > 0, x, alpha * x)


def softmax(x: Any, axis: int = -1) -> Tensor:
    """exp(x) / sum(exp(x)) over the last axis (each row of a matrix)."""
    return _sg().softmax(x, axis=axis)


def logsoftmax(x: Any, axis: int = -1) -> Tensor:
    return _sg().log_softmax(x, axis=axis)


log_softmax = logsoftmax


def softsign(x: Any) -> Tensor:
    x = _t(x)
    return x / (1 + _sg().abs(x))


def hard_sigmoid(x: Any) -> Tensor:
    """Theano's piecewise-linear sigmoid: clip(0.2 x + 0.5, 0, 1)."""
    return _sg().clip(0.2 * _t(x) + 0.5, 0.0, 1.0)


def elu(x: Any, alpha: float = 1.0) -> Tensor:
    x = _t(x)
    return _sg().where(x > 0, x, alpha * _sg().expm1(x))


def selu(x: Any) -> Tensor:
    alpha, scale = 1.6732632423543772, 1.0507009873554805
    return scale * elu(x, alpha)


def binary_crossentropy(output: Any, target: Any) -> Tensor:
    """-(target log(output) + (1 - target) log(1 - output)), elementwise;
    over a sigmoid, the compiled form is the stable one (softplus)."""
    sg = _sg()
    output = _t(output)
    return -(target * sg.log(output) + (1 - target) * sg.log(1 - output))


def sigmoid_binary_crossentropy(output: Any, target: Any) -> Tensor:
    """binary_crossentropy(sigmoid(output), target), computed stably."""
    return _sg().binary_cross_entropy_with_logits(output, target, reduction="none")


def categorical_crossentropy(coding_dist: Any, true_dist: Any) -> Tensor:
    """-log of the probability given to the true class, per row:
    `true_dist` is either rows of probabilities (one-hot or not) like
    `coding_dist`, or a vector of int class indices."""
    sg = _sg()
    p = _t(coding_dist)
    y = _t(true_dist)
    if y.ndim == p.ndim:
        return -sg.sum(y * sg.log(p), axis=-1)
    if y.ndim == p.ndim - 1 and y.dtype.kind in ("signed integer", "unsigned integer"):
        if p.ndim != 2:
            raise _missing(f"categorical_crossentropy of {p.ndim}-d predictions with indices")
        from . import arange

        return -sg.log(p)[arange(p.shape[0]), y]
    raise TypeError(f"[categorical_crossentropy] true_dist must be like coding_dist ({p.ndim} axes) "
                    f"or int indices ({p.ndim - 1} axes), not {y.dtype} with {y.ndim} axes")


crossentropy_categorical_1hot = categorical_crossentropy

_NOT_HERE = {
    "conv2d": "there are no convolutions", "conv": "there are no convolutions",
    "conv3d": "there are no convolutions", "abstract_conv": "there are no convolutions",
    "ultra_fast_sigmoid": "it approximates sigmoid; use sigmoid",
    "h_softmax": "", "ctc": "", "bn": "", "batch_normalization": "",
    "neighbours": "", "images2neibs": "", "crossentropy_softmax_1hot": "",
    "softmax_with_bias": "", "sparse_block_dot": "",
}


def __getattr__(name: str) -> Any:
    if name in _NOT_HERE:
        raise _missing(f"theano.tensor.nnet.{name}", _NOT_HERE[name])
    raise AttributeError(f"module 'swiftgrad.tensor.nnet' has no attribute {name!r}")
