"""Tensor maths against torch: values, gradients (random upstream gradients, broadcasting) and second
derivatives through create_graph, in float64."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch
import torch.nn.functional as F  # noqa: N812 - the usual name

import autograd as ag

RNG = np.random.default_rng(0)


def _inputs(shapes, positive):
    arrays = [RNG.standard_normal(s) for s in shapes]
    if positive:
        arrays = [np.abs(a) + 0.5 for a in arrays]
    ours = [ag.tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    return ours, theirs


def _first(x):
    return x[0] if isinstance(x, tuple) else x


# name: (ours, torch, input shapes, positive inputs only)
CASES = {
    "add": (lambda a, b: a + b, lambda a, b: a + b, [(3, 4), (4,)], False),
    "radd": (lambda a: 2.5 + a, lambda a: 2.5 + a, [(3, 4)], False),
    "sub": (lambda a, b: a - b, lambda a, b: a - b, [(3, 1), (4,)], False),
    "rsub": (lambda a: 1 - a, lambda a: 1 - a, [(3,)], False),
    "mul": (lambda a, b: a * b, lambda a, b: a * b, [(2, 3, 4), (3, 1)], False),
    "div": (lambda a, b: a / b, lambda a, b: a / b, [(3, 4), (4,)], True),
    "rdiv": (lambda a: 2 / a, lambda a: 2 / a, [(3, 4)], True),
    "pow": (lambda a, b: a**b, lambda a, b: a**b, [(3, 4), (4,)], True),
    "pow_const": (lambda a: a**3, lambda a: a**3, [(3, 4)], False),
    "rpow": (lambda a: 2**a, lambda a: 2**a, [(3, 4)], False),
    "neg": (lambda a: -a * a, lambda a: -a * a, [(3,)], False),
    "exp": (lambda a: a.exp(), lambda a: a.exp(), [(3, 4)], False),
    "log": (lambda a: a.log(), lambda a: a.log(), [(3, 4)], True),
    "sqrt": (lambda a: a.sqrt(), lambda a: a.sqrt(), [(3, 4)], True),
    "abs": (lambda a: abs(a) * a, lambda a: abs(a) * a, [(3, 4)], False),
    "tanh": (lambda a: a.tanh(), lambda a: a.tanh(), [(3, 4)], False),
    "sigmoid": (lambda a: a.sigmoid(), lambda a: a.sigmoid(), [(3, 4)], False),
    "relu": (lambda a: a.relu() * a, lambda a: a.relu() * a, [(3, 4)], False),
    "leaky_relu": (lambda a: ag.leaky_relu(a, 0.1) * a, lambda a: F.leaky_relu(a, 0.1) * a, [(3, 4)], False),
    "elu": (lambda a: a.elu(), lambda a: F.elu(a), [(3, 4)], False),
    "clamp": (lambda a: a.clamp(-0.5, 0.5) * a, lambda a: a.clamp(-0.5, 0.5) * a, [(3, 4)], False),
    "clamp_min": (lambda a: a.clamp(min=0.1) * a, lambda a: a.clamp(min=0.1) * a, [(3, 4)], False),
    "maximum": (
        lambda a, b: ag.maximum(a, b) * a,
        lambda a, b: torch.maximum(a, b) * a,
        [(3, 4), (4,)],
        False,
    ),
    "minimum": (
        lambda a, b: ag.minimum(a, b) * b,
        lambda a, b: torch.minimum(a, b) * b,
        [(3, 4), (4,)],
        False,
    ),
    "where": (
        lambda a, b: ag.where(a > 0, a * a, b),
        lambda a, b: torch.where(a > 0, a * a, b),
        [(3, 4), (4,)],
        False,
    ),
    "sum": (lambda a: a.sum(1) * a.sum(), lambda a: a.sum(1) * a.sum(), [(3, 4)], False),
    "sum_dims": (
        lambda a: a.sum((0, 2), keepdim=True) * a,
        lambda a: a.sum((0, 2), keepdim=True) * a,
        [(2, 3, 4)],
        False,
    ),
    "mean": (lambda a: a.mean(0) * a, lambda a: a.mean(0) * a, [(3, 4)], False),
    "mean_neg_dim": (
        lambda a: a.mean(-1, keepdim=True) * a,
        lambda a: a.mean(-1, keepdim=True) * a,
        [(3, 4)],
        False,
    ),
    "var": (lambda a: a.var(1), lambda a: a.var(1), [(3, 4)], False),
    "var_biased": (lambda a: a.var(0, correction=0), lambda a: a.var(0, correction=0), [(3, 4)], False),
    "std": (lambda a: a.std(), lambda a: a.std(), [(3, 4)], False),
    "max": (lambda a: a.max() * a, lambda a: a.max() * a, [(3, 4)], False),
    "max_dim": (lambda a: a.max(1)[0] * a.T, lambda a: a.max(1)[0] * a.T, [(3, 4)], False),
    "min_dim_keep": (
        lambda a: a.min(0, keepdim=True).values * a,
        lambda a: a.min(0, keepdim=True).values * a,
        [(3, 4)],
        False,
    ),
    "amax": (lambda a: a.amax(0) * a, lambda a: a.amax(0) * a, [(3, 4)], False),
    "amin": (lambda a: a.amin((0, 1)) * a, lambda a: a.amin((0, 1)) * a, [(3, 4)], False),
    "logsumexp": (lambda a: a.logsumexp(1) * a.T, lambda a: a.logsumexp(1) * a.T, [(3, 4)], False),
    "softmax": (lambda a: a.softmax(1) * a, lambda a: a.softmax(1) * a, [(3, 4)], False),
    "log_softmax": (lambda a: a.log_softmax(0) * a, lambda a: a.log_softmax(0) * a, [(3, 4)], False),
    "matmul_2d": (lambda a, b: a @ b, lambda a, b: a @ b, [(3, 4), (4, 5)], False),
    "matmul_mv": (lambda a, b: a @ b, lambda a, b: a @ b, [(3, 4), (4,)], False),
    "matmul_vm": (lambda a, b: a @ b, lambda a, b: a @ b, [(4,), (4, 5)], False),
    "matmul_vv": (lambda a, b: a @ b, lambda a, b: a @ b, [(4,), (4,)], False),
    "matmul_batched": (lambda a, b: a @ b, lambda a, b: a @ b, [(2, 3, 4), (4, 5)], False),
    "matmul_broadcast": (lambda a, b: ag.matmul(a, b), lambda a, b: a @ b, [(2, 1, 3, 4), (3, 4, 5)], False),
    "matmul_batched_vec": (lambda a, b: a @ b, lambda a, b: a @ b, [(4,), (2, 4, 5)], False),
    "reshape": (
        lambda a: a.reshape(4, -1) * a.view(4, 3),
        lambda a: a.reshape(4, -1) * a.view(4, 3),
        [(3, 4)],
        False,
    ),
    "permute": (lambda a: a.permute(2, 0, 1) * 2, lambda a: a.permute(2, 0, 1) * 2, [(2, 3, 4)], False),
    "transpose": (lambda a: a.transpose(0, 1) * a.T, lambda a: a.transpose(0, 1) * a.T, [(3, 4)], False),
    "expand": (lambda a: a.expand(2, 3, 4) * 3, lambda a: a.expand(2, 3, 4) * 3, [(3, 1)], False),
    "squeeze": (
        lambda a: a.squeeze() * a.unsqueeze(0).squeeze(0).squeeze(1),
        lambda a: a.squeeze() * a.unsqueeze(0).squeeze(0).squeeze(1),
        [(3, 1)],
        False,
    ),
    "flatten": (lambda a: a.flatten(1) ** 2, lambda a: a.flatten(1) ** 2, [(2, 3, 4)], False),
    "cat": (lambda a, b: ag.cat([a, b, a], 1), lambda a, b: torch.cat([a, b, a], 1), [(3, 4), (3, 2)], False),
    "stack": (lambda a, b: ag.stack([a, b], 1), lambda a, b: torch.stack([a, b], 1), [(3, 4), (3, 4)], False),
    "index_basic": (lambda a: a[1:, ::2] * a[0, ::2], lambda a: a[1:, ::2] * a[0, ::2], [(3, 4)], False),
    "index_repeated": (
        lambda a: a[[0, 0, 2], [1, 1, 3]] ** 2,
        lambda a: a[[0, 0, 2], [1, 1, 3]] ** 2,
        [(3, 4)],
        False,
    ),
    "index_mask": (lambda a: a[a > 0] ** 2, lambda a: a[a > 0] ** 2, [(3, 4)], False),
    "index_none_ellipsis": (lambda a: a[None, ..., 1], lambda a: a[None, ..., 1], [(3, 4)], False),
    "split_chunk": (
        lambda a: a.split(2, 1)[1] * a.chunk(2, 1)[0],
        lambda a: a.split(2, 1)[1] * a.chunk(2, 1)[0],
        [(3, 4)],
        False,
    ),
    "cast": (lambda a: a.float().double() * a, lambda a: a.float().double() * a, [(3,)], False),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_forward_and_gradient_match_torch(name):
    ours_f, torch_f, shapes, positive = CASES[name]
    ours, theirs = _inputs(shapes, positive)
    out, ref = _first(ours_f(*ours)), _first(torch_f(*theirs))
    assert out.shape == tuple(ref.shape)
    np.testing.assert_allclose(out.numpy(), ref.detach().numpy(), rtol=1e-6, atol=1e-6)
    upstream = RNG.standard_normal(ref.shape)
    out.backward(ag.tensor(upstream))
    ref.backward(torch.tensor(upstream))
    for a, b in zip(ours, theirs, strict=True):
        assert a.grad.shape == a.shape and a.grad.dtype == a.dtype
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("name", sorted(CASES))
def test_second_derivatives_match_torch(name):
    ours_f, torch_f, shapes, positive = CASES[name]
    ours, theirs = _inputs(shapes, positive)
    out, ref = _first(ours_f(*ours)), _first(torch_f(*theirs))
    first = ag.grad((out * out).sum(), ours, create_graph=True)
    first_ref = torch.autograd.grad((ref * ref).sum(), theirs, create_graph=True)
    for g, r in zip(first, first_ref, strict=True):
        np.testing.assert_allclose(g.numpy(), r.detach().numpy(), rtol=1e-6, atol=1e-6)
    weights = [RNG.standard_normal(a.shape) for a in ours]
    total = sum((g * ag.tensor(w)).sum() for g, w in zip(first, weights, strict=True))
    total_ref = sum((g * torch.tensor(w)).sum() for g, w in zip(first_ref, weights, strict=True))
    second = ag.grad(total, ours)
    second_ref = torch.autograd.grad(total_ref, theirs, allow_unused=True)
    for g, r in zip(second, second_ref, strict=True):
        expected = np.zeros(g.shape) if r is None else r.numpy()
        np.testing.assert_allclose(g.numpy(), expected, rtol=1e-5, atol=1e-6)


def test_third_derivative_of_tanh_matches_torch():
    x, xt = (
        ag.tensor([0.3, -1.2], dtype=ag.float64, requires_grad=True),
        torch.tensor([0.3, -1.2], dtype=torch.float64, requires_grad=True),
    )
    g = ag.grad(x.tanh().sum(), x, create_graph=True)[0]
    gt = torch.autograd.grad(xt.tanh().sum(), xt, create_graph=True)[0]
    g2 = ag.grad(g.sum(), x, create_graph=True)[0]
    g2t = torch.autograd.grad(gt.sum(), xt, create_graph=True)[0]
    g3, g3t = ag.grad(g2.sum(), x)[0], torch.autograd.grad(g2t.sum(), xt)[0]
    np.testing.assert_allclose(g3.numpy(), g3t.numpy(), rtol=1e-10)


@pytest.mark.parametrize("value", [1e4, -1e4])
def test_softmax_family_is_stable_for_large_inputs(value):
    data = np.array([[value, 0.0, -value], [value, value, 1.0]], np.float32)
    x, xt = ag.tensor(data, requires_grad=True), torch.tensor(data, requires_grad=True)
    for ours, theirs in [
        (x.softmax(1), xt.softmax(1)),
        (x.log_softmax(1), xt.log_softmax(1)),
        (x.logsumexp(1), xt.logsumexp(1)),
    ]:
        assert np.all(np.isfinite(ours.numpy()))
        np.testing.assert_allclose(ours.numpy(), theirs.detach().numpy(), rtol=1e-6)
    x.log_softmax(1)[:, 0].sum().backward()
    xt.log_softmax(1)[:, 0].sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy(), atol=1e-6)


def test_cross_entropy_pattern_with_integer_array_indexing():
    logits = RNG.standard_normal((5, 3)).astype(np.float32)
    labels = np.array([0, 2, 2, 1, 0])
    x, xt = ag.tensor(logits, requires_grad=True), torch.tensor(logits, requires_grad=True)
    loss = -x.log_softmax(1)[ag.arange(5), ag.tensor(labels)].mean()
    ref = F.cross_entropy(xt, torch.tensor(labels))
    loss.backward()
    ref.backward()
    assert loss.item() == pytest.approx(ref.item(), rel=1e-6)
    np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy(), atol=1e-7)


def test_max_with_dim_returns_values_and_indices_like_torch():
    data = np.array([[1.0, 5.0, 5.0], [7.0, 2.0, 7.0]], np.float32)
    values, indices = ag.tensor(data).max(1)
    ref = torch.tensor(data).max(1)
    np.testing.assert_array_equal(values.numpy(), ref.values.numpy())
    np.testing.assert_array_equal(indices.numpy(), ref.indices.numpy())
    assert indices.dtype == ag.int64
    np.testing.assert_array_equal(ag.tensor(data).argmax(1).numpy(), torch.tensor(data).argmax(1).numpy())
    assert ag.tensor(data).argmin().item() == torch.tensor(data).argmin().item()


def test_ties_in_max_share_the_gradient_like_torch():
    data = np.array([3.0, 1.0, 3.0])
    x, xt = ag.tensor(data, requires_grad=True), torch.tensor(data, requires_grad=True)
    x.max().backward()
    xt.max().backward()
    np.testing.assert_array_equal(x.grad.numpy(), xt.grad.numpy())
    y, yt = ag.tensor(data, requires_grad=True), torch.tensor(data, requires_grad=True)
    ag.maximum(y, ag.tensor([3.0, 0.0, 4.0])).sum().backward()
    torch.maximum(yt, torch.tensor([3.0, 0.0, 4.0], dtype=torch.float64)).sum().backward()
    np.testing.assert_array_equal(y.grad.numpy(), yt.grad.numpy())


def test_comparisons_return_bool_tensors_without_grad():
    x = ag.tensor([1.0, 2.0, 3.0], requires_grad=True)
    for result in (x > 2, x >= 2, x < 2, x <= 2, x == 2, x != 2):
        assert result.dtype == ag.bool_ and not result.requires_grad
    np.testing.assert_array_equal((x > 1.5).numpy(), [False, True, True])
    np.testing.assert_array_equal(((x > 1.5) & (x < 2.5)).numpy(), [False, True, False])


def test_broadcasting_error_names_the_op_and_shapes():
    with pytest.raises((RuntimeError, ValueError), match=r"\(2,3\).*\(4,\)|2,3.*4"):
        ag.ones(2, 3) + ag.ones(4)


# ----- review fixes: elu's second derivative, numpy's copy, max/min(dim), clear errors --------------
def test_elu_second_derivative_at_zero_is_zero_as_torch():
    values = [0.0, -1.0, 1.0]
    x = ag.tensor(values, requires_grad=True)
    (g,) = ag.grad(ag.elu(x, 0.5).sum(), x, create_graph=True)
    (g2,) = ag.grad(g.sum(), x)
    tx = torch.tensor(values, requires_grad=True)
    (tg,) = torch.autograd.grad(F.elu(tx, 0.5).sum(), tx, create_graph=True)
    (tg2,) = torch.autograd.grad(tg.sum(), tx)
    np.testing.assert_allclose(g.numpy(), tg.detach().numpy(), rtol=1e-6)
    np.testing.assert_allclose(g2.numpy(), tg2.numpy(), rtol=1e-6)
    assert g2.numpy()[0] == 0.0


def test_numpy_array_of_a_tensor_honours_copy():
    t = ag.tensor([1.0, 2.0])
    copied = np.array(t)
    copied[0] = 9.0
    assert t.tolist() == [1.0, 2.0]
    assert np.asarray(t) is t.numpy()  # no copy asked: the storage itself
    assert np.array(t, copy=False) is t.numpy()
    assert np.array(t, dtype=np.float64).dtype == np.float64
    with pytest.raises(ValueError, match="copy=False"):
        np.array(t, dtype=np.float64, copy=False)


@pytest.mark.parametrize("name", ["max", "min"])
@pytest.mark.parametrize("keepdim", [False, True])
def test_max_min_with_dim_on_a_0d_tensor_as_torch(name, keepdim):
    x = ag.tensor(3.0, requires_grad=True)
    values, indices = getattr(x, name)(0, keepdim=keepdim)
    expected = getattr(torch.tensor(3.0), name)(0, keepdim=keepdim)
    assert values.shape == tuple(expected.values.shape) and values.item() == 3.0
    assert indices.shape == tuple(expected.indices.shape) and indices.item() == 0
    values.backward()
    assert x.grad.item() == 1.0
    with pytest.raises(IndexError, match="Dimension out of range"):
        getattr(x, name)(1)


def test_max_with_several_dims_names_the_problem():
    with pytest.raises(TypeError, match="dim must be an int.*amax"):
        ag.max(ag.ones(2, 2), (0, 1))
    with pytest.raises(TypeError, match="dim must be an int.*amin"):
        ag.ones(2, 2).min((0, 1))


def test_dims_are_validated_on_0d_tensors_and_may_not_repeat_as_torch():
    with pytest.raises(IndexError, match="Dimension out of range"):
        ag.tensor(3.0).sum(7)
    with pytest.raises(IndexError):
        torch.tensor(3.0).sum(7)
    for dims in [(0, 0), (0, -2)]:
        with pytest.raises(RuntimeError, match="dim 0 appears multiple times"):
            ag.ones(2, 2).sum(dims)
        with pytest.raises(RuntimeError, match="appears multiple times"):
            torch.ones(2, 2).sum(dims)


@pytest.mark.parametrize("data", [["a"], "abc"])
def test_tensors_of_non_numbers_are_refused(data):
    with pytest.raises(TypeError, match="tensors hold numbers.*dtype <U"):
        ag.tensor(data)


def test_ragged_lists_are_refused():
    with pytest.raises(TypeError, match="ragged"):
        ag.tensor([[1.0, 2.0], [3.0]])


@pytest.mark.parametrize(
    ("compute", "message"),
    [
        (lambda: ag.ones(2) + "a", "for \\+: 'Tensor' and 'str'"),
        (lambda: ag.ones(2) * None, "for \\*: 'Tensor' and 'NoneType'"),
        (lambda: None * ag.ones(2), "for \\*: 'NoneType' and 'Tensor'"),
        (lambda: ag.ones(2) @ "a", "for @: 'Tensor' and 'str'"),
        (lambda: ag.ones(2).add("a"), "for \\+: 'Tensor' and 'str'"),
        (lambda: ag.ones(2).mul(None), "for \\*: 'Tensor' and 'NoneType'"),
    ],
)
def test_binary_ops_with_non_numbers_leave_the_error_to_python(compute, message):
    with pytest.raises(TypeError, match=message):
        compute()


@pytest.mark.parametrize(
    ("compute", "message"),
    [
        (lambda: ag.ones(2) + 1j, "Add: tensors hold real numbers, got an operand of dtype complex128"),
        (lambda: 2j * ag.ones(2), "Mul: .*dtype complex128"),
        (lambda: ag.ones(2) - np.array([1 + 2j]), "Sub: .*dtype complex128"),
        (lambda: ag.ones(2) / np.array([1.0, 2.0], dtype=object), "Div: .*dtype object"),
        (lambda: ag.ones(2) ** np.array(["a"]), "Pow: .*dtype <U1"),
        (lambda: ag.ones(2) @ np.array([1j, 1j]), "MatMul: .*dtype complex128"),
    ],
)
def test_binary_ops_refuse_operands_that_are_not_real_numbers(compute, message):
    """A complex or object operand would make a complex or object tensor: refused by name, like tensor()."""
    with pytest.raises(TypeError, match=message):
        compute()


def test_a_ragged_list_operand_is_refused_as_tensor_refuses_it():
    with pytest.raises(TypeError, match="ragged"):
        ag.ones(2) + [[1.0], [1.0, 2.0]]


def test_nested_list_operands_become_tensors_with_torchs_dtypes():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    y = x @ [1, 2]
    assert y.dtype == ag.float32 and y.item() == 5.0
    y.backward()
    assert x.grad.tolist() == [1.0, 2.0]
    assert ([0.5, 1] * x).tolist() == [0.5, 2.0]


def test_numpy_errors_inside_ops_name_the_op_and_shapes():
    with pytest.raises(ValueError, match=r"Add: .*shapes \(2,\) \(3,\)"):
        ag.ones(2) + ag.ones(3)
    with pytest.raises(ValueError, match=r"MatMul: shapes \(2, 3\) and \(4, 5\).*first \(3\).*second \(4\)"):
        ag.ones(2, 3) @ ag.ones(4, 5)
    with pytest.raises(ValueError, match=r"MatMul: shapes \(2, 3\) and \(4,\).*only dimension"):
        ag.ones(2, 3) @ ag.ones(4)
    with pytest.raises(ValueError, match=r"MatMul: the batch dimensions of shapes \(2, 2, 3\) and \(3, 3, 5"):
        ag.ones(2, 2, 3) @ ag.ones(3, 3, 5)


def test_chunk_and_split_refuse_a_zero_size():
    with pytest.raises(ValueError, match="chunk: chunks must be a positive int, got 0"):
        ag.ones(3).chunk(0)
    with pytest.raises(ValueError, match="split: split_size must be a positive int, got 0"):
        ag.ones(3).split(0)


def test_cross_entropy_with_float_class_indices_says_what_the_target_must_be():
    from nn import functional as nnf

    with pytest.raises(ValueError, match=r"integer tensor of shape \(4,\) \(use target.long\(\)\).*float"):
        nnf.cross_entropy(ag.ones(4, 3), ag.tensor([0.0, 1.0, 2.0, 0.0]))
    loss = nnf.cross_entropy(ag.ones(4, 3), ag.tensor([0.0, 1.0, 2.0, 0.0]).long())
    np.testing.assert_allclose(loss.item(), np.log(3.0), rtol=1e-6)


@pytest.mark.parametrize("dtype", ["bool", "int8", "uint8", "int16", "int32", "int64"])
def test_integer_and_bool_sums_take_torchs_dtype_without_overflow(dtype: str):
    data = np.array([[100, 100], [100, 1]], dtype=dtype)
    for dim in (None, 0, 1):
        ours, theirs = ag.tensor(data).sum(dim), torch.tensor(data).sum(dim)
        assert str(ours.dtype) == str(theirs.dtype).removeprefix("torch.")
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


@pytest.mark.parametrize("dtype", ["bool", "int8", "uint8", "int16", "int64"])
@pytest.mark.parametrize("name", ["exp", "log", "sqrt", "tanh", "sigmoid"])
def test_float_functions_of_integers_and_bools_are_float32_as_torch(dtype: str, name: str):
    """numpy computes them in float16 for bools and 8-bit integers (exp(200) overflows) and wraps -x around
    for unsigned ones (sigmoid(uint8) was 0): torch's answer is float32."""
    big = 100 if dtype == "int8" else 200
    data = np.array([[1, 2], [big, 0]] if dtype != "bool" else [[True, False]], dtype=dtype)
    ours, theirs = getattr(ag.tensor(data), name)(), getattr(torch.tensor(data), name)()
    assert ours.dtype == ag.float32 and theirs.dtype == torch.float32
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6)
    for dim in (0, -1):
        np.testing.assert_allclose(
            ag.tensor(data).logsumexp(dim).numpy(), torch.tensor(data).logsumexp(dim).numpy(), rtol=1e-6
        )


