"""Devices as torch names them, on a build whose tensors are numpy arrays: the CPU is the only device.

``device("cpu")``, ``device("cpu:0")``, ``device("cpu", 0)`` are torch's objects (type, index, repr); any
creation function's ``device=``, ``Tensor.to``/``Module.to`` and ``Generator(device=)`` accept them, and a
CUDA, MPS or other device is refused with an error that says so, never numpy's "data type not understood".
``parse_to`` reads the arguments of torch's ``to(...)`` forms for ``Tensor.to`` and ``Module.to``.
``memory_format`` and ``layout`` are torch's constants of those names: tensors here are dense numpy arrays
(``strided``), so channels_last and the sparse layouts are named so torch code reads, and refused.
"""

from __future__ import annotations

from typing import Any, NoReturn

from . import dtypes

# the device types torch knows, in the order of its error message
_TYPES = (
    "cpu cuda ipu xpu mkldnn opengl opencl ideep hip ve fpga maia xla lazy vulkan mps meta hpu mtia "
    "privateuseone"
).split()

_builtin_type = type  # (``device.__init__`` names its argument ``type``, as torch)


def _is_torch(value: Any) -> bool:
    return _builtin_type(value).__module__ == "torch"


class device:  # noqa: N801 - PyTorch's name
    """A device: ``type`` ("cpu", "cuda", ...) and ``index`` (None when not given), as torch.device.
    Only the CPU can hold tensors here; the object may name another device, as torch's may."""

    __slots__ = ("type", "index")

    def __init__(self, type: Any, index: int | None = None) -> None:  # noqa: A002 - PyTorch's name
        if isinstance(type, device):
            if index is not None:
                raise TypeError("device(): an index cannot be given with a device object")
            self.type, self.index = type.type, type.index
            return
        if _is_torch(type):  # torch.device("cpu")
            type = str(type)
        if isinstance(type, int) and not isinstance(type, bool):  # torch: an int is a CUDA index
            type, index = "cuda", _index(type)
        if not isinstance(type, str):
            kind = _builtin_type(type).__name__
            raise TypeError(f"device() takes a string, a device or an int, got {kind}")
        if not type:
            raise RuntimeError("Device string must not be empty")
        name, colon, number = type.partition(":")
        if name not in _TYPES:
            raise RuntimeError(
                f"Expected one of {', '.join(_TYPES)} device type at start of device string: {type}"
            )
        if colon:
            if index is not None:
                raise RuntimeError(
                    f"type (string) must not include an index because index was passed explicitly: {type}"
                )
            if not number.isdigit() or number != str(int(number)):
                raise RuntimeError(f"Invalid device string: '{type}'")
            index = int(number)
        self.type, self.index = name, None if index is None else _index(index)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, device) and (self.type, self.index) == (other.type, other.index)

    def __hash__(self) -> int:
        return hash((self.type, self.index))

    def __str__(self) -> str:
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __repr__(self) -> str:
        index = "" if self.index is None else f", index={self.index}"
        return f"device(type='{self.type}'{index})"

    def __enter__(self) -> device:
        """``with device("cpu"):`` as torch's (the CPU is the default already); another device is refused."""
        return check(self, "device")

    def __exit__(self, *exc: object) -> None:
        """Nothing to restore."""


def _index(index: Any) -> int:
    if isinstance(index, bool) or not isinstance(index, int):
        raise TypeError(f"device(): the index must be an int, got {_builtin_type(index).__name__}")
    if index < 0:
        raise RuntimeError("Device index must not be negative")
    return index


CPU = device("cpu")


def check(where: Any, name: str) -> device:
    """The device ``where`` names (None: the CPU), refused unless it is the CPU; ``name`` is the function
    that was given it, for the error."""
    if where is None:
        return CPU
    found = where if isinstance(where, device) else device(where)
    if found.type != "cpu":
        refuse(found, name)
    return CPU if found.index is None else found


def refuse(where: Any, name: str) -> NoReturn:
    """The error for a device other than the CPU."""
    raise RuntimeError(
        f"{name}: device '{where}' is not available: this build of tracegrad runs on the CPU only "
        "(tensors are numpy arrays); use device='cpu' or leave device out"
    )


def is_device(value: Any) -> bool:
    """Whether a ``to(...)`` argument names a device: a device, torch's, an int index, or a device string."""
    if isinstance(value, device) or isinstance(value, int) and not isinstance(value, bool):
        return True
    if _is_torch(value):
        return _builtin_type(value).__name__ == "device"
    return isinstance(value, str) and value.partition(":")[0] in _TYPES


