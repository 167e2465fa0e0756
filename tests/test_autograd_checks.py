"""Gradients set or returned by user code must fit their tensor, as torch checks (issue 19: a Function's
wrong-shaped gradient was summed silently, a hook's wrong shape reached numpy, ``x.grad = `` took any
shape and an optimiser then broadcast it)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch

import autograd


def _function(lib: Any, grad_shape: tuple[int, ...]) -> Any:
    base = torch.autograd.Function if lib is torch else autograd.Function

    class Twice(base):
        @staticmethod
        def forward(ctx: Any, x: Any) -> Any:
            return x * 2

        @staticmethod
        def backward(ctx: Any, g: Any) -> Any:
            return lib.ones(grad_shape)

    return Twice


def _outcome(lib: Any, run: Any) -> tuple[str, Any]:
    try:
        return "ok", np.asarray(run()).tolist()
    except Exception as error:  # the type and message are the outcome
        return type(error).__name__, str(error)


@pytest.mark.parametrize("grad_shape", [(2,), (3, 2), (1, 2), (3,), (2, 2, 1), (1,), ()])
def test_a_functions_gradient_must_fit_its_input_as_torch(grad_shape):
    def run(lib: Any) -> Any:
        x = lib.ones(2, requires_grad=True)
        _function(lib, grad_shape).apply(x).sum().backward()
        return x.grad.detach().numpy() if lib is torch else x.grad.numpy()

    ours, theirs = _outcome(autograd, lambda: run(autograd)), _outcome(torch, lambda: run(torch))
    assert ours[0] == theirs[0]
    if theirs[0] == "ok":  # a broadcast input's gradient is summed down, in both
        assert ours[1] == theirs[1]
    else:
        assert "TwiceBackward" in ours[1] and f"got {list(grad_shape)}" in ours[1] and "[2]" in ours[1]


@pytest.mark.parametrize(
    ("replacement", "message"),
    [
        (lambda lib, g: lib.ones(3), "changed the size of value"),
        (lambda lib, g: lib.ones(()), "changed the size of value"),
        (lambda lib, g: g.double(), "changed the type of value"),
    ],
)
@pytest.mark.parametrize("leaf", [True, False])
def test_a_hook_may_not_change_a_gradients_shape_or_dtype(replacement, message, leaf):
    for lib in (autograd, torch):
        x = lib.ones(2, requires_grad=True)
        hooked = x if leaf else x * 1
        hooked.register_hook(lambda g, lib=lib: replacement(lib, g))
        with pytest.raises(RuntimeError, match=message):
            (hooked * 2).sum().backward()


def test_a_hook_returning_a_non_tensor_is_named():
    x = autograd.ones(2, requires_grad=True)
    x.register_hook(lambda g: [1.0, 2.0])
    with pytest.raises(TypeError, match="returned list"):
        (x * 2).sum().backward()


@pytest.mark.parametrize(
    ("value", "error", "message"),
    [
        (lambda lib: lib.tensor([1.0, 2.0, 3.0]), RuntimeError, "of size"),
        (lambda lib: lib.ones(2, 1), RuntimeError, "of size"),
        (lambda lib: lib.ones(2, dtype=lib.float64), RuntimeError, "with dtype"),
        (lambda lib: [1.0, 2.0], TypeError, "expected to be a Tensor"),
    ],
)
def test_setting_grad_by_hand_must_fit_as_torch(value, error, message):
    for lib in (autograd, torch):
        w = lib.zeros(2, requires_grad=True)
        with pytest.raises(error, match=message):
            w.grad = value(lib)
        assert w.grad is None


def test_a_fitting_grad_set_by_hand_is_used_by_an_optimiser():
    import nn

    w = autograd.zeros(2, requires_grad=True)
    w.grad = autograd.tensor([1.0, 2.0])
    nn.optim.SGD([w], lr=0.5).step()
    np.testing.assert_array_equal(w.detach().numpy(), [-0.5, -1.0])
    w.grad = None
    assert w.grad is None


def _nn(lib: Any) -> Any:
    import nn

    return torch.nn if lib is torch else nn


@pytest.mark.parametrize(
    "mixed",
    [
        lambda lib: lib.ones(2, 3, dtype=lib.float64) @ lib.ones(3, 4),
        lambda lib: lib.matmul(lib.ones(3), lib.ones(3, dtype=lib.float64)),
        lambda lib: lib.ones(2, 3) @ lib.ones(3, dtype=lib.int64),
        lambda lib: (torch.nn if lib is torch else __import__("nn")).Linear(3, 4)(
            lib.ones(2, 3, dtype=lib.float64)
        ),
    ],
)
def test_matrix_products_of_two_dtypes_are_refused_as_torch(mixed):
    """A float32 layer on float64 data silently gave float64 (issue 19 item 7); torch refuses."""
    for lib in (autograd, torch):
        with pytest.raises(RuntimeError, match="same dtype"):
            mixed(lib)
