"""Activation modules (torch.nn's names) over ``nn.functional``; ``Step`` is the perceptron's unit step."""

from __future__ import annotations

from autograd import Tensor

from . import functional as F  # noqa: N812 - torch's alias
from .module import Module


class Sigmoid(Module):
    """1 / (1 + e^-x): the binary-classification output (probability of class 1)."""

    def forward(self, x: Tensor) -> Tensor:
        return F.sigmoid(x)


class Tanh(Module):
    """tanh(x): zero-centred, saturates like the sigmoid."""

    def forward(self, x: Tensor) -> Tensor:
        return F.tanh(x)


class ReLU(Module):
    """max(0, x): the default hidden activation; ``fit`` reports the fraction of dead units."""

    def forward(self, x: Tensor) -> Tensor:
        return F.relu(x)


class LeakyReLU(Module):
    """x if x > 0 else ``negative_slope * x`` (0.01 by default)."""

    def __init__(self, negative_slope: float = 0.01) -> None:
        super().__init__()
        self.negative_slope = negative_slope

    def forward(self, x: Tensor) -> Tensor:
        return F.leaky_relu(x, self.negative_slope)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}"


class ELU(Module):
    """x if x > 0 else alpha (e^x - 1) (alpha 1.0 by default)."""

    def __init__(self, alpha: float = 1.0) -> None:
        super().__init__()
        self.alpha = alpha

    def forward(self, x: Tensor) -> Tensor:
        return F.elu(x, self.alpha)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}"


class _AlongDim(Module):
    """An activation that normalises along one dimension."""

    def __init__(self, dim: int) -> None:
        super().__init__()
        self.dim = dim

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class Softmax(_AlongDim):
    """Probabilities along ``dim`` (one output node per class), overflow-free."""

    def forward(self, x: Tensor) -> Tensor:
        return F.softmax(x, self.dim)


class LogSoftmax(_AlongDim):
    """Log-probabilities along ``dim``."""

    def forward(self, x: Tensor) -> Tensor:
        return F.log_softmax(x, self.dim)


class Step(Module):
    """The perceptron's unit step (1 where x >= 0, else 0). Its output is a constant: no gradient flows
    through it, which is why networks trained by backprop use smooth activations instead."""

    def forward(self, x: Tensor) -> Tensor:
        return F.step(x)


__all__ = ["ELU", "LeakyReLU", "LogSoftmax", "ReLU", "Sigmoid", "Softmax", "Step", "Tanh"]
