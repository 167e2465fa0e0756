"""The autograd surface of Tensor: backward and its errors, in-place safety (version counters, leaves),
hooks, retain_grad, custom Functions, autograd.grad, jacobian/hessian (Values and Tensors), deep graphs,
memory, grad mode and anomaly mode."""

from __future__ import annotations

import gc
import weakref
from typing import Any

import numpy as np
import pytest
import torch

import autograd as ag
from autograd import Function, Value
from autograd.functional import hessian, jacobian


def leaf(values, dtype=ag.float64):
    return ag.tensor(values, dtype=dtype, requires_grad=True)


# ----- backward -----------------------------------------------------------------------------
def test_backward_on_a_non_scalar_needs_a_gradient():
    y = leaf([1.0, 2.0]) * 2
    with pytest.raises(RuntimeError, match="grad can be implicitly created only for scalar outputs"):
        y.backward()
    y.backward(ag.tensor([1.0, 10.0]))


def test_backward_with_a_gradient_of_the_wrong_shape_is_an_error():
    with pytest.raises(RuntimeError, match="Mismatch in shape"):
        (leaf([1.0, 2.0]) * 2).backward(ag.ones(3))


def test_backward_on_a_tensor_without_grad_is_an_error():
    with pytest.raises(RuntimeError, match="does not require grad"):
        ag.ones(2).sum().backward()


def test_second_backward_through_a_freed_graph_raises_unless_retained():
    x = leaf([1.0, 2.0])
    loss = (x * x).sum()
    loss.backward(retain_graph=True)
    loss.backward()
    np.testing.assert_array_equal(x.grad.numpy(), [4.0, 8.0])
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        loss.backward()


def test_gradients_accumulate_and_leaf_grads_do_not_alias():
    a, b = leaf([1.0]), leaf([2.0])
    (a + b).sum().backward()
    (a + b).sum().backward()
    np.testing.assert_array_equal(a.grad.numpy(), [2.0])
    a.grad.zero_()
    np.testing.assert_array_equal(b.grad.numpy(), [2.0])


def test_grad_fn_is_leaf_and_requires_grad():
    x = leaf([1.0])
    y = x * 2
    assert x.is_leaf and x.grad_fn is None
    assert not y.is_leaf and y.grad_fn == "MulBackward" and y.requires_grad
    assert y._prev == (x,)
    with ag.no_grad():
        z = x * 2
    assert z.is_leaf and not z.requires_grad and z.grad_fn is None
    assert (x * 2).detach().is_leaf and not (x * 2).detach().requires_grad
    assert ag.ones(2).requires_grad_().requires_grad


def test_retain_grad_and_hooks():
    x = leaf([1.0, 2.0])
    y = x * 3
    y.retain_grad()
    seen = []
    y.register_hook(lambda g: seen.append(g.numpy().copy()))
    x.register_hook(lambda g: g * 10)
    doubled = x.register_hook(lambda g: g * 2)
    doubled.remove()
    (y * y).sum().backward()
    np.testing.assert_array_equal(y.grad.numpy(), [6.0, 12.0])
    np.testing.assert_array_equal(seen[0], [6.0, 12.0])
    np.testing.assert_array_equal(x.grad.numpy(), [180.0, 360.0])


def test_a_hook_on_a_non_leaf_replaces_the_gradient_flowing_on():
    x, xt = leaf([1.0, 2.0]), torch.tensor([1.0, 2.0], dtype=torch.float64, requires_grad=True)
    for t in (x, xt):
        y = t * t
        y.register_hook(lambda g: g * 2)
        y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), xt.grad.numpy())


def test_data_is_a_detached_view_for_parameter_updates():
    p = leaf([1.0, 2.0])
    (p * p).sum().backward()
    p.data -= 0.5 * p.grad
    np.testing.assert_array_equal(p.numpy(), [0.0, 0.0])
    assert p.is_leaf and p.requires_grad and not p.data.requires_grad


