"""The perceptron chapter: Rosenblatt's rule, logic gates, XOR."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd
from nn import functional as F  # noqa: N812
from nn.data import make_blobs
from nn.gates import AND, NAND, OR, XOR, Gate, truth_table
from nn.perceptron import Perceptron, unit_step

XOR_X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
XOR_Y = np.array([-1, 1, 1, -1])


def test_gate_truth_tables():
    assert truth_table(AND) == {(0, 0): 0, (0, 1): 0, (1, 0): 0, (1, 1): 1}
    assert truth_table(OR) == {(0, 0): 0, (0, 1): 1, (1, 0): 1, (1, 1): 1}
    assert truth_table(NAND) == {(0, 0): 1, (0, 1): 1, (1, 0): 1, (1, 1): 0}
    assert truth_table(XOR) == {(0, 0): 0, (0, 1): 1, (1, 0): 1, (1, 1): 0}


def test_gates_accept_arrays():
    a, b = np.array([0, 0, 1, 1]), np.array([0, 1, 0, 1])
    np.testing.assert_array_equal(XOR(a, b), [0, 1, 1, 0])
    np.testing.assert_array_equal(NAND(a, b), [1, 1, 1, 0])


def test_gates_perceptron_and_step_share_one_threshold_rule():
    """One convention everywhere: a unit fires at net input 0 (Heaviside with H(0) = 1)."""
    net = np.array([-0.5, 0.0, 0.5])
    np.testing.assert_array_equal(unit_step(net), [-1, 1, 1])
    np.testing.assert_array_equal(unit_step(net, low=0), [0, 1, 1])
    np.testing.assert_array_equal(F.step(autograd.tensor(net)).numpy(), unit_step(net, low=0))
    on_the_line = Gate("EDGE", 1.0, 1.0, -1.0)  # net input exactly 0 at (1, 0) and (0, 1)
    assert truth_table(on_the_line) == {(0, 0): 0, (0, 1): 1, (1, 0): 1, (1, 1): 1}


def test_perceptron_starts_at_zero_and_learns_and():
    X = XOR_X
    y = np.array([-1, -1, -1, 1])
    p = Perceptron(rate=0.1, n_iter=20).fit(X, y)
    assert p.weights_.shape == (3,)
    assert p.errors_[-1] == 0
    np.testing.assert_array_equal(p.predict(X), y)
    # the first sample is predicted +1 by zero weights (step(0) = +1), so the first epoch has errors
    assert p.errors_[0] > 0


def test_first_update_follows_the_rule():
    p = Perceptron(rate=0.5, n_iter=1).fit(np.array([[2.0, -1.0]]), np.array([-1]))
    # zero weights predict +1, target -1: delta = 0.5 * (-1 - 1) = -1
    np.testing.assert_allclose(p.weights_, [-1.0, -2.0, 1.0])
    assert p.errors_ == [1]


@given(st.integers(0, 2**16))
def test_perceptron_converges_on_separable_data(seed):
    X, labels = make_blobs(60, centers=[[-3.0, -3.0], [3.0, 3.0]], cluster_std=0.5, seed=seed)
    y = np.where(labels == 1, 1, -1)
    p = Perceptron(rate=0.01, n_iter=50, seed=seed).fit(X, y)
    assert p.errors_[-1] == 0
    np.testing.assert_array_equal(p.predict(X), y)


@pytest.mark.parametrize("seed", [None, 0, 1, 2])
def test_perceptron_never_learns_xor(seed):
    p = Perceptron(rate=0.1, n_iter=200, seed=seed).fit(XOR_X, XOR_Y)
    assert min(p.errors_) > 0
    assert (p.predict(XOR_X) != XOR_Y).any()


def test_net_input_and_predict_shapes():
    p = Perceptron().fit(XOR_X, np.array([-1, -1, -1, 1]))
    assert p.net_input(XOR_X).shape == (4,)
    assert p.predict(XOR_X[0]).shape == ()


def test_perceptron_bad_input():
    with pytest.raises(ValueError, match="labels must be -1 or \\+1"):
        Perceptron().fit(XOR_X, np.array([0, 1, 1, 0]))
    with pytest.raises(ValueError, match="shape"):
        Perceptron().fit(XOR_X, np.array([1, -1]))
    with pytest.raises(ValueError, match="rate"):
        Perceptron(rate=0)
    with pytest.raises(RuntimeError, match="fit"):
        Perceptron().predict(XOR_X)
    with pytest.raises(ValueError, match="features"):
        Perceptron().fit(XOR_X, XOR_Y).predict(np.ones((2, 3)))
