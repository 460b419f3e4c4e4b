"""swiftgrad.random against a reference written here from the documented
algorithm (Philox4x32-10 and the conversions), the Random123 known-answer
vector, the values the C test checks, and distribution moments with fixed
seeds (so every run is the same)."""

from __future__ import annotations

import math

import numpy as np
import pytest

import swiftgrad as sg
from swiftgrad.random import Generator

M32 = 0xFFFFFFFF


def philox(counter, key):
    """Philox4x32-10 of four counter words and two key words."""
    x0, x1, x2, x3 = counter
    k0, k1 = key
    for r in range(10):
        if r:
            k0, k1 = (k0 + 0x9E3779B9) & M32, (k1 + 0xBB67AE85) & M32
        p0, p1 = 0xD2511F53 * x0, 0xCD9E8D57 * x2
        x0, x1, x2, x3 = (p1 >> 32) ^ x1 ^ k0, p1 & M32, (p0 >> 32) ^ x3 ^ k1, p0 & M32
    return x0, x1, x2, x3


def block(seed, index, draw=0):
    return philox((index & M32, index >> 32, draw, 0), (seed & M32, seed >> 32))


def word(seed, e, draw=0):
    """The 64-bit word of stream position e: its half of block e >> 1."""
    w = block(seed, e >> 1, draw)
    return w[1] << 32 | w[0] if e % 2 == 0 else w[3] << 32 | w[2]


def ref_uniform(seed, counter, n):
    return np.array([(word(seed, counter + i) >> 11) * 2.0**-53 for i in range(n)])


def ref_normal(seed, counter, n):
    out = []
    for i in range(n):
        e = counter + i
        w = block(seed, e >> 1)
        u1 = ((w[1] << 32 | w[0]) >> 11) * 2.0**-53
        u2 = ((w[3] << 32 | w[2]) >> 11) * 2.0**-53
        r, theta = math.sqrt(-2 * math.log(1 - u1)), 2 * math.pi * u2
        out.append(r * (math.cos(theta) if e % 2 == 0 else math.sin(theta)))
    return np.array(out)


def ref_integers(seed, counter, low, high, n):
    r = high - low
    threshold = (2**64 - r) % r
    out = []
    for i in range(n):
        draw = 0
        while (word(seed, counter + i, draw) * r) & (2**64 - 1) < threshold:
            draw += 1
        out.append(low + (word(seed, counter + i, draw) * r >> 64))
    return np.array(out)


def test_philox_known_answer():
    # Random123's kat_vectors: counter 0, key 0.
    assert philox((0, 0, 0, 0), (0, 0)) == (0x6627E8D5, 0xE169C58D, 0xBC57AC4C, 0x9B00DBD8)
    assert philox((M32,) * 4, (M32, M32)) == (0x408F276D, 0x41C83B0E, 0xA20BC7C6, 0x6D5451FD)
    assert philox((0x243F6A88, 0x85A308D3, 0x13198A2E, 0x03707344), (0xA4093822, 0x299F31D0)) \
        == (0xD16CFE09, 0x94FDCCEB, 0x5001E420, 0x24126EA1)
    # Seed 0: positions 0 and 1 are the two halves of that first block.
    u = np.asarray(Generator(0).uniform(size=2)).tolist()
    assert u == [((0xE169C58D << 32 | 0x6627E8D5) >> 11) * 2.0**-53,
                 ((0x9B00DBD8 << 32 | 0xBC57AC4C) >> 11) * 2.0**-53]


def test_streams_follow_the_documented_algorithm():
    g = Generator(2**40 + 7)
    np.testing.assert_array_equal(np.asarray(g.uniform(size=5)), ref_uniform(2**40 + 7, 0, 5))
    assert g.counter == 5
    np.testing.assert_allclose(np.asarray(g.normal(size=(2, 3))),
                               ref_normal(2**40 + 7, 5, 6).reshape(2, 3), rtol=1e-15)
    np.testing.assert_array_equal(np.asarray(g.integers(-3, 1000, size=7)),
                                  ref_integers(2**40 + 7, 11, -3, 1000, 7))
    # A range of 2**63 + 1 rejects often enough to need later candidates.
    lo, hi = -2**62, 2**62 + 2**61
    np.testing.assert_array_equal(np.asarray(Generator(5).integers(lo, hi, size=50)),
                                  ref_integers(5, 0, lo, hi, 50))
    u = np.asarray(Generator(9).uniform(2.0, 5.0, size=4))
    np.testing.assert_allclose(u, 2.0 + 3.0 * ref_uniform(9, 0, 4), rtol=1e-15)
    f = np.asarray(Generator(9, counter=1).uniform(size=3, dtype="float32"))
    w = [block(9, 0)[2], block(9, 1)[0], block(9, 1)[2]]
    np.testing.assert_array_equal(f, np.float32([(v >> 8) * 2.0**-24 for v in w]))
    b = np.asarray(Generator(9).bernoulli(0.3, size=4))
    np.testing.assert_array_equal(b, ref_uniform(9, 0, 4) < 0.3)
    keys = [word(9, i) for i in range(10)]
    np.testing.assert_array_equal(np.asarray(Generator(9).permutation(10)), np.argsort(keys))


