"""``Module``, ``Parameter``, ``Sequential`` and ``Identity``: torch.nn's containers on ``autograd.Tensor``.

A module registers the ``Parameter``s and sub-modules assigned to its attributes, in definition order,
so ``parameters()`` and ``named_parameters()`` (names like ``"0.weight"``, ``"layers.1.bias"``) walk the
tree as torch does, and ``state_dict()`` / ``load_state_dict()`` move the weights in and out, with the
persistent buffers (``register_buffer``: state that is not learned, like BatchNorm's running statistics).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping
from typing import Any, NoReturn

import numpy as np

from autograd import Tensor, devices, dtypes, no_grad
from autograd.compiler import opaque
from autograd.hooks import RemovableHandle
from autograd.multiprocessing import register_tensor_class
from autograd.tensor import _copy_state

Hook = Callable[["Module", tuple[Any, ...], Any], Any]


class Parameter(Tensor):
    """A Tensor that a ``Module`` registers as a weight to learn (``requires_grad=True`` by default). Made
    from a tensor it shares that tensor's storage and version counter, as torch's; from data it copies."""

    __slots__ = ()

    def __init__(self, data: Any, requires_grad: bool = True) -> None:
        if isinstance(data, Tensor):
            _copy_state(self, data.detach())
            self.requires_grad_(requires_grad)
        else:
            super().__init__(data, requires_grad=requires_grad)

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()


register_tensor_class(Parameter)  # a Parameter sent to another process arrives as one, on shared memory


class Module:
    """Base class of layers and models: subclasses set parameters and sub-modules in ``__init__`` and
    define ``forward``; calling the module runs ``forward`` and then any forward hooks."""

    training: bool
    _parameters: dict[str, Parameter | None]
    _modules: dict[str, Module | None]
    _buffers: dict[str, Tensor | None]
    _non_persistent_buffers_set: set[str]
    _forward_hooks: dict[int, Hook]

    def __init__(self) -> None:
        object.__setattr__(self, "training", True)
        object.__setattr__(self, "_parameters", {})
        object.__setattr__(self, "_modules", {})
        object.__setattr__(self, "_buffers", {})
        object.__setattr__(self, "_non_persistent_buffers_set", set())
        object.__setattr__(self, "_forward_hooks", {})

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(f"{type(self).__name__} does not define forward()")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        out = self.forward(*args, **kwargs)
        if self._forward_hooks:
            for hook in list(self._forward_hooks.values()):
                result = hook(self, args, out)
                if result is not None:
                    out = result
        return out

    def register_forward_hook(self, hook: Hook) -> RemovableHandle:
        """``hook(module, inputs, output)`` runs after every forward; a non-None result replaces the
        output."""
        return RemovableHandle.register(self._forward_hooks, hook)

    # ----- registration ----------------------------------------------------------------------
    def __setattr__(self, name: str, value: Any) -> None:
        if "_parameters" not in self.__dict__:
            raise AttributeError(f"{type(self).__name__}: call Module.__init__() before assigning attributes")
        if isinstance(value, Parameter):
            self.register_parameter(name, value)
        elif isinstance(value, Module):
            self.add_module(name, value)
        elif name in self._buffers:
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(
                    f"cannot assign '{type(value).__name__}' object to buffer '{name}' "
                    "(torch Tensor or None required)"
                )
            self._buffers[name] = value
            object.__setattr__(self, name, value)
        elif name in self._parameters or name in self._modules:
            is_param = name in self._parameters
            kind, expected = ("parameter", "Parameter") if is_param else ("child module", "Module")
            if value is not None:
                raise TypeError(
                    f"cannot assign a {type(value).__name__} as {kind} {name!r} "
                    f"(nn.{expected} or None expected)"
                )
            (self._parameters if is_param else self._modules)[name] = None
            object.__setattr__(self, name, None)
        else:
            object.__setattr__(self, name, value)

    def __delattr__(self, name: str) -> None:
        self._parameters.pop(name, None)
        self._modules.pop(name, None)
        self._buffers.pop(name, None)
        self._non_persistent_buffers_set.discard(name)
        object.__delattr__(self, name)

    # Registered parameters and modules are also plain attributes (kept in step by __setattr__ and
    # __delattr__), so reading ``self.weight`` is an ordinary lookup, not a __getattr__ fallback.
    def register_parameter(self, name: str, param: Parameter | None) -> None:
        """Registers ``param`` under ``name`` (``None`` reserves the name, as torch's ``bias=False``)."""
        _check_name(name)
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(
                f"register_parameter: {name!r} must be a Parameter or None, got {type(param).__name__}"
            )
        self._modules.pop(name, None)
        self._buffers.pop(name, None)
        self._parameters[name] = param
        object.__setattr__(self, name, param)

    def add_module(self, name: str, module: Module | None) -> None:
        """Registers a sub-module under ``name``."""
        _check_name(name)
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"add_module: {name!r} must be a Module, got {type(module).__name__}")
        self._parameters.pop(name, None)
        self._buffers.pop(name, None)
        self._modules[name] = module
        object.__setattr__(self, name, module)

    def register_buffer(self, name: str, tensor: Tensor | None, persistent: bool = True) -> None:
        """Registers ``tensor`` as state that is not learned (no gradient, not in ``parameters()``) but moves
        with the module; a ``persistent`` one is in ``state_dict`` (``None`` reserves the name)."""
        _check_name(name)
        if name in self.__dict__ and name not in self._buffers:
            raise KeyError(f"attribute '{name}' already exists")
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(
                f"cannot assign '{type(tensor).__name__}' object to buffer '{name}' "
                "(torch Tensor or None required)"
            )
        self._parameters.pop(name, None)
        self._modules.pop(name, None)
        self._buffers[name] = tensor
        if persistent:
            self._non_persistent_buffers_set.discard(name)
        else:
            self._non_persistent_buffers_set.add(name)
        object.__setattr__(self, name, tensor)

    # ----- walking the tree ------------------------------------------------------------------
    def named_children(self) -> Iterator[tuple[str, Module]]:
        """The direct sub-modules with their attribute names."""
        for name, module in self._modules.items():
            if module is not None:
                yield name, module

    def children(self) -> Iterator[Module]:
        for _, module in self.named_children():
            yield module

    def named_modules(self, prefix: str = "", remove_duplicate: bool = True) -> Iterator[tuple[str, Module]]:
        """This module (named ``prefix``) and every descendant, depth first; a module reached twice (a layer
        used twice) comes once unless ``remove_duplicate`` is False."""
        seen: set[int] = set()
        stack: list[tuple[str, Module]] = [(prefix, self)]
        while stack:
            name, module = stack.pop()
            if id(module) in seen:
                continue
            if remove_duplicate:
                seen.add(id(module))
            yield name, module
            children = [(f"{name}.{child}" if name else child, m) for child, m in module.named_children()]
            stack.extend(reversed(children))

    def modules(self) -> Iterator[Module]:
        for _, module in self.named_modules():
            yield module

    def named_parameters(
        self, prefix: str = "", recurse: bool = True, remove_duplicate: bool = True
    ) -> Iterator[tuple[str, Parameter]]:
        """``("0.weight", p)`` pairs in definition order; a parameter shared by two modules (or under two
        names) comes once unless ``remove_duplicate`` is False."""
        seen: set[int] = set()
        modules = self.named_modules(prefix, remove_duplicate) if recurse else iter([(prefix, self)])
        for module_name, module in modules:
            for name, param in module._parameters.items():
                if param is None or id(param) in seen:
                    continue
                if remove_duplicate:
                    seen.add(id(param))
                yield (f"{module_name}.{name}" if module_name else name), param

    def parameters(self, recurse: bool = True) -> Iterator[Parameter]:
        for _, param in self.named_parameters(recurse=recurse):
            yield param

    def named_buffers(
        self, prefix: str = "", recurse: bool = True, remove_duplicate: bool = True
    ) -> Iterator[tuple[str, Tensor]]:
        """``("bn.running_mean", t)`` pairs of every buffer (persistent or not), as ``named_parameters``."""
        seen: set[int] = set()
        modules = self.named_modules(prefix, remove_duplicate) if recurse else iter([(prefix, self)])
        for module_name, module in modules:
            for name, buffer in module._buffers.items():
                if buffer is None or id(buffer) in seen:
                    continue
                if remove_duplicate:
                    seen.add(id(buffer))
                yield (f"{module_name}.{name}" if module_name else name), buffer

    def buffers(self, recurse: bool = True) -> Iterator[Tensor]:
        for _, buffer in self.named_buffers(recurse=recurse):
            yield buffer

    def apply(self, fn: Callable[[Module], None]) -> Module:
        """Calls ``fn`` on every sub-module, then on this one (as torch, e.g. to re-initialise)."""
        for module in self.children():
            module.apply(fn)
        fn(self)
        return self

    # ----- training state --------------------------------------------------------------------
    @opaque  # autograd.compile calls it again at each replay
    def zero_grad(self, set_to_none: bool = True) -> None:
        """Clears every parameter's ``.grad`` (to None by default, as torch 2; gradients accumulate)."""
        for param in self.parameters():
            _clear_grad(param, set_to_none)

    def train(self, mode: bool = True) -> Module:
        """Sets training mode on this module and every descendant; returns self."""
        for module in self.modules():
            object.__setattr__(module, "training", bool(mode))
        return self

    def eval(self) -> Module:
        """Evaluation mode: ``train(False)``."""
        return self.train(False)

    def to(self, *args: Any, **kwargs: Any) -> Module:
        """Moves the module as torch's forms ask: ``to(device)`` (the CPU: nothing to move), ``to(dtype)``,
        ``to(device, dtype)``, ``to(tensor)``, ``to(memory_format=...)``; a dtype converts every parameter
        (and its gradient) and every floating buffer in place, and must be floating. Returns self."""
        _, target, _, _, _ = devices.parse_to("Module.to", *args, **kwargs)
        if target is None:
            return self
        if not dtypes.is_floating(target):
            raise TypeError(
                f"nn.Module.to only accepts floating point or complex dtypes, but got desired dtype={target}"
            )
        for param in self.parameters():
            param.data = param.data.to(target)
            if param.grad is not None:
                param.grad = param.grad.to(target)
        for module in self.modules():
            for name, buffer in module._buffers.items():
                if buffer is not None and dtypes.is_floating(buffer.dtype):
                    setattr(module, name, buffer.to(target))
        return self

    def cpu(self) -> Module:
        """This module (its parameters are on the CPU already)."""
        return self

    def cuda(self, device: Any = None) -> NoReturn:
        """Refused: this build runs on the CPU only."""
        devices.refuse("cuda" if device is None else device, "Module.cuda")

    def double(self) -> Module:
        """Parameters as float64."""
        return self.to(dtypes.float64)

    def float(self) -> Module:
        """Parameters as float32."""
        return self.to(dtypes.float32)

    def share_memory(self) -> Module:
        """Moves every parameter (and gradient) into shared memory, as torch: processes given this module
        (Hogwild training) then update the same weights. Returns self."""
        for param in self.parameters():
            param.share_memory_()
            if param.grad is not None:
                param.grad.share_memory_()
        return self

    def requires_grad_(self, requires_grad: bool = True) -> Module:
        """Turns gradient tracking of every parameter on or off (freezing layers); returns self."""
        for param in self.parameters():
            param.requires_grad_(requires_grad)
        return self

    # ----- weights in and out ----------------------------------------------------------------
    def state_dict(self) -> OrderedDict[str, Tensor]:
        """Every parameter and persistent buffer as a detached tensor sharing its storage (as torch), module
        by module (its parameters, then its buffers), under every name it has (a layer used twice is saved
        under both, as torch)."""
        return OrderedDict((name, value.detach()) for name, value in self._state())

    def _state(self) -> Iterator[tuple[str, Tensor]]:
        """The ``state_dict`` entries under every name, in torch's order: per module its parameters, then
        its persistent buffers."""
        for module_name, module in self.named_modules(remove_duplicate=False):
            transient = module._non_persistent_buffers_set
            buffers = [(n, b) for n, b in module._buffers.items() if n not in transient]
            for name, value in [*module._parameters.items(), *buffers]:
                if value is not None:
                    yield (f"{module_name}.{name}" if module_name else name), value

    def load_state_dict(self, state_dict: Mapping[str, Any], strict: bool = True) -> None:
        """Copies values into the parameters after checking them all: with ``strict`` every name must be the
        model's and every parameter named (one of a shared one's names will do); shapes must always match.
        On any error nothing is changed."""
        own = dict(self._state())
        arrays: dict[str, np.ndarray] = {}
        for name, value in state_dict.items():
            if name not in own:
                continue
            array = np.asarray(value)
            if array.dtype.kind not in "fiu":
                raise TypeError(f"load_state_dict: {name!r} has dtype {array.dtype}, expected real numbers")
            if array.shape != tuple(own[name].shape):
                raise ValueError(
                    f"load_state_dict: {name!r} has shape {array.shape}, "
                    f"the model expects {tuple(own[name].shape)}"
                )
            arrays[name] = array
        if strict:  # a parameter under two names (a layer used twice) needs one of them (files saved before)
            given = {id(own[name]) for name in state_dict if name in own}
            missing = sorted(name for name, param in own.items() if id(param) not in given)
            unexpected = sorted(set(state_dict) - set(own))
            if missing or unexpected:
                raise KeyError(f"load_state_dict: missing keys {missing}, unexpected keys {unexpected}")
        with no_grad():
            for name, array in arrays.items():
                param = own[name]
                param.copy_(Tensor(array.astype(param.dtype)))

    # ----- printing --------------------------------------------------------------------------
    def extra_repr(self) -> str:
        """The arguments shown between the parentheses of ``repr`` (override in subclasses)."""
        return ""

    def __repr__(self) -> str:
        lines = [f"({name}): " + repr(module).replace("\n", "\n  ") for name, module in self.named_children()]
        extra = self.extra_repr()
        if not lines:
            return f"{type(self).__name__}({extra})"
        body = "\n  ".join(([extra] if extra else []) + lines)
        return f"{type(self).__name__}(\n  {body}\n)"


