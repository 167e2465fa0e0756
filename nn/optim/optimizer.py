"""``Optimizer``: parameter groups, per-parameter state and torch.optim's ``state_dict`` layout.

Each optimiser (``sgd.py``, ``adam.py``, ...) says how one parameter moves (``_update``) on numpy arrays: the
gradient and the state buffers are updated in place with ufuncs, and the parameter itself by ``move`` or
``scale`` (the ufuncs of ``p.add_(d, alpha=...)`` and ``p.mul_(s)`` on its storage, counting the version).
Such an update records nothing, so it needs no grad-mode switch (``_arrays_only``); a subclass whose
``_update`` uses tensor ops runs under ``no_grad``.
"""

from __future__ import annotations

import copy
import numbers
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import numpy as np

from autograd import Tensor, enable_grad, from_numpy, no_grad
from autograd.compiler import opaque
from autograd.tensor import _storage

ParamsArg = Iterable[Tensor] | Iterable[tuple[str, Tensor]] | Iterable[Mapping[str, Any]]


def check_option(name: str, what: str, value: Any, high: float | None = None) -> None:
    """torch's check ``0 <= value (< high)``, with its message ``Invalid {what}: {value}`` (ValueError); a
    value that is not a real number is a TypeError naming the argument and its type."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(
            f"Invalid {what}: {value!r} ({name} must be a real number, got {type(value).__name__})"
        )
    if not 0.0 <= value or (high is not None and not value < high):
        raise ValueError(f"Invalid {what}: {value}")


def lerp_(start: np.ndarray, end: np.ndarray, weight: float) -> None:
    """Moves ``start`` in place towards ``end`` by ``weight``, with torch's two formulas (exact at both
    ends)."""
    if abs(weight) < 0.5:
        start += weight * (end - start)
    else:
        np.subtract(end, (end - start) * (1.0 - weight), out=start)


def move(p: Tensor, d: np.ndarray, alpha: float) -> None:
    """``p.add_(d, alpha=alpha)`` under no_grad without its dispatch: the same ufuncs on the storage
    (``alpha * d``, then added in place), and one more version of it."""
    data = p._data
    np.add(data, d if alpha == 1 else d * alpha, data)
    _bump(p)


def scale(p: Tensor, s: float) -> None:
    """``p.mul_(s)`` under no_grad without its dispatch: the same ufunc on the storage, one more version."""
    data = p._data
    np.multiply(data, s, data)
    _bump(p)


def _bump(p: Tensor) -> None:
    """One more version of ``p``'s storage (as ``_inplace`` counts an in-place write)."""
    counter = p._counter
    (_storage(p) if counter is None else counter)[0] += 1


def buffer(like: Tensor, fill: float = 0.0) -> Tensor:
    """A state buffer of ``like``'s shape and dtype filled with ``fill``."""
    return from_numpy(np.full_like(like.numpy(), fill))


