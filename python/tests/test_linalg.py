"""Products against NumPy: batched and broadcast matmul in every numeric
dtype, tensordot, vecdot, einsum, outer, with gradients and errors."""

from __future__ import annotations

import numpy as np
import pytest

import swiftgrad as sg

NUMERIC = ["int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
           "float32", "float64", "complex64", "complex128"]


def data(dtype, shape, seed=0):
    rng = np.random.default_rng(seed)
    if dtype.startswith(("int", "uint")):
        return rng.integers(0, 4, shape).astype(dtype)
    x = rng.uniform(-1, 1, shape)
    if dtype.startswith("complex"):
        x = x + 1j * rng.uniform(-1, 1, shape)
    return x.astype(dtype)


def check(actual, expected, rtol=1e-5):
    assert actual.shape == np.shape(expected)
    assert actual.dtype.name == np.asarray(expected).dtype.name
    np.testing.assert_allclose(np.asarray(actual), expected, rtol=rtol, atol=1e-5)


SHAPES = [((3,), (3,)), ((2, 3), (3,)), ((3,), (3, 4)), ((2, 3), (3, 4)),
          ((5, 2, 3), (5, 3, 4)), ((2, 1, 2, 3), (4, 3, 2)), ((3,), (2, 3, 4)),
          ((2, 3, 4), (4,)), ((1, 2, 3), (3, 0)), ((2, 0), (0, 3))]


@pytest.mark.parametrize("dtype", NUMERIC)
@pytest.mark.parametrize("shapes", SHAPES, ids=str)
def test_matmul(dtype, shapes):
    a, b = data(dtype, shapes[0]), data(dtype, shapes[1], seed=1)
    check(sg.matmul(sg.asarray(a), sg.asarray(b)), np.matmul(a, b))


@pytest.mark.parametrize("dtype", ["float32", "float64", "complex64", "complex128", "int32"])
def test_large_matmul_through_blas_and_strided_operands(dtype):
    a, b = data(dtype, (3, 40, 50)), data(dtype, (50, 30), seed=1)
    check(sg.matmul(sg.asarray(a), sg.asarray(b)), a @ b, 1e-4)
    # Transposed views go to BLAS without a copy; permuted batches too.
    at = sg.permute_dims(sg.asarray(np.ascontiguousarray(np.swapaxes(a, 1, 2))), (0, 2, 1))
    check(sg.matmul(at, sg.asarray(b)), a @ b, 1e-4)
    c = data(dtype, (40, 3, 50))
    cv = sg.permute_dims(sg.asarray(c), (1, 0, 2))
    check(cv @ sg.asarray(b), np.transpose(c, (1, 0, 2)) @ b, 1e-4)


def test_matmul_mixed_dtypes_promote():
    for da, db in [("int8", "int32"), ("float32", "float64"), ("float32", "complex64"),
                   ("int8", "float32"), ("int32", "float32")]:
        a, b = data(da, (2, 3)), data(db, (3, 2))
        check(sg.matmul(sg.asarray(a), sg.asarray(b)), np.matmul(a, b))
    with pytest.raises(TypeError, match=r"^\[matmul\] no promotion rule for bool and float32"):
        sg.matmul(sg.asarray(data("bool", (2, 3))), sg.asarray(data("float32", (3, 2))))


def test_complex_matmul_gradient_conjugates():
    """d(sum(real(A @ B)))/dA is conj(B summed over columns) in PyTorch's
    convention: the cotangent (ones) times B^H."""
    a = data("complex128", (2, 3))
    b = data("complex128", (3, 2), seed=1)
    ta = sg.asarray(a)
    ta.requires_grad = True
    y = ta @ sg.asarray(b)
    sg.sum(sg.real(y)).backward()
    np.testing.assert_allclose(np.asarray(ta.grad), np.ones((2, 2)) @ b.conj().T)


def test_batch_broadcast_gradient_sums_back():
    a = data("float64", (4, 2, 3))
    b = data("float64", (3, 5), seed=1)
    ta, tb = sg.asarray(a), sg.asarray(b)
    ta.requires_grad = tb.requires_grad = True
    sg.sum(ta @ tb).backward()
    np.testing.assert_allclose(np.asarray(tb.grad), np.einsum("bij,bik->jk", a, np.ones((4, 2, 5))))
    np.testing.assert_allclose(np.asarray(ta.grad), np.ones((4, 2, 5)) @ b.T)


