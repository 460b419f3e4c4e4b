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
    for da, db in [("int8", "int32"), ("float32", "float64"), ("float32", "complex64")]:
        a, b = data(da, (2, 3)), data(db, (3, 2))
        check(sg.matmul(sg.asarray(a), sg.asarray(b)), np.matmul(a, b))
    with pytest.raises(TypeError, match=r"^\[matmul\] no promotion rule for int8 and float32"):
        sg.matmul(sg.asarray(data("int8", (2, 3))), sg.asarray(data("float32", (3, 2))))


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
    with pytest.raises(ValueError, match=r"^\[einsum\] repeated label"):
        sg.einsum("ii", sg.asarray(np.ones((2, 2))))
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
