"""PyTorch's "Learning PyTorch with Examples": fit sin(x) with a cubic, in its five forms.

Each program is written once as a function of ``lib`` (torch, or tracegrad's ``autograd`` with ``nn``), runs
in both with torch's initial weights copied into ours, and the loss trajectory and final weights must agree:
to float64 tightness in float64, and within a loose, reported bound in float32.
"""

from __future__ import annotations

import math
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest
import torch

import autograd
import nn

TORCH = SimpleNamespace(
    name="torch", t=torch, nn=torch.nn, optim=torch.optim, Function=torch.autograd.Function
)
OURS = SimpleNamespace(name="ours", t=autograd, nn=nn, optim=nn.optim, Function=autograd.Function)
STEPS = 200


def _x_y(lib: Any, dtype: Any) -> tuple[Any, Any]:
    """The tutorial's data: 2000 points of sin on [-pi, pi]."""
    x = lib.t.linspace(-math.pi, math.pi, 2000, dtype=dtype)
    return x, lib.t.sin(x)


def _numpy(x: Any) -> np.ndarray:
    """A tensor of either library as a numpy array."""
    return np.asarray(x.detach().numpy() if isinstance(x, torch.Tensor) else x.numpy())


def autograd_form(lib: Any, dtype: Any, init: list[float]) -> tuple[list[float], list[Any]]:
    """Form (a): tensors and autograd, four scalar weights updated by hand under no_grad."""
    x, y = _x_y(lib, dtype)
    a, b, c, d = (lib.t.tensor(v, dtype=dtype, requires_grad=True) for v in init)
    learning_rate, losses = 1e-6, []
    for _ in range(STEPS):
        y_pred = a + b * x + c * x**2 + d * x**3
        loss = (y_pred - y).pow(2).sum()
        losses.append(loss.item())
        loss.backward()
        with lib.t.no_grad():
            a -= learning_rate * a.grad
            b -= learning_rate * b.grad
            c -= learning_rate * c.grad
            d -= learning_rate * d.grad
            a.grad = None
            b.grad = None
            c.grad = None
            d.grad = None
    return losses, [a, b, c, d]


def _sequential(lib: Any, dtype: Any, state: dict[str, np.ndarray]) -> tuple[Any, Any, Any]:
    """Forms (b) and (c): ``nn.Sequential(nn.Linear(3, 1), nn.Flatten(0, 1))`` on x, x^2, x^3."""
    x, y = _x_y(lib, dtype)
    p = lib.t.tensor([1, 2, 3])
    xx = x.unsqueeze(-1).pow(p)
    model = lib.nn.Sequential(lib.nn.Linear(3, 1), lib.nn.Flatten(0, 1)).to(dtype)
    model.load_state_dict({k: lib.t.tensor(v, dtype=dtype) for k, v in state.items()})
    return xx, y, model


def nn_form(lib: Any, dtype: Any, state: dict[str, np.ndarray]) -> tuple[list[float], list[Any]]:
    """Form (b): the nn package with MSELoss(reduction='sum') and SGD by hand over model.parameters()."""
    xx, y, model = _sequential(lib, dtype, state)
    loss_fn = lib.nn.MSELoss(reduction="sum")
    learning_rate, losses = 1e-6, []
    for _ in range(STEPS):
        loss = loss_fn(model(xx), y)
        losses.append(loss.item())
        model.zero_grad()
        loss.backward()
        with lib.t.no_grad():
            for param in model.parameters():
                param -= learning_rate * param.grad
    return losses, list(model.parameters())


def optim_form(lib: Any, dtype: Any, state: dict[str, np.ndarray]) -> tuple[list[float], list[Any]]:
    """Form (c): the same model trained by ``optim.RMSprop(model.parameters(), lr=1e-3)``."""
    xx, y, model = _sequential(lib, dtype, state)
    loss_fn = lib.nn.MSELoss(reduction="sum")
    optimizer = lib.optim.RMSprop(model.parameters(), lr=1e-3)
    losses = []
    for _ in range(STEPS):
        loss = loss_fn(model(xx), y)
        losses.append(loss.item())
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return losses, list(model.parameters())


