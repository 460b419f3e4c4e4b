"""The array object's protocols: NumPy's overrides (__array_ufunc__,
__array_function__), DLPack both ways, pickling and copies, formatting,
devices and the Array API's inspection namespace."""

from __future__ import annotations

import copy
import gc
import pickle
import weakref

import numpy as np
import pytest

import swiftgrad as sg

DTYPES = [d.name for d in sg._dtypes._ALL]


def sample(dtype: str, shape=(2, 3)) -> np.ndarray:
    rng = np.random.default_rng(7)
    x = rng.uniform(-3, 3, shape)
    if dtype == "bool":
        return x > 0
    if dtype.startswith("complex"):
        return (x + 1j * rng.uniform(-3, 3, shape)).astype(dtype)
    if dtype.startswith("uint"):
        return np.abs(x * 10).astype(dtype)
    return (x * 10).astype(dtype) if dtype.startswith("int") else x.astype(dtype)


# ------------------------------------------------------------ NumPy ufuncs

UFUNCS = [np.exp, np.log1p, np.sqrt, np.tanh, np.absolute, np.negative, np.arctan2,
          np.add, np.multiply, np.power, np.maximum, np.less_equal, np.logaddexp,
          np.true_divide, np.conjugate, np.rint, np.invert]


@pytest.mark.parametrize("ufunc", UFUNCS, ids=lambda u: u.__name__)
def test_ufuncs_run_in_swiftgrad(ufunc):
    x = np.abs(sample("float64")) + 0.5
    if ufunc is np.invert:
        x = sample("int32")
    args = [x] * ufunc.nin
    result = ufunc(*[sg.asarray(a) for a in args])
    assert isinstance(result, sg.Tensor)
    expected = ufunc(*args)
    assert result.dtype.name == expected.dtype.name
    np.testing.assert_allclose(np.asarray(result), expected, rtol=1e-12)


def test_ufunc_with_mixed_operands():
    x, y = sample("float64"), sample("float64")[0]
    for result in (np.add(sg.asarray(x), y), np.add(x, sg.asarray(y)), x + sg.asarray(y)):
        assert isinstance(result, sg.Tensor)
        np.testing.assert_array_equal(np.asarray(result), x + y)


def test_ufunc_dtype_argument_casts_inputs():
    x = sg.asarray([1.5, 2.5])
    result = np.multiply(x, x, dtype=np.float32)
    assert result.dtype == sg.float32
    np.testing.assert_array_equal(np.asarray(result), np.float32([2.25, 6.25]))


def test_ufunc_reductions():
    x = sample("float64")
    t = sg.asarray(x)
    np.testing.assert_allclose(np.asarray(np.add.reduce(t, axis=1)), x.sum(axis=1))
    np.testing.assert_allclose(np.asarray(np.add.reduce(t)), x.sum(axis=0))


def test_ufunc_refusals_are_type_errors():
    t = sg.asarray(sample("float64"))
    with pytest.raises(TypeError, match="out="):
        np.exp(t, out=np.empty((2, 3)))
    with pytest.raises(TypeError, match="where="):
        np.exp(t, where=np.ones((2, 3), bool))
    with pytest.raises(TypeError, match=r"numpy\.add\.outer"):
        np.add.outer(t, t)
    with pytest.raises(TypeError, match=r"numpy\.spacing"):
        np.spacing(t)


# --------------------------------------------------------- NumPy functions