def test_matmul_errors():
    with pytest.raises(ValueError, match=r"^\[matmul\] shapes \(2,3\) and \(4,5\) are not aligned"):
        sg.matmul(sg.asarray(np.ones((2, 3))), sg.asarray(np.ones((4, 5))))
    with pytest.raises(ValueError, match=r"^\[matmul\]"):
        sg.matmul(sg.asarray(np.ones((2, 2, 3))), sg.asarray(np.ones((3, 3, 4))))
    with pytest.raises(ValueError, match=r"^\[matmul\] 0-dimensional"):
        sg.matmul(sg.asarray(1.0), sg.asarray(np.ones(3)))
    with pytest.raises(TypeError, match=r"^\[matmul\].*bool"):
        sg.matmul(sg.asarray([[True]]), sg.asarray([[True]]))


@pytest.mark.parametrize("dtype", ["int64", "float32", "float64", "complex128"])
def test_tensordot(dtype):
    a, b = data(dtype, (3, 4, 5)), data(dtype, (4, 3, 2), seed=1)
    check(sg.tensordot(sg.asarray(a), sg.asarray(b), axes=([0, 1], [1, 0])),
          np.tensordot(a, b, axes=([0, 1], [1, 0])))
    c = data(dtype, (5, 2), seed=2)
    for n in [0, 1]:
        check(sg.tensordot(sg.asarray(a), sg.asarray(c), axes=n), np.tensordot(a, c, axes=n))
    check(sg.tensordot(sg.asarray(a), sg.asarray(data(dtype, (4, 5), seed=3)), axes=2),
          np.tensordot(a, data(dtype, (4, 5), seed=3), axes=2))
    with pytest.raises(ValueError, match=r"^\[tensordot\] shape-mismatch"):
        sg.tensordot(sg.asarray(a), sg.asarray(b), axes=([0], [0]))


@pytest.mark.parametrize("dtype", ["int32", "float64", "complex128"])
def test_vecdot_conjugates_first(dtype):
    a, b = data(dtype, (2, 1, 3)), data(dtype, (4, 3), seed=1)
    expected = np.sum(np.conj(a) * b, axis=-1)
    check(sg.vecdot(sg.asarray(a), sg.asarray(b)), expected)
    check(sg.linalg.vecdot(sg.asarray(a), sg.asarray(b), axis=-1), expected)
    with pytest.raises(ValueError, match=r"^\[vecdot\]"):
        sg.vecdot(sg.asarray(a), sg.asarray(np.ones(4, dtype)))


@pytest.mark.parametrize("spec, shapes", [
    ("ij,jk->ik", [(2, 3), (3, 4)]),
    ("ij,jk", [(2, 3), (3, 4)]),
    ("bij,bjk->bik", [(2, 2, 3), (2, 3, 4)]),
    ("ij->ji", [(2, 3)]),
    ("ij->", [(2, 3)]),
    ("i,j->ij", [(3,), (4,)]),
    ("i,i->", [(3,), (3,)]),
    ("ijk,kl,lm->mji", [(2, 3, 4), (4, 5), (5, 2)]),
    ("abc,cd->dba", [(2, 3, 4), (4, 2)]),
    ("ij,ij->i", [(3, 4), (3, 4)]),
    ("ij,kl->ijkl", [(2, 3), (1, 2)]),
    ("ik,k", [(3, 4), (4,)]),
    ("ii->i", [(3, 3)]),
    ("ii", [(3, 3)]),
    ("iij->j", [(2, 2, 3)]),
    ("iji->j", [(2, 3, 2)]),
    ("ij,jj->i", [(2, 3), (3, 3)]),
    ("...ij,...jk->...ik", [(2, 3, 4), (2, 4, 5)]),
    ("...ij,...jk", [(2, 3, 4), (2, 4, 5)]),
    ("i...->...", [(3, 2, 2)]),
    ("...i,i", [(2, 3, 4), (4,)]),
    # `...` broadcasts as NumPy's does: fewer axes, or length 1
    ("...ij,...jk->...ik", [(5, 2, 3, 4), (2, 4, 3)]),
    ("...ij,...jk->...ik", [(1, 3, 4), (6, 4, 2)]),
    ("...ij,...j->...i", [(2, 1, 3, 4), (5, 4)]),
    ("...ij,jk", [(3, 1, 2, 3), (3, 2)]),
    ("...,...", [(3, 1), (4,)]),
    ("i...,i...->...", [(2, 3, 1), (2, 4)]),
])
def test_einsum(spec, shapes):
    xs = [data("float64", s, seed=i) for i, s in enumerate(shapes)]
    check(sg.einsum(spec, *[sg.asarray(x) for x in xs]), np.einsum(spec, *xs), 1e-10)


