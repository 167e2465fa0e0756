"""``autograd.testing`` itself: gradcheck passes right gradients and names the input and position of
wrong ones; the strategies stay inside their domains and layouts."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd
from autograd import Value
from autograd.testing import gradcheck, gradgradcheck
from autograd.testing.strategies import (
    LAYOUTS,
    arrays_in,
    broadcastable_shapes,
    expressions,
    floats_in,
    relayout,
    resolve_domain,
    shapes,
    tensors,
    values,
)


class Square(autograd.Function):
    """x**2 with a chosen backward, to plant bugs gradcheck must find."""

    mistake = "none"

    @staticmethod
    def forward(ctx: Any, x: Any) -> Any:
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx: Any, grad: Any) -> Any:
        (x,) = ctx.saved_tensors
        if Square.mistake == "ignores upstream":
            return 2 * x
        if Square.mistake == "constant local derivative":  # right first derivative, no graph for the second
            return grad * autograd.tensor(2 * x.detach().numpy())
        if Square.mistake == "wrong entry":
            local = 2 * x.detach().numpy()
            local.flat[-1] += 1.0
            return grad * autograd.tensor(local)
        return grad * 2 * x


@pytest.fixture
def square():
    yield Square
    Square.mistake = "none"


def _matrix() -> Any:
    return autograd.tensor(np.arange(6.0).reshape(2, 3) / 7 - 0.3, requires_grad=True)


def test_gradcheck_passes_right_gradients_of_values_and_tensors(square):
    assert gradcheck(lambda a, b: ((a * b).tanh(), a.exp() / (b * b + 1.0)), [Value(0.3), Value(-1.2)])
    assert gradcheck(lambda x, y: (x @ y.T).softmax(1), [_matrix(), _matrix()])
    assert gradcheck(square.apply, _matrix())
    assert gradgradcheck(square.apply, _matrix())
    assert gradgradcheck(lambda x: (x * x).sum(dim=0).log(), _matrix())


def test_gradcheck_names_the_input_and_shows_both_gradients():
    with pytest.raises(AssertionError, match=r"input 1 \(Value\).*analytic .* vs numeric") as info:
        gradcheck(lambda a, b: a + b * Value(b.data), [Value(0.5), Value(2.0)])  # d/db: 2b, backward says b
    assert "analytic:" in str(info.value) and "numeric:" in str(info.value)


def test_gradcheck_names_the_wrong_position_in_a_tensor(square):
    square.mistake = "wrong entry"
    constant = autograd.tensor(np.ones((2, 3)))
    with pytest.raises(
        AssertionError, match=r"input 1 \(Tensor of shape \(2, 3\)\) is wrong at position \(1, 2\)"
    ):
        gradcheck(lambda c, x: c * square.apply(x), [constant, _matrix()])


def test_gradcheck_catches_a_backward_that_ignores_the_upstream_gradient(square):
    square.mistake = "ignores upstream"
    with pytest.raises(AssertionError, match="input 0"):
        gradcheck(lambda x: square.apply(x).sum(), _matrix())  # even for a scalar output


def test_gradgradcheck_catches_a_backward_without_a_graph(square):
    square.mistake = "constant local derivative"
    assert gradcheck(square.apply, _matrix())
    with pytest.raises(AssertionError, match="gradgradcheck: gradient of input 0"):
        gradgradcheck(square.apply, _matrix())


def test_gradcheck_differences_outputs_before_projecting_them():
    """x ** -5 with x from 0.1 to 4.9: outputs of 1e5 beside 1e-4. Summing v . f before differencing
    rounded the large terms and swamped a small entry's change (found by the soak run: 0.0024024 against
    0.0024156); differencing the outputs first cancels what a step leaves unchanged exactly."""
    x = np.array(
        [
            [0.10574828171673974, 1.3007533654181285],
            [0.10033785420277926, 2.550132178841619],
            [4.900386730573172, 1.3003391948927803],
            [0.10087444120144248, 0.10520385301731405],
        ]
    )
    inputs = [autograd.from_numpy(x).requires_grad_(), autograd.tensor(-5.0, dtype=autograd.float64)]
    assert gradcheck(lambda a, b: a**b, inputs)


def test_gradcheck_checks_float32_tensors_in_float64():
    x = autograd.tensor(np.linspace(-1, 1, 5, dtype=np.float32), requires_grad=True)
    assert gradcheck(lambda t: t.tanh() * 3.0, x)
    assert x.dtype == np.float32 and x.grad is None  # the user's tensor is left alone


def test_gradcheck_skips_tensors_that_need_no_grad_and_rejects_nothing_to_check():
    constant = autograd.tensor(np.ones(3))
    assert gradcheck(lambda c, x: c * x, [constant, autograd.tensor(np.ones(3), requires_grad=True)])
    with pytest.raises(ValueError, match="no input is differentiable"):
        gradcheck(lambda c: c * 2.0, constant)
    with pytest.raises(TypeError, match="output 0 of fn is a float"):
        gradcheck(lambda v: v.data, Value(1.0))


def test_gradcheck_unused_inputs_have_zero_gradient():
    assert gradcheck(lambda a, b: a * 3.0, [Value(1.0), Value(2.0)])


# ----- strategies --------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["real", "positive", "negative", "nonzero", "unit-interval", (2.0, 3.0)])
@given(data=st.data())
def test_floats_and_values_stay_in_their_domain(name: Any, data: st.DataObject):
    d = resolve_domain(name, bound=5.0, margin=0.1)
    x = data.draw(floats_in(name))
    v = data.draw(values(name))
    for y in (x, v.data):
        assert d.lo <= y <= d.hi
        assert abs(y) >= d.gap


def test_unknown_domain_is_an_error_listing_the_known_ones():
    with pytest.raises(ValueError, match="unknown domain 'complex'.*positive"):
        resolve_domain("complex")


@given(arrays_in(shapes(), "positive", unique=True, layout=None))
def test_unique_arrays_are_well_separated_and_in_domain(array: np.ndarray):
    flat = np.sort(array.ravel())
    assert np.all(flat >= 0.1) and np.all(flat <= 5.0)
    assert np.all(np.diff(flat) > 1e-5)


@pytest.mark.parametrize("layout", LAYOUTS)
@given(array=arrays_in(shapes(min_dims=2), layout="contiguous"))
def test_relayout_keeps_values_and_breaks_contiguity(layout: str, array: np.ndarray):
    moved = relayout(array, layout)
    np.testing.assert_array_equal(moved, array)
    if (
        layout != "contiguous"
        and array.size > 1
        and sum(s > 1 for s in array.shape) >= (layout == "transposed") + 1
    ):
        assert not moved.flags.c_contiguous


@given(tensors(shapes(min_dims=1), "nonzero"))
def test_tensors_are_float64_leaves_that_require_grad(t: Any):
    assert t.dtype == np.float64 and t.requires_grad and t.is_leaf
    assert np.all(np.abs(t.numpy()) >= 0.1)


@given(broadcastable_shapes(3))
def test_broadcastable_shapes_broadcast(shape_list: tuple[tuple[int, ...], ...]):
    np.broadcast_shapes(*shape_list)


@given(expressions())
def test_expressions_are_finite_and_print_their_formula(expression: Any):
    out, leaves = expression.value()
    assert math.isfinite(out.data)
    assert len(leaves) == len(expression.leaves)
    assert "x0" in repr(expression)