def test_values_shared_with_the_c_test():
    # Tests/CABI/test_creation.c checks these same numbers through the C ABI.
    expected = [float.fromhex(h) for h in
                ("0x1.dfd524ee73abcp-2", "0x1.5d0acf5c4afd4p-2", "0x1.4ee9b3f7f36c8p-2")]
    assert ref_uniform(42, 0, 3).tolist() == expected
    assert np.asarray(Generator(42).uniform(size=3)).tolist() == expected
    assert ref_integers(42, 0, 0, 10, 7).tolist() == [4, 3, 3, 4, 6, 7, 6]
    assert np.asarray(Generator(42).integers(0, 10, size=7)).tolist() == [4, 3, 3, 4, 6, 7, 6]
    assert np.asarray(Generator(42, counter=3).integers(0, 10, size=4)).tolist() == [4, 6, 7, 6]
    np.testing.assert_allclose(np.asarray(Generator(42).normal(size=3)),
                               [-0.6076510539335191, 0.9461447819697152, -0.8536440633116089],
                               rtol=1e-15)


def test_same_seed_same_stream_and_split_draws():
    a = Generator(123).normal(size=1000)
    b = Generator(123)
    parts = [b.normal(size=n) for n in (1, 499, 500)]
    np.testing.assert_array_equal(np.asarray(a), np.concatenate([np.asarray(p) for p in parts]))
    sg.random.seed(123)
    np.testing.assert_array_equal(np.asarray(sg.random.normal(size=1000)), np.asarray(a))
    assert sg.random.get_state() == (123, 1000)
    assert not np.array_equal(np.asarray(Generator(124).normal(size=10)), np.asarray(a)[:10])


def test_large_draws_match_small_ones():
    # Generation is split across threads in chunks; the stream must not care.
    big = np.asarray(Generator(7).uniform(size=300_000))
    np.testing.assert_array_equal(big[:5], ref_uniform(7, 0, 5))
    np.testing.assert_array_equal(big[-3:], ref_uniform(7, 300_000 - 3, 3))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_normal_moments(dtype):
    n = 200_000
    x = np.asarray(Generator(2024).normal(1.5, 2.0, size=n, dtype=dtype)).astype(np.float64)
    assert x.dtype == np.float64
    se = 2.0 / math.sqrt(n)
    assert abs(x.mean() - 1.5) < 4 * se
    assert abs(x.var() - 4.0) < 4 * 4.0 * math.sqrt(2 / n)
    # Skewness 0 and kurtosis 3 within a few standard errors.
    z = (x - x.mean()) / x.std()
    assert abs((z**3).mean()) < 4 * math.sqrt(6 / n)
    assert abs((z**4).mean() - 3) < 4 * math.sqrt(24 / n)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_uniform_moments_and_range(dtype):
    n = 200_000
    t = Generator(77).uniform(-1.0, 3.0, size=n, dtype=dtype)
    assert t.dtype == dtype
    x = np.asarray(t).astype(np.float64)
    assert x.min() >= -1.0 and x.max() < 3.0
    assert abs(x.mean() - 1.0) < 4 * math.sqrt(16 / 12 / n)
    assert abs(x.var() - 16 / 12) < 4 * math.sqrt((16**2 / 80 - (16 / 12) ** 2) / n)


def test_integers_are_unbiased():
    n, k = 120_000, 6
    x = np.asarray(Generator(5).integers(10, 10 + k, size=n))
    assert x.dtype == np.int64 and x.min() == 10 and x.max() == 10 + k - 1
    counts = np.bincount(x - 10, minlength=k)
    chi2 = ((counts - n / k) ** 2 / (n / k)).sum()
    assert chi2 < 20.5   # p = 0.001 at 5 degrees of freedom
    small = np.asarray(Generator(5).integers(3, size=10, dtype="uint8"))
    assert small.dtype == np.uint8 and set(small.tolist()) <= {0, 1, 2}
    full = np.asarray(Generator(5).integers(-2**63, 2**63 - 1, size=1000))
    assert (full < 0).mean() == pytest.approx(0.5, abs=0.06)


