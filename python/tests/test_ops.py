"""One table of operations drives every numerical check.

Each row names an operation, its swiftgrad and NumPy spellings, its input
shapes and domain, tolerances and the order of derivatives to check. From
the table:
  - the forward value matches NumPy in float64 and in float32;
  - the eager vector-Jacobian product (backward of sum(f(x) * w)) matches
    central finite differences in float64;
  - the symbolic gradient (placeholders, grad, function) matches them too;
  - for order 2, the symbolic Hessian-vector product matches finite
    differences of the compiled gradient.
Adding an operation means adding a row.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from typing import Callable

import numpy as np
import pytest

import swiftgrad as sg
import swiftgrad.tensor as T
import swiftgrad.tensor.nnet


@dataclass(frozen=True)
class Op:
    name: str
    fn: Callable                 # over swiftgrad tensors
    ref: Callable                # over NumPy arrays
    shapes: tuple                # one shape per tensor input
    domain: str | tuple = "real"  # per input: "real", "positive" or "extreme" (±1000)
    rtol: float = 1e-10          # forward, float64
    atol: float = 1e-12
    order: int = 1               # derivatives checked: 0, 1 or 2
    grad_ref: Callable | None = None  # the function differentiated, if not ref
    known_shapes: bool = False   # placeholders get the lengths (ops that need them)

    def domains(self):
        d = self.domain
        return (d,) * len(self.shapes) if isinstance(d, str) else d


def np_sigmoid(x):
    return 1 / (1 + np.exp(-x))


M, V = (2, 3), (3,)
# Weights constant over the extra columns of a full U (5×5 for 5×3).
D5 = np.array([1.0, 2.0, 3.0, 4.0, 4.0])


def np_rnn(x, h, w):
    hs = []
    for xt in x:
        h = np.tanh(xt + h @ w)
        hs.append(h)
    return np.stack(hs)


def np_reverse_product(x, p):
    ps = []
    for xt in x[::-1]:
        p = p * xt + np.sin(p)
        ps.append(p)
    return np.stack(ps)


def _like(xp, a):
    return sg.asarray(a) if xp is sg else a


def _mH(z):
    """The conjugate transpose of each matrix, NumPy's or swiftgrad's."""
    if isinstance(z, np.ndarray):
        return np.conj(np.swapaxes(z, -1, -2))
    return sg.conj(sg.matrix_transpose(z))


def hermitian(z):
    return z + _mH(z)


def reconstruct_eigh(xp, h):
    """V diag(w + (0, 1, 2)) V^H: phases cancel."""
    w, v = xp.linalg.eigh(h)
    return (v * (w + _like(xp, np.arange(3.0)))[..., None, :]) @ _mH(v)


def reconstruct_svd(xp, z):
    """U diag(S^2) V^H: phases cancel."""
    u, s, vh = xp.linalg.svd(z, full_matrices=False)
    return (u * (s ** 2)[..., None, :]) @ vh


def projector(xp, u):
    """U diag(D5) U^H."""
    return (u * _like(xp, D5)) @ _mH(u)


def qr_product(xp, z):
    """Q and R both used, each differently."""
    q, r = xp.linalg.qr(z)
    return q @ (r * 2) + q[..., :1] * r[..., :1, :]


OPS = [
    # unary primitives
    Op("neg", sg.negative, np.negative, [M]),
    Op("neg_operator", lambda x: -x, np.negative, [M]),
    Op("exp", sg.exp, np.exp, [M], order=2),
    Op("log", sg.log, np.log, [M], "positive", order=2),
    Op("sigmoid", sg.sigmoid, np_sigmoid, [M], order=2),
    Op("nnet_sigmoid", T.nnet.sigmoid, np_sigmoid, [V]),
    # binary primitives, with broadcasting and Python scalars
    Op("add", sg.add, np.add, [M, M]),
    Op("add_broadcast", lambda a, b: a + b, np.add, [(3, 1), (4,)]),
    Op("add_row", lambda a, b: a + b, np.add, [M, (3,)]),
    Op("add_scalar", lambda a: a + 2.5, lambda a: a + 2.5, [M]),
    Op("radd_scalar", lambda a: 2.5 + a, lambda a: 2.5 + a, [M]),
    Op("add_0d", sg.add, np.add, [(), M]),
    Op("sub", sg.subtract, np.subtract, [M, M]),
    Op("sub_broadcast", lambda a, b: a - b, np.subtract, [(3, 1), (4,)]),
    Op("rsub_scalar", lambda a: 1.0 - a, lambda a: 1.0 - a, [M]),
    Op("mul", sg.multiply, np.multiply, [M, M], order=2),
    Op("mul_broadcast", lambda a, b: a * b, np.multiply, [(3, 1), (4,)], order=2),
    Op("rmul_scalar", lambda a: 3 * a, lambda a: 3 * a, [M]),
    Op("div", sg.divide, np.divide, [M, M], "positive", order=2),
    Op("div_broadcast", lambda a, b: a / b, np.divide, [(3, 1), (4,)], "positive",
       order=2),
    Op("rdiv_scalar", lambda a: 1.0 / a, lambda a: 1.0 / a, [M], "positive", order=2),
    Op("pow", sg.pow, np.power, [M, M], ("positive", "real"), order=2),
    Op("pow_broadcast", lambda a, b: a ** b, np.power, [(3, 1), (4,)],
       ("positive", "real"), order=2),
    Op("pow_scalar", lambda a: a ** 2, lambda a: a ** 2, [M], order=2),
    Op("rpow_scalar", lambda a: 2.0 ** a, lambda a: 2.0 ** a, [M], order=2),
    # products
    Op("matmul_2d_2d", sg.matmul, np.matmul, [(2, 3), (3, 4)], order=2),
    Op("matmul_1d_2d", sg.matmul, np.matmul, [(3,), (3, 4)], order=2),
    Op("matmul_2d_1d", sg.matmul, np.matmul, [(2, 3), (3,)], order=2),
    Op("matmul_1d_1d", sg.matmul, np.matmul, [(3,), (3,)], order=2),
    Op("matmul_operator", lambda a, b: a @ b, np.matmul, [(4, 3), (3, 2)], order=2),
    Op("dot_2d_2d", sg.dot, np.dot, [(2, 3), (3, 4)], order=2),
    Op("dot_1d_2d", sg.dot, np.dot, [(3,), (3, 4)], order=2),
    Op("dot_2d_1d", sg.dot, np.dot, [(2, 3), (3,)], order=2),
    Op("dot_1d_1d", sg.dot, np.dot, [(3,), (3,)], order=2),
    Op("dot_0d", sg.dot, np.dot, [(), (3,)], order=2),
    # reductions
    Op("sum", sg.sum, np.sum, [M]),
    Op("sum_axis0", lambda x: sg.sum(x, axis=0), lambda x: np.sum(x, axis=0), [M]),
    Op("sum_axis1_keepdims", lambda x: x.sum(axis=1, keepdims=True),
       lambda x: x.sum(axis=1, keepdims=True), [M]),
    Op("sum_negative_axis", lambda x: x.sum(axis=-1), lambda x: x.sum(axis=-1),
       [(2, 3, 4)]),
    Op("sum_axes", lambda x: sg.sum(x, axis=(0, 2)), lambda x: x.sum(axis=(0, 2)),
       [(2, 3, 4)]),
    Op("sum_keepdims_all", lambda x: sg.sum(x, keepdims=True),
       lambda x: np.sum(x, keepdims=True), [M]),
    Op("mean", sg.mean, np.mean, [M]),
    Op("mean_method", lambda x: x.mean(), lambda x: x.mean(), [(4,)]),
    Op("mean_axis0", lambda x: sg.mean(x, axis=0), lambda x: x.mean(axis=0), [M]),
    Op("mean_axis1_keepdims", lambda x: sg.mean(x, axis=1, keepdims=True),
       lambda x: x.mean(axis=1, keepdims=True), [M]),
    Op("tensor_mean", T.mean, np.mean, [M]),
    # layout and dtype
    Op("permute_dims", lambda x: sg.permute_dims(x, (2, 0, 1)),
       lambda x: np.transpose(x, (2, 0, 1)), [(2, 3, 4)]),
    Op("transpose", lambda x: x.T, lambda x: x.T, [M]),
    Op("astype_float64", lambda x: sg.astype(x, sg.float64),
       lambda x: x.astype(np.float64), [M]),
    Op("astype_float32", lambda x: x.astype("float32"),
       lambda x: x.astype(np.float32), [M], grad_ref=lambda x: x),
    # creation and sorting (more in test_creation.py, test_sorting.py); the
    # linear ones are cubed for the second order to reach their vjp twice
    Op("tril", sg.tril, np.tril, [(3, 4)]),
    Op("triu_k1", lambda x: sg.triu(x, k=1), lambda x: np.triu(x, k=1), [(2, 3, 4)]),
    Op("tril_negative_k", lambda x: sg.tril(x, k=-1), lambda x: np.tril(x, k=-1), [(4, 3)]),
    Op("tril_cubed", lambda x: sg.tril(x) ** 3, lambda x: np.tril(x) ** 3, [(3, 3)], order=2),
    Op("sort", sg.sort, np.sort, [(3, 5)]),
    Op("sort_axis0", lambda x: sg.sort(x, axis=0), lambda x: np.sort(x, axis=0), [(4, 3)]),
    Op("sort_descending", lambda x: sg.sort(x, descending=True), lambda x: -np.sort(-x),
       [(6,)]),
    Op("sort_cubed", lambda x: sg.sort(x, axis=0) ** 3, lambda x: np.sort(x, axis=0) ** 3,
       [(4, 3)], order=2),
    # BEGIN views and indexing
    Op("reshape", lambda x: sg.reshape(x, (3, -1)), lambda x: x.reshape(3, -1), [M]),
    Op("reshape_copy", lambda x: sg.reshape(x.T, (-1,)), lambda x: x.T.reshape(-1), [M]),
    Op("reshape_method", lambda x: x.reshape(6), lambda x: x.reshape(6), [M]),
    Op("expand_dims", lambda x: sg.expand_dims(x, axis=1), lambda x: np.expand_dims(x, 1), [M]),
    Op("squeeze", lambda x: sg.squeeze(x, axis=1), lambda x: np.squeeze(x, 1), [(2, 1, 3)],
       known_shapes=True),
    Op("broadcast_to", lambda x: sg.broadcast_to(x, (4, 2, 3)),
       lambda x: np.broadcast_to(x, (4, 2, 3)), [(2, 1)]),
    Op("broadcast_arrays", lambda a, b: sg.broadcast_arrays(a, b)[0] - sg.broadcast_arrays(a, b)[1],
       lambda a, b: np.subtract(*np.broadcast_arrays(a, b)), [(2, 1), (3,)], known_shapes=True),
    Op("broadcast_arrays_unknown", lambda a, b: sg.broadcast_arrays(a, b)[0] * sg.broadcast_arrays(a, b)[1],
       lambda a, b: np.multiply(*np.broadcast_arrays(a, b)), [(2, 1), (3,)], order=2),
    Op("matrix_transpose", sg.matrix_transpose, lambda x: np.swapaxes(x, -1, -2), [(2, 3, 4)]),
    Op("mT", lambda x: x.mT, lambda x: np.swapaxes(x, -1, -2), [M]),
    Op("moveaxis", lambda x: sg.moveaxis(x, 0, -1), lambda x: np.moveaxis(x, 0, -1), [(2, 3, 4)]),
    Op("flip", sg.flip, np.flip, [M]),
    Op("flip_axis", lambda x: sg.flip(x, axis=1), lambda x: np.flip(x, 1), [M]),
    Op("getitem_int", lambda x: x[1], lambda x: x[1], [M]),
    Op("getitem_slices", lambda x: x[::-1, 1::2], lambda x: x[::-1, 1::2], [(3, 5)]),
    Op("getitem_mixed", lambda x: x[..., None, -1, 2:0:-1], lambda x: x[..., None, -1, 2:0:-1],
       [(2, 3, 4)]),
    Op("getitem_fancy", lambda x: x[[2, 0, 2], 1:], lambda x: x[[2, 0, 2], 1:], [(3, 4)]),
    Op("getitem_fancy_apart", lambda x: x[[1, 0], :, [2, 3]], lambda x: x[[1, 0], :, [2, 3]],
       [(2, 3, 4)]),
    Op("getitem_mask", lambda x: x[x > 0], lambda x: x[x > 0], [(3, 4)]),
    Op("take", lambda x: sg.take(x, sg.asarray([1, 1, 0]), axis=1),
       lambda x: np.take(x, [1, 1, 0], axis=1), [M]),
    Op("where", lambda a, b: sg.where(a > b, a, b), lambda a, b: np.where(a > b, a, b),
       [M, (3,)]),
    Op("where_scalar", lambda a: sg.where(a > 0, a, 0.5), lambda a: np.where(a > 0, a, 0.5), [M]),
    Op("concat", lambda a, b: sg.concat([a, b], axis=0), lambda a, b: np.concatenate([a, b]),
       [M, (1, 3)]),
    Op("concat_none", lambda a, b: sg.concat([a, b], axis=None),
       lambda a, b: np.concatenate([a, b], axis=None), [M, (4,)]),
    Op("stack", lambda a, b: sg.stack([a, b], axis=1), lambda a, b: np.stack([a, b], axis=1),
       [M, M]),
    Op("unstack", lambda x: sg.unstack(x, axis=1)[2], lambda x: x[:, 2], [M], known_shapes=True),
    Op("roll", lambda x: sg.roll(x, (1, -1), axis=(0, 1)), lambda x: np.roll(x, (1, -1), (0, 1)),
       [M], known_shapes=True),
    Op("repeat", lambda x: sg.repeat(x, 2, axis=1), lambda x: np.repeat(x, 2, axis=1), [M],
       known_shapes=True),
    Op("tile", lambda x: sg.tile(x, (2, 1, 2)), lambda x: np.tile(x, (2, 1, 2)), [M],
       known_shapes=True),
    Op("roll_unknown", lambda x: sg.roll(x, (1, -4), axis=(0, 1)), lambda x: np.roll(x, (1, -4), (0, 1)),
       [M]),
    Op("roll_flat_unknown", lambda x: sg.roll(x, 2), lambda x: np.roll(x, 2), [M]),
    Op("repeat_unknown", lambda x: sg.repeat(x, 3, axis=0), lambda x: np.repeat(x, 3, axis=0), [M]),
    Op("tile_unknown", lambda x: sg.tile(x, (2, 1, 3)), lambda x: np.tile(x, (2, 1, 3)), [M]),
    # second order through the transposes' own vjps
    Op("getitem_square", lambda x: x[1:, ::-1] * x[:1], lambda x: x[1:, ::-1] * x[:1], [M],
       order=2),
    Op("take_square", lambda x: sg.take(x, sg.asarray([0, 0, 2]), axis=1) ** 2,
       lambda x: np.take(x, [0, 0, 2], axis=1) ** 2, [M], order=2),
    Op("where_square", lambda a, b: sg.where(a > 0, a * b, b * b),
       lambda a, b: np.where(a > 0, a * b, b * b), [M, M], order=2),
    Op("concat_square", lambda a, b: sg.concat([a * a, a * b], axis=1),
       lambda a, b: np.concatenate([a * a, a * b], axis=1), [M, M], order=2),
    Op("reshape_square", lambda x: sg.reshape(x * x, (-1,)) * sg.reshape(x, (6,)),
       lambda x: (x * x).reshape(-1) * x.reshape(6), [M], order=2),
    # END views and indexing
    # numerically stable functions (at ±1000 in test_stable.py)
    Op("logsumexp", sg.logsumexp, lambda x: np.log(np.sum(np.exp(x))), [M], order=2),
    Op("logsumexp_axis", lambda x: sg.logsumexp(x, axis=(0, 2), keepdims=True),
       lambda x: np.log(np.sum(np.exp(x), axis=(0, 2), keepdims=True)), [(2, 3, 2)], order=2),
    Op("softmax", lambda x: sg.softmax(x, axis=0),
       lambda x: np.exp(x) / np.sum(np.exp(x), axis=0, keepdims=True), [M], order=2),
    Op("log_softmax", sg.log_softmax,
       lambda x: x - np.log(np.sum(np.exp(x), axis=-1, keepdims=True)), [M], order=2),
    Op("log_sigmoid", sg.log_sigmoid, lambda x: np.log(np_sigmoid(x)), [M], order=2),
    Op("bce_with_logits", sg.binary_cross_entropy_with_logits,
       lambda x, y: np.mean(-y * np.log(np_sigmoid(x)) - (1 - y) * np.log(1 - np_sigmoid(x))),
       [M, M], order=2),
    Op("bce_with_logits_none", lambda x, y: sg.binary_cross_entropy_with_logits(x, y, reduction="none"),
       lambda x, y: -y * np.log(np_sigmoid(x)) - (1 - y) * np.log(1 - np_sigmoid(x)), [M, (3,)], order=2),
    # the same at ±1000 (and the other numerically careful ops), against
    # references written stably: values and every derivative stay finite
    Op("sigmoid_extreme", sg.sigmoid, lambda x: np.exp(-np.logaddexp(0, -x)), [M], "extreme", order=2),
    Op("softplus_extreme", sg.softplus, lambda x: np.logaddexp(0, x), [M], "extreme", order=2),
    Op("log_sigmoid_extreme", sg.log_sigmoid, lambda x: -np.logaddexp(0, -x), [M], "extreme", order=2),
    Op("tanh_extreme", sg.tanh, np.tanh, [M], "extreme", order=2),
    Op("logaddexp_extreme", sg.logaddexp, np.logaddexp, [M, M], "extreme", order=2),
    Op("logsumexp_extreme", lambda x: sg.logsumexp(x, axis=1),
       lambda x: np.max(x, axis=1) + np.log(np.sum(np.exp(x - np.max(x, axis=1, keepdims=True)), axis=1)),
       [M], "extreme", order=2),
    Op("softmax_extreme", lambda x: sg.softmax(x, axis=1),
       lambda x: np.exp(x - np.max(x, axis=1, keepdims=True))
       / np.sum(np.exp(x - np.max(x, axis=1, keepdims=True)), axis=1, keepdims=True),
       [M], "extreme", order=2),
    Op("log_softmax_extreme", lambda x: sg.log_softmax(x, axis=1),
       lambda x: x - np.max(x, axis=1, keepdims=True)
       - np.log(np.sum(np.exp(x - np.max(x, axis=1, keepdims=True)), axis=1, keepdims=True)),
       [M], "extreme", order=2),
    Op("bce_with_logits_extreme", sg.binary_cross_entropy_with_logits,
       lambda x, y: np.mean(np.maximum(x, 0) - x * y + np.log1p(np.exp(-np.abs(x)))),
       [M, M], ("extreme", "real"), order=2),
    Op("slice_tensor_bounds", lambda x: x[sg.asarray(1):sg.asarray(-1)] ** 2,
       lambda x: x[1:-1] ** 2, [(4, 3)], order=2),
    # composites: gradients come from the primitives
    Op("layer", lambda x, W, b: sg.sigmoid(sg.dot(x, W) + b),
       lambda x, W, b: np_sigmoid(np.dot(x, W) + b), [(4, 2), (2, 3), (3,)], order=2),
    Op("l2_cost", lambda y, p: ((y - p) ** 2).mean(),
       lambda y, p: ((y - p) ** 2).mean(), [(4,), (4,)], order=2),
    Op("reuse", lambda x: x * x + sg.exp(x) * x, lambda x: x * x + np.exp(x) * x,
       [M], order=2),    # reductions and statistics
    Op("prod", sg.prod, np.prod, [M], "positive", order=2),
    Op("prod_axis", lambda x: sg.prod(x, axis=(0, 2), keepdims=True),
       lambda x: np.prod(x, axis=(0, 2), keepdims=True), [(2, 3, 2)], "positive", order=2),
    # (max, min, cumulative_sum are piecewise linear: no second order to check)
    Op("max", sg.max, np.max, [M]),
    Op("max_axis", lambda x: sg.max(x, axis=1), lambda x: np.max(x, axis=1), [(3, 4)]),
    Op("min_axes_keepdims", lambda x: sg.min(x, axis=(0, 2), keepdims=True),
       lambda x: np.min(x, axis=(0, 2), keepdims=True), [(2, 3, 2)]),
    Op("var", sg.var, np.var, [M], order=2),
    Op("var_correction", lambda x: sg.var(x, axis=0, correction=1),
       lambda x: np.var(x, axis=0, ddof=1), [(4, 3)], order=2),
    Op("std", lambda x: sg.std(x, axis=1, keepdims=True),
       lambda x: np.std(x, axis=1, keepdims=True), [(3, 4)], order=2),
    Op("cumulative_sum", lambda x: sg.cumulative_sum(x, axis=1),
       lambda x: np.cumsum(x, axis=1), [(3, 4)]),
    Op("cumulative_sum_initial",
       lambda x: sg.cumulative_sum(x, axis=0, include_initial=True),
       lambda x: np.concatenate([np.zeros((1, 4), x.dtype), np.cumsum(x, axis=0)]),
       [(3, 4)]),
    # products in every form
    Op("matmul_batched", sg.matmul, np.matmul, [(2, 3, 4), (2, 4, 5)], order=2),
    Op("matmul_batch_broadcast", sg.matmul, np.matmul, [(2, 1, 3, 4), (3, 4, 2)],
       order=2),
    Op("matmul_1d_batched", sg.matmul, np.matmul, [(4,), (2, 4, 3)], order=2),
    Op("matmul_batched_1d", sg.matmul, np.matmul, [(2, 3, 4), (4,)], order=2),
    Op("tensordot", lambda a, b: sg.tensordot(a, b, axes=([1, 0], [0, 2])),
       lambda a, b: np.tensordot(a, b, axes=([1, 0], [0, 2])), [(3, 2, 4), (2, 5, 3)],
       order=2),
    Op("tensordot_int", lambda a, b: sg.tensordot(a, b, axes=1),
       lambda a, b: np.tensordot(a, b, axes=1), [(2, 3), (3, 4)], order=2),
    Op("vecdot", sg.vecdot, lambda a, b: np.sum(a * b, axis=-1), [(2, 3), (3,)],
       order=2),
    Op("einsum_matmul", lambda a, b: sg.einsum("ij,jk->ik", a, b),
       lambda a, b: np.einsum("ij,jk->ik", a, b), [(2, 3), (3, 4)], order=2),
    Op("einsum_batch", lambda a, b: sg.einsum("bij,bjk->bki", a, b),
       lambda a, b: np.einsum("bij,bjk->bki", a, b), [(2, 3, 4), (2, 4, 2)], order=2),
    Op("einsum_implicit_three", lambda a, b, c: sg.einsum("ij,jk,kl", a, b, c),
       lambda a, b, c: np.einsum("ij,jk,kl", a, b, c), [(2, 3), (3, 4), (4, 2)],
       order=2),
    Op("einsum_sum", lambda a: sg.einsum("ijk->j", a),
       lambda a: np.einsum("ijk->j", a), [(2, 3, 4)]),
    Op("einsum_trace_ellipsis", lambda a, b: sg.einsum("...ii,...ij->...j", a, b),
       lambda a, b: np.einsum("...ii,...ij->...j", a, b), [(2, 3, 3), (2, 3, 4)], order=2),
    Op("einsum_broadcast_ellipsis", lambda a, b: sg.einsum("...ij,...jk->...ik", a, b),
       lambda a, b: np.einsum("...ij,...jk->...ik", a, b), [(3, 1, 2, 3), (2, 3, 2)], order=2),
    Op("outer", sg.linalg.outer, np.outer, [(3,), (4,)], order=2),
    # the linalg extension (matrices shifted or made symmetric so they are
    # well conditioned)
    Op("linalg_inv", lambda x: sg.linalg.inv(x + 4 * sg.asarray(np.eye(3))),
       lambda x: np.linalg.inv(x + 4 * np.eye(3)), [(2, 3, 3)], order=2),
    Op("linalg_det", lambda x: sg.linalg.det(x + 4 * sg.asarray(np.eye(3))),
       lambda x: np.linalg.det(x + 4 * np.eye(3)), [(2, 3, 3)], order=2),
    Op("linalg_slogdet", lambda x: sg.linalg.slogdet(x + 4 * sg.asarray(np.eye(3)))[1],
       lambda x: np.linalg.slogdet(x + 4 * np.eye(3))[1], [(3, 3)], order=2),
    Op("linalg_cholesky",
       lambda x: sg.linalg.cholesky(x @ sg.matrix_transpose(x) + 3 * sg.asarray(np.eye(3))),
       lambda x: np.linalg.cholesky(x @ np.swapaxes(x, -1, -2) + 3 * np.eye(3)),
       [(2, 3, 3)], order=2),
    Op("linalg_solve", lambda a, b: sg.linalg.solve(a + 4 * sg.asarray(np.eye(3)), b),
       lambda a, b: np.linalg.solve(a + 4 * np.eye(3), b), [(2, 3, 3), (3, 2)], order=2),
    Op("linalg_solve_vector", lambda a, b: sg.linalg.solve(a + 4 * sg.asarray(np.eye(3)), b),
       lambda a, b: np.linalg.solve(a + 4 * np.eye(3), b), [(3, 3), (3,)], order=2),
    Op("linalg_eigvalsh", lambda x: sg.linalg.eigvalsh(x + sg.matrix_transpose(x)),
       lambda x: np.linalg.eigvalsh(x + np.swapaxes(x, -1, -2)), [(2, 3, 3)]),
    # eigenvectors up to sign: their squares are well defined
    Op("linalg_eigh_vectors", lambda x: sg.linalg.eigh(x + sg.matrix_transpose(x))[1] ** 2,
       lambda x: np.linalg.eigh(x + np.swapaxes(x, -1, -2))[1] ** 2, [(2, 3, 3)], rtol=1e-8,
       atol=1e-10),
    Op("linalg_svd_u", lambda x: sg.linalg.svd(x, full_matrices=False)[0] ** 2,
       lambda x: np.linalg.svd(x, full_matrices=False)[0] ** 2, [(2, 4, 3)], rtol=1e-8,
       atol=1e-10),
    Op("linalg_svd_vh", lambda x: sg.linalg.svd(x, full_matrices=False)[2] ** 2,
       lambda x: np.linalg.svd(x, full_matrices=False)[2] ** 2, [(3, 4)], rtol=1e-8,
       atol=1e-10),
    Op("linalg_qr_q", lambda x: sg.linalg.qr(x)[0], lambda x: np.linalg.qr(x)[0], [(2, 4, 3)],
       rtol=1e-8, atol=1e-10, order=2),
    Op("linalg_qr_r", lambda x: sg.linalg.qr(x)[1], lambda x: np.linalg.qr(x)[1], [(3, 3)],
       rtol=1e-8, atol=1e-10, order=2),
    Op("linalg_pinv", sg.linalg.pinv, np.linalg.pinv, [(2, 4, 3)], rtol=1e-8, atol=1e-10),
    # full SVD and complete QR: the loss must not depend on which basis the
    # extra columns are (here D is constant over them)
    Op("linalg_svd_full_u", lambda x: (sg.linalg.svd(x)[0] * sg.asarray(D5)) @ sg.linalg.svd(x)[0].mT,
       lambda x: (np.linalg.svd(x)[0] * D5) @ np.swapaxes(np.linalg.svd(x)[0], -1, -2), [(2, 5, 3)],
       rtol=1e-8, atol=1e-10),
    Op("linalg_svd_full_vh", lambda x: (sg.linalg.svd(x)[2].mT * sg.asarray(D5)) @ sg.linalg.svd(x)[2],
       lambda x: (np.swapaxes(np.linalg.svd(x)[2], -1, -2) * D5) @ np.linalg.svd(x)[2], [(3, 5)],
       rtol=1e-8, atol=1e-10),
    Op("linalg_qr_complete_q",
       lambda x: (sg.linalg.qr(x, mode="complete")[0] * sg.asarray(D5)) @ sg.linalg.qr(x, mode="complete")[0].mT,
       lambda x: (np.linalg.qr(x, mode="complete")[0] * D5) @ np.swapaxes(np.linalg.qr(x, mode="complete")[0], -1, -2),
       [(5, 3)], rtol=1e-8, atol=1e-10, order=2),
    Op("linalg_qr_complete_r", lambda x: sg.linalg.qr(x, mode="complete")[1],
       lambda x: np.linalg.qr(x, mode="complete")[1], [(2, 4, 2)], rtol=1e-8, atol=1e-10, order=2),
    # QR of wide matrices (rows < columns)
    Op("linalg_qr_wide_q", lambda x: sg.linalg.qr(x)[0], lambda x: np.linalg.qr(x)[0], [(2, 2, 4)],
       rtol=1e-8, atol=1e-10, order=2),
    Op("linalg_qr_wide_r", lambda x: sg.linalg.qr(x)[1], lambda x: np.linalg.qr(x)[1], [(3, 5)],
       rtol=1e-8, atol=1e-10, order=2),
    # complex matrices a + ib, through real functions of the results that
    # do not depend on the vectors' phases
    Op("linalg_eigvalsh_complex", lambda a, b: sg.linalg.eigvalsh(hermitian(a + 1j * b)),
       lambda a, b: np.linalg.eigvalsh(hermitian(a + 1j * b)), [(2, 3, 3), (2, 3, 3)]),
    Op("linalg_eigh_complex_vectors", lambda a, b: sg.abs(sg.linalg.eigh(hermitian(a + 1j * b))[1]) ** 2,
       lambda a, b: np.abs(np.linalg.eigh(hermitian(a + 1j * b))[1]) ** 2, [(3, 3), (3, 3)],
       rtol=1e-8, atol=1e-10),
    Op("linalg_eigh_complex_reconstruct",
       lambda a, b: sg.real(reconstruct_eigh(sg, hermitian(a + 1j * b)) * (1 + 2j)),
       lambda a, b: np.real(reconstruct_eigh(np, hermitian(a + 1j * b)) * (1 + 2j)), [(3, 3), (3, 3)],
       rtol=1e-8, atol=1e-10),
    Op("linalg_svdvals_complex", lambda a, b: sg.linalg.svdvals(a + 1j * b),
       lambda a, b: np.linalg.svd(a + 1j * b, compute_uv=False), [(2, 4, 3), (2, 4, 3)]),
    Op("linalg_svd_complex_u", lambda a, b: sg.abs(sg.linalg.svd(a + 1j * b, full_matrices=False)[0]) ** 2,
       lambda a, b: np.abs(np.linalg.svd(a + 1j * b, full_matrices=False)[0]) ** 2, [(4, 3), (4, 3)],
       rtol=1e-8, atol=1e-10),
    Op("linalg_svd_complex_vh", lambda a, b: sg.abs(sg.linalg.svd(a + 1j * b, full_matrices=False)[2]) ** 2,
       lambda a, b: np.abs(np.linalg.svd(a + 1j * b, full_matrices=False)[2]) ** 2, [(3, 4), (3, 4)],
       rtol=1e-8, atol=1e-10),
    # U diag(S) Vh: the U and Vh terms meet, phases cancelling
    Op("linalg_svd_complex_reconstruct",
       lambda a, b: sg.real(reconstruct_svd(sg, a + 1j * b) * (1 + 2j)),
       lambda a, b: np.real(reconstruct_svd(np, a + 1j * b) * (1 + 2j)), [(2, 3, 4), (2, 3, 4)],
       rtol=1e-8, atol=1e-10),
    Op("linalg_svd_complex_full_u",
       lambda a, b: sg.real(projector(sg, sg.linalg.svd(a + 1j * b)[0]) * (1 + 2j)),
       lambda a, b: np.real(projector(np, np.linalg.svd(a + 1j * b)[0]) * (1 + 2j)), [(5, 3), (5, 3)],
       rtol=1e-8, atol=1e-10),
    Op("linalg_qr_complex_q", lambda a, b: sg.real(sg.linalg.qr(a + 1j * b)[0] * (1 + 2j)),
       lambda a, b: np.real(np.linalg.qr(a + 1j * b)[0] * (1 + 2j)), [(4, 3), (4, 3)],
       rtol=1e-8, atol=1e-10, order=2),
    Op("linalg_qr_complex_r", lambda a, b: sg.real(sg.linalg.qr(a + 1j * b)[1] * (1 + 2j)),
       lambda a, b: np.real(np.linalg.qr(a + 1j * b)[1] * (1 + 2j)), [(2, 3, 3), (2, 3, 3)],
       rtol=1e-8, atol=1e-10),
    Op("linalg_qr_complex_wide", lambda a, b: sg.real(qr_product(sg, a + 1j * b) * (1 + 2j)),
       lambda a, b: np.real(qr_product(np, a + 1j * b) * (1 + 2j)), [(2, 4), (2, 4)],
       rtol=1e-8, atol=1e-10),
    Op("linalg_pinv_complex", lambda a, b: sg.real(sg.linalg.pinv(a + 1j * b) * (1 + 2j)),
       lambda a, b: np.real(np.linalg.pinv(a + 1j * b) * (1 + 2j)), [(4, 3), (4, 3)],
       rtol=1e-8, atol=1e-10),

    Op("linalg_svdvals", sg.linalg.svdvals,
       lambda x: np.linalg.svd(x, compute_uv=False), [(2, 4, 3)]),
    Op("linalg_vector_norm", lambda x: sg.linalg.vector_norm(x, axis=1),
       lambda x: np.linalg.vector_norm(x, axis=1), [(2, 3, 4)], order=2),
    Op("linalg_vector_norm_3", lambda x: sg.linalg.vector_norm(x, ord=3),
       lambda x: np.linalg.vector_norm(x, ord=3), [(2, 3)], "positive", order=2),
    Op("linalg_matrix_norm_fro", sg.linalg.matrix_norm, np.linalg.matrix_norm, [(2, 3, 4)],
       order=2),
    Op("linalg_matrix_norm_nuc", lambda x: sg.linalg.matrix_norm(x, ord="nuc"),
       lambda x: np.linalg.matrix_norm(x, ord="nuc"), [(3, 4)]),
    Op("linalg_trace", lambda x: sg.linalg.trace(x, offset=1),
       lambda x: np.trace(x, offset=1, axis1=-2, axis2=-1), [(2, 3, 4)]),
    Op("linalg_diagonal", lambda x: sg.linalg.diagonal(x, offset=-1),
       lambda x: np.diagonal(x, offset=-1, axis1=-2, axis2=-1), [(2, 4, 3)]),
    Op("linalg_matrix_power", lambda x: sg.linalg.matrix_power(x, 3),
       lambda x: np.linalg.matrix_power(x, 3), [(2, 3, 3)], order=2),
    Op("linalg_cross", sg.linalg.cross, np.cross, [(4, 3), (3,)], order=2),
    # Loops: backpropagation through time, and its own gradient.
    Op("scan_rnn", lambda x, h0, w: sg.scan(lambda xt, h, w: sg.tanh(xt + h @ w), sequences=x,
                                            outputs_info=h0, non_sequences=w)[0],
       lambda x, h0, w: np_rnn(x, h0, w), [(4, 3), (3,), (3, 3)], order=2),
    Op("scan_reverse_product", lambda x, a: sg.scan(lambda xt, p: p * xt + sg.sin(p), sequences=x,
                                                    outputs_info=a, go_backwards=True)[0],
       lambda x, a: np_reverse_product(x, a), [(3, 2), (2,)], order=2),
]

IDS = [op.name for op in OPS]
EPS = 1e-6
GRAD_RTOL, GRAD_ATOL = 1e-6, 1e-7
HESS_RTOL, HESS_ATOL = 1e-5, 1e-6


def inputs(op):
    rng = np.random.default_rng(zlib.crc32(op.name.encode()))
    def draw(shape, domain):
        if domain == "positive":
            return rng.uniform(0.5, 2.0, shape)
        if domain == "extreme":  # ±1000, a few apart
            return rng.choice([-1.0, 1.0], shape) * rng.uniform(997.0, 1003.0, shape)
        return rng.uniform(-2.0, 2.0, shape)
    return [draw(shape, domain) for shape, domain in zip(op.shapes, op.domains())]


def weights(op, xs):
    """Random weights w for the scalar sum(f(x) * w)."""
    shape = np.shape((op.grad_ref or op.ref)(*xs))
    return np.random.default_rng(zlib.crc32(op.name.encode()) + 1).uniform(-1, 1, shape)


def numerical_gradients(f, xs):
    """Central differences of the scalar function f at xs."""
    grads = []
    for i, x in enumerate(xs):
        g = np.zeros_like(x)
        for j in np.ndindex(x.shape):
            plus, minus = [a.copy() for a in xs], [a.copy() for a in xs]
            plus[i][j] += EPS
            minus[i][j] -= EPS
            g[j] = (f(*plus) - f(*minus)) / (2 * EPS)
        grads.append(g)
    return grads


def expected_gradients(op, xs, w):
    ref = op.grad_ref or op.ref
    return numerical_gradients(lambda *a: np.sum(ref(*a) * w), xs)


def placeholders(op):
    return [sg.placeholder(s if op.known_shapes else (None,) * len(s), name=f"x{i}")
            for i, s in enumerate(op.shapes)]


@pytest.mark.parametrize("op", OPS, ids=IDS)
@pytest.mark.parametrize("dtype, rtol, atol", [
    (np.float64, None, None), (np.float32, 1e-5, 1e-6)])
def test_forward(op, dtype, rtol, atol):
    xs = [x.astype(dtype) for x in inputs(op)]
    expected = op.ref(*xs)
    result = op.fn(*[sg.asarray(x) for x in xs])
    assert isinstance(result, sg.Tensor)
    assert result.shape == np.shape(expected)
    assert result.dtype == np.asarray(expected).dtype
    # float32 loses an ulp of the inputs' magnitude (about 6e-5 at ±1000)
    scale = max([1.0] + [float(np.max(np.abs(x), initial=0)) for x in xs])
    np.testing.assert_allclose(np.asarray(result), expected,
                               rtol=rtol or op.rtol, atol=atol * scale if atol else op.atol)


@pytest.mark.parametrize("op", OPS, ids=IDS)
def test_forward_symbolic(op):
    """The compiled graph computes what the eager call does."""
    xs = inputs(op)
    ps = placeholders(op)
    f = sg.function(ps, op.fn(*ps))
    np.testing.assert_allclose(np.asarray(f(*xs)), op.ref(*xs),
                               rtol=op.rtol, atol=op.atol)


@pytest.mark.parametrize("op", [op for op in OPS if op.order >= 1],
                         ids=[op.name for op in OPS if op.order >= 1])
def test_eager_gradient(op):
    xs = inputs(op)
    w = weights(op, xs)
    tensors = [sg.asarray(x) for x in xs]
    for t in tensors:
        t.requires_grad = True
    out = op.fn(*tensors)
    sg.sum(out * sg.asarray(w, dtype=out.dtype)).backward()
    for t, expected in zip(tensors, expected_gradients(op, xs, w)):
        assert t.grad is not None
        assert t.grad.shape == expected.shape
        np.testing.assert_allclose(np.asarray(t.grad), expected,
                                   rtol=GRAD_RTOL, atol=GRAD_ATOL)


@pytest.mark.parametrize("op", [op for op in OPS if op.order >= 1],
                         ids=[op.name for op in OPS if op.order >= 1])
def test_eager_gradient_through_dropped_intermediates(op):
    """The op's inputs and result are intermediates nobody holds: the graph
    keeps only the values the vjps read (the others are stand-ins whose
    values are NaN), so a vjp that reads what it did not declare fails."""
    xs = inputs(op)
    w = weights(op, xs)
    tensors = [sg.asarray(x) for x in xs]
    for t in tensors:
        t.requires_grad = True
    out = op.fn(*[t + 0.0 for t in tensors]) + 0.0
    sg.sum(out * sg.asarray(w, dtype=out.dtype)).backward()
    for t, expected in zip(tensors, expected_gradients(op, xs, w)):
        np.testing.assert_allclose(np.asarray(t.grad), expected, rtol=GRAD_RTOL, atol=GRAD_ATOL)


@pytest.mark.parametrize("op", [op for op in OPS if op.order >= 1],
                         ids=[op.name for op in OPS if op.order >= 1])
def test_symbolic_gradient(op):
    xs = inputs(op)
    w = weights(op, xs)
    ps = placeholders(op)
    out = op.fn(*ps)
    cost = sg.sum(out * sg.asarray(w, dtype=out.dtype))
    # A linear op's gradient (squeeze's, with the weights constant) need
    # not read its input at all.
    f = sg.function(ps, T.grad(cost, ps), on_unused_input="ignore")
    for actual, expected in zip(f(*xs), expected_gradients(op, xs, w)):
        assert actual.shape == expected.shape
        np.testing.assert_allclose(np.asarray(actual), expected,
                                   rtol=GRAD_RTOL, atol=GRAD_ATOL)


@pytest.mark.parametrize("op", [op for op in OPS if op.order >= 2],
                         ids=[op.name for op in OPS if op.order >= 2])
def test_second_order(op):
    """grad of (grad · v): a Hessian-vector product, against differences of
    the compiled first gradient."""
    xs = inputs(op)
    w = weights(op, xs)
    rng = np.random.default_rng(7)
    vs = [rng.uniform(-1, 1, x.shape) for x in xs]
    ps = placeholders(op)
    cost = sg.sum(op.fn(*ps) * sg.asarray(w))
    grads = T.grad(cost, ps)
    gv = sg.sum(grads[0] * sg.asarray(vs[0]))
    for g, v in zip(grads[1:], vs[1:]):
        gv = gv + sg.sum(g * sg.asarray(v))
    hvp = sg.function(ps, T.grad(gv, ps))
    first = sg.function(ps, gv)
    expected = numerical_gradients(lambda *a: first(*a).item(), xs)
    for actual, e in zip(hvp(*xs), expected):
        np.testing.assert_allclose(np.asarray(actual), e,
                                   rtol=HESS_RTOL, atol=HESS_ATOL)


def expected_jvp(op, xs, ts):
    """(f(x + eps t) - f(x - eps t)) / 2 eps of the reference."""
    ref = op.grad_ref or op.ref
    plus = ref(*[x + EPS * t for x, t in zip(xs, ts)])
    minus = ref(*[x - EPS * t for x, t in zip(xs, ts)])
    return (np.asarray(plus) - np.asarray(minus)) / (2 * EPS)


def tangents(op, xs):
    rng = np.random.default_rng(zlib.crc32(op.name.encode()) + 2)
    return [rng.uniform(-1, 1, x.shape) for x in xs]


@pytest.mark.parametrize("op", [op for op in OPS if op.order >= 1],
                         ids=[op.name for op in OPS if op.order >= 1])
def test_jvp(op):
    """Forward mode (each primitive's jvp rule), eager through
    swiftgrad.func.jvp and symbolic through sg.jvp in a compiled function,
    against central differences along the tangents."""
    xs = inputs(op)
    ts = tangents(op, xs)
    expected = expected_jvp(op, xs, ts)
    value, pushed = sg.func.jvp(op.fn, [sg.asarray(x) for x in xs], [sg.asarray(t) for t in ts])
    np.testing.assert_allclose(np.asarray(value), op.ref(*xs), rtol=op.rtol, atol=op.atol)
    assert pushed.shape == expected.shape
    np.testing.assert_allclose(np.asarray(pushed), expected, rtol=GRAD_RTOL, atol=GRAD_ATOL)
    ps = placeholders(op)
    tps = [sg.placeholder(p.shape, name=f"t{i}") for i, p in enumerate(ps)]
    # a linear op's jvp does not read the primal inputs
    f = sg.function(ps + tps, sg.jvp([op.fn(*ps)], ps, tps)[0], on_unused_input="ignore")
    np.testing.assert_allclose(np.asarray(f(*xs, *ts)), expected, rtol=GRAD_RTOL, atol=GRAD_ATOL)


def test_table_covers_the_api():
    """Every operation exported by swiftgrad has a row."""
    covered = {op.name.split("_")[0] for op in OPS}
    names = {"neg", "exp", "log", "sigmoid", "add", "sub", "mul", "div", "pow",
             "matmul", "dot", "sum", "mean", "permute", "astype"}
    assert names <= covered
    for name in ["negative", "exp", "log", "sigmoid", "add", "subtract",
                 "multiply", "divide", "pow", "matmul", "dot", "sum", "mean",
                 "permute_dims", "astype"]:
        assert name in sg.__all__