# ----- in-place ---------------------------------------------------------------------------
def test_modifying_a_saved_tensor_makes_backward_raise_with_versions():
    w = ag.tensor([1.0, 2.0])
    x = leaf([3.0, 4.0])
    y = x * w
    w.add_(1)
    with pytest.raises(
        RuntimeError, match=r"modified by an inplace operation.*MulBackward.*version 1.*version 0"
    ):
        y.sum().backward()


def test_versions_count_from_where_they_were_when_the_op_ran_and_only_saved_inputs_matter():
    """As torch: an input modified before the op is expected at that version; an input the op did not save
    (x, in x * w when only x needs a gradient) may change before backward."""
    for lib in (ag, torch):
        w = lib.tensor([1.0, 2.0])
        x = lib.tensor([3.0, 4.0], requires_grad=True)
        w.add_(1)
        y = x * w  # saves w at version 1
        w.add_(1)
        with pytest.raises(RuntimeError, match=r"modified by an inplace operation.*version 2.*version 1"):
            y.sum().backward()
        y = x * w
        with lib.no_grad():
            x.add_(1)  # not saved: backward is still right
        y.sum().backward()
        np.testing.assert_array_equal(x.grad.numpy(), [3.0, 4.0])


@pytest.mark.parametrize("op", ["exp", "relu", "sigmoid"])
def test_modifying_a_saved_output_in_place_raises_like_torch(op: str):
    x, xt = leaf([1.0]), torch.tensor([1.0], requires_grad=True)
    for t in (x, xt):
        y = getattr(t, op)()
        y += 1
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            y.sum().backward()


def test_in_place_on_a_leaf_that_requires_grad_raises_outside_no_grad():
    p = leaf([1.0])
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        p.add_(1)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        p[0] = 2.0
    with ag.no_grad():
        p.mul_(3).sub_(1)
        p += 1
    np.testing.assert_array_equal(p.numpy(), [3.0])
    assert p._version == 3 and p.is_leaf


def test_recorded_in_place_ops_match_torch():
    x, xt = leaf([1.0, -2.0]), torch.tensor([1.0, -2.0], dtype=torch.float64, requires_grad=True)
    for t in (x, xt):
        y = t * 2
        y.add_(1)
        y.mul_(3)
        y.clamp_(min=0.0)
        y.div_(2)
        y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), xt.grad.numpy())


def test_in_place_ops_without_grad_write_into_the_storage():
    x = ag.tensor([1.0, 2.0])
    x.add_(ag.tensor([1.0, 1.0])).mul_(2).sub_(1, alpha=2).div_(2)
    np.testing.assert_array_equal(x.numpy(), [1.0, 2.0])
    x.clamp_(max=1.5)
    x.copy_(ag.tensor([5.0]))
    np.testing.assert_array_equal(x.numpy(), [5.0, 5.0])
    x.zero_()
    x.fill_(2)
    np.testing.assert_array_equal(x.numpy(), [2.0, 2.0])


def test_add_and_sub_with_alpha_match_torch_recorded_and_not():
    """alpha scales ``other`` on the raw arrays when nothing is recorded (an optimiser's update) and through
    an op when ``other`` needs its gradient: both as torch."""
    ours, theirs = [], []
    for lib, out in ((ag, ours), (torch, theirs)):
        base = lib.tensor([1.0, -2.0, 3.0], dtype=lib.float32)
        other = lib.tensor([0.5, 0.25, -1.0], dtype=lib.float32)
        base.add_(other, alpha=-0.1).sub_(other, alpha=3)
        w = lib.tensor([0.5, 0.25, -1.0], dtype=lib.float64, requires_grad=True)
        y = lib.ones(3, dtype=lib.float64) * 1.0
        y.add_(w, alpha=2.5).sub_(w * w, alpha=0.5)
        y.sum().backward()
        out += [base.numpy(), y.detach().numpy(), w.grad.numpy()]
    for a, b in zip(ours, theirs, strict=True):
        np.testing.assert_array_equal(a, b)


def test_copy_is_differentiable_to_its_source():
    w = leaf([2.0])
    y = ag.zeros(3)
    y.copy_(w * w)
    y.sum().backward()
    np.testing.assert_array_equal(w.grad.numpy(), [12.0])


