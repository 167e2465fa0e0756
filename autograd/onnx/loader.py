"""``load``: an ONNX model as an ``nn.Module`` whose forward runs the graph with tracegrad ops.

Float initializers become ``Parameter``s under their own names (``fc.weight`` is the parameter ``weight`` of
a child ``fc``, so the state_dict keys are the initializer names); BatchNormalization's running statistics
and integer initializers (counters, shapes) become buffers; the module can be evaluated, drawn with
``autograd.viz`` and fine-tuned. Everything is checked before anything is allocated: the file, each tensor's
declared size against the bytes present, external data (only inside the model's folder), the opset, every
operator and attribute, cycles.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

import nn
from autograd import Tensor

from . import recurrent  # noqa: F401 - registers LSTM, GRU, RNN, Conv and pooling in IMPORTS
from .checks import (
    MAX_FILE_BYTES,
    MAX_TOTAL_BYTES,
    OnnxError,
    read_bytes,
    require_onnx,
    tensor_array,
    topological,
)
from .importers import IMPORTS

MIN_OPSET = 13  # Squeeze/Unsqueeze/ReduceSum axes as inputs, Softmax along one axis


def _read(f: Any) -> tuple[bytes, str | None]:
    """The file's bytes and its folder (None for bytes or an open file: no external data then)."""
    if isinstance(f, (bytes, bytearray, memoryview)):
        data = bytes(f)
        folder = None
    elif isinstance(f, (str, os.PathLike)):
        path = os.fspath(f)
        data = read_bytes(path, MAX_FILE_BYTES, "ONNX file")
        folder = os.path.dirname(os.path.abspath(path))
    elif hasattr(f, "read"):
        data = f.read(MAX_FILE_BYTES + 1)
        folder = None
    else:
        raise OnnxError(f"load: f must be a path, bytes or a binary file, got {type(f).__name__}")
    if len(data) > MAX_FILE_BYTES:
        raise OnnxError(f"load: the ONNX model has more than {MAX_FILE_BYTES} bytes")
    return data, folder


def load(f: Any) -> OnnxModule:
    """An ONNX model (a path, bytes or a binary file) as an ``nn.Module`` running tracegrad ops; any
    operator, attribute or file it cannot read safely is an ``OnnxError`` naming it."""
    return OnnxModule(*_parsed(f))


def parse(f: Any) -> Any:
    """The ModelProto of an ONNX file (a path, bytes or a binary file), its size and kind checked first;
    external data is not read."""
    return _parsed(f)[0]


def _parsed(f: Any) -> tuple[Any, str | None]:
    onnx = require_onnx()
    data, folder = _read(f)
    try:
        model = onnx.load_model_from_string(data)
    except Exception as error:  # protobuf's DecodeError and friends
        raise OnnxError(f"load: not an ONNX model ({type(error).__name__}: {error})") from None
    return model, folder


def _attributes(onnx: Any, node: Any, allowed: frozenset[str], folder: str | None) -> dict[str, Any]:
    """A node's attributes as Python values; one the rule does not understand is an error."""
    out: dict[str, Any] = {"_op": node.op_type, "_onnx": onnx}
    for attr in node.attribute:
        if attr.name not in allowed:
            raise OnnxError(
                f"node {node.name or node.op_type!r}: {node.op_type} attribute {attr.name!r} is not supported"
            )
        if attr.type == onnx.AttributeProto.TENSOR:
            out[attr.name] = tensor_array(onnx, attr.t, folder, f"{node.op_type} attribute {attr.name!r}")
        elif attr.type in (onnx.AttributeProto.GRAPH, onnx.AttributeProto.GRAPHS):
            raise OnnxError(f"node {node.name or node.op_type!r}: subgraphs are not supported")
        else:
            value = onnx.helper.get_attribute_value(attr)
            if attr.type in (onnx.AttributeProto.FLOAT, onnx.AttributeProto.FLOATS):
                value = _decimal(value)
            if isinstance(value, bytes):
                value = value.decode("utf-8", "replace")
            elif isinstance(value, list):
                value = [v.decode("utf-8", "replace") if isinstance(v, bytes) else v for v in value]
            out[attr.name] = value
    return out


def _decimal(value: Any) -> Any:
    """ONNX stores float attributes in float32: each is read as the shortest decimal that float32 gives
    (0.2, not 0.2000000030), the number the exporter was given, so float64 models keep their precision."""
    if isinstance(value, list):
        return [_decimal(v) for v in value]
    return float(str(np.float32(value)))


