"""Property tests for every ``Value`` op: forward and gradients against torch (float64) and
against central differences, second derivatives against torch, and random expression trees."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from oracle import assert_close, second_derivatives, torch_scalar
from torch.nn import functional

import autograd
from autograd import Value
from autograd.testing import gradcheck, gradgradcheck
from autograd.testing.strategies import Expression, expressions, floats_in


@dataclass(frozen=True)
class Op:
    """One Value op: ``ours(*values)``, the same maths in torch (``theirs``, default: the same
    code), the domain of each input for torch comparisons (kinks included, where torch's
    convention must hold) and the smooth domain for central differences."""

    ours: Callable[..., Any]
    domains: tuple[str, ...]
    smooth: tuple[str, ...] | None = None
    theirs: Callable[..., Any] | None = None


def _torch_sum(*xs: Any) -> Any:
    return torch.stack(xs).sum()


OPS: dict[str, Op] = {
    "x + y": Op(lambda x, y: x + y, ("real", "real")),
    "x - y": Op(lambda x, y: x - y, ("real", "real")),
    "x * y": Op(lambda x, y: x * y, ("real", "real")),
    "x / y": Op(lambda x, y: x / y, ("real", "nonzero")),
    # torch's convention d(x**y)/dx = 0 at y == 0 (kept under create_graph) is not smooth in y there
    "x ** y": Op(lambda x, y: x**y, ("positive", "real"), ("positive", "nonzero")),
    "x ** 2": Op(lambda x: x**2, ("real",)),
    "x ** 3": Op(lambda x: x**3, ("real",)),
    "x ** -2": Op(lambda x: x**-2, ("nonzero",)),
    "x ** 0.5": Op(lambda x: x**0.5, ("positive",)),
    "x ** -1.5": Op(lambda x: x**-1.5, ("positive",)),
    "x + 2.5": Op(lambda x: x + 2.5, ("real",)),
    "x - 1": Op(lambda x: x - 1, ("real",)),
    "x * 3": Op(lambda x: x * 3, ("real",)),
    "x / 4": Op(lambda x: x / 4, ("real",)),
    "3 + x": Op(lambda x: 3 + x, ("real",)),
    "3 - x": Op(lambda x: 3 - x, ("real",)),
    "2 * x": Op(lambda x: 2 * x, ("real",)),
    "10 / x": Op(lambda x: 10 / x, ("nonzero",)),
    "2 ** x": Op(lambda x: 2**x, ("real",)),
    "0.5 ** x": Op(lambda x: 0.5**x, ("real",)),
    "-x": Op(lambda x: -x, ("real",)),
    "abs": Op(abs, ("real",), ("nonzero",)),
    "relu": Op(lambda x: x.relu(), ("real",), ("nonzero",)),
    "tanh": Op(lambda x: x.tanh(), ("real",)),
    "sigmoid": Op(lambda x: x.sigmoid(), ("real",)),
    "exp": Op(lambda x: x.exp(), ("real",)),
    "log": Op(lambda x: x.log(), ("positive",)),
    "leaky_relu": Op(lambda x: x.leaky_relu(), ("real",), ("nonzero",), lambda x: functional.leaky_relu(x)),
    "leaky_relu(0.2)": Op(
        lambda x: x.leaky_relu(0.2), ("real",), ("nonzero",), lambda x: functional.leaky_relu(x, 0.2)
    ),
    "elu": Op(lambda x: x.elu(), ("real",), ("nonzero",), lambda x: functional.elu(x)),
    "elu(0.5)": Op(lambda x: x.elu(0.5), ("real",), ("nonzero",), lambda x: functional.elu(x, 0.5)),
    "Value.sum": Op(lambda a, b, c: Value.sum([a, b, c]), ("real",) * 3, theirs=_torch_sum),
    "Value.sum(start)": Op(
        lambda a, b, c: Value.sum([a, b], start=c), ("real",) * 3, theirs=lambda a, b, c: _torch_sum(c, a, b)
    ),
    "Value.sum(consts)": Op(
        lambda a, b: Value.sum([a, 2.0, b, -1]), ("real",) * 2, theirs=lambda a, b: a + b + 1
    ),
    "Value.dot": Op(
        lambda w0, w1, x0, x1, b: Value.dot([w0, w1], [x0, x1], b),
        ("real",) * 5,
        theirs=lambda w0, w1, x0, x1, b: w0 * x0 + w1 * x1 + b,
    ),
    "Value.dot(no bias)": Op(
        lambda w0, w1, x0, x1: Value.dot([w0, w1], [x0, x1]),
        ("real",) * 4,
        theirs=lambda w0, w1, x0, x1: w0 * x0 + w1 * x1,
    ),
    # the fused neuron: torch's relu'(0) = 0 holds at a sum of exactly 0 ("real" draws zeros); torch sums in
    # the dot's order (micrograd's: the bias first), or a sum that rounds to 0 one way and not the other
    # (-1 + 1 + 2e-41) puts the two on different sides of the kink
    "Value.dot(relu)": Op(
        lambda w0, w1, x0, x1, b: Value.dot([w0, w1], [x0, x1], b, "relu"),
        ("real",) * 5,
        ("positive",) * 5,
        theirs=lambda w0, w1, x0, x1, b: torch.relu(b + w0 * x0 + w1 * x1),
    ),
    "Value.dot(relu, dead)": Op(
        lambda w, x, b: Value.dot([w], [x], -b - 30.0, "relu"),
        ("real", "real", "positive"),
        theirs=lambda w, x, b: torch.relu(w * x - b - 30.0),
    ),
    "Value.dot(tanh)": Op(
        lambda w0, w1, x0, x1, b: Value.dot([w0, w1], [x0, x1], b, "tanh"),
        ("real",) * 5,
        theirs=lambda w0, w1, x0, x1, b: torch.tanh(w0 * x0 + w1 * x1 + b),
    ),
    "Value.dot(consts)": Op(
        lambda w0, x0: Value.dot([w0, 3.0], [x0, w0], 0.5),
        ("real",) * 2,
        theirs=lambda w0, x0: w0 * x0 + 3 * w0 + 0.5,
    ),
}


def _inputs(domains: tuple[str, ...]) -> st.SearchStrategy[list[float]]:
    return st.tuples(*(floats_in(d) for d in domains)).map(list)


def _theirs(op: Op) -> Callable[..., Any]:
    return op.theirs or op.ours


@pytest.mark.parametrize("name", OPS)
@given(data=st.data())
def test_forward_and_gradient_match_torch(name: str, data: st.DataObject):
    op = OPS[name]
    xs = data.draw(_inputs(op.domains), label="inputs")
    ours = [Value(x) for x in xs]
    theirs = [torch_scalar(x) for x in xs]
    out, expected = op.ours(*ours), _theirs(op)(*theirs)
    assert_close(out, expected, f"{name}: forward at {xs}")
    upstream = data.draw(floats_in("nonzero"), label="upstream")
    out.backward(upstream)
    expected.backward(torch.tensor(upstream, dtype=torch.float64))
    for i, (a, b) in enumerate(zip(ours, theirs, strict=True)):
        assert_close(a.grad, b.grad, f"{name}: gradient of input {i} at {xs}")


@pytest.mark.parametrize("name", OPS)
@given(data=st.data())
def test_gradients_match_central_differences(name: str, data: st.DataObject):
    op = OPS[name]
    xs = data.draw(_inputs(op.smooth or op.domains), label="inputs")
    assert gradcheck(op.ours, [Value(x) for x in xs])
    assert gradgradcheck(op.ours, [Value(x) for x in xs], atol=1e-4)


@pytest.mark.parametrize("name", OPS)
@given(data=st.data())
def test_second_derivatives_match_torch(name: str, data: st.DataObject):
    op = OPS[name]
    xs = data.draw(_inputs(op.domains), label="inputs")
    weights = data.draw(st.lists(floats_in("nonzero"), min_size=len(xs), max_size=len(xs)), label="weights")
    ours = [Value(x) for x in xs]
    theirs = [torch_scalar(x) for x in xs]
    found = second_derivatives(op.ours(*ours), ours, autograd.grad, weights)
    expected = second_derivatives(_theirs(op)(*theirs), theirs, torch.autograd.grad, weights)
    for i, (a, b) in enumerate(zip(found, expected, strict=True)):
        assert_close(a, b, f"{name}: second derivative towards input {i} at {xs}")


@given(expressions())
def test_random_expression_trees_match_torch(expression: Expression):
    out, leaves = expression.value()
    expected, torch_leaves = expression.torch()
    assert_close(out, expected, f"forward of {expression}", rtol=1e-9)
    out.backward()
    expected.backward()
    for i, (a, b) in enumerate(zip(leaves, torch_leaves, strict=True)):
        assert_close(a.grad, b.grad, f"gradient of x{i} in {expression}", rtol=1e-7, atol=1e-9)


@given(expressions(max_nodes=6), st.lists(floats_in("nonzero"), min_size=3, max_size=3))
def test_random_expression_trees_second_derivatives_match_torch(expression: Expression, weights: list[float]):
    out, leaves = expression.value()
    expected, torch_leaves = expression.torch()
    w = weights[: len(leaves)]
    found = second_derivatives(out, leaves, autograd.grad, w)
    hessian_vector = second_derivatives(expected, torch_leaves, torch.autograd.grad, w)
    for i, (a, b) in enumerate(zip(found, hessian_vector, strict=True)):
        assert_close(a, b, f"second derivative towards x{i} in {expression}", rtol=1e-7, atol=1e-9)


@given(expressions(max_nodes=6, domain="nonzero"))
def test_random_expression_trees_match_central_differences(expression: Expression):
    def rebuild(*xs: Value) -> Value:
        return expression.value(xs)[0]

    assert gradcheck(rebuild, expression.value()[1], rtol=1e-4, atol=1e-6)


def test_elu_passes_the_gradient_at_nan_and_has_torchs_second_derivative_at_zero():
    x, t = Value(float("nan")), torch.tensor(float("nan"), dtype=torch.float64, requires_grad=True)
    x.elu().backward()
    functional.elu(t).backward()
    assert x.grad == t.grad.item() == 1.0
    x, t = Value(0.0), torch.tensor(0.0, dtype=torch.float64, requires_grad=True)
    (first,) = autograd.grad(x.elu(0.01) * x.elu(0.01), [x], create_graph=True)
    (theirs,) = torch.autograd.grad(functional.elu(t, 0.01) ** 2, t, create_graph=True)
    assert_close(autograd.grad(first, [x])[0], torch.autograd.grad(theirs, t)[0], "d2/dx2 elu(x)^2 at 0")