def _grads(lib: Any, compute: Any, *arrays: Any) -> tuple[Any, list[Any]]:
    """``compute`` on leaves made from ``arrays`` with ``lib``: its values and the leaves' gradients."""
    leaves = [lib.tensor(np.asarray(a, dtype=np.float32), requires_grad=True) for a in arrays]
    out = compute(*leaves)
    out.backward(lib.ones_like(out))
    return out.detach().numpy(), [None if x.grad is None else x.grad.numpy() for x in leaves]


NAN = float("nan")
PARITY = {  # name: (computation, inputs) whose values and gradients must be torch's
    "clamp by crossing tensor bounds (the high one wins)": (
        lambda x, lo, hi: x.clamp(lo, hi),
        (
            [0.0, 1.0, 2.0, 4.0, 2.0, 2.0, NAN, 1.5, 0.5],
            [1, 1, 1, 1, 3, 2, 1, 2, 3],
            [3, 3, 3, 3, 1, 2, 3, 1, 1],
        ),
    ),
    "elu passes the gradient at nan": (
        lambda x: F.elu(x) if isinstance(x, torch.Tensor) else x.elu(),
        ([NAN, -1.0, 0.0, 2.0],),
    ),
    "max() gives the gradient to the nans": (lambda x: x.max(), ([1.0, NAN, 3.0, NAN],)),
    "min() gives the gradient to the nans": (lambda x: x.min(), ([1.0, NAN, 3.0],)),
    "amax(dim) of a row with nan: nan gradients in that row": (
        lambda x: x.amax(1),
        ([[1.0, NAN, 3.0], [1.0, 2.0, 0.0]],),
    ),
    "max(dim) of a row with nan: to its first nan": (lambda x: x.max(1)[0], ([[1.0, NAN, 3.0, NAN]],)),
    "copy_ into a clone: zeros for what it overwrote": (
        lambda x, s: x.clone().copy_(s) * 2,
        ([1.0, 2.0], [3.0]),
    ),
    "fill_ of a clone: zeros for what it overwrote": (lambda x: x.clone().fill_(3.0) * 2, ([1.0, 2.0],)),
    "sum over dim=() is over every dim": (lambda x: x.sum(dim=()), ([[1.0, 2.0], [3.0, 4.0]],)),
    "mean over dim=()": (lambda x: x.mean(dim=()), ([[1.0, 2.0], [3.0, 4.0]],)),
    "amax over dim=()": (lambda x: x.amax(dim=()), ([[1.0, 2.0], [3.0, 4.0]],)),
}