# ----- custom Functions, grad, jacobian and hessian ----------------------------------------
def softplus_function(base):
    """log(1 + e^x) as a custom Function of ``base`` (ours or torch's), with its derivative sigmoid(x)
    written with tensor ops (so it differentiates again): one body for both libraries."""

    class Softplus(base):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return (x.exp() + 1).log()

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * x.sigmoid()

    return Softplus


Softplus, TorchSoftplus = softplus_function(Function), softplus_function(torch.autograd.Function)


def test_custom_function_first_and_second_derivatives_match_torch():
    data = [-2.0, 0.0, 1.5]
    x, xt = leaf(data), torch.tensor(data, dtype=torch.float64, requires_grad=True)
    y, yt = Softplus.apply(x), TorchSoftplus.apply(xt)
    assert y.grad_fn == "SoftplusBackward"
    np.testing.assert_allclose(y.numpy(), yt.detach().numpy())
    (g,) = ag.grad(y.sum(), x, create_graph=True)
    (gt,) = torch.autograd.grad(yt.sum(), xt, create_graph=True)
    np.testing.assert_allclose(g.numpy(), gt.detach().numpy())
    (h,) = ag.grad((g * g).sum(), x)
    (ht,) = torch.autograd.grad((gt * gt).sum(), xt)
    np.testing.assert_allclose(h.numpy(), ht.numpy())


def test_custom_function_saved_tensor_modified_in_place_raises():
    x = leaf([1.0])
    w = ag.tensor([2.0])

    class Scale(Function):
        @staticmethod
        def forward(ctx, a, b):
            ctx.save_for_backward(b)
            return a * b

        @staticmethod
        def backward(ctx, g):
            (b,) = ctx.saved_tensors
            assert ctx.needs_input_grad == (True, False)
            return g * b, None

    y = Scale.apply(x, w)
    y.backward()
    np.testing.assert_array_equal(x.grad.numpy(), [2.0])
    z = Scale.apply(x, w)
    w.mul_(2)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        z.backward()


def test_autograd_grad_for_tensors_matches_torch():
    data = np.array([[0.5, -1.0], [2.0, 0.1]])
    x, xt = leaf(data), torch.tensor(data, requires_grad=True)
    w = np.array([1.0, -2.0])
    out, ref = (x.tanh() @ ag.tensor(w)), (xt.tanh() @ torch.tensor(w))
    (g,) = ag.grad(out, [x], grad_outputs=ag.tensor([1.0, 3.0]))
    (gt,) = torch.autograd.grad(ref, [xt], grad_outputs=torch.tensor([1.0, 3.0], dtype=torch.float64))
    np.testing.assert_allclose(g.numpy(), gt.numpy())
    assert x.grad is None


def test_jacobian_and_hessian_of_a_tensor_function_match_torch():
    def f(lib):
        return lambda x: (x**3).sum() * x[0] + (x[1] * x).tanh().sum()

    data = np.array([0.5, -1.2, 2.0])
    jac = jacobian(lambda x: x.sigmoid() * x[0], ag.tensor(data))
    jac_ref = torch.autograd.functional.jacobian(lambda x: x.sigmoid() * x[0], torch.tensor(data))
    np.testing.assert_allclose(jac.numpy(), jac_ref.numpy(), rtol=1e-10)
    hess = hessian(f(ag), ag.tensor(data))
    hess_ref = torch.autograd.functional.hessian(f(torch), torch.tensor(data))
    assert hess.shape == (3, 3) and not hess.requires_grad
    np.testing.assert_allclose(hess.numpy(), hess_ref.numpy(), rtol=1e-10)


def test_jacobian_of_a_matrix_function_has_torchs_shape():
    data = np.arange(6.0).reshape(2, 3) / 7
    jac = jacobian(lambda x: x.softmax(1), ag.tensor(data))
    jac_ref = torch.autograd.functional.jacobian(lambda x: x.softmax(1), torch.tensor(data))
    assert jac.shape == (2, 3, 2, 3)
    np.testing.assert_allclose(jac.numpy(), jac_ref.numpy(), rtol=1e-10, atol=1e-15)


