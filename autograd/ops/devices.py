"""Where a tensor lives and what it converts to: ``x.device``, ``x.to(...)`` in all of torch's forms,
``x.cpu()``; ``x.cuda()`` is refused (this build runs on the CPU only, see ``autograd/devices.py``)."""

from __future__ import annotations

from typing import Any, NoReturn

from .. import dtypes
from ..devices import CPU, check_memory_format, contiguous_format, device, parse_to, refuse, strided
from ..tensor import Tensor, _wrap
from .elementwise import Cast
from .registry import register, register_property


@register(function=False)
def to(self: Tensor, *args: Any, **kwargs: Any) -> Tensor:
    """This tensor in another dtype and/or on a device (the CPU): ``to(dtype)``, ``to(device, dtype)``,
    ``to(other)``, with ``non_blocking``, ``copy`` and ``memory_format``. Returns this tensor when nothing
    changes and ``copy`` is False, as torch; a cast between floats is differentiable. A copy keeps the
    layout unless ``memory_format=contiguous_format`` (as torch, the format matters only for a copy)."""
    where, dtype, _, copy, fmt = parse_to("to", *args, **kwargs)
    target = self._data.dtype if dtype is None else dtype
    if target == self._data.dtype:
        if not copy and where in (None, CPU):  # "cpu:0" is another device than a tensor's "cpu": a copy
            return self
        result = self.clone()
    elif dtypes.is_floating(target):
        result = Cast.apply(self, target)
    else:
        result = _wrap(self._data.astype(target))
    return result.contiguous() if fmt is contiguous_format else result


@register(function=False)
def cpu(self: Tensor, memory_format: Any = None) -> Tensor:
    """This tensor (the CPU holds it already), for torch code's ``x.cpu().numpy()``."""
    return self if check_memory_format(memory_format, "cpu") is not contiguous_format else self.contiguous()


@register(function=False)
def cuda(self: Tensor, device: Any = None, non_blocking: bool = False, memory_format: Any = None) -> NoReturn:
    """Refused: this build runs on the CPU only."""
    refuse("cuda" if device is None else device, "cuda")


def _device(self: Tensor) -> device:
    """``device(type='cpu')``: tensors live in numpy arrays."""
    return CPU


def type_(self: Tensor, dtype: Any) -> Tensor:
    """Same as ``to(dtype)``."""
    return to(self, dtype)


def float_(self: Tensor) -> Tensor:
    """As float32."""
    return to(self, dtypes.float32)


def double_(self: Tensor) -> Tensor:
    """As float64."""
    return to(self, dtypes.float64)


def half_(self: Tensor) -> Tensor:
    """As float16."""
    return to(self, dtypes.float16)


def long_(self: Tensor) -> Tensor:
    """As int64 (no gradient flows through)."""
    return to(self, dtypes.int64)


def int_(self: Tensor) -> Tensor:
    """As int32 (no gradient flows through)."""
    return to(self, dtypes.int32)


def bool_(self: Tensor) -> Tensor:
    """As bool (no gradient flows through)."""
    return to(self, dtypes.bool_)


for _name, _convert in {"type": type_, "float": float_, "double": double_, "half": half_, "long": long_,
                        "int": int_, "bool": bool_}.items():  # fmt: skip
    register(_convert, function=False, name=_name)
register_property("device", _device)
register_property("layout", lambda self: strided)  # tensors are dense numpy arrays
register_property("is_cuda", lambda self: False)
register_property("is_cpu", lambda self: True)