@pytest.mark.parametrize("name", PARITY)
def test_edge_cases_match_torch_in_values_and_gradients(name: str):
    compute, arrays = PARITY[name]
    (ours, our_grads), (theirs, their_grads) = (_grads(lib, compute, *arrays) for lib in (ag, torch))
    np.testing.assert_allclose(ours, theirs, rtol=1e-6, equal_nan=True)
    for mine, torchs in zip(our_grads, their_grads, strict=True):
        assert (mine is None) == (torchs is None)
        if mine is not None:
            np.testing.assert_allclose(mine, torchs, rtol=1e-6, equal_nan=True)


def test_the_exponents_gradient_of_an_integer_base_is_taken_at_the_results_precision():
    base = np.array([2, 3, 5], np.int8)
    grads = []
    for lib in (ag, torch):
        b = lib.tensor([1.5, 2.0, 2.5], requires_grad=True)
        (lib.tensor(base) ** b).sum().backward()
        grads.append(b.grad.numpy())
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-6)


def test_softmax_family_over_an_empty_dim_and_arg_reductions_keep_torchs_shapes():
    for lib in (ag, torch):
        empty = lib.zeros(0, 3)
        assert tuple(empty.softmax(0).shape) == tuple(empty.log_softmax(0).shape) == (0, 3)
        np.testing.assert_array_equal(empty.logsumexp(0).numpy(), [-np.inf] * 3)
        x = lib.tensor([[1.0, 3.0, 2.0]])
        np.testing.assert_allclose([x.var(dim=()).item(), x.std(dim=()).item()], [1.0, 1.0])  # every dim
        assert x.logsumexp(dim=(0, 1)).shape == ()
        assert tuple(x.argmax(keepdim=True).shape) == tuple(x.argmin(1, keepdim=True).shape) == (1, 1)
    zero_d = [ag.tensor([1.0, 3.0]).argmax(), ag.tensor(2.0) == 2.0, ~ag.tensor(True), ag.tensor(2.0).sign()]
    assert all(type(t.numpy()) is np.ndarray for t in zero_d)  # not numpy's scalars


