"""``nn.optim``: SGD (momentum, dampening, Nesterov, weight decay) and Adam, with torch.optim's exact updates.

SGD, with g = grad + weight_decay * p:
    b <- g (first step), then b <- momentum * b + (1 - dampening) * g
    d = g + momentum * b (Nesterov) or b (classic) or g (no momentum);  p <- p - lr * d
Adam, step t, with g as above:
    m <- beta1 m + (1 - beta1) g,  v <- beta2 v + (1 - beta2) g^2
    p <- p - lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
Updates run under ``no_grad`` with in-place Tensor ops; parameters whose ``.grad`` is None (a frozen one, say)
are skipped.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from autograd import Tensor, enable_grad, no_grad, zeros_like

ParamsArg = Iterable[Tensor] | Iterable[tuple[str, Tensor]] | Iterable[Mapping[str, Any]]


class Optimizer:
    """Holds parameter groups (each a dict of ``params``, hyper-parameters and any keys of the user's) and
    per-parameter state. ``params``: tensors, ``named_parameters()`` pairs, or dicts of such groups."""

    def __init__(self, params: ParamsArg, defaults: dict[str, Any]) -> None:
        self.defaults = defaults
        self.state: dict[Tensor, dict[str, Any]] = {}
        self.param_groups: list[dict[str, Any]] = []
        if isinstance(params, Tensor):  # iterating it would give its rows, which no step updates
            raise TypeError(
                f"{type(self).__name__}: params must be an iterable of Tensors or dicts, got a Tensor "
                "(pass [tensor])"
            )
        groups = list(params)
        if not groups:
            raise ValueError(f"{type(self).__name__} got an empty parameter list")
        if not isinstance(groups[0], Mapping):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(dict(group))  # type: ignore[arg-type]

    def add_param_group(self, group: dict[str, Any]) -> None:
        """Adds a group; hyper-parameters it does not set come from the defaults. Named parameters keep
        their names in ``param_names``, as torch."""
        params = group["params"]
        params = [params] if isinstance(params, Tensor) else list(params)
        if params and all(isinstance(p, tuple) and len(p) == 2 for p in params):  # named_parameters()
            group["param_names"] = [name for name, _ in params]
            params = [p for _, p in params]
        group["params"] = params
        for p in params:
            if not isinstance(p, Tensor):
                raise TypeError(f"{type(self).__name__} can only optimise Tensors, got {type(p).__name__}")
            if not p.is_leaf:
                raise ValueError(f"{type(self).__name__}: can't optimise a non-leaf Tensor (made by an op)")
        for key, value in self.defaults.items():
            group.setdefault(key, value)
        known = {id(p) for g in self.param_groups for p in g["params"]}
        if any(id(p) in known for p in group["params"]):
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(group)

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Clears the gradients of every parameter (to None by default, as torch 2)."""
        for group in self.param_groups:
            for p in group["params"]:
                if set_to_none or p.grad is None:
                    p.grad = None
                else:
                    p.grad.zero_()

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Updates every parameter that has a gradient, in place. ``closure`` (as torch's) recomputes the
        loss with grad mode on before the update; its value is returned."""
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        with no_grad():
            for group in self.param_groups:
                for p in group["params"]:
                    if p.grad is not None:
                        self._update(p, p.grad, group, self.state.setdefault(p, {}))
        return loss

    def _update(self, p: Tensor, grad: Tensor, group: dict[str, Any], state: dict[str, Any]) -> None:
        raise NotImplementedError

    def state_dict(self) -> dict[str, Any]:
        """torch's layout: ``state`` by parameter index and ``param_groups`` with indices for ``params``."""
        index: dict[int, int] = {}
        groups = []
        for group in self.param_groups:
            ids = [index.setdefault(id(p), len(index)) for p in group["params"]]
            groups.append({**{k: v for k, v in group.items() if k != "params"}, "params": ids})
        state = {index[id(p)]: dict(s) for p, s in self.state.items() if id(p) in index}
        return {"state": state, "param_groups": groups}

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines.extend(f"    {k}: {v}" for k, v in sorted(group.items()) if k != "params")
        return "\n".join([*lines, ")"])


def _check(name: str, value: float, low: float = 0.0, high: float | None = None) -> None:
    if not value >= low or (high is not None and not value < high):
        bound = f"in [{low}, {high})" if high is not None else f">= {low}"
        raise ValueError(f"invalid {name}: {value!r} (must be {bound})")


class SGD(Optimizer):
    """Stochastic gradient descent: ``p <- p - lr * grad``, optionally with (Nesterov) momentum and L2
    weight decay."""

    def __init__(
        self,
        params: ParamsArg,
        lr: float = 1e-3,
        momentum: float = 0.0,
        dampening: float = 0.0,
        weight_decay: float = 0.0,
        nesterov: bool = False,
    ) -> None:
        _check("lr", lr)
        _check("momentum", momentum)
        _check("weight_decay", weight_decay)
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum > 0 and zero dampening")
        defaults = {"lr": lr, "momentum": momentum, "dampening": dampening,
                    "weight_decay": weight_decay, "nesterov": nesterov}
        super().__init__(params, defaults)

    def _update(self, p: Tensor, grad: Tensor, group: dict[str, Any], state: dict[str, Any]) -> None:
        if group["weight_decay"]:
            grad = grad + p * group["weight_decay"]
        momentum = group["momentum"]
        if momentum:
            buf = state.get("momentum_buffer")
            if buf is None:
                buf = state["momentum_buffer"] = grad.clone()
            else:
                buf.mul_(momentum).add_(grad, alpha=1.0 - group["dampening"])
            grad = grad + buf * momentum if group["nesterov"] else buf
        p.add_(grad, alpha=-group["lr"])


class Adam(Optimizer):
    """Adam (Kingma and Ba): per-parameter steps from bias-corrected running means of g and g^2."""

    def __init__(
        self,
        params: ParamsArg,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
    ) -> None:
        _check("lr", lr)
        _check("eps", eps)
        _check("beta1", betas[0], 0.0, 1.0)
        _check("beta2", betas[1], 0.0, 1.0)
        _check("weight_decay", weight_decay)
        super().__init__(params, {"lr": lr, "betas": tuple(betas), "eps": eps, "weight_decay": weight_decay})

    def _update(self, p: Tensor, grad: Tensor, group: dict[str, Any], state: dict[str, Any]) -> None:
        if group["weight_decay"]:
            grad = grad + p * group["weight_decay"]
        beta1, beta2 = group["betas"]
        if not state:
            state["step"] = 0
            state["exp_avg"] = zeros_like(p)
            state["exp_avg_sq"] = zeros_like(p)
        state["step"] += 1
        t = state["step"]
        m, v = state["exp_avg"], state["exp_avg_sq"]
        m.mul_(beta1).add_(grad, alpha=1.0 - beta1)
        v.mul_(beta2).add_(grad * grad, alpha=1.0 - beta2)
        denom = v.sqrt().div_((1.0 - beta2**t) ** 0.5).add_(group["eps"])
        p.add_(m / denom, alpha=-group["lr"] / (1.0 - beta1**t))


__all__ = ["SGD", "Adam", "Optimizer"]