def test_einsum_errors():
    x = sg.asarray(np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"^\[einsum\].*2 operands"):
        sg.einsum("ij,jk", x)
    with pytest.raises(ValueError, match=r"^\[einsum\] label 'j' has lengths 3 and 2"):
        sg.einsum("ij,jk", x, x)
    with pytest.raises(ValueError, match=r"^\[einsum\] label 'i' has lengths 2 and 3"):
        sg.einsum("ii", x)
    with pytest.raises(ValueError, match=r"^\[einsum\] operands could not be broadcast together along '...' \(lengths 2 and 3\)"):
        sg.einsum("...ij,...jk", sg.asarray(np.ones((2, 2, 3))), sg.asarray(np.ones((3, 3, 1))))
    with pytest.raises(ValueError, match=r"^\[einsum\] subscripts '...ijk' name 3 axes"):
        sg.einsum("...ijk", x)
    with pytest.raises(ValueError, match=r"^\[einsum\]"):
        sg.einsum("ijk", x)


def test_outer_and_matrix_transpose():
    a, b = np.arange(3.0), np.arange(4.0) + 1
    check(sg.linalg.outer(sg.asarray(a), sg.asarray(b)), np.outer(a, b))
    m = np.arange(24.0).reshape(2, 3, 4)
    check(sg.matrix_transpose(sg.asarray(m)), np.swapaxes(m, -1, -2))
    with pytest.raises(ValueError, match=r"^\[outer\]"):
        sg.linalg.outer(sg.asarray(m), sg.asarray(a))


def test_linalg_error_is_a_value_error():
    assert issubclass(sg.linalg.LinAlgError, ValueError)


# ------------------------------------------------------- linalg extension

def well_conditioned(dtype, shape, seed=0):
    a = data(dtype, shape, seed)
    return (a + 4 * np.eye(shape[-1], dtype=dtype)).astype(dtype)


def spd(dtype, shape, seed=0):
    a = data("float64", shape, seed)
    return (a @ np.swapaxes(a, -1, -2) + 3 * np.eye(shape[-1])).astype(dtype)


TOL = {"float32": 2e-4, "float64": 1e-10}


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("shape", [(3, 3), (2, 4, 4), (2, 1, 2, 2)], ids=str)
def test_square_factorizations(dtype, shape):
    a, s = well_conditioned(dtype, shape), spd(dtype, shape)
    L, t = sg.linalg, TOL[dtype]
    check(L.inv(sg.asarray(a)), np.linalg.inv(a), t)
    check(L.det(sg.asarray(a)), np.linalg.det(a), t)
    sign, logabs = L.slogdet(sg.asarray(a))
    expected = np.linalg.slogdet(a)
    check(sign, expected.sign, t)
    check(logabs, expected.logabsdet, t)
    check(L.cholesky(sg.asarray(s)), np.linalg.cholesky(s), t)
    check(L.cholesky(sg.asarray(s), upper=True), np.swapaxes(np.linalg.cholesky(s), -1, -2), t)
    w, v = L.eigh(sg.asarray(s))
    check(w, np.linalg.eigvalsh(s), t)
    # Eigenvectors are defined up to sign: check A V = V diag(w).
    np.testing.assert_allclose(s @ np.asarray(v), np.asarray(v) * np.asarray(w)[..., None, :],
                               rtol=t * 10, atol=t * 10)
    check(L.eigvalsh(sg.asarray(s)), np.linalg.eigvalsh(s), t)
    b = data(dtype, shape[:-1] + (2,), seed=5)
    check(L.solve(sg.asarray(a), sg.asarray(b)), np.linalg.solve(a, b), t * 10)
    check(L.matrix_power(sg.asarray(a), 3), np.linalg.matrix_power(a, 3), t * 10)
    check(L.matrix_power(sg.asarray(a), -1), np.linalg.inv(a), t * 10)
    check(L.matrix_power(sg.asarray(a), 0), np.broadcast_to(np.eye(shape[-1], dtype=dtype), shape), t)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("shape", [(4, 3), (3, 4), (2, 5, 2), (3, 3)], ids=str)