def test_jacobian_and_hessian_of_a_value_function_match_torch():
    def f(x):
        return x[0] * x[1] + x[1].tanh() * x[0] ** 2

    point = [0.7, -0.4]
    jac = jacobian(f, [Value(v) for v in point])
    hess = hessian(f, [Value(v) for v in point])
    jac_ref = torch.autograd.functional.jacobian(f, torch.tensor(point, dtype=torch.float64))
    hess_ref = torch.autograd.functional.hessian(f, torch.tensor(point, dtype=torch.float64))
    np.testing.assert_allclose(jac, jac_ref.numpy(), rtol=1e-12)
    np.testing.assert_allclose(hess, hess_ref.numpy(), rtol=1e-12)
    assert hessian(lambda v: v * v * v, Value(2.0)) == pytest.approx(12.0)
    outputs = jacobian(lambda x: [x[0] * x[1], x[0].exp()], [Value(1.0), Value(2.0)])
    np.testing.assert_allclose(outputs, [[2.0, 1.0], [np.e, 0.0]])


# ----- graphs: depth, memory, modes --------------------------------------------------------
def test_a_chain_of_a_hundred_thousand_ops_backpropagates():
    x = ag.tensor(1.0, dtype=ag.float64, requires_grad=True)
    y = x
    for _ in range(50_000):
        y = y * 1.00001
        y = y + 0.0
    y.backward()
    assert x.grad.item() == pytest.approx(1.00001**50_000, rel=1e-4)


def test_the_graph_is_freed_by_reference_counting_after_backward():
    gc.disable()
    try:
        x = ag.randn(4, requires_grad=True, generator=ag.Generator().manual_seed(0))
        hidden = (x * 2).tanh()
        probe = weakref.ref(hidden)
        loss = (hidden.softmax(0) * ag.arange(4)).sum()
        loss.backward()
        del hidden, loss
        assert probe() is None
        assert x.grad is not None
    finally:
        gc.enable()


def test_saved_arrays_are_released_after_backward():
    """abs saves a sign mask that only its node holds: backward frees it while the output lives on."""
    x = leaf(np.linspace(-1.0, 1.0, 1000))
    y = abs(x)
    (mask,) = y._saved
    assert isinstance(mask, np.ndarray) and mask.shape == (1000,)
    saved = weakref.ref(mask)
    del mask
    assert saved() is not None  # held by y's node until backward
    y.sum().backward()
    assert saved() is None
    np.testing.assert_array_equal(y.numpy(), np.abs(np.linspace(-1.0, 1.0, 1000)))  # y is still alive
    np.testing.assert_array_equal(x.grad.numpy(), np.sign(np.linspace(-1.0, 1.0, 1000)))


def test_a_result_that_is_not_recorded_keeps_nothing_its_op_saved():
    """A built-in op's ctx is its output tensor: without a graph, what forward saved must not stay there."""
    x, w = leaf([1.0, -2.0]), ag.tensor([3.0, 4.0])
    with ag.no_grad():
        results = [abs(x), x * w, x * 2.0, 2.0 / x, x.exp()]
    results.append(abs(w))  # nothing requires grad
    for y in results:
        assert y._ctx is None and y._saved is None and y._versions is None and not y.requires_grad


def test_a_user_function_frees_its_saved_tensors_after_backward():
    class Square(ag.Function):
        @staticmethod
        def forward(ctx: Any, x: ag.Tensor) -> ag.Tensor:
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx: Any, grad: ag.Tensor) -> ag.Tensor:
            (x,) = ctx.saved_tensors
            return 2 * x * grad

    x = leaf([3.0])
    y = Square.apply(x)
    assert y.grad_fn == "SquareBackward" and y._saved == (x,)
    y.backward(retain_graph=True)
    assert y._saved == (x,)
    y.backward()
    assert y._saved is None and y._ctx.saved is None
    np.testing.assert_allclose(x.grad.numpy(), [12.0])
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        y.backward()


def test_no_grad_builds_no_graph_and_enable_grad_restores_it():
    x = leaf([1.0])
    with ag.no_grad():
        y = x * 2
        with ag.enable_grad():
            z = x * 2
    assert not y.requires_grad and z.requires_grad