class OnnxModule(nn.Module):
    """An ONNX graph as a module: its initializers are parameters (buffers for running statistics) named
    as in the file, and ``forward(*inputs)`` runs its nodes in order with tracegrad ops."""

    def __init__(self, model: Any, folder: str | None = None) -> None:
        super().__init__()
        onnx = require_onnx()
        opsets = {o.domain or "ai.onnx": o.version for o in model.opset_import}
        version = opsets.get("ai.onnx", 0)
        if not MIN_OPSET <= version <= onnx.defs.onnx_opset_version():
            raise OnnxError(
                f"load: opset {version} is not supported (need {MIN_OPSET} to "
                f"{onnx.defs.onnx_opset_version()})"
            )
        graph = model.graph
        state, total = {}, 0
        for init in graph.initializer:
            array = tensor_array(onnx, init, folder, f"initializer {init.name!r}")
            total += array.nbytes
            if total > MAX_TOTAL_BYTES:
                raise OnnxError(f"load: the initializers hold more than {MAX_TOTAL_BYTES} bytes")
            state[init.name] = array
        known = set(state) | {i.name for i in graph.input}
        self._nodes = topological(list(graph.node), known)
        self._attrs: list[dict[str, Any]] = []
        self._constants: dict[str, Tensor] = {}
        for node in self._nodes:
            if node.domain not in ("", "ai.onnx"):
                raise OnnxError(
                    f"node {node.name or node.op_type!r}: operator domain {node.domain!r} is not supported"
                )
            if node.op_type == "Constant":
                self._constants[node.output[0]] = _constant(onnx, node, folder)
                self._attrs.append({})
                continue
            if node.op_type not in IMPORTS:
                raise OnnxError(
                    f"node {node.name or node.op_type!r}: operator {node.op_type} is not supported"
                )
            self._attrs.append(_attributes(onnx, node, IMPORTS[node.op_type][1], folder))
        statistics = {n.input[i] for n in self._nodes if n.op_type == "BatchNormalization" for i in (3, 4)}
        self._names: dict[str, str] = {}  # initializer -> its key in state_dict()
        for name, array in state.items():
            if array.dtype.kind != "f" or name in statistics:  # counters, shapes, running statistics
                self._place(name, Tensor(array), buffer=True)
            else:
                self._place(name, nn.Parameter(array), buffer=False)
        self.input_names = [i.name for i in graph.input if i.name not in state]
        self.output_names = [o.name for o in graph.output]

    def _place(self, name: str, value: Tensor, buffer: bool) -> None:
        """Registers ``value`` at the dotted path ``name`` (children made as needed); a name that cannot be a
        path (empty parts, a clash) is registered whole, dots replaced by underscores."""
        parts = name.split(".")
        owner: nn.Module = self
        ok = all(parts)
        for part in parts[:-1] if ok else ():
            child = owner._modules.get(part)
            if child is None and (part in owner._parameters or hasattr(owner, part)):
                ok = False
                break
            if child is None:
                child = nn.Module()
                owner.add_module(part, child)
            owner = child
        leaf = parts[-1]
        if not ok or leaf in owner._modules or leaf in owner._parameters or leaf in owner.__dict__:
            owner, leaf = self, name.replace(".", "_")
        if buffer:
            owner.register_buffer(leaf, value)
        else:
            owner.register_parameter(leaf, value)  # type: ignore[arg-type]
        self._names[name] = leaf if owner is self else name

    def _initializers(self) -> dict[str, Tensor]:
        """The initializers' current tensors, by their ONNX names."""
        found = {**dict(self.named_parameters()), **dict(self.named_buffers())}
        return {onnx_name: found[key] for onnx_name, key in self._names.items()}

    def forward(self, *inputs: Tensor) -> Any:
        """The graph's outputs (one tensor, or a tuple) for ``inputs`` in the graph's input order."""
        if len(inputs) != len(self.input_names):
            raise TypeError(
                f"OnnxModule: expected {len(self.input_names)} inputs {self.input_names}, got {len(inputs)}"
            )
        values: dict[str, Any] = {**self._constants, **self._initializers()}
        for name, x in zip(self.input_names, inputs, strict=True):
            values[name] = x if isinstance(x, Tensor) else Tensor(np.asarray(x))
        for node, attrs in zip(self._nodes, self._attrs, strict=True):
            if node.op_type == "Constant":
                continue
            fn = IMPORTS[node.op_type][0]
            args = [values[n] if n else None for n in node.input]
            try:
                out = fn(args, attrs)
            except OnnxError as error:
                raise OnnxError(f"node {node.name or node.op_type!r} ({node.op_type}): {error}") from None
            outs = out if isinstance(out, tuple) else (out,)
            for name, value in zip(node.output, outs, strict=False):
                if name:
                    values[name] = value
            if len([n for n in node.output if n]) > len(outs):
                raise OnnxError(
                    f"node {node.name or node.op_type!r}: {node.op_type} outputs beyond the first "
                    f"{len(outs)} are not supported"
                )
        results = tuple(values[name] for name in self.output_names)
        return results[0] if len(results) == 1 else results

    def extra_repr(self) -> str:
        return f"inputs={self.input_names}, outputs={self.output_names}, nodes={len(self._nodes)}"


def _constant(onnx: Any, node: Any, folder: str | None) -> Tensor:
    """A Constant node's value (a tensor attribute, or one of the value_* forms)."""
    if len(node.attribute) != 1:
        raise OnnxError(f"node {node.name or 'Constant'!r}: a Constant needs exactly one value attribute")
    attr = node.attribute[0]
    if attr.name == "value":
        return Tensor(tensor_array(onnx, attr.t, folder, f"Constant {node.output[0]!r}"))
    forms = {
        "value_float": np.float32,
        "value_floats": np.float32,
        "value_int": np.int64,
        "value_ints": np.int64,
    }
    if attr.name not in forms:
        raise OnnxError(
            f"node {node.name or 'Constant'!r}: Constant attribute {attr.name!r} is not supported"
        )
    return Tensor(np.asarray(onnx.helper.get_attribute_value(attr), dtype=forms[attr.name]))