def test_rectangular_factorizations(dtype, shape):
    x = data(dtype, shape, seed=2)
    L, t = sg.linalg, TOL[dtype]
    check(L.svdvals(sg.asarray(x)), np.linalg.svd(x, compute_uv=False), t)
    for full in [True, False]:
        u, s, vh = L.svd(sg.asarray(x), full_matrices=full)
        eu, es, evh = np.linalg.svd(x, full_matrices=full)
        assert u.shape == eu.shape and vh.shape == evh.shape
        k = min(shape[-2:])
        recon = np.asarray(u)[..., :, :k] * np.asarray(s)[..., None, :] @ np.asarray(vh)[..., :k, :]
        np.testing.assert_allclose(recon, x, rtol=t * 10, atol=t * 10)
    for mode in ["reduced", "complete"]:
        q, r = L.qr(sg.asarray(x), mode=mode)
        eq, er = np.linalg.qr(x, mode=mode)
        assert q.shape == eq.shape and r.shape == er.shape
        np.testing.assert_allclose(np.asarray(q) @ np.asarray(r), x, rtol=t * 10, atol=t * 10)
        np.testing.assert_allclose(np.abs(np.asarray(r)), np.abs(er), rtol=t * 10, atol=t * 10)
    check(L.pinv(sg.asarray(x)), np.linalg.pinv(x), t * 10)
    check(L.matrix_rank(sg.asarray(x)), np.linalg.matrix_rank(x))
    for ord in ["fro", "nuc", 1, -1, 2, -2, np.inf, -np.inf]:
        check(L.matrix_norm(sg.asarray(x), ord=ord), np.linalg.matrix_norm(x, ord=ord), t)
    check(L.matrix_norm(sg.asarray(x), keepdims=True),
          np.linalg.matrix_norm(x, keepdims=True), t)
    for ord in [2, 1, 0, 3, 0.5, np.inf, -np.inf]:
        check(L.vector_norm(sg.asarray(x), ord=ord), np.linalg.vector_norm(x, ord=ord), t)
        check(L.vector_norm(sg.asarray(x), axis=-1, ord=ord, keepdims=True),
              np.linalg.vector_norm(x, axis=-1, ord=ord, keepdims=True), t)
    for offset in [-1, 0, 2]:
        check(L.diagonal(sg.asarray(x), offset=offset),
              np.diagonal(x, offset=offset, axis1=-2, axis2=-1))
        check(L.trace(sg.asarray(x), offset=offset),
              np.trace(x, offset=offset, axis1=-2, axis2=-1), t)


def test_rank_deficient_and_integer_inputs():
    x = np.array([[1.0, 2.0], [2.0, 4.0], [0.0, 0.0]])
    check(sg.linalg.matrix_rank(sg.asarray(x)), np.linalg.matrix_rank(x))
    check(sg.linalg.pinv(sg.asarray(x)), np.linalg.pinv(x), 1e-10)
    check(sg.linalg.det(sg.asarray(np.array([[1.0, 2.0], [2.0, 4.0]]))), np.float64(0.0))
    sign, logabs = sg.linalg.slogdet(sg.asarray(np.zeros((2, 2))))
    assert float(sign) == 0 and float(logabs) == -np.inf
    i = np.array([[2, 1], [1, 3]])
    check(sg.linalg.inv(sg.asarray(i)), np.linalg.inv(i), 1e-12)
    check(sg.linalg.trace(sg.asarray(i)), np.trace(i))
    check(sg.linalg.trace(sg.asarray(i), dtype="float32"), np.trace(i, dtype=np.float32))


def test_cross():
    rng = np.random.default_rng(1)
    a, b = rng.uniform(size=(4, 3)), rng.uniform(size=(2, 1, 3))
    check(sg.linalg.cross(sg.asarray(a), sg.asarray(b)), np.cross(a, b), 1e-12)
    a, b = rng.uniform(size=(3, 5)), rng.uniform(size=(3, 5))
    check(sg.linalg.cross(sg.asarray(a), sg.asarray(b), axis=-2), np.cross(a, b, axis=-2), 1e-12)
    ia, ib = np.array([1, 0, 0]), np.array([0, 1, 0])
    check(sg.linalg.cross(sg.asarray(ia), sg.asarray(ib)), np.cross(ia, ib))
    with pytest.raises(ValueError, match=r"^\[cross\] axis -1 must have length 3"):
        sg.linalg.cross(sg.asarray(np.ones(2)), sg.asarray(np.ones(2)))