def test_anomaly_mode_names_the_op_producing_nan():
    x = leaf([-1.0, 1.0])
    with ag.detect_anomaly(), pytest.raises(FloatingPointError, match="Log"):
        x.log()
    with ag.detect_anomaly(), pytest.raises(FloatingPointError, match="non-finite gradient"):
        (x * 0).sqrt().sum().backward()


# ----- review fixes: in-place ops, functional grad, hooks, anomaly messages -------------------------
@pytest.mark.parametrize("method", ["mul_", "div_"])
def test_inplace_op_with_a_grad_requiring_operand_backpropagates_as_torch(method):
    grads = []
    for lib in (ag, torch):
        y = lib.tensor([1.0, 2.0, -3.0], requires_grad=True)
        w = lib.tensor([3.0, 4.0, 0.5], requires_grad=True)
        a = y * 1
        getattr(a, method)(w)
        (a * a).sum().backward()
        grads.append((np.asarray(y.grad.tolist()), np.asarray(w.grad.tolist())))
    np.testing.assert_allclose(grads[0][0], grads[1][0], rtol=1e-6)
    np.testing.assert_allclose(grads[0][1], grads[1][1], rtol=1e-6)


def test_a_recorded_in_place_op_is_refused_on_a_storage_a_recorded_op_read():
    """y's node would silently change under z (torch rebases z's graph instead): refused, for a fresh tensor,
    for one read through a view, and for one whose view was read."""
    x = leaf([1.0, 2.0])
    y = x * 2
    z = y * 3  # reads y
    with pytest.raises(RuntimeError, match="storage a recorded op already read"):
        y.add_(1)
    base = x * 2
    row = base[0]  # a view: shares base's version counter
    _ = row * 3
    with pytest.raises(RuntimeError, match="storage a recorded op already read"):
        base.mul_(2)
    fresh = x * 2
    fresh.add_(1)  # nothing read it: allowed, and recorded
    fresh.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 2.0])
    np.testing.assert_array_equal(z.numpy(), [6.0, 12.0])


def test_a_detached_alias_shares_the_version_counter_that_backward_checks():
    x = leaf([1.0, 2.0])
    w = ag.tensor([3.0, 4.0])
    y = x * w  # saves w
    assert w._version == 0
    w.detach().add_(1)
    assert w._version == 1
    with pytest.raises(RuntimeError, match=r"modified by an inplace operation.*version 1.*version 0"):
        y.sum().backward()


def test_inplace_op_after_an_op_that_saved_its_output_still_refuses_backward():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    e = x.exp()
    e += 1
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        e.sum().backward()


def test_functional_grad_stops_at_the_inputs():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    fired = []
    below = x * 2
    below.register_hook(lambda g: fired.append(g))
    middle = below * 3
    (g,) = ag.grad((middle * middle).sum(), middle)
    np.testing.assert_allclose(g.numpy(), 2 * middle.numpy())
    assert fired == []  # torch runs nothing below the inputs
    middle.sum().backward()  # and the saved values below were not freed
    np.testing.assert_allclose(x.grad.numpy(), [6.0, 6.0])


def test_functional_grad_runs_the_hooks_of_its_inputs_as_torch():
    """A hook on an input of ``grad`` sees its gradient, and what it returns is the gradient returned."""

    def run(lib: Any, grad: Any) -> tuple[np.ndarray, np.ndarray, int]:
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        seen: list[Any] = []
        x.register_hook(lambda g: seen.append(g.detach().clone()) or g * 2)
        y = x * 1.5
        y.register_hook(lambda g: seen.append(g.detach().clone()) or g * 10)
        (gy,) = grad((y * 3).sum(), y, retain_graph=True)  # the hook of y only: nothing below runs
        (gx,) = grad((y * 3).sum(), x)  # y's hook on the way, then x's
        return gy.detach().numpy(), gx.detach().numpy(), len(seen)

    ours, theirs = run(ag, ag.grad), run(torch, torch.autograd.grad)
    np.testing.assert_allclose(ours[0], theirs[0])
    np.testing.assert_allclose(ours[1], theirs[1])
    assert ours[2] == theirs[2] == 3
    np.testing.assert_allclose(ours[0], [30.0, 30.0])
    np.testing.assert_allclose(ours[1], [90.0, 90.0])


