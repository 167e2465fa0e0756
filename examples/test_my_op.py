"""Tests for ``my_op.softplus``: a template to copy for your own op. Run: pytest examples/test_my_op.py

Each property is checked on many random tensors that hypothesis draws (shapes from scalars to 3-D, some of
them non-contiguous views), inside the domain given to the strategy; when one fails, hypothesis shrinks it
to a small failing example.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from my_op import softplus

import autograd
from autograd.testing import gradcheck, gradgradcheck
from autograd.testing.strategies import arrays_in, shapes, tensors


@settings(deadline=None)  # gradcheck runs f twice per element: big draws take a while
@given(tensors(domain="real", bound=20.0))
def test_gradient_matches_central_differences(x):
    # backward's gradient vs (f(x + eps) - f(x - eps)) / 2 eps, entry by entry, in float64
    assert gradcheck(softplus, [x])


@settings(deadline=None)
@given(tensors(domain="real", bound=5.0))
def test_second_derivative_matches_central_differences(x):
    # backward written with tensor ops is differentiable again (create_graph=True)
    assert gradgradcheck(softplus, [x])


@given(arrays_in(shapes(), domain="real", bound=50.0))
def test_values_match_a_reference(a):
    # the textbook formula, computed independently of the op's own (e^50 is far from overflowing)
    np.testing.assert_allclose(softplus(autograd.from_numpy(a)).numpy(), np.log1p(np.exp(a)), rtol=1e-12)


@given(tensors(domain="real", bound=30.0))
def test_derivative_is_sigmoid(x):
    softplus(x).sum().backward()
    a = x.detach().numpy()
    np.testing.assert_allclose(x.grad.numpy(), 1.0 / (1.0 + np.exp(-a)), rtol=1e-12)


def test_large_inputs_do_not_overflow():
    x = autograd.tensor([-1e4, 0.0, 1e4], requires_grad=True)
    y = softplus(x)
    y.sum().backward()
    np.testing.assert_allclose(y.numpy(), [0.0, np.log(2.0), 1e4])
    np.testing.assert_allclose(x.grad.numpy(), [0.0, 0.5, 1.0])