def test_gradients_by_hand():
    # d det(A)/dA = det(A) A^-T; d log|det A| = A^-T; d tr(A) = I.
    a = np.array([[2.0, 1.0], [0.5, 3.0]])
    t = sg.asarray(a)
    t.requires_grad = True
    sg.linalg.det(t).backward()
    np.testing.assert_allclose(np.asarray(t.grad), np.linalg.det(a) * np.linalg.inv(a).T)
    t.grad = None
    sg.linalg.trace(t).backward()
    np.testing.assert_allclose(np.asarray(t.grad), np.eye(2))
    t.grad = None
    sg.linalg.matrix_norm(t).backward()
    np.testing.assert_allclose(np.asarray(t.grad), a / np.linalg.norm(a))


def test_linalg_errors():
    L = sg.linalg
    with pytest.raises(L.LinAlgError, match=r"^\[inv\] singular matrix \(shape \(2,2\)\)"):
        L.inv(sg.asarray(np.ones((2, 2))))
    with pytest.raises(ValueError, match=r"^\[solve\] singular matrix"):
        L.solve(sg.asarray(np.zeros((2, 2))), sg.asarray(np.ones(2)))
    with pytest.raises(L.LinAlgError, match=r"^\[cholesky\] matrix is not positive definite"):
        L.cholesky(sg.asarray(-np.eye(3)))
    with pytest.raises(ValueError, match=r"^\[det\] needs square matrices, got shape \(2,3\)"):
        L.det(sg.asarray(np.ones((2, 3))))
    with pytest.raises(ValueError, match=r"^\[inv\] needs a matrix"):
        L.inv(sg.asarray(np.ones(3)))
    with pytest.raises(ValueError, match=r"^\[solve\] shapes \(2,2\) and \(3,1\)"):
        L.solve(sg.asarray(np.eye(2)), sg.asarray(np.ones(3)))
    with pytest.raises(ValueError, match=r"^\[matrix_norm\] unknown order"):
        L.matrix_norm(sg.asarray(np.eye(2)), ord=3)
    with pytest.raises(ValueError, match=r"^\[qr\] mode"):
        L.qr(sg.asarray(np.eye(2)), mode="r")


@pytest.mark.parametrize("dtype", ["complex64", "complex128"])
def test_complex_lu_and_cholesky(dtype):
    rng = np.random.default_rng(0)
    a = (rng.uniform(-1, 1, (2, 3, 3)) + 1j * rng.uniform(-1, 1, (2, 3, 3))
         + 3 * np.eye(3)).astype(dtype)
    b = (rng.uniform(-1, 1, (2, 3, 2)) + 1j * rng.uniform(-1, 1, (2, 3, 2))).astype(dtype)
    h = (a @ np.conj(np.swapaxes(a, -1, -2))).astype(dtype)
    t = 1e-4 if dtype == "complex64" else 1e-10
    L = sg.linalg
    check(L.inv(sg.asarray(a)), np.linalg.inv(a), t)
    check(L.det(sg.asarray(a)), np.linalg.det(a), t)
    sign, logabs = L.slogdet(sg.asarray(a))
    check(sign, np.linalg.slogdet(a).sign, t)
    check(logabs, np.linalg.slogdet(a).logabsdet, t)
    check(L.solve(sg.asarray(a), sg.asarray(b)), np.linalg.solve(a, b), t)
    check(L.cholesky(sg.asarray(h)), np.linalg.cholesky(h), t)


def complex_data(dtype, shape, seed=0):
    rng = np.random.default_rng(seed)
    return (rng.uniform(-1, 1, shape) + 1j * rng.uniform(-1, 1, shape)).astype(dtype)


def mH(a):
    return np.conj(np.swapaxes(a, -1, -2))