def test_functional_grad_reaches_inputs_through_branches_that_skip_others():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    y = ag.tensor([3.0, 4.0], requires_grad=True)
    h = x * y
    gx, gy = ag.grad((h * x + y).sum(), [x, y])
    tx, ty = (torch.tensor(v, requires_grad=True) for v in ([1.0, 2.0], [3.0, 4.0]))
    ex, ey = torch.autograd.grad((tx * ty * tx + ty).sum(), [tx, ty])
    np.testing.assert_allclose(gx.numpy(), ex.numpy())
    np.testing.assert_allclose(gy.numpy(), ey.numpy())


def test_retained_grad_is_the_gradient_after_the_hooks_as_torch():
    results = []
    for lib in (ag, torch):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = x * 3
        y.retain_grad()
        y.register_hook(lambda g: g * 2)
        (y * y).sum().backward()
        results.append(y.grad.tolist())
    assert results[0] == results[1] == [12.0, 24.0]


def test_anomaly_in_a_tensor_backward_names_the_op_and_shows_the_values():
    x = ag.tensor([0.0, 1.0], requires_grad=True)
    with ag.detect_anomaly(), pytest.raises(FloatingPointError) as raised:
        x.sqrt().sum().backward()
    message = str(raised.value)
    assert "backward of op 'SqrtBackward' produced a non-finite gradient" in message
    assert "inf" in message and "for its input 0" in message and "memory at" not in message


def test_removing_a_hook_handle_twice_leaves_a_second_registration_of_the_same_hook():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    y = x * 1

    def double(g):
        return g * 2

    h1 = y.register_hook(double)
    h1.remove()
    y.register_hook(double)
    h1.remove()  # a stale handle: must not take off the newer registration
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 2.0])


@pytest.mark.parametrize(
    ("name", "write"),
    [
        ("add_", lambda x: x.add_(x)),
        ("sub_", lambda x: x.sub_(x)),
        ("copy_", lambda x: x.copy_(x)),
        ("setitem", lambda x: x.__setitem__(slice(None), x)),
    ],
)
def test_an_inplace_op_that_reads_its_own_tensor_matches_torch(name: str, write: Any):
    """``x.add_(x)`` reads x before the op: the graph stays acyclic and every pass starts clean."""

    def run(lib: Any) -> list[list[float]]:
        a = lib.tensor([2.0, 3.0], requires_grad=True)
        x = a * 1.0
        write(x)
        x.sum().backward(retain_graph=True)
        first = a.grad.tolist()
        a.grad = None
        x.sum().backward()
        return [first, a.grad.tolist()]

    assert run(ag) == run(torch), name


def test_squaring_in_place_differentiates_the_square():
    """torch refuses ``x.mul_(x)`` (it saved x, then x changed); here the op reads x's old node, so the
    gradient is d(x^2)/dx."""
    a = ag.tensor([2.0, 3.0], requires_grad=True)
    x = a * 1.0
    x.mul_(x)
    x.sum().backward()
    assert a.grad.tolist() == [4.0, 6.0]


def test_a_copy_made_during_a_pass_carries_none_of_its_gradients():
    import copy

    w = ag.tensor([1.0, 2.0], requires_grad=True)
    a, b = w * 3.0, (w * 2.0) * 1.0
    copies: list[Any] = []
    b.register_hook(lambda g: copies.append(copy.deepcopy(w)))  # w has gathered a's gradient by then
    (a + b).sum().backward()
    twin = copies[0]
    assert twin.requires_grad and twin.tolist() == [1.0, 2.0] and twin.grad is None
    (twin * 1.0).sum().backward()
    assert twin.grad.tolist() == [1.0, 1.0]
    assert w.grad.tolist() == [5.0, 5.0]