class Optimizer:
    """Holds parameter groups (each a dict of ``params``, options and any keys of the user's) and
    per-parameter state. ``params``: tensors, ``named_parameters()`` pairs, or dicts of such groups.
    Subclasses define ``_update`` (one parameter's step) and ``_check_group`` (their options' checks)."""

    _arrays_only = False  # True: _update only writes arrays (numpy, move, scale): step needs no no_grad

    def __init__(self, params: ParamsArg, defaults: dict[str, Any]) -> None:
        self._check_group(defaults)
        self.defaults = defaults
        self.state: dict[Tensor, dict[str, Any]] = {}
        self.param_groups: list[dict[str, Any]] = []
        if isinstance(params, Tensor):  # iterating it would give its rows, which no step updates
            raise TypeError(
                "params argument given to the optimizer should be an iterable of Tensors or dicts, but got "
                "a Tensor (pass [tensor])"
            )
        groups = list(_ordered(params))
        if not groups:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(groups[0], Mapping):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(dict(group))  # type: ignore[arg-type]

    def _check_group(self, group: Mapping[str, Any]) -> None:
        """Raises on an invalid option of ``group`` (the defaults, or a group's own values)."""

    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Adds a group; options it does not set come from the defaults. Named parameters keep their names
        in ``param_names``, as torch. A parameter twice in one group, or in two groups, is refused."""
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group).__name__}")
        params = param_group["params"]
        params = [params] if isinstance(params, Tensor) else list(_ordered(params))
        names = [p[0] for p in params if isinstance(p, tuple)]
        if names:
            if len(names) != len(params):
                raise ValueError(
                    "all optimizer params should be with/without names. Some param names are missing"
                )
            param_group["param_names"] = names
            params = [p[1] for p in params]
        param_group["params"] = params
        for p in params:
            if not isinstance(p, Tensor):
                raise TypeError(
                    f"optimizer can only optimize Tensors, but one of the params is {type(p).__name__}"
                )
            if not p.is_leaf:
                raise ValueError("can't optimize a non-leaf Tensor (one made by an op)")
        if len({id(p) for p in params}) != len(params):  # torch warns; each step would move them twice
            raise ValueError("optimizer contains a parameter group with duplicate parameters")
        for key, value in self.defaults.items():
            param_group.setdefault(key, value)
        self._check_group(param_group)
        for group in self.param_groups:
            if ("param_names" in param_group) != ("param_names" in group):
                which = "with names" if "param_names" in param_group else "without names"
                raise ValueError(
                    "all optimizer param groups should be with/without names. "
                    f"cannot add param group {which} to the optimizer"
                )
        known = {id(p) for g in self.param_groups for p in g["params"]}
        if any(id(p) in known for p in params):
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(param_group)

    @opaque  # autograd.compile calls it again at each replay
    def zero_grad(self, set_to_none: bool = True) -> None:
        """Clears the gradients of every parameter: to None (the default, as torch 2) or to zeros."""
        for group in self.param_groups:
            for p in group["params"]:
                if set_to_none or p._grad is None:
                    p._grad = None  # (the setter checks gradients; a compiled step records the call)
                else:
                    p._grad.zero_()

    @opaque  # autograd.compile calls it again at each replay: state and learning rates live outside
    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Updates every parameter that has a gradient, in place. ``closure`` (as torch's) recomputes the
        loss with grad mode on before the update; its value is returned."""
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        if self._arrays_only:
            self._step()
        else:
            with no_grad():
                self._step()
        return loss

    def _step(self) -> None:
        for group in self.param_groups:
            maximize = group.get("maximize", False)
            for p in group["params"]:
                if p._grad is not None:
                    grad = p._grad._data
                    self._update(p, -grad if maximize else grad, group)

    def _update(self, p: Tensor, grad: np.ndarray, group: dict[str, Any]) -> None:
        """Moves ``p`` one step along ``grad`` (negated under ``maximize``); must not write into ``grad``."""
        raise NotImplementedError

    def _state(self, p: Tensor, group: dict[str, Any]) -> dict[str, Any]:
        """``p``'s state, made by ``_init_state`` on its first step."""
        state = self.state.get(p)
        if not state:
            state = self.state[p] = self._init_state(p, group)
        return state

    def _init_state(self, p: Tensor, group: dict[str, Any]) -> dict[str, Any]:
        """A parameter's fresh state (its buffers and step count)."""
        return {}

    def state_dict(self) -> dict[str, Any]:
        """torch's layout: ``state`` keyed by parameter index (in group order) and ``param_groups`` with
        those indices as ``params``. Buffers are the optimiser's own tensors (not copies), as torch."""
        index: dict[int, int] = {}
        groups = []
        for group in self.param_groups:
            ids = [index.setdefault(id(p), len(index)) for p in group["params"]]
            groups.append({**{k: v for k, v in group.items() if k != "params"}, "params": ids})
        state = {index[id(p)]: dict(s) for p, s in self.state.items() if id(p) in index}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: Mapping[str, Any]) -> None:
        """Loads ``state_dict()`` output (ours, or torch's with its tensors converted): buffers are copied
        in the parameter's dtype, ``step`` becomes a number, and the groups take the saved options."""
        saved_groups = copy.deepcopy(list(state_dict["param_groups"]))
        if len(saved_groups) != len(self.param_groups):
            raise ValueError("loaded state dict has a different number of parameter groups")
        if any(
            len(g["params"]) != len(s["params"]) for g, s in zip(self.param_groups, saved_groups, strict=True)
        ):
            raise ValueError(
                "loaded state dict contains a parameter group "
                "that doesn't match the size of optimizer's group"
            )
        params = {
            i: p
            for g, s in zip(self.param_groups, saved_groups, strict=True)
            for i, p in zip(s["params"], g["params"], strict=True)
        }
        state: dict[Any, dict[str, Any]] = {}
        for key, values in state_dict["state"].items():
            p = params.get(key)
            state[key if p is None else p] = (
                values if p is None else {k: _cast(p, k, v) for k, v in values.items()}
            )
        for group, saved in zip(self.param_groups, saved_groups, strict=True):
            saved["params"] = group["params"]
            if "param_names" in group:
                saved.setdefault("param_names", group["param_names"])
            for key, value in self.defaults.items():
                saved.setdefault(key, value)
        self.state = state  # type: ignore[assignment]
        self.param_groups = saved_groups

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines.extend(f"    {k}: {v}" for k, v in sorted(group.items()) if k != "params")
        return "\n".join([*lines, ")"])


def _ordered(params: Iterable[Any]) -> Iterable[Any]:
    """``params`` unless it is a set (torch refuses those in a group; here at the top level too): its order,
    and so the state_dict's indices, would change between runs."""
    if isinstance(params, (set, frozenset)):
        raise TypeError(
            "optimizer parameters need to be organized in ordered collections, but the ordering of "
            "tensors in sets will change between runs. Please use a list instead."
        )
    return params


def _cast(p: Tensor, key: str, value: Any) -> Any:
    """A loaded state value: ``step`` as a float, arrays and tensors (ours or torch's) as a new tensor in
    ``p``'s dtype, anything else as it is."""
    if key == "step":
        return float(value)
    if isinstance(value, (Tensor, np.ndarray)) or hasattr(value, "__array__"):
        return from_numpy(np.array(value, dtype=p.numpy().dtype))
    return value