def test_functions_run_in_swiftgrad():
    x = sample("float64", (2, 3, 4))
    t = sg.asarray(x)
    cases = [
        (np.sum(t), x.sum()), (np.sum(t, 1), x.sum(1)),
        (np.sum(t, axis=(0, 2), keepdims=True), x.sum(axis=(0, 2), keepdims=True)),
        (np.sum(t, axis=0, dtype=None, keepdims=False), x.sum(axis=0)),
        (np.mean(t), x.mean()), (np.mean(t, axis=-1), x.mean(axis=-1)),
        (np.transpose(t, (2, 0, 1)), np.transpose(x, (2, 0, 1))),
        (np.clip(t, -1, 1), np.clip(x, -1, 1)),
        (np.matmul(sg.asarray(x[0]), sg.asarray(x[1].T)), x[0] @ x[1].T),
    ]
    for actual, expected in cases:
        assert isinstance(actual, sg.Tensor)
        np.testing.assert_allclose(np.asarray(actual), expected, rtol=1e-12)


def test_function_refusals_name_what_is_missing():
    t = sg.asarray(sample("float64"))
    with pytest.raises(TypeError, match=r"numpy\.sum: out="):
        np.sum(t, out=np.zeros(()))
    with pytest.raises(TypeError, match="initial="):
        np.sum(t, initial=5.0)
    with pytest.raises(TypeError, match=r"does not implement numpy\.fft\.fft"):
        np.fft.fft(t)
    with pytest.raises(TypeError, match=r"does not implement numpy\.polyval"):
        np.polyval(t, t)


# ------------------------------------------------------------------ DLPack

@pytest.mark.parametrize("dtype", DTYPES)
def test_dlpack_from_numpy_shares_memory(dtype):
    x = sample(dtype)
    t = sg.from_dlpack(x)
    assert t.dtype.name == dtype and t.shape == x.shape
    np.testing.assert_array_equal(np.asarray(t), x)
    x[0, 0] = x[1, 1]  # the tensor sees the array's memory
    assert np.asarray(t)[0, 0] == x[1, 1]


@pytest.mark.parametrize("dtype", DTYPES)
def test_dlpack_to_numpy_shares_memory_read_only(dtype):
    t = sg.asarray(sample(dtype))
    for view in (t, t.T):
        a = np.from_dlpack(view)
        np.testing.assert_array_equal(a, np.asarray(view))
        assert not a.flags.writeable
        assert a.__array_interface__["data"][0] == np.asarray(view).__array_interface__["data"][0]


def test_dlpack_strided_views_and_scalars():
    x = np.arange(24.0).reshape(4, 6)[::2, ::-3]
    np.testing.assert_array_equal(np.asarray(sg.from_dlpack(x)), x)
    np.testing.assert_array_equal(np.asarray(sg.from_dlpack(np.array(2.5, np.float32))), np.float32(2.5))
    e = np.zeros((0, 3))
    assert sg.from_dlpack(e).shape == (0, 3)


def test_dlpack_lifetimes():
    x = np.arange(6.0)
    alive = weakref.ref(x)
    t = sg.from_dlpack(x)
    del x
    gc.collect()
    assert alive() is not None  # the tensor keeps the array alive
    np.testing.assert_array_equal(np.asarray(t), np.arange(6.0))
    del t
    gc.collect()
    assert alive() is None  # and lets it go with its last view

    u = sg.asarray([1.0, 2.0])
    a = np.from_dlpack(u)
    del u
    gc.collect()
    np.testing.assert_array_equal(a, [1.0, 2.0])  # the export keeps the storage


def test_dlpack_copy_and_errors():
    x = np.arange(4.0)
    t = sg.from_dlpack(x, copy=True)
    x[0] = 9
    assert np.asarray(t)[0] == 0
    capsule = np.arange(3.0).__dlpack__()
    sg._swiftgrad._from_dlpack(capsule)
    with pytest.raises(TypeError, match="unconsumed"):
        sg._swiftgrad._from_dlpack(capsule)
    with pytest.raises(TypeError, match="DLPack"):
        sg.from_dlpack([1, 2])
    with pytest.raises(ValueError, match="device"):
        sg.from_dlpack(x, device="cuda")
    t = sg.asarray([1.0])
    assert t.__dlpack_device__() == (1, 0)
    with pytest.raises(BufferError):
        t.__dlpack__(dl_device=(2, 0))
    with pytest.raises(TypeError, match="symbolic"):
        sg.placeholder((2,)).__dlpack__()