def test_functional_grad_of_a_repeated_input_returns_it_twice_as_torch():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    gx = ag.grad((x * x).sum(), [x, x])
    tx = torch.tensor([1.0, 2.0], requires_grad=True)
    ex = torch.autograd.grad((tx * tx).sum(), [tx, tx])
    assert len(gx) == len(ex) == 2
    for ours, theirs in zip(gx, ex, strict=True):
        np.testing.assert_allclose(ours.numpy(), theirs.numpy())


def test_functional_grad_records_an_input_it_goes_past_before_its_hooks_as_torch():
    def run(lib: Any, grad: Any) -> list[list[float]]:
        a = lib.tensor([1.0, 2.0], requires_grad=True)
        s = a * 3.0
        s.register_hook(lambda g: g * 2)
        return [g.tolist() for g in grad((s * s).sum(), [s, a])]

    assert run(ag, ag.grad) == run(torch, torch.autograd.grad) == [[6.0, 12.0], [36.0, 72.0]]


@pytest.mark.parametrize(
    ("where", "pause_before"),
    [
        ("function.apply_scalar", "counter = tensor._counter"),
        ("function.apply_scalar", "if counter is not None:"),
        ("tensor._fill", "shared = parent._counter"),
        ("tensor._fill", "if shared is not None:"),
    ],
)
def test_a_counter_made_while_another_thread_marks_the_tensor_read_is_shared(where: str, pause_before: str):
    """Version counters are made on first need. Thread A (a recorded op reading w: ``w * 2.0`` builds its
    node in apply_scalar, ``w * w`` in _fill) is paused inside its mark of w as read, at each point where
    thread B could make w's counter (by detaching it): afterwards the alias and w share one counter, and it
    says w was read."""
    import inspect
    import sys
    import threading

    from autograd.ops.function import apply_scalar
    from autograd.tensor import _fill

    code = {"function.apply_scalar": apply_scalar, "tensor._fill": _fill}[where]
    source, first = inspect.getsourcelines(code)
    line = first + next(i for i, text in enumerate(source) if text.strip().startswith(pause_before))
    w = ag.tensor([1.0, 2.0], requires_grad=True)
    paused, resume = threading.Event(), threading.Event()

    def tracer(frame: Any, event: str, arg: Any) -> Any:
        if frame.f_code is not code.__code__:
            return None

        def local(frame: Any, event: str, arg: Any) -> Any:
            if event == "line" and frame.f_lineno == line:
                paused.set()
                resume.wait(10)
            return local

        return local

    def recorded_op() -> None:
        sys.settrace(tracer)
        try:
            w * 2.0 if where == "function.apply_scalar" else w * w
        finally:
            sys.settrace(None)

    thread = threading.Thread(target=recorded_op)
    thread.start()
    assert paused.wait(10)
    alias = w.detach()  # makes w's counter while the other thread is inside its mark
    resume.set()
    thread.join()
    assert alias._counter is w._counter and w._counter[1]
    alias.add_(1.0)
    assert w._version == alias._version == 1


def test_a_function_must_return_one_gradient_per_input_and_an_op_must_define_both_halves():
    class Scale(ag.Function):
        @staticmethod
        def forward(ctx: Any, x: ag.Tensor, k: float) -> ag.Tensor:
            ctx.k = k
            return x * k

        @staticmethod
        def backward(ctx: Any, grad: ag.Tensor) -> ag.Tensor:
            return grad * ctx.k  # one gradient for two inputs: torch refuses it too

    with pytest.raises(RuntimeError, match="ScaleBackward returned 1 gradients for 2 inputs"):
        Scale.apply(leaf([1.0, 2.0]), 3.0).sum().backward()

    from autograd.ops.function import Op

    class Twice(Op):
        @staticmethod
        def forward(ctx: Any, a: Any) -> Any:
            return 2 * a

    y = Twice.apply(leaf([1.0]))
    with pytest.raises(NotImplementedError, match="Twice must define backward"):
        y.sum().backward()
    with pytest.raises(NotImplementedError, match="Op must define forward"):
        Op.apply(leaf([1.0]))


