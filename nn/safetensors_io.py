"""The safetensors format, read and written without pickles or third-party code.

A file is an 8-byte little-endian header length, a JSON header naming each tensor's dtype, shape and byte
range (``data_offsets``, relative to the end of the header), then the raw little-endian bytes. The reader
checks the whole header against the file's size before it reads any data, so a crafted header cannot make
it allocate more than the file holds. Files written by ``safetensors.torch.save_file`` read here, and files
written here load with ``safetensors.torch.load_file``.
"""

from __future__ import annotations

import json
import math
import struct
from collections.abc import Mapping
from typing import IO

import numpy as np

_DTYPES = {
    "F64": np.float64, "F32": np.float32, "F16": np.float16, "I64": np.int64, "I32": np.int32,
    "I16": np.int16, "I8": np.int8, "U8": np.uint8, "BOOL": np.bool_,
}  # fmt: skip
_NAMES = {np.dtype(dtype): name for name, dtype in _DTYPES.items()}
MAX_HEADER = 100 * 1024 * 1024  # the safetensors library's own limit


def write(handle: IO[bytes], arrays: Mapping[str, np.ndarray], metadata: Mapping[str, str] | None) -> None:
    """Writes ``arrays`` (name -> array) in the safetensors layout, in the order given."""
    header: dict[str, object] = {"__metadata__": dict(metadata)} if metadata else {}
    offset = 0
    for name, array in arrays.items():
        if array.dtype not in _NAMES:
            raise TypeError(f"save: {name!r} has dtype {array.dtype}, which safetensors cannot hold here")
        header[name] = {"dtype": _NAMES[array.dtype], "shape": list(array.shape),
                        "data_offsets": [offset, offset + array.nbytes]}  # fmt: skip
        offset += array.nbytes
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)  # the data starts 8-byte aligned, as the library writes it
    handle.write(struct.pack("<Q", len(text)) + text)
    for array in arrays.values():
        handle.write(np.ascontiguousarray(array).astype(array.dtype.newbyteorder("<"), copy=False).tobytes())


def read(handle: IO[bytes], size: int, where: str) -> dict[str, np.ndarray]:
    """The arrays of a safetensors file of ``size`` bytes open as ``handle``; ``ValueError`` naming
    ``where`` and the problem for anything malformed, before any array is read."""
    if size < 8:
        raise ValueError(f"load: {where} is too short for a safetensors file ({size} bytes)")
    (length,) = struct.unpack("<Q", handle.read(8))
    if length > min(MAX_HEADER, size - 8):
        raise ValueError(f"load: {where} declares a {length}-byte header in a {size}-byte file")
    try:
        header = json.loads(handle.read(length))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ValueError(f"load: {where} has a malformed safetensors header ({error})") from None
    if not isinstance(header, dict):
        raise ValueError(f"load: {where} has a malformed safetensors header (not a JSON object)")
    header.pop("__metadata__", None)
    data_size = size - 8 - length
    plan = sorted((_entry(name, spec, where) for name, spec in header.items()), key=lambda e: e[3])
    end = 0
    for name, dtype, shape, begin, stop in plan:
        if begin != end or stop > data_size:
            raise ValueError(
                f"load: {where}: the bytes of {name!r} overlap, leave a gap or pass the file's end"
            )
        if stop - begin != math.prod(shape) * dtype.itemsize:
            raise ValueError(
                f"load: {where}: {name!r} declares shape {shape} of {dtype} in {stop - begin} bytes"
            )
        end = stop
    arrays = {}
    for name, dtype, shape, begin, stop in plan:
        data = handle.read(stop - begin)
        arrays[name] = np.frombuffer(data, dtype.newbyteorder("<")).astype(dtype).reshape(shape)
    return {name: arrays[name] for name in header}


def _entry(name: str, spec: object, where: str) -> tuple[str, np.dtype, tuple[int, ...], int, int]:
    """One header entry checked: a known dtype, a shape of natural numbers, two byte offsets."""
    if not isinstance(spec, dict) or set(spec) != {"dtype", "shape", "data_offsets"}:
        raise ValueError(f"load: {where}: the header entry of {name!r} is malformed")
    dtype, shape, offsets = spec["dtype"], spec["shape"], spec["data_offsets"]
    if dtype not in _DTYPES:
        raise ValueError(f"load: {where}: {name!r} has dtype {dtype!r}, expected one of {sorted(_DTYPES)}")
    numbers = [*shape, *offsets] if isinstance(shape, list) and isinstance(offsets, list) else [None]
    if not all(type(n) is int and n >= 0 for n in numbers) or len(offsets) != 2 or offsets[0] > offsets[1]:
        raise ValueError(f"load: {where}: {name!r} has a malformed shape {shape} or offsets {offsets}")
    return name, np.dtype(_DTYPES[dtype]), tuple(shape), offsets[0], offsets[1]


__all__ = ["read", "write"]