def module_form(lib: Any, dtype: Any, init: list[float]) -> tuple[list[float], list[Any]]:
    """Form (d): a custom nn.Module with four scalar nn.Parameters and a ``string()`` method, SGD."""

    class Polynomial3(lib.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.a = lib.nn.Parameter(lib.t.randn((), dtype=dtype))
            self.b = lib.nn.Parameter(lib.t.randn((), dtype=dtype))
            self.c = lib.nn.Parameter(lib.t.randn((), dtype=dtype))
            self.d = lib.nn.Parameter(lib.t.randn((), dtype=dtype))

        def forward(self, x: Any) -> Any:
            return self.a + self.b * x + self.c * x**2 + self.d * x**3

        def string(self) -> str:
            return f"y = {self.a.item()} + {self.b.item()} x + {self.c.item()} x^2 + {self.d.item()} x^3"

    x, y = _x_y(lib, dtype)
    model = Polynomial3()
    with lib.t.no_grad():
        for param, value in zip(model.parameters(), init, strict=True):
            param.fill_(value)
    criterion = lib.nn.MSELoss(reduction="sum")
    optimizer = lib.optim.SGD(model.parameters(), lr=1e-6)
    losses = []
    for _ in range(STEPS):
        loss = criterion(model(x), y)
        losses.append(loss.item())
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    assert model.string().startswith("y = ")
    return losses, list(model.parameters())


def function_form(lib: Any, dtype: Any, init: list[float]) -> tuple[list[float], list[Any]]:
    """Form (e): a custom autograd.Function, the Legendre polynomial P3 with ctx.save_for_backward."""

    class LegendrePolynomial3(lib.Function):
        @staticmethod
        def forward(ctx: Any, input: Any) -> Any:
            ctx.save_for_backward(input)
            return 0.5 * (5 * input**3 - 3 * input)

        @staticmethod
        def backward(ctx: Any, grad_output: Any) -> Any:
            (input,) = ctx.saved_tensors
            return grad_output * 1.5 * (5 * input**2 - 1)

    x, y = _x_y(lib, dtype)
    a, b, c, d = (lib.t.full((), v, dtype=dtype, requires_grad=True) for v in init)
    learning_rate, losses = 5e-6, []
    for _ in range(STEPS):
        P3 = LegendrePolynomial3.apply
        y_pred = a + b * P3(c + d * x)
        loss = (y_pred - y).pow(2).sum()
        losses.append(loss.item())
        loss.backward()
        with lib.t.no_grad():
            for w in (a, b, c, d):
                w -= learning_rate * w.grad
                w.grad = None
    return losses, [a, b, c, d]


def _scalar_init() -> list[float]:
    """Torch's four randn(()) initial weights (the tutorial draws them; we copy them)."""
    torch.manual_seed(0)
    return [torch.randn((), dtype=torch.float64).item() for _ in range(4)]


def _linear_init() -> dict[str, np.ndarray]:
    """Torch's nn.Linear(3, 1) initial state, copied into ours."""
    torch.manual_seed(0)
    return {f"0.{k}": v.numpy() for k, v in torch.nn.Linear(3, 1).double().state_dict().items()}


def _init(form: Any) -> Any:
    """The initial values a form takes (Function's (e) starts from the tutorial's 0, -1, 0, 0.3)."""
    if form is function_form:
        return [0.0, -1.0, 0.0, 0.3]
    return _linear_init() if form in (nn_form, optim_form) else _scalar_init()


FORMS = [autograd_form, nn_form, optim_form, module_form, function_form]


def _compare(form: Any, dtype_name: str, rtol: float) -> float:
    """Runs a form in both libraries; returns the largest relative difference over losses and weights."""
    init = _init(form)
    theirs = form(TORCH, getattr(torch, dtype_name), init)
    ours = form(OURS, getattr(autograd, dtype_name), init)
    assert len(ours[0]) == len(theirs[0]) == STEPS
    np.testing.assert_allclose(ours[0], theirs[0], rtol=rtol, err_msg=f"{form.__name__} loss trajectory")
    assert theirs[0][-1] < theirs[0][0]  # the program trains
    worst = float(np.max(np.abs(np.subtract(ours[0], theirs[0])) / np.abs(theirs[0])))
    for w_ours, w_theirs in zip(ours[1], theirs[1], strict=True):
        assert str(w_ours.dtype) == str(w_theirs.dtype).removeprefix("torch.")
        np.testing.assert_allclose(
            _numpy(w_ours), _numpy(w_theirs), rtol=rtol, atol=rtol, err_msg=form.__name__
        )
        diff = np.abs(_numpy(w_ours) - _numpy(w_theirs)) / np.maximum(np.abs(_numpy(w_theirs)), 1e-3)
        worst = max(worst, float(np.max(diff)))
    return worst


@pytest.mark.parametrize("form", FORMS, ids=lambda f: f.__name__)
def test_float64_matches_torch(form: Any) -> None:
    """In float64 the two runs agree to rounding: the same program, the same arithmetic."""
    _compare(form, "float64", rtol=1e-9)


@pytest.mark.parametrize("form", FORMS, ids=lambda f: f.__name__)
def test_float32_close_to_torch(form: Any, capsys: pytest.CaptureFixture[str]) -> None:
    """In float32 summation order differs (numpy vs torch kernels): agree loosely, report how far."""
    worst = _compare(form, "float32", rtol=1e-3)
    with capsys.disabled():
        print(f"\n{form.__name__} float32: largest relative difference {worst:.2e}")