@pytest.mark.parametrize("dtype", ["complex64", "complex128"])
@pytest.mark.parametrize("shape", [(3, 3), (2, 4, 3), (3, 5), (2, 1, 2, 4)], ids=str)
def test_complex_eigh_svd_qr(dtype, shape):
    """Values against NumPy; vectors through what does not depend on their
    phases: reconstructions, orthonormality, |entries|."""
    L, t = sg.linalg, (2e-4 if dtype == "complex64" else 1e-10)
    real = "float32" if dtype == "complex64" else "float64"
    x = complex_data(dtype, shape)
    m, n = shape[-2:]
    k = min(m, n)
    s = L.svdvals(sg.asarray(x))
    check(s, np.linalg.svd(x, compute_uv=False), t)
    assert s.dtype.name == real
    for full in [False, True]:
        u, s, vh = (np.asarray(f) for f in L.svd(sg.asarray(x), full_matrices=full))
        eu, _, evh = np.linalg.svd(x, full_matrices=full)
        assert u.shape == eu.shape and vh.shape == evh.shape and u.dtype == x.dtype
        np.testing.assert_allclose(u[..., :k] * s[..., None, :] @ vh[..., :k, :], x, atol=t * 10)
        np.testing.assert_allclose(mH(u) @ u, np.broadcast_to(np.eye(u.shape[-1]), u.shape[:-2] + (u.shape[-1],) * 2),
                                   atol=t * 10)
        np.testing.assert_allclose(vh @ mH(vh), np.broadcast_to(np.eye(vh.shape[-2]), vh.shape[:-1] + (vh.shape[-2],)),
                                   atol=t * 10)
        # |U| is the same for any phases.
        np.testing.assert_allclose(np.abs(u[..., :k]), np.abs(eu[..., :k]), atol=t * 100)
    for mode in ["reduced", "complete"]:
        q, r = (np.asarray(f) for f in L.qr(sg.asarray(x), mode=mode))
        eq, er = np.linalg.qr(x, mode=mode)
        assert q.shape == eq.shape and r.shape == er.shape and q.dtype == x.dtype
        np.testing.assert_allclose(q @ r, x, atol=t * 10)
        np.testing.assert_allclose(np.triu(r), r)
        np.testing.assert_allclose(np.abs(r), np.abs(er), atol=t * 10)
    h = (x[..., :k, :k] @ mH(x[..., :k, :k]) + np.eye(k)).astype(dtype)
    w, v = L.eigh(sg.asarray(h))
    assert w.dtype.name == real and v.dtype.name == dtype
    check(w, np.linalg.eigvalsh(h), t)
    check(L.eigvalsh(sg.asarray(h)), np.linalg.eigvalsh(h), t)
    v = np.asarray(v)
    np.testing.assert_allclose(h @ v, v * np.asarray(w)[..., None, :], atol=t * 10)
    np.testing.assert_allclose(np.abs(v), np.abs(np.linalg.eigh(h)[1]), atol=t * 100)
    # Only the lower triangle is read, as NumPy does.
    check(L.eigvalsh(sg.asarray(np.tril(h))), np.linalg.eigvalsh(np.tril(h)), t)
    check(L.pinv(sg.asarray(x)), np.linalg.pinv(x), t * 10)
    check(L.matrix_rank(sg.asarray(x)), np.linalg.matrix_rank(x))
    for ord in ["nuc", 2, -2, "fro"]:
        check(L.matrix_norm(sg.asarray(x), ord=ord), np.linalg.matrix_norm(x, ord=ord), t)


def test_complex_factor_gradients_against_differences():
    """Complex gradients (dL/dRe + i dL/dIm) of losses that do not depend on
    the vectors' phases, against central differences."""
    rng = np.random.default_rng(3)
    a = rng.uniform(-1, 1, (4, 3)) + 1j * rng.uniform(-1, 1, (4, 3))
    d = np.array([1.0, 2.0, 3.0])
    cases = [
        (lambda t: sg.sum(sg.linalg.svdvals(t)), lambda m: np.sum(np.linalg.svd(m, compute_uv=False))),
        (lambda t: sg.sum(sg.abs(sg.linalg.svd(t, full_matrices=False)[0]) ** 2 * sg.asarray(d)),
         lambda m: np.sum(np.abs(np.linalg.svd(m, full_matrices=False)[0]) ** 2 * d)),
        (lambda t: sg.sum(sg.abs(sg.linalg.svd(t, full_matrices=False)[2]) ** 2 * sg.asarray(d)),
         lambda m: np.sum(np.abs(np.linalg.svd(m, full_matrices=False)[2]) ** 2 * d)),
        (lambda t: sg.sum(sg.linalg.eigvalsh(sg.matrix_transpose(sg.conj(t)) @ t) * sg.asarray(d)),
         lambda m: np.sum(np.linalg.eigvalsh(mH(m) @ m) * d)),
        (lambda t: sg.sum(sg.abs(sg.linalg.eigh(sg.matrix_transpose(sg.conj(t)) @ t)[1]) ** 3),
         lambda m: np.sum(np.abs(np.linalg.eigh(mH(m) @ m)[1]) ** 3)),
        (lambda t: sg.sum(sg.real(sg.linalg.qr(t)[0])) + sg.sum(sg.imag(sg.linalg.qr(t)[1])),
         lambda m: np.sum(np.real(np.linalg.qr(m)[0])) + np.sum(np.imag(np.linalg.qr(m)[1]))),
        (lambda t: sg.sum(sg.real(sg.linalg.qr(sg.matrix_transpose(t))[1] * (1 - 2j))),
         lambda m: np.sum(np.real(np.linalg.qr(m.T)[1] * (1 - 2j)))),
    ]
    for f, ref in cases:
        t = sg.asarray(a)
        t.requires_grad = True
        f(t).backward()
        np.testing.assert_allclose(np.asarray(t.grad), complex_numeric_gradient(ref, a), atol=1e-6)


