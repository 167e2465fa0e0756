"""``SGD``: stochastic gradient descent with torch.optim.SGD's exact update.

With g = grad + weight_decay * p (-grad under ``maximize``):
    b <- g (first step), then b <- momentum * b + (1 - dampening) * g
    d = g + momentum * b (Nesterov) or b (classic) or g (no momentum);  p <- p - lr * d
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from autograd import Tensor, from_numpy

from .optimizer import Optimizer, ParamsArg, check_option, move


class SGD(Optimizer):
    """Stochastic gradient descent: ``p <- p - lr * grad``, optionally with (Nesterov) momentum, dampening
    and L2 weight decay."""

    _arrays_only = True

    def __init__(
        self,
        params: ParamsArg,
        lr: float = 1e-3,
        momentum: float = 0.0,
        dampening: float = 0.0,
        weight_decay: float = 0.0,
        nesterov: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        defaults = {
            "lr": lr,
            "momentum": momentum,
            "dampening": dampening,
            "weight_decay": weight_decay,
            "nesterov": nesterov,
            "maximize": maximize,
        }
        super().__init__(params, defaults)

    def _check_group(self, group: Mapping[str, Any]) -> None:
        check_option("lr", "learning rate", group["lr"])
        check_option("momentum", "momentum value", group["momentum"])
        check_option("weight_decay", "weight_decay value", group["weight_decay"])
        if group["nesterov"] and (group["momentum"] <= 0 or group["dampening"] != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")

    def _update(self, p: Tensor, grad: np.ndarray, group: dict[str, Any]) -> None:
        if group["weight_decay"]:
            grad = grad + group["weight_decay"] * p.numpy()
        momentum = group["momentum"]
        if momentum:
            state = self.state.setdefault(p, {})
            buf = state.get("momentum_buffer")
            if buf is None:
                b = grad.copy()
                state["momentum_buffer"] = from_numpy(b)
            else:
                b = buf.numpy()
                b *= momentum
                b += grad if group["dampening"] == 0 else (1.0 - group["dampening"]) * grad  # no temporary
            grad = grad + momentum * b if group["nesterov"] else b
        move(p, grad, -group["lr"])