def test_the_order_by_making_is_topological_and_reaches_every_node():
    """Tensors are ordered by the count of their making (_seq), not by a depth-first walk: in a graph
    with shared parents, a leaf made after other ops, and a node an in-place op replaced, every
    node still comes after its parents, and the walk reaches what a depth-first one does."""
    from autograd.engine import topological_order

    a = leaf([1.0, 2.0])
    b = a * 2
    c = b.exp() + b
    c.add_(1)  # c takes the place of the add_ node, made after the exp
    late = leaf([3.0, 4.0])  # made after c
    d = (c * late).sum() + b.sum()
    order = topological_order([d])
    position = {node: i for i, node in enumerate(order)}
    assert all(position[p] < position[node] for node in order for p in node._prev)
    reached, stack = {d}, [d]
    while stack:
        for p in stack.pop()._prev:
            if p not in reached:
                reached.add(p)
                stack.append(p)
    assert set(order) == reached and len(order) == len(reached)
    d.backward()
    np.testing.assert_allclose(a.grad.numpy(), 2 * (np.exp([2.0, 4.0]) + 1) * [3.0, 4.0] + 2)


def test_backward_lets_go_of_the_inputs_an_op_saved():
    """A saved input that needs no gradient (a batch of data) is kept for backward -- its array and, to check
    its version, the tensor -- and let go by it: the output kept alive does not keep the data."""
    x, w = ag.tensor([1.0, 2.0]), leaf([3.0, 4.0])
    y = x * w
    data = weakref.ref(x)
    del x
    assert data() is not None
    y.sum().backward()
    assert data() is None and y._saved is None


@pytest.mark.parametrize("rows", [1, 7, 100, 4096, 4097])
def test_a_bias_gradient_summed_over_the_batch_is_as_accurate_as_numpys_sum(rows: int):
    """Broadcasting's sum over leading axes runs as ones @ grad (BLAS) up to 4096 rows, numpy's sum above:
    either way float32 stays within 1e-6 of the exact sum, relative to the sum of magnitudes."""
    rng = np.random.default_rng(rows)
    x = ag.tensor(rng.standard_normal((rows, 33)).astype(np.float32))
    b = ag.tensor(np.zeros(33, np.float32), requires_grad=True)
    upstream = rng.standard_normal((rows, 33)).astype(np.float32)
    (x + b).backward(upstream)
    exact, scale = upstream.astype(np.float64).sum(0), np.abs(upstream).astype(np.float64).sum(0)
    assert b.grad.dtype == ag.float32 and b.grad.shape == (33,)
    assert np.max(np.abs(b.grad.numpy() - exact) / scale) < 1e-6


def test_contiguous_is_row_major_and_clone_keeps_the_layout_as_torch():
    for lib in (ag, torch):
        x = lib.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
        row_major = x.T.contiguous()
        assert row_major.is_contiguous() and not x.T.clone().is_contiguous()
        row_major.view(4).backward(lib.tensor([1.0, 2.0, 3.0, 4.0]))
        np.testing.assert_array_equal(x.grad.numpy(), [[1.0, 3.0], [2.0, 4.0]])
        assert x.to("cpu") is x and x.cpu() is x


def test_detach_in_place_is_refused_once_a_recorded_op_used_the_tensor():
    """torch keeps the graph's link apart from the tensor, so z's backward still reaches x; here the tensor
    is the link, so detaching it in place would silently stop the gradient: refused instead."""
    x = leaf([1.0, 2.0])
    y = x * 2
    z = y * 3
    with pytest.raises(RuntimeError, match="detach_.*already used"):
        y.detach_()
    z.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [6.0, 6.0])
    fresh = x * 2
    fresh.detach_()
    assert fresh.is_leaf and not fresh.requires_grad
    hidden = x * 2  # truncated backpropagation: once backward freed the graph, detaching is safe
    (hidden * hidden).sum().backward()
    hidden.detach_()
    assert hidden.is_leaf and not hidden.requires_grad


def test_a_leaf_gradient_is_not_the_tensor_its_hook_was_given_as_torch():
    for lib in (ag, torch):
        a = lib.tensor([1.0, 2.0], requires_grad=True)
        given = []
        a.register_hook(given.append)
        (a * 3).sum().backward()
        given[0].mul_(100)
        np.testing.assert_array_equal(a.grad.numpy(), [3.0, 3.0])