class _Named:
    """A named constant of torch's (a memory format, a layout): one object per name, shown as
    ``autograd.<name>``; a copy is the same object (as torch's), so ``is`` compares them."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"autograd.{self.name}"

    def __reduce__(self) -> str:
        return self.name  # the module-level constant of that name


class memory_format(_Named):  # noqa: N801 - PyTorch's name
    """A layout request (torch.memory_format): ``preserve_format`` keeps a tensor's, ``contiguous_format``
    asks for row-major memory. ``channels_last`` is named so torch code reads, and refused where used."""

    __slots__ = ()


preserve_format = memory_format("preserve_format")
contiguous_format = memory_format("contiguous_format")
channels_last = memory_format("channels_last")


def check_memory_format(fmt: Any, name: str) -> memory_format:
    """``fmt`` checked: preserve or contiguous (torch's by name too); channels_last is refused."""
    name_of = fmt.name if isinstance(fmt, memory_format) else str(fmt).removeprefix("torch.")
    found = {"preserve_format": preserve_format, "contiguous_format": contiguous_format}.get(
        "preserve_format" if fmt is None else name_of
    )
    if found is None:
        raise NotImplementedError(
            f"{name}: memory_format {fmt} is not supported (numpy arrays here are row-major or views); "
            "use contiguous_format or preserve_format"
        )
    return found


class layout(_Named):  # noqa: N801 - PyTorch's name
    """How a tensor's elements are stored (torch.layout). tracegrad's tensors are dense numpy arrays,
    ``strided``; the sparse, mkldnn and jagged layouts are named so torch code reads, and refused."""

    __slots__ = ()


strided = layout("strided")
sparse_coo = layout("sparse_coo")
sparse_csr = layout("sparse_csr")
sparse_csc = layout("sparse_csc")
sparse_bsr = layout("sparse_bsr")
sparse_bsc = layout("sparse_bsc")
_mkldnn = layout("_mkldnn")
jagged = layout("jagged")


def check_layout(value: Any, name: str) -> layout:
    """``value`` checked as the ``layout=`` of function ``name``: None or strided (ours or torch's) is
    ``strided``; another layout is refused (tensors here are dense); a non-layout is a TypeError, as torch."""
    if value is None or value is strided:
        return strided
    theirs = _is_torch(value) and _builtin_type(value).__name__ == "layout"
    if theirs and str(value) == "torch.strided":
        return strided
    if not theirs and not isinstance(value, layout):
        kind = _builtin_type(value).__name__
        raise TypeError(f"{name}(): argument 'layout' must be torch.layout, not {kind}")
    raise NotImplementedError(
        f"{name}(): layout {value} is not supported: tracegrad tensors are dense (strided); "
        "use layout=autograd.strided or leave layout out"
    )


def parse_to(name: str, *args: Any, **kwargs: Any) -> tuple[device | None, Any, bool, bool, memory_format]:
    """torch's ``to`` forms: ``to(dtype)``, ``to(device, dtype)``, ``to(other)``, each followed by
    ``non_blocking`` and ``copy``, or keywords (``device``, ``dtype``, ``non_blocking``, ``copy``,
    ``memory_format``). Returns (device checked as the CPU or None, dtype or None, non_blocking, copy,
    memory format)."""
    known = {"device", "dtype", "non_blocking", "copy", "memory_format"}
    unknown = set(kwargs) - known
    if unknown:
        raise TypeError(f"{name}() got an unexpected keyword argument {sorted(unknown)[0]!r}")
    rest = list(args)
    found: dict[str, Any] = {}
    if rest and hasattr(rest[0], "_data") and hasattr(rest[0], "dtype"):  # to(other): its dtype and device
        other = rest.pop(0)
        found["device"], found["dtype"] = other.device, other.dtype
    elif rest and (rest[0] is None or is_device(rest[0])):
        found["device"] = rest.pop(0)
        if rest and not isinstance(rest[0], bool):
            found["dtype"] = rest.pop(0)
    elif rest and not isinstance(rest[0], bool):
        found["dtype"] = rest.pop(0)
    if len(rest) > 2 or not all(isinstance(flag, bool) for flag in rest):
        raise TypeError(
            f"{name}() received an invalid combination of arguments {args!r}: expected (dtype), (device, "
            "dtype) or (tensor), then non_blocking and copy"
        )
    found.update(zip(("non_blocking", "copy"), rest, strict=False))
    for key, value in kwargs.items():
        if key in found:
            raise TypeError(f"{name}() got multiple values for argument {key!r}")
        found[key] = value
    dtype = found.get("dtype")
    return (
        None if found.get("device") is None else check(found["device"], name),
        None if dtype is None else _dtype(dtype, name),
        bool(found.get("non_blocking", False)),
        bool(found.get("copy", False)),
        check_memory_format(found.get("memory_format"), name),
    )


def _dtype(value: Any, name: str) -> Any:
    try:
        return dtypes.as_dtype(value)
    except TypeError:
        if isinstance(value, str):
            device(value)  # torch's error for a string that names no device type
        raise TypeError(f"{name}(): {value!r} is neither a dtype nor a device ('cpu')") from None


__all__ = [
    "channels_last",
    "check",
    "check_layout",
    "check_memory_format",
    "contiguous_format",
    "device",
    "is_device",
    "jagged",
    "layout",
    "memory_format",
    "parse_to",
    "preserve_format",
    "refuse",
    "sparse_bsc",
    "sparse_bsr",
    "sparse_coo",
    "sparse_csc",
    "sparse_csr",
    "strided",
]