def test_bernoulli_and_permutation():
    n = 100_000
    b = np.asarray(Generator(3).bernoulli(0.25, size=n))
    assert b.dtype == np.bool_
    assert abs(b.mean() - 0.25) < 4 * math.sqrt(0.25 * 0.75 / n)
    assert np.asarray(Generator(3).bernoulli(0.5, size=3, dtype="float32")).dtype == np.float32
    assert not np.asarray(Generator(3).bernoulli(0.0, size=50)).any()
    assert np.asarray(Generator(3).bernoulli(1.0, size=50)).all()
    p = np.asarray(Generator(3).permutation(1000))
    assert sorted(p.tolist()) == list(range(1000))
    x = np.arange(12.0).reshape(4, 3)
    shuffled = np.asarray(Generator(3).permutation(sg.asarray(x)))
    order = np.asarray(Generator(3).permutation(4))
    np.testing.assert_array_equal(shuffled, x[order])


def test_permutation_of_an_array_is_differentiable():
    x = sg.asarray(np.arange(6.0).reshape(3, 2), requires_grad=True)
    y = Generator(1).permutation(x)
    w = np.arange(6.0).reshape(3, 2) + 1
    sg.sum(y * sg.asarray(w)).backward()
    order = np.asarray(Generator(1).permutation(3))
    expected = np.zeros((3, 2))
    expected[order] = w
    np.testing.assert_array_equal(np.asarray(x.grad), expected)


def test_array_parameters_broadcast_and_differentiate():
    loc = sg.asarray([0.0, 10.0, 20.0], requires_grad=True)
    scale = sg.asarray([[1.0], [2.0]], requires_grad=True)
    x = Generator(4).normal(loc, scale)
    z = np.asarray(Generator(4).normal(size=(2, 3)))
    assert x.shape == (2, 3)
    np.testing.assert_allclose(np.asarray(x), np.array([0.0, 10, 20]) + np.array([[1.0], [2]]) * z,
                               rtol=1e-15)
    sg.sum(x).backward()
    np.testing.assert_array_equal(np.asarray(loc.grad), [2.0, 2.0, 2.0])
    np.testing.assert_allclose(np.asarray(scale.grad), z.sum(axis=1, keepdims=True), rtol=1e-14)
    u = Generator(4).uniform(sg.asarray([0.0, 1.0]), 3.0, size=(5, 2), dtype="float32")
    assert u.shape == (5, 2) and u.dtype == sg.float32
    v = np.asarray(u)
    assert (v[:, 0] >= 0).all() and (v[:, 1] >= 1).all() and (v < 3).all()
    with pytest.raises(ValueError, match="broadcast"):
        Generator(4).normal(sg.zeros(3), sg.ones(2))


def test_bad_arguments():
    g = Generator(0)
    with pytest.raises(ValueError, match=r"\[integers\].*low < high"):
        g.integers(5, 5)
    with pytest.raises(ValueError, match=r"\[integers\].*fit"):
        g.integers(0, 300, dtype="uint8")
    with pytest.raises(TypeError, match=r"\[integers\]"):
        g.integers(0, 3, dtype="float64")
    with pytest.raises(TypeError, match=r"\[normal\]"):
        g.normal(size=2, dtype="int64")
    with pytest.raises(ValueError, match=r"\[normal\].*scale"):
        g.normal(0.0, -1.0)
    with pytest.raises(ValueError, match=r"\[uniform\]"):
        g.uniform(1.0, 0.0)
    with pytest.raises(ValueError, match=r"\[bernoulli\].*p"):
        g.bernoulli(1.5)
    with pytest.raises(ValueError, match=r"\[permutation\].*negative"):
        g.permutation(-1)
    with pytest.raises(ValueError, match=r"\[uniform\].*negative"):
        g.uniform(size=(2, -1))
    with pytest.raises(ValueError, match=r"\[normal\].*overflows"):
        g.normal(size=(2**40, 2**40))
    with pytest.raises(ValueError, match="seed"):
        Generator(-1)
    with pytest.raises(TypeError):
        Generator(1.5)
    assert g.counter == 0   # failed draws consume nothing
    assert Generator(np.uint64(3)).normal(size=np.int64(2)).shape == (2,)