def test_dlpack_with_torch():
    torch = pytest.importorskip("torch")
    x = torch.arange(6, dtype=torch.float64).reshape(2, 3)
    t = sg.from_dlpack(x)
    np.testing.assert_array_equal(np.asarray(t), x.numpy())
    y = torch.from_dlpack(sg.asarray([[1.5, 2.5]], dtype="float32"))
    assert y.dtype == torch.float32 and y.tolist() == [[1.5, 2.5]]


# ------------------------------------------------------- pickling and copies

@pytest.mark.parametrize("dtype", DTYPES)
def test_pickle_round_trip(dtype):
    x = sample(dtype, (3, 4))
    for t in (sg.asarray(x), sg.asarray(x).T, sg.asarray(x[0, 0])):
        back = pickle.loads(pickle.dumps(t))
        assert type(back) is sg.Tensor and back.dtype == t.dtype and back.shape == t.shape
        np.testing.assert_array_equal(np.asarray(back), np.asarray(t))


def test_copies_are_new_tensors():
    t = sg.asarray([[1.0, 2.0], [3.0, 4.0]])
    for c in (t.copy(), copy.copy(t), copy.deepcopy(t), copy.deepcopy([t, t])[0]):
        assert c is not t
        np.testing.assert_array_equal(np.asarray(c), np.asarray(t))
        assert np.from_dlpack(c).__array_interface__["data"][0] != \
            np.from_dlpack(t).__array_interface__["data"][0]


def test_symbolic_tensors_do_not_pickle():
    with pytest.raises(TypeError, match="symbolic"):
        pickle.dumps(sg.placeholder((2,)))


def test_from_bytes_checks_sizes():
    with pytest.raises(ValueError, match="bytes"):
        sg._swiftgrad._from_bytes(b"\0" * 7, sg.float64._code, (1,))
    with pytest.raises(ValueError, match="bytes"):
        sg._swiftgrad._from_bytes(b"", sg.float64._code, (2**62, 2**62))


# ------------------------------------------------------- the array object

def test_format():
    assert format(sg.asarray(3.14159), ".2f") == "3.14"
    assert f"{sg.asarray(7, dtype='int32'):>4d}" == "   7"
    t = sg.asarray([1.0, 2.0])
    assert format(t, "") == str(t)
    with pytest.raises(TypeError, match="format"):
        format(t, ".2f")


def test_iteration_of_0d_is_an_error():
    with pytest.raises(TypeError, match="0-d"):
        iter(sg.asarray(1.0))


def test_devices():
    t = sg.asarray([1.0])
    assert t.device == "cpu" and t.to_device("cpu") is t
    with pytest.raises(ValueError, match="device"):
        t.to_device("gpu")


def test_namespace():
    t = sg.asarray([1.0])
    assert t.__array_namespace__() is sg
    assert t.__array_namespace__(api_version="2023.12") is sg
    with pytest.raises(ValueError):
        t.__array_namespace__(api_version="1999.01")
    assert sg.__array_api_version__ == "2023.12"


def test_namespace_info():
    info = sg.__array_namespace_info__()
    assert info.devices() == ["cpu"] and info.default_device() == "cpu"
    assert info.default_dtypes() == {"real floating": sg.float64, "complex floating": sg.complex128,
                                     "integral": sg.int64, "indexing": sg.int64}
    assert set(info.dtypes()) == set(DTYPES)
    assert set(info.dtypes(kind="integral")) == {
        "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64"}
    assert set(info.dtypes(kind=("bool", "complex floating"))) == {"bool", "complex64", "complex128"}
    assert info.capabilities()["boolean indexing"] is True
    with pytest.raises(ValueError, match="kind"):
        info.dtypes(kind="strings")
    with pytest.raises(ValueError, match="device"):
        info.dtypes(device="gpu")
