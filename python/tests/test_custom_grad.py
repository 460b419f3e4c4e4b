"""Custom gradients (autograd.Function, custom_vjp), gradcheck, gradient
hooks, retain_grad and backward(create_graph=True): values and gradients
against analytic ones, second order, errors and Python exceptions that
come back unchanged."""

from __future__ import annotations

import gc
import math
import threading
import weakref

import numpy as np
import pytest

import swiftgrad as sg


class Cube(sg.autograd.Function):
    """x**3 with its backward 3 x**2 g in swiftgrad operations."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x * x

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return 3 * g * x * x


class WrongCube(Cube):
    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return 6 * g * x * x  # off by a factor 2


class Exp(sg.autograd.Function):
    """Saves its own output: backward's y is the recorded result, so the
    second derivative flows through it."""

    @staticmethod
    def forward(ctx, x):
        y = x.exp()
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        return g * y


class ScaledMul(sg.autograd.Function):
    """a * b * scale with a Python number argument, which gets None."""

    @staticmethod
    def forward(ctx, a, b, scale):
        ctx.save_for_backward(a, b)
        ctx.scale = scale
        return a * b * scale

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        return g * b * ctx.scale, g * a * ctx.scale, None


X = [1.0, -2.0, 0.5]


def leaf(values):
    return sg.asarray(values, dtype=sg.float64, requires_grad=True)


def test_function_values_gradients_and_second_order():
    x = leaf(X)
    y = Cube.apply(x)
    np.testing.assert_allclose(np.asarray(y), np.array(X) ** 3)
    assert y.requires_grad and y.grad_fn.name() == "Cube" and not y.is_leaf
    y.sum().backward()
    np.testing.assert_allclose(np.asarray(x.grad), 3 * np.array(X) ** 2)
    (g,) = sg.grad(Cube.apply(x).sum(), [x], create_graph=True)
    np.testing.assert_allclose(np.asarray(sg.grad(g.sum(), x)), 6 * np.array(X))


def test_function_transforms_see_custom_ops():
    x, t = sg.asarray([1.0, 2.0]), sg.asarray([1.0, 0.5])
    value, tangent = sg.func.jvp(Cube.apply, (x,), (t,))
    np.testing.assert_allclose(np.asarray(value), [1.0, 8.0])
    np.testing.assert_allclose(np.asarray(tangent), [3.0, 6.0])
    np.testing.assert_allclose(np.asarray(sg.func.jacobian(Cube.apply)(x)), np.diag([3.0, 12.0]))
    np.testing.assert_allclose(np.asarray(sg.func.hessian(lambda v: Cube.apply(v).sum())(x)),
                               np.diag([6.0, 12.0]))


def test_saved_output_carries_the_second_derivative():
    x = leaf([0.0, 1.0])
    (g,) = sg.grad(Exp.apply(x).sum(), [x], create_graph=True)
    np.testing.assert_allclose(np.asarray(g), np.exp([0.0, 1.0]))
    np.testing.assert_allclose(np.asarray(sg.grad(g.sum(), x)), np.exp([0.0, 1.0]))
    assert sg.func.hessian(lambda v: Exp.apply(v).sum())(sg.asarray([0.5])).item() == pytest.approx(math.exp(0.5))


def test_function_with_several_inputs_and_a_number():
    a, b = leaf([1.0, 2.0]), leaf([3.0, -1.0])
    ScaledMul.apply(a, b, 2.0).sum().backward()
    np.testing.assert_allclose(np.asarray(a.grad), [6.0, -2.0])
    np.testing.assert_allclose(np.asarray(b.grad), [2.0, 4.0])


def test_needs_input_grad_and_no_recording_without_grad():
    seen = {}

    class Probe(sg.autograd.Function):
        @staticmethod
        def forward(ctx, a, b):
            seen["needs"] = ctx.needs_input_grad
            seen["recording"] = (a * 1.0).requires_grad
            return a + b

        @staticmethod
        def backward(ctx, g):
            return g, g

    y = Probe.apply(leaf([1.0]), sg.asarray([2.0]))
    assert seen == {"needs": (True, False), "recording": False}  # forward runs without recording
    assert y.requires_grad
    z = Probe.apply(sg.asarray([1.0]), sg.asarray([2.0]))
    assert not z.requires_grad and z.grad_fn is None


def test_custom_vjp_values_gradients_and_second_order():
    @sg.custom_vjp
    def f(x, y):
        return sg.sin(x) * y

    def f_fwd(x, y):
        return sg.sin(x) * y, (x, y)

    def f_bwd(res, g):
        x, y = res
        return g * sg.cos(x) * y, g * sg.sin(x)

    f.defvjp(f_fwd, f_bwd)
    assert f.__name__ == "f"
    x, y = leaf([0.3, 1.2]), leaf([2.0, -1.0])
    out = f(x, y)
    np.testing.assert_allclose(np.asarray(out), np.sin([0.3, 1.2]) * [2.0, -1.0])
    out.sum().backward()
    np.testing.assert_allclose(np.asarray(x.grad), np.cos([0.3, 1.2]) * [2.0, -1.0])
    np.testing.assert_allclose(np.asarray(y.grad), np.sin([0.3, 1.2]))
    # The residuals are the inputs, so bwd differentiates again.
    hess = sg.func.hessian(lambda v: f(v, sg.asarray([2.0, -1.0])).sum())(sg.asarray([0.3, 1.2]))
    np.testing.assert_allclose(np.asarray(hess), np.diag(-np.sin([0.3, 1.2]) * [2.0, -1.0]), atol=1e-12)
    assert sg.gradgradcheck(lambda v: f(v, sg.asarray([2.0, -1.0])), [sg.asarray([0.3, 1.2])])


class SinCos(sg.autograd.Function):
    """Two outputs of different shapes; backward gets a gradient for each
    and uses the saved outputs."""

    @staticmethod
    def forward(ctx, x):
        s, c = sg.sin(x), sg.cos(x).sum()
        ctx.save_for_backward(x, s)
        return s, c

    @staticmethod
    def backward(ctx, gs, gc):
        x, s = ctx.saved_tensors
        return gs * sg.sqrt(1 - s * s) * sg.sign(sg.cos(x)) - gc * sg.sin(x)


def test_several_outputs():
    values = np.array([0.3, -1.1, 2.0])
    x = leaf(values)
    s, c = SinCos.apply(x)
    assert s.shape == (3,) and c.shape == ()
    np.testing.assert_allclose(np.asarray(s), np.sin(values))
    np.testing.assert_allclose(c.item(), np.cos(values).sum())
    (2 * s.sum() + 3 * c).backward()
    np.testing.assert_allclose(np.asarray(x.grad), 2 * np.cos(values) - 3 * np.sin(values))
    # Only one output used: the other's gradient is zeros.
    x.grad = None
    SinCos.apply(x)[1].backward()
    np.testing.assert_allclose(np.asarray(x.grad), -np.sin(values))
    assert sg.gradcheck(SinCos.apply, [values], check_grad_grad=True)

    @sg.custom_vjp
    def split(x):
        return x * 2, x * x

    split.defvjp(lambda x: ((x * 2, x * x), x), lambda x, g: (2 * g[0] + 2 * x * g[1],))
    assert sg.gradgradcheck(split, [values])
    with pytest.raises(TypeError, match=r"\[SinCos\] several outputs need known shapes"):
        SinCos.apply(sg.placeholder((None,)))


def test_custom_vjp_without_defvjp_says_so():
    @sg.custom_vjp
    def g(x):
        return x

    with pytest.raises(TypeError, match=r"\[g\] no vjp is defined"):
        g(leaf([1.0]))


def test_custom_ops_in_symbolic_graphs_and_compiled_functions():
    x = sg.placeholder((None,))
    cost = Cube.apply(x).sum()
    f = sg.function([x], [cost, sg.grad(cost, x)])
    value, grad = f([1.0, 2.0])
    assert value.item() == 9.0
    np.testing.assert_allclose(np.asarray(grad), [3.0, 12.0])
    jitted = sg.jit(lambda v: sg.grad(Cube.apply(v).sum(), v))
    np.testing.assert_allclose(np.asarray(jitted(sg.asarray([1.0, 2.0]))), [3.0, 12.0])
    np.testing.assert_allclose(np.asarray(jitted(sg.asarray([-1.0, 0.5, 3.0]))), [3.0, 0.75, 27.0])


class Boom(Exception):
    pass


class Fails(sg.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        try:
            big = bool((x > 10).any())
        except TypeError:  # symbolic, while a compiled function traces it
            big = False
        if big:
            raise Boom("too big")
        return x * 2

    @staticmethod
    def backward(ctx, g):
        raise Boom("no backward today")


def test_python_exceptions_come_back_unchanged_and_leave_nothing_broken():
    x = leaf([11.0])
    with pytest.raises(Boom, match="too big") as info:
        Fails.apply(x)
    assert any("[Fails]" in note and "forward" in note for note in info.value.__notes__)
    y = Fails.apply(leaf([1.0]))
    with pytest.raises(Boom, match="no backward today") as info:
        y.sum().backward()
    assert any("[Fails]" in note and "vjp" in note for note in info.value.__notes__)
    # Recording is back on, and the same tensors still work.
    z = leaf([1.0, 2.0])
    assert (z * 2).requires_grad
    Cube.apply(z).sum().backward()
    np.testing.assert_allclose(np.asarray(z.grad), [3.0, 12.0])
    # In a compiled function, which runs the callbacks without the GIL held.
    p = sg.placeholder((None,))
    f = sg.function([p], Fails.apply(p))
    np.testing.assert_allclose(np.asarray(f([1.0, 2.0])), [2.0, 4.0])
    with pytest.raises(Boom, match="too big"):
        f([20.0])
    np.testing.assert_allclose(np.asarray(f([3.0])), [6.0])


def test_bad_backward_results_name_the_op_and_shapes():
    class ToScalar(sg.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 1.0

        @staticmethod
        def backward(ctx, g):
            return g.sum()

    class TooMany(ToScalar):
        @staticmethod
        def backward(ctx, g):
            return g, g

    class NotATensor(ToScalar):
        @staticmethod
        def backward(ctx, g):
            return "gradient"

    class Integer(ToScalar):
        @staticmethod
        def backward(ctx, g):
            return g.astype(sg.int64)

    class TwoDtypes(ToScalar):
        @staticmethod
        def forward(ctx, x):
            return x, x.astype(sg.float32)

    x = leaf([1.0, 2.0])
    with pytest.raises(ValueError, match=r"\[ToScalar\].*shape \(\) for input 0 of shape \(2,\)"):
        ToScalar.apply(x).sum().backward()
    with pytest.raises(ValueError, match=r"\[TooMany\] the backward returned 2 gradients for 1 arguments"):
        TooMany.apply(x).sum().backward()
    with pytest.raises(TypeError, match=r"\[NotATensor\] a gradient must be a Tensor or None, not str"):
        NotATensor.apply(x).sum().backward()
    with pytest.raises(TypeError, match=r"\[Integer\].*int64 gradient"):
        Integer.apply(x).sum().backward()
    with pytest.raises(TypeError, match=r"\[TwoDtypes\] several outputs need one real floating dtype"):
        TwoDtypes.apply(x)
    assert x.grad is None


def test_context_is_freed_with_the_graph():
    class Marker:
        pass

    refs = []

    class Keeps(sg.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.marker = Marker()
            refs.append(weakref.ref(ctx.marker))
            ctx.save_for_backward(x)
            y = x * 2
            return y

        @staticmethod
        def backward(ctx, g):
            return g * 2

    x = leaf([1.0])
    y = Keeps.apply(x)
    gc.collect()
    assert refs[0]() is not None
    del y
    gc.collect()
    assert refs[0]() is None


def test_custom_ops_from_another_thread():
    results = []

    def work():
        x = leaf([2.0])
        Cube.apply(x).sum().backward()
        results.append(x.grad.item())

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [12.0] * 4


# ---------------------------------------------------------------- gradcheck

def test_gradcheck_passes_on_correct_ops():
    a = np.array([[0.3, -1.2, 2.0], [0.1, 0.7, -0.4]])
    assert sg.gradcheck(lambda x: sg.tanh(x) @ x.T, [a])
    assert sg.gradcheck(lambda x, y: (x * y).sum(axis=0), [a, a + 1.0], check_grad_grad=True)
    assert sg.gradgradcheck(lambda x: sg.sigmoid(x).prod(), [a])
    assert sg.gradcheck(Cube.apply, [sg.asarray(X)], check_grad_grad=True)
    assert sg.gradcheck(lambda x: (sg.exp(x), x * 2), [sg.asarray([0.1, 0.2])])  # two outputs


def test_gradcheck_fails_on_a_wrong_vjp():
    with pytest.raises(ValueError, match=r"\[gradcheck\] ∂output\[1\]/∂input 0\[1\] is 24\.0 by the vjp "
                                         r"but 12\.0000\d* by central differences.*3 of 9 entries differ"):
        sg.gradcheck(WrongCube.apply, [sg.asarray(X)])
    assert sg.gradcheck(WrongCube.apply, [sg.asarray(X)], raise_exception=False) is False

    class WrongSecond(Cube):
        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            x = x.detach()  # right values, no second derivative
            return 3 * g * x * x

    assert sg.gradcheck(WrongSecond.apply, [sg.asarray(X)])
    with pytest.raises(ValueError, match=r"\[gradcheck\] second order"):
        sg.gradgradcheck(WrongSecond.apply, [sg.asarray(X)])


def test_gradcheck_errors():
    with pytest.raises(TypeError, match="float64"):
        sg.gradcheck(sg.exp, [sg.asarray([1.0], dtype=sg.float32)])
    with pytest.raises(ValueError, match="eps must be positive"):
        sg.gradcheck(sg.exp, [[1.0]], eps=0.0)
    with pytest.raises(Boom):
        sg.gradcheck(lambda x: Fails.apply(x * 100), [[1.0]])
    with pytest.raises(TypeError, match="must return a Tensor"):
        sg.gradcheck(lambda x: 3.0, [[1.0]])


# ------------------------------------------------------- eager API (PyTorch)

def test_retain_grad_keeps_a_non_leaf_gradient():
    x = leaf([1.0, 2.0])
    y = x * 3
    assert not y.retains_grad and not y.is_leaf
    (y * 1.0).sum().backward()
    with pytest.warns(UserWarning, match="not a leaf"):
        assert y.grad is None
    x.grad = None
    y.retain_grad()
    assert y.retains_grad
    (y * y).sum().backward()
    np.testing.assert_allclose(np.asarray(y.grad), [6.0, 12.0])
    np.testing.assert_allclose(np.asarray(x.grad), [18.0, 36.0])
    (y * y).sum().backward()  # accumulates, as a leaf's does
    np.testing.assert_allclose(np.asarray(y.grad), [12.0, 24.0])
    x.retain_grad()  # a leaf: nothing to do
    with pytest.raises(ValueError, match="retain_grad"):
        sg.asarray([1.0]).retain_grad()


def test_register_hook_sees_and_replaces_gradients():
    x = leaf([1.0, 2.0])
    y = x * 3
    seen = []

    def double(g):
        seen.append(np.asarray(g).tolist())
        return g * 2

    handle = y.register_hook(double)
    (y * y).sum().backward()
    assert seen == [[6.0, 12.0]]
    np.testing.assert_allclose(np.asarray(x.grad), [36.0, 72.0])
    handle.remove()
    handle.remove()
    x.grad = None
    (y * y).sum().backward()
    np.testing.assert_allclose(np.asarray(x.grad), [18.0, 36.0])
    # A hook on a leaf runs before accumulation; None keeps the gradient.
    x.grad = None
    with x.register_hook(lambda g: None), y.register_hook(lambda g: [1.0, 1.0]):
        (y * y).sum().backward()
    np.testing.assert_allclose(np.asarray(x.grad), [3.0, 3.0])
    with pytest.raises(Boom):
        with y.register_hook(lambda g: (_ for _ in ()).throw(Boom("hook"))):
            (y * y).sum().backward()
    with pytest.raises(ValueError, match=r"\[hook\].*shape \(3,\)"):
        with y.register_hook(lambda g: sg.ones(3)):
            (y * y).sum().backward()
    with pytest.raises(ValueError, match="register_hook"):
        sg.asarray([1.0]).register_hook(double)


def test_backward_create_graph_gives_a_differentiable_grad():
    x = leaf([1.0, 2.0])
    (x ** 3).sum().backward(create_graph=True)
    g = x.grad
    np.testing.assert_allclose(np.asarray(g), [3.0, 12.0])
    assert g.requires_grad
    x.grad = None
    g.sum().backward()
    np.testing.assert_allclose(np.asarray(x.grad), [6.0, 12.0])
    # gradient= and retain_graph= (graphs are always kept)
    x.grad = None
    y = x * x
    y.backward(gradient=sg.asarray([1.0, 0.5]), retain_graph=True)
    y.backward(sg.asarray([1.0, 0.5]))
    np.testing.assert_allclose(np.asarray(x.grad), [4.0, 4.0])


def test_requires_grad_of_non_leaves():
    x = leaf([1.0])
    y = x * 2
    assert y.requires_grad and not y.is_leaf
    y.requires_grad = True  # already: allowed, as in PyTorch
    with pytest.raises(TypeError, match="only concrete leaf tensors"):
        y.requires_grad = False
    with sg.no_grad():
        z = x * 2
    assert not z.requires_grad and z.is_leaf
    z.requires_grad = True  # a leaf now
    (z * z).sum().backward()
    np.testing.assert_allclose(np.asarray(z.grad), [4.0])


def test_against_pytorch():
    torch = pytest.importorskip("torch")
    values = [0.3, -1.1, 2.0]
    x = leaf(values)
    y = sg.tanh(x) * 2
    y.retain_grad()
    y.register_hook(lambda g: g * 3)
    (y ** 2).sum().backward(create_graph=True)
    gx = x.grad
    x.grad = None
    gx.sum().backward()

    tx = torch.tensor(values, dtype=torch.float64, requires_grad=True)
    ty = torch.tanh(tx) * 2
    ty.retain_grad()
    ty.register_hook(lambda g: g * 3)
    (ty ** 2).sum().backward(create_graph=True)
    tgx = tx.grad
    tx.grad = None
    tgx.sum().backward()
    np.testing.assert_allclose(np.asarray(y.grad), ty.grad.detach().numpy())
    np.testing.assert_allclose(np.asarray(gx), tgx.detach().numpy())
    np.testing.assert_allclose(np.asarray(x.grad), tx.grad.numpy())


def test_set_value_waits_for_a_function_running_python_callbacks():
    """A compiled function that updates W runs a Python forward (taking
    the GIL) while it holds W's update lock; W.set_value from another
    thread waits for it without holding the GIL, so neither blocks the
    other for good."""
    import faulthandler
    import time

    class Slow(sg.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            if x._kind == sg._swiftgrad.KIND_VALUE:
                time.sleep(0.3)  # releases the GIL, as I/O would
            return x * 1.0

        @staticmethod
        def backward(ctx, g):
            return g

    W = sg.shared([1.0])
    x = sg.placeholder((None,))
    f = sg.function([x], Slow.apply(x).sum(), updates=[(W, W * 2)])
    faulthandler.dump_traceback_later(60, exit=True)  # a deadlock fails instead of hanging
    try:
        caller = threading.Thread(target=f, args=([1.0],))
        caller.start()
        time.sleep(0.1)
        W.set_value([5.0])
        caller.join()
    finally:
        faulthandler.cancel_dump_traceback_later()
    assert W.get_value().tolist() == [5.0]
