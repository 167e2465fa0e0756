"""The ``onnx`` package (an optional extra), and the limits an ONNX file must keep before anything it
declares is allocated or read: only regular files, sizes checked against the bytes actually present,
external data only inside the model's folder, no cycles, a bounded number of nodes and elements."""

from __future__ import annotations

import heapq
import os
import stat
from types import ModuleType
from typing import Any

import numpy as np

MAX_FILE_BYTES = 1 << 31  # protobuf's own limit: 2 GiB
MAX_ELEMENTS = 1 << 28  # any one tensor the file declares or a shape asks for (1 GiB of float32)
MAX_TOTAL_BYTES = 1 << 31  # all initializers together
MAX_NODES = 100_000


class OnnxError(RuntimeError):
    """A model that cannot be exported, or a file that cannot (or must not) be loaded."""


def require_onnx() -> ModuleType:
    """The ``onnx`` package, or an ImportError that says how to install it."""
    try:
        import onnx
    except ImportError as error:
        raise ImportError(
            "autograd.onnx needs the onnx package: pip install tracegrad[onnx] (or pip install onnx)"
        ) from error
    return onnx


def regular_file(path: str, limit: int, what: str) -> int:
    """The size of ``path`` once it is known to be a regular file no larger than ``limit`` bytes."""
    try:
        info = os.stat(path)
    except OSError as error:
        raise OnnxError(f"{what} {path!r} cannot be read: {error.strerror}") from None
    if not stat.S_ISREG(info.st_mode):
        raise OnnxError(f"{what} {path!r} is not a regular file")
    if info.st_size > limit:
        raise OnnxError(f"{what} {path!r} has {info.st_size} bytes, more than the limit of {limit}")
    return info.st_size


def read_bytes(path: str, limit: int, what: str, offset: int = 0, length: int | None = None) -> bytes:
    """``length`` bytes of a regular file from ``offset`` (all of it when None), checked before reading."""
    size = regular_file(path, limit if length is None else MAX_FILE_BYTES, what)
    length = size - offset if length is None else length
    if offset < 0 or length < 0 or offset + length > size:
        raise OnnxError(f"{what} {path!r}: bytes {offset}..{offset + length} lie outside its {size} bytes")
    with open(path, "rb") as file:
        file.seek(offset)
        data = file.read(length)
    if len(data) != length:
        raise OnnxError(f"{what} {path!r} changed while it was read")
    return data


def elements(dims: Any, what: str) -> int:
    """The element count of declared ``dims``, refused when negative or beyond ``MAX_ELEMENTS``."""
    count = 1
    for n in dims:
        n = int(n)
        if n < 0:
            raise OnnxError(f"{what} declares a negative size {n} in its shape {list(dims)}")
        count *= n
        if count > MAX_ELEMENTS:
            raise OnnxError(f"{what} declares shape {list(dims)}: more than {MAX_ELEMENTS} elements")
    return count


def tensor_array(onnx: ModuleType, proto: Any, folder: str | None, what: str) -> np.ndarray:
    """An initializer or a Constant's tensor as an array, its declared size checked against the data
    present (in the file, or in external data inside ``folder``) before anything is allocated."""
    mapping = onnx.helper
    count = elements(proto.dims, what)
    try:
        dtype = np.dtype(mapping.tensor_dtype_to_np_dtype(proto.data_type))
    except (KeyError, TypeError, ValueError):
        raise OnnxError(f"{what}: element type {proto.data_type} is not supported") from None
    if dtype.kind not in "biuf":
        raise OnnxError(f"{what}: element type {dtype} is not supported")
    if proto.data_location == onnx.TensorProto.EXTERNAL:
        raw = _external(proto, folder, count * dtype.itemsize, what)
        return np.frombuffer(raw, dtype=dtype.newbyteorder("<")).reshape(tuple(proto.dims)).astype(dtype)
    if proto.HasField("raw_data"):
        present = len(proto.raw_data) // dtype.itemsize
    else:
        field = mapping.tensor_dtype_to_field(proto.data_type)
        present = len(getattr(proto, field))
    if present != count:
        raise OnnxError(f"{what} declares shape {list(proto.dims)} ({count} elements) but holds {present}")
    return onnx.numpy_helper.to_array(proto)


def _external(proto: Any, folder: str | None, length: int, what: str) -> bytes:
    """The bytes of external data: a relative path inside the model's folder, a regular file, the range
    inside it and exactly as long as the tensor needs."""
    info = {entry.key: entry.value for entry in proto.external_data}
    location = info.get("location", "")
    if folder is None:
        raise OnnxError(f"{what}: external data {location!r} needs the model loaded from a path")
    if not location or os.path.isabs(location) or ".." in location.replace("\\", "/").split("/"):
        raise OnnxError(f"{what}: external data path {location!r} points outside the model's folder")
    root = os.path.realpath(folder)
    path = os.path.realpath(os.path.join(root, location))
    if os.path.commonpath([root, path]) != root:
        raise OnnxError(f"{what}: external data path {location!r} points outside the model's folder")
    offset = int(info.get("offset", 0))
    declared = int(info.get("length", length))
    if declared != length:
        raise OnnxError(f"{what}: external data holds {declared} bytes, the tensor needs {length}")
    return read_bytes(path, MAX_FILE_BYTES, f"{what}: external data", offset, length)


def topological(nodes: list[Any], known: set[str]) -> list[Any]:
    """The nodes in an order where each runs after its inputs' producers; a cycle, or an input nobody
    produces, is an error naming the node."""
    if len(nodes) > MAX_NODES:
        raise OnnxError(f"the graph has {len(nodes)} nodes, more than the limit of {MAX_NODES}")
    producer: dict[str, int] = {}
    for i, node in enumerate(nodes):
        for out in node.output:
            if out and (out in producer or out in known):
                raise OnnxError(f"node {node.name or node.op_type!r}: value {out!r} is produced twice")
            producer[out] = i
    waiting = [0] * len(nodes)
    readers: list[list[int]] = [[] for _ in nodes]
    for i, node in enumerate(nodes):
        for name in node.input:
            if not name or name in known:
                continue
            if name not in producer:
                raise OnnxError(f"node {node.name or node.op_type!r} reads {name!r}, which nothing produces")
            waiting[i] += 1
            readers[producer[name]].append(i)
    ready = [i for i, n in enumerate(waiting) if n == 0]  # a heap: the file's order where it allows
    order = []
    while ready:
        i = heapq.heappop(ready)
        order.append(i)
        for j in readers[i]:
            waiting[j] -= 1
            if waiting[j] == 0:
                heapq.heappush(ready, j)
    if len(order) != len(nodes):
        stuck = next(nodes[i] for i, n in enumerate(waiting) if n)
        raise OnnxError(f"the graph has a cycle (through node {stuck.name or stuck.op_type!r})")
    return [nodes[i] for i in order]