def test_an_integer_tensor_takes_values_in_place_but_never_a_gradient():
    for lib in (ag, torch):
        v = lib.tensor([1.7, 2.2], requires_grad=True)
        t = lib.tensor([0, 0])
        t.copy_(v)
        t[0] = v[1]
        assert not t.requires_grad and t.tolist() == [2, 2]


PROMOTING = {
    "add": lambda lib, a, b: a + b,
    "sub": lambda lib, a, b: a - b,
    "mul": lambda lib, a, b: a * b,
    "div": lambda lib, a, b: a / b,
    "maximum": lambda lib, a, b: lib.maximum(a, b),
    "lt": lambda lib, a, b: a < b,
    "eq": lambda lib, a, b: a == b,
    "cat": lambda lib, a, b: lib.cat([a.reshape(-1), b.reshape(-1)]),
    "where": lambda lib, a, b: lib.where(lib.tensor([True, False]), a, b),
}
KINDS = ["bool", "uint8", "int8", "int64", "float16", "float32", "float64"]


@pytest.mark.parametrize("name", PROMOTING)
@pytest.mark.parametrize("first", KINDS)
def test_two_dtypes_promote_as_torch_with_0d_tensors_counting_less(name: str, first: str):
    """torch's rules, not numpy's: float16 times int64 is float16, int8 plus a 0-d int64 stays int8 (and
    wraps as torch), a 0-d int64 -1 compared with uint8 is 255."""
    values = {"bool": [True, False], "uint8": [1, 250], "int8": [-3, 100]}
    compute = PROMOTING[name]
    for second in KINDS:
        for zero_d in (False, True):
            made = []
            for lib in (ag, torch):
                kind = {"bool": "bool_"} if lib is ag else {}
                a = lib.tensor(values.get(first, [1.5, -2.0]), dtype=getattr(lib, kind.get(first, first)))
                b = lib.tensor(-1 if second != "bool" else True, dtype=getattr(lib, kind.get(second, second)))
                b = b if zero_d else b.expand(2).clone()
                try:
                    made.append(compute(lib, a, b))
                except (RuntimeError, TypeError):  # torch refuses bool subtraction, numpy too
                    made.append(None)
            ours, theirs = made
            if theirs is None:
                continue
            assert str(ours.dtype) == str(theirs.dtype).removeprefix("torch."), (second, zero_d)
            np.testing.assert_allclose(ours.numpy().astype(float), theirs.numpy().astype(float), rtol=1e-3)