def test_full_factor_gradients_need_losses_blind_to_the_extra_columns():
    """With full_matrices=True / mode='complete' the extra columns are any
    basis of the complement: a loss that sees them only through their span
    (U2 U2^T = I - U1 U1^T) gets the exact gradient."""
    rng = np.random.default_rng(4)
    a = rng.uniform(-1, 1, (5, 2))
    t = sg.asarray(a)
    t.requires_grad = True
    u = sg.linalg.svd(t)[0]
    # U2 U2^T = I - U1 U1^T: its gradient is minus that of U1 U1^T.
    sg.sum(u[:, 2:] @ u[:, 2:].T * sg.asarray(np.arange(25.0).reshape(5, 5))).backward()
    g_extra = np.asarray(t.grad)
    t.grad = None
    u1 = sg.linalg.svd(t, full_matrices=False)[0]
    sg.sum(u1 @ u1.T * sg.asarray(np.arange(25.0).reshape(5, 5))).backward()
    np.testing.assert_allclose(g_extra, -np.asarray(t.grad), atol=1e-10)
    t.grad = None
    q = sg.linalg.qr(t, mode="complete")[0]
    sg.sum(q[:, 2:] @ q[:, 2:].T * sg.asarray(np.arange(25.0).reshape(5, 5))).backward()
    # Q2 spans what U2 does.
    np.testing.assert_allclose(np.asarray(t.grad), g_extra, atol=1e-10)


def complex_numeric_gradient(f, a, eps=1e-6):
    """dL/dRe + i dL/dIm of the real function f at complex a (PyTorch's
    convention for complex gradients)."""
    g = np.zeros_like(a)
    for idx in np.ndindex(a.shape):
        for unit in (1, 1j):
            d = np.zeros_like(a)
            d[idx] = eps * unit
            g[idx] += (f(a + d) - f(a - d)) / (2 * eps) * unit
    return g


def test_complex_gradients():
    rng = np.random.default_rng(1)
    a = rng.uniform(-1, 1, (3, 3)) + 1j * rng.uniform(-1, 1, (3, 3)) + 3 * np.eye(3)
    b = rng.uniform(-1, 1, (3, 2)) + 1j * rng.uniform(-1, 1, (3, 2))
    herm = lambda m: m @ np.conj(m.T) + 3 * np.eye(3)  # noqa: E731
    cases = [
        (lambda t: sg.linalg.inv(t), np.linalg.inv, (3, 3)),
        (lambda t: sg.linalg.det(t), np.linalg.det, ()),
        (lambda t: sg.linalg.slogdet(t)[1], lambda m: np.linalg.slogdet(m)[1], ()),
        (lambda t: sg.linalg.solve(t, sg.asarray(b)), lambda m: np.linalg.solve(m, b), (3, 2)),
        (lambda t: sg.linalg.cholesky(t @ sg.conj(sg.matrix_transpose(t)) + 3 * sg.asarray(np.eye(3))),
         lambda m: np.linalg.cholesky(herm(m)), (3, 3)),
    ]
    for f, ref, shape in cases:
        w = rng.uniform(-1, 1, shape) + 1j * rng.uniform(-1, 1, shape)
        if not np.iscomplexobj(ref(a)):
            w = w.real
        t = sg.asarray(a)
        t.requires_grad = True
        sg.sum(sg.real(f(t) * sg.asarray(w))).backward()
        expected = complex_numeric_gradient(lambda m: np.sum(np.real(ref(m) * w)), a)
        np.testing.assert_allclose(np.asarray(t.grad), expected, atol=1e-6)


