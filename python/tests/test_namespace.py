"""Every name of the Array API standard (2023.12): the main namespace, the
linalg extension and the array object's attributes and methods exist.
Their behaviour is checked by the other test files against NumPy."""

from __future__ import annotations

import pytest

import swiftgrad as sg

CONSTANTS = "e inf nan newaxis pi".split()
DTYPES = ("bool int8 int16 int32 int64 uint8 uint16 uint32 uint64 float32 float64 "
          "complex64 complex128").split()
FUNCTIONS = """
arange asarray empty empty_like eye from_dlpack full full_like linspace meshgrid ones ones_like
tril triu zeros zeros_like
astype can_cast finfo iinfo isdtype result_type
abs acos acosh add asin asinh atan atan2 atanh bitwise_and bitwise_left_shift bitwise_invert
bitwise_or bitwise_right_shift bitwise_xor ceil clip conj copysign cos cosh divide equal exp expm1
floor floor_divide greater greater_equal hypot imag isfinite isinf isnan less less_equal log log1p
log2 log10 logaddexp logical_and logical_not logical_or logical_xor maximum minimum multiply
negative not_equal positive pow real remainder round sign signbit sin sinh square sqrt subtract
tan tanh trunc
take __array_namespace_info__
matmul matrix_transpose tensordot vecdot
broadcast_arrays broadcast_to concat expand_dims flip moveaxis permute_dims repeat reshape roll
squeeze stack tile unstack
argmax argmin nonzero searchsorted where
unique_all unique_counts unique_inverse unique_values
argsort sort
cumulative_sum max mean min prod std sum var
all any
""".split()
LINALG = """
cholesky cross det diagonal eigh eigvalsh inv matmul matrix_norm matrix_power matrix_rank
matrix_transpose outer pinv qr slogdet solve svd svdvals tensordot trace vecdot vector_norm
""".split()
ATTRIBUTES = "dtype device mT ndim shape size T".split()
METHODS = """
__abs__ __add__ __and__ __array_namespace__ __bool__ __complex__ __dlpack__ __dlpack_device__
__eq__ __float__ __floordiv__ __ge__ __getitem__ __gt__ __index__ __int__ __invert__ __le__
__lshift__ __lt__ __matmul__ __mod__ __mul__ __ne__ __neg__ __or__ __pos__ __pow__ __rshift__
__setitem__ __sub__ __truediv__ __xor__ to_device
__radd__ __rsub__ __rmul__ __rtruediv__ __rfloordiv__ __rpow__ __rmod__ __rmatmul__
__rand__ __ror__ __rxor__ __rlshift__ __rrshift__
__iadd__ __isub__ __imul__ __itruediv__ __ifloordiv__ __ipow__ __imod__ __imatmul__
__iand__ __ior__ __ixor__ __ilshift__ __irshift__
""".split()


@pytest.mark.parametrize("name", CONSTANTS + DTYPES + FUNCTIONS)
def test_main_namespace(name):
    assert hasattr(sg, name), f"swiftgrad.{name} is missing"
    if name in FUNCTIONS:
        assert callable(getattr(sg, name))


@pytest.mark.parametrize("name", LINALG)
def test_linalg_extension(name):
    assert callable(getattr(sg.linalg, name, None)), f"swiftgrad.linalg.{name} is missing"


@pytest.mark.parametrize("name", ATTRIBUTES + METHODS)
def test_array_object(name):
    x = sg.asarray([[1.0, 2.0], [3.0, 4.0]])
    assert hasattr(x, name), f"Tensor.{name} is missing"


def test_constants_and_version():
    import math

    assert sg.e == math.e and sg.pi == math.pi and sg.inf == math.inf and sg.newaxis is None
    assert math.isnan(sg.nan)
    assert sg.__array_api_version__ == "2023.12"