def test_clamp_by_tensor_bounds_of_other_dtypes_takes_torchs_result_type():
    for low in ([1.0, 1.0], 1.0):  # a float32 bound with dimensions decides, a 0-d one does not
        made = []
        for lib in (ag, torch):
            x = lib.tensor([0.5, 2.5], dtype=lib.float16)
            clipped = x.clamp(lib.tensor(low), lib.tensor(2, dtype=lib.int64))
            made.append((str(clipped.dtype).removeprefix("torch."), clipped.tolist()))
        assert made[0] == made[1] and made[0][1] == [1.0, 2.0]


def test_a_mixed_product_sends_each_gradient_back_in_its_own_dtype_and_checks_the_original():
    grads = []
    for lib in (ag, torch):
        x = lib.tensor([1.0, 2.0], dtype=lib.float16, requires_grad=True)
        w = lib.tensor(3.0, requires_grad=True)  # 0-d float32: the product stays float16
        y = x * w
        y.sum().backward()
        grads.append((str(y.dtype), str(x.grad.dtype), str(w.grad.dtype), x.grad.tolist(), w.grad.item()))
    assert grads[0] == tuple(g.replace("torch.", "") if isinstance(g, str) else g for g in grads[1])
    w, c = ag.tensor([3.0, 4.0], requires_grad=True), ag.tensor([1.0, 2.0], dtype=ag.float64)
    z = w * c  # saves a float32 copy of c, and c's version: as torch, which saves c itself
    c.mul_(2)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        z.sum().backward()


@pytest.mark.parametrize("number", [True, 2, 0.5])
def test_python_numbers_on_either_side_keep_the_tensors_dtype_as_torch(number: Any):
    for kind in ("float16", "float32", "int64"):
        results = []
        for lib in (ag, torch):
            x = lib.tensor([1, 2], dtype=getattr(lib, kind))
            made = (number * x, x + number)
            results.append([(str(r.dtype).removeprefix("torch."), r.tolist()) for r in made])
        assert results[0] == results[1]


def test_elu_and_leaky_relu_of_integers_are_float32_not_numpys_float16():
    x = ag.tensor([-2, 0, 3], dtype=ag.int8)
    for result in (x.elu(), x.leaky_relu(), ag.tensor([True, False]).elu()):
        assert result.dtype == ag.float32
    np.testing.assert_allclose(x.elu().numpy(), F.elu(torch.tensor([-2.0, 0.0, 3.0])).numpy(), rtol=1e-6)
