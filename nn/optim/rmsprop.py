"""``RMSprop``: torch.optim.RMSprop's exact update.

With g = grad + weight_decay * p (-grad under ``maximize``):
    s <- alpha s + (1 - alpha) g^2;  centered: a <- lerp(a, g, 1 - alpha), avg = sqrt(s - a^2), else sqrt(s)
    momentum: b <- momentum b + g / (avg + eps), p <- p - lr b;  otherwise p <- p - lr g / (avg + eps)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from autograd import Tensor

from .optimizer import Optimizer, ParamsArg, buffer, check_option, lerp_, move


class RMSprop(Optimizer):
    """RMSprop (Hinton): steps scaled by a running root mean square of the gradient, optionally centred
    (by the running mean's square) and with momentum."""

    _arrays_only = True

    def __init__(
        self,
        params: ParamsArg,
        lr: float = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        momentum: float = 0.0,
        centered: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        defaults = {
            "lr": lr,
            "momentum": momentum,
            "alpha": alpha,
            "eps": eps,
            "centered": centered,
            "weight_decay": weight_decay,
            "maximize": maximize,
        }
        super().__init__(params, defaults)

    def _check_group(self, group: Mapping[str, Any]) -> None:
        check_option("lr", "learning rate", group["lr"])
        check_option("eps", "epsilon value", group["eps"])
        check_option("momentum", "momentum value", group["momentum"])
        check_option("weight_decay", "weight_decay value", group["weight_decay"])
        check_option("alpha", "alpha value", group["alpha"])

    def _init_state(self, p: Tensor, group: dict[str, Any]) -> dict[str, Any]:
        state = {"step": 0.0, "square_avg": buffer(p)}
        if group["momentum"] > 0:
            state["momentum_buffer"] = buffer(p)
        if group["centered"]:
            state["grad_avg"] = buffer(p)
        return state

    def _update(self, p: Tensor, grad: np.ndarray, group: dict[str, Any]) -> None:
        state = self._state(p, group)
        state["step"] += 1.0
        alpha = group["alpha"]
        if group["weight_decay"]:
            grad = grad + group["weight_decay"] * p.numpy()
        square_avg = state["square_avg"].numpy()
        square_avg *= alpha
        square_avg += (1.0 - alpha) * grad * grad
        if group["centered"]:
            grad_avg = state["grad_avg"].numpy()
            lerp_(grad_avg, grad, 1.0 - alpha)
            avg = np.sqrt(square_avg - grad_avg * grad_avg)
        else:
            avg = np.sqrt(square_avg)
        avg += group["eps"]
        if group["momentum"] > 0:
            buf = state["momentum_buffer"].numpy()
            buf *= group["momentum"]
            buf += grad / avg
            move(p, buf, -group["lr"])
        else:
            move(p, np.divide(grad, avg, out=avg), -group["lr"])