@pytest.mark.parametrize("dtype", ["float32", "float64", "complex64", "complex128"])
def test_non_finite_matrices_as_numpy(dtype, capfd):
    """NaN or infinity never reaches LAPACK's SVD or eigensolver (which
    would print an error): svd and what uses it raise on NaN and give NaNs
    for infinities, eigh gives NaNs when the lower triangle it reads is not
    finite, qr and inv let NaN through, as NumPy does; nothing is printed."""
    L = sg.linalg
    nan = np.array([[[1.0, 2.0], [3.0, 4.0]], [[1.0, 0.0], [np.nan, 3.0]]], dtype)
    inf = np.array([[1.0, 0.0], [np.inf, 3.0]], dtype)
    for f in [L.svdvals, L.svd, L.pinv, L.matrix_rank, lambda x: L.matrix_norm(x, ord="nuc")]:
        with pytest.raises(L.LinAlgError, match=r"^\[svd\] SVD did not converge: the matrix contains NaN \(shape \(2,2,2\)\)"):
            f(sg.asarray(nan))
        with pytest.raises(ValueError):
            f(sg.asarray(nan))
    assert np.isnan(np.asarray(L.svdvals(sg.asarray(inf)))).all()
    u, s, vh = L.svd(sg.asarray(inf))
    assert np.isnan(np.asarray(u)).all() and np.isnan(np.asarray(vh)).all()
    check(L.matrix_rank(sg.asarray(inf)), np.linalg.matrix_rank(inf.astype(dtype)))
    for x in [nan, inf]:
        w, v = L.eigh(sg.asarray(x))
        assert np.isnan(np.asarray(w)[-1]).all() and np.isnan(np.asarray(v)[-1]).all()
        assert np.isnan(np.asarray(L.eigvalsh(sg.asarray(x)))[-1]).all()
    # The first matrix of the batch is finite and unaffected.
    check(L.eigvalsh(sg.asarray(nan))[0], np.linalg.eigvalsh(nan[0]), 1e-5)
    # Only the lower triangle is read: NaN above it changes nothing.
    upper = np.array([[1.0, np.nan], [2.0, 3.0]], dtype)
    check(L.eigvalsh(sg.asarray(upper)), np.linalg.eigvalsh(upper), 1e-5)
    q, r = L.qr(sg.asarray(nan))
    assert np.isnan(np.asarray(r)[1]).any() and not np.isnan(np.asarray(r)[0]).any()
    captured = capfd.readouterr()
    assert captured.out == "" and captured.err == ""


def test_multi_output_functions_share_one_factorization():
    """Without a graph to record, svd/eigh/qr/slogdet take all their
    outputs from one LAPACK call (sg_linalg_factors): the same values as
    one output at a time; recording, each output is its own primitive."""
    from swiftgrad import _swiftgrad as C
    from swiftgrad._linalg import _EIGVALSH, _QR_Q, _SVD_U, _SVD_VH, _SVDVALS, _CHOLESKY_UPPER
    x = data("complex128", (2, 4, 3), seed=7)
    u, s, vh = sg.linalg.svd(sg.asarray(x), full_matrices=False)
    np.testing.assert_allclose(np.asarray(u), np.asarray(C.linalg(_SVD_U, x)), atol=1e-13)
    np.testing.assert_allclose(np.asarray(vh), np.asarray(C.linalg(_SVD_VH, x)), atol=1e-13)
    np.testing.assert_allclose(np.asarray(s), np.asarray(C.linalg(_SVDVALS, x)), atol=1e-13)
    assert u.grad_fn is None
    t = sg.asarray(x)
    t.requires_grad = True
    u2, s2, _ = sg.linalg.svd(t, full_matrices=False)
    assert u2.grad_fn is not None and s2.grad_fn is not None
    np.testing.assert_allclose(np.asarray(u2), np.asarray(u), atol=1e-13)
    with pytest.raises(ValueError, match=r"^\[svd\] svdU\(full: false\), qrQ\(complete: false\) are not outputs of one factorization"):
        C.linalg_factors((_SVD_U, _QR_Q), x)
    with pytest.raises(ValueError, match=r"^\[eigh\] eigenvalues, svdU"):
        C.linalg_factors((_EIGVALSH, _SVD_U), x)
    with pytest.raises(ValueError, match=r"^\[sg_linalg_factors\] ops\[0\] = 5 is not an output of a factorization"):
        C.linalg_factors((_CHOLESKY_UPPER,), x)
    sign, logabs = sg.linalg.slogdet(sg.asarray(well_conditioned("float64", (2, 3, 3))))
    expected = np.linalg.slogdet(well_conditioned("float64", (2, 3, 3)))
    check(sign, expected.sign, 1e-12)
    check(logabs, expected.logabsdet, 1e-12)