def _clear_grad(param: Tensor, set_to_none: bool) -> None:
    if set_to_none or param.grad is None:
        param.grad = None
    else:
        param.grad.zero_()


def _check_name(name: str) -> None:
    if not isinstance(name, str) or not name or "." in name:
        raise KeyError(f"module and parameter names must be non-empty strings without '.', got {name!r}")


class Sequential(Module):
    """Modules applied in order, named ``"0"``, ``"1"``, ... (or by the keys of an ordered dict)."""

    def __init__(self, *modules: Module | Mapping[str, Module]) -> None:
        super().__init__()
        if len(modules) == 1 and isinstance(modules[0], Mapping):
            for name, module in modules[0].items():
                self.add_module(name, module)
        else:
            for index, module in enumerate(modules):
                self.add_module(str(index), module)  # type: ignore[arg-type]

    def forward(self, x: Any) -> Any:
        for module in self._modules.values():
            x = module(x)  # type: ignore[misc]
        return x

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self.children())

    def __getitem__(self, index: int | slice) -> Any:
        items = list(self._modules.items())
        if isinstance(index, slice):
            return Sequential(OrderedDict(items[index]))  # type: ignore[arg-type]
        try:
            return items[index][1]
        except IndexError:
            raise IndexError(f"Sequential index {index} out of range for {len(items)} modules") from None

    def append(self, module: Module) -> Sequential:
        """Adds ``module`` at the end; returns self."""
        self.add_module(str(len(self)), module)
        return self


class Identity(Module):
    """Returns its input: a placeholder layer (e.g. the regression output 'activation')."""

    def forward(self, x: Any) -> Any:
        return x


__all__ = ["Identity", "Module", "Parameter", "RemovableHandle", "Sequential"]
