"""``export``: a model's forward pass written as an ONNX graph, torch.onnx.export's signature.

The forward runs once in eval mode under no_grad while a ``Tracer`` records each op that touches a traced
value (an input, a parameter or buffer, or an earlier traced result); ``symbolic.SYMBOLIC`` turns each into
ONNX nodes. Parameters and buffers become initializers under their ``state_dict`` names. When
``dynamic_axes`` names axes, the forward first runs at other sizes of those axes (the probe), so shapes that
follow them (a reshape's target, a broadcast) are written in a form that holds at any size.
"""

from __future__ import annotations

import io
import os
from typing import Any

import numpy as np

from ..grad_mode import no_grad
from ..tensor import Tensor
from .checks import OnnxError, require_onnx
from .symbolic import SYMBOLIC
from .trace import Tracer, tracing, where_called
from .values import Var

DEFAULT_OPSET = 17
MAX_OPSET = 18


class Graph:
    """The nodes of the graph being written, and the helpers the op table builds them with."""

    def __init__(self, opset: int) -> None:
        self.onnx = require_onnx()
        self.opset = opset
        self.nodes: list[Any] = []
        self.out: np.ndarray = np.empty(0)  # the current op's result while it is recorded
        self.probe: list[Any] | None = None  # the current op's arguments in the probe run (dynamic axes)
        self.scope = ""
        self._count = 0
        self._constants: dict[tuple[str, tuple[int, ...], bytes], str] = {}

    def fresh(self, hint: str) -> str:
        """A new value name."""
        self._count += 1
        return f"{self.scope}{hint}_{self._count}"

    def node(self, op_type: str, inputs: list[str], outputs: int = 1, **attrs: Any) -> Any:
        """Appends one node; its output name (or names, when ``outputs`` > 1)."""
        names = [self.fresh(op_type.lower()) for _ in range(outputs)]
        attrs = {k: v for k, v in attrs.items() if v is not None}
        name = f"{self.scope}{op_type}_{self._count}"
        self.nodes.append(self.onnx.helper.make_node(op_type, inputs, names, name=name, **attrs))
        return names[0] if outputs == 1 else names

    def const(self, value: Any, dtype: Any = None) -> str:
        """A Constant node holding ``value`` (an array or a number, in ``dtype`` when given)."""
        array = np.asarray(value, dtype=dtype)
        if array.dtype == np.float64 and dtype is None and not isinstance(value, np.ndarray):
            array = array.astype(np.float32)
        key = (array.dtype.str, array.shape, array.tobytes())
        if key not in self._constants:
            tensor = self.onnx.numpy_helper.from_array(np.ascontiguousarray(array))
            self._constants[key] = self.node("Constant", [], value=tensor)
        return self._constants[key]

    def ints(self, values: Any) -> str:
        """A 1-D int64 constant (shapes, axes, slice bounds)."""
        return self.const(np.asarray(list(values), dtype=np.int64))

    def value(self, x: Any, dtype: Any = None) -> str:
        """The name of an op's argument: a traced value (cast to ``dtype`` when it differs), a constant
        array or number (in ``dtype``), or "" for None (an omitted optional input)."""
        if x is None:
            return ""
        if isinstance(x, Var):
            if dtype is not None and x.dtype != np.dtype(dtype):
                return self.node("Cast", [x.name], to=self.elem_type(dtype))
            return x.name
        return self.const(x, dtype if dtype is not None else getattr(x, "dtype", None))

    def elem_type(self, dtype: Any) -> int:
        """ONNX's element type of a numpy dtype."""
        return int(self.onnx.helper.np_dtype_to_tensor_dtype(np.dtype(dtype)))

    def reduce(self, op_type: str, x: str, axes: Any, keepdims: bool) -> str:
        """A Reduce* node over ``axes`` (None: all): axes an input from opset 18 (13 for ReduceSum)."""
        keep = int(bool(keepdims))
        if axes is None:
            return self.node(op_type, [x], keepdims=keep)
        axes = [axes] if isinstance(axes, (int, np.integer)) else list(axes)
        if op_type == "ReduceSum" or self.opset >= 18:
            return self.node(op_type, [x, self.ints(axes)], keepdims=keep)
        return self.node(op_type, [x], axes=axes, keepdims=keep)


def _names(given: list[str] | None, count: int, prefix: str) -> list[str]:
    names = list(given or [])
    if len(names) > count:
        raise OnnxError(f"export: {len(names)} {prefix} names given for {count} {prefix}s")
    return names + [f"{prefix}_{i}" for i in range(len(names), count)]


def _flatten(value: Any, what: str) -> list[Tensor]:
    """Tensors of a (nested) tuple or list, in order."""
    if isinstance(value, Tensor):
        return [value]
    if isinstance(value, (tuple, list)):
        return [t for v in value for t in _flatten(v, what)]
    if value is None:
        return []
    raise OnnxError(
        f"export: the model's {what} must be tensors (or tuples of them), got {type(value).__name__}"
    )


def _axes(dynamic_axes: dict[str, Any] | None, name: str, ndim: int) -> dict[int, str]:
    """The dynamic axes of one input or output, as {axis: dim_param} (torch accepts a list or a dict)."""
    spec = (dynamic_axes or {}).get(name)
    if spec is None:
        return {}
    pairs = spec.items() if isinstance(spec, dict) else ((a, f"{name}_dynamic_axes_{a}") for a in spec)
    out = {}
    for axis, label in pairs:
        if not isinstance(axis, int) or not -ndim <= axis < ndim:
            raise OnnxError(f"export: dynamic_axes[{name!r}] names axis {axis!r} of a {ndim}-D value")
        out[axis % ndim] = str(label)
    return out


class _Recorder:
    """Turns each traced op into nodes (or, in the probe run, notes its arguments)."""

    def __init__(self, graph: Graph, probe: list[tuple[str, list[Any]]] | None) -> None:
        self.graph = graph
        self.probe = probe  # None: this is the probe run (or no dynamic axes and no probe)
        self.notes: list[tuple[str, list[Any]]] = []
        self.tracer: Tracer
        self.emit = True

    def __call__(self, name: str, values: tuple[Any, ...], out: np.ndarray) -> Var:
        rule = SYMBOLIC.get(name)
        if rule is None:
            raise OnnxError(f"export: op {name} has no ONNX mapping (called at {where_called()})")
        if not self.emit:
            self.notes.append((name, [_note(v) for v in values]))
            return Var("probe", out)
        g = self.graph
        if self.probe is not None:
            step = len(self.notes)
            self.notes.append((name, []))
            if step >= len(self.probe) or self.probe[step][0] != name:
                raise OnnxError(
                    f"export: the ops run differ when the dynamic axes change size, at op {name} (called at "
                    f"{where_called()}): the model's graph depends on those sizes"
                )
            g.probe = self.probe[step][1]
        g.out = out
        try:
            output = rule(g, *values)
        except OnnxError as error:
            raise OnnxError(f"export: op {name} (called at {where_called()}): {error}") from None
        return Var(output, out)


def _note(value: Any) -> Any:
    """What the probe keeps of an argument: shapes of arrays, other values as they are."""
    if isinstance(value, Var):
        return ("var", value.shape)
    if isinstance(value, np.ndarray):
        return ("const", value.shape)
    return value


def _run(
    model: Any,
    args: tuple[Any, ...],
    inputs: list[Tensor],
    names: list[str],
    recorder: _Recorder,
    state: dict[str, np.ndarray],
) -> list[tuple[Tensor, Var | None]]:
    """One traced forward pass; the outputs with their graph values."""
    tracer = Tracer(recorder)
    recorder.tracer = tracer
    tracer.cast = lambda var, array: Var(
        recorder.graph.node("Cast", [var.name], to=recorder.graph.elem_type(array.dtype))
        if recorder.emit
        else "probe",
        array,
    )
    for name, array in state.items():
        if id(array) not in tracer.values:
            tracer.add(array, Var(name, array))
    for name, tensor in zip(names, inputs, strict=True):
        tracer.add(tensor._data, Var(name, tensor._data))
    with tracing(tracer), no_grad():
        result = model(*args)
    outputs = _flatten(result, "outputs")
    return [(t, tracer.lookup(t)) for t in outputs]


def _resized(tensor: Tensor, axes: dict[int, str]) -> Tensor:
    """``tensor`` with each dynamic axis one longer (values repeated): the probe's input."""
    shape = [n + 1 if i in axes else n for i, n in enumerate(tensor.shape)]
    return Tensor(np.resize(tensor._data, shape), dtype=tensor.dtype)


def export(
    model: Any,
    args: Any,
    f: Any,
    input_names: list[str] | None = None,
    output_names: list[str] | None = None,
    dynamic_axes: dict[str, Any] | None = None,
    opset_version: int | None = None,
) -> Any:
    """Runs ``model(*args)`` once (eval mode, no_grad) and writes the recorded ops to ``f`` (a path or a
    binary file) as an ONNX model: inputs named ``input_names``, outputs ``output_names``, the axes in
    ``dynamic_axes`` ({name: [axis, ...] or {axis: label}}) left free, ``opset_version`` 17 (default) or 18.
    Returns the ModelProto, checked by ``onnx.checker.check_model(full_check=True)``."""
    onnx = require_onnx()
    opset = DEFAULT_OPSET if opset_version is None else opset_version
    if not DEFAULT_OPSET <= opset <= MAX_OPSET:
        raise OnnxError(f"export: opset_version must be {DEFAULT_OPSET} to {MAX_OPSET}, got {opset}")
    args = args if isinstance(args, tuple) else (args,)
    inputs = _flatten(args, "inputs")
    if len(inputs) != len(args):
        raise OnnxError("export: args must be tensors (nested inputs are not supported)")
    in_names = _names(input_names, len(inputs), "input")
    state: dict[str, np.ndarray] = {}
    if hasattr(model, "state_dict"):
        for name, tensor in model.state_dict().items():
            state.setdefault(name, tensor._data)
    training = getattr(model, "training", None)
    if training:
        model.eval()
    try:
        graph = Graph(opset)
        in_axes = [_axes(dynamic_axes, n, t.ndim) for n, t in zip(in_names, inputs, strict=True)]
        probe = None
        if any(in_axes):
            bigger = tuple(_resized(t, a) for t, a in zip(inputs, in_axes, strict=True))
            probing = _Recorder(graph, None)
            probing.emit = False
            _run(model, bigger, list(bigger), in_names, probing, state)
            probe = probing.notes
        recorder = _Recorder(graph, probe)
        outputs = _run(model, args, inputs, in_names, recorder, state)
    finally:
        if training:
            model.train()
    out_names = _names(output_names, len(outputs), "output")
    used = {name for node in graph.nodes for name in node.input}
    final = []
    for name, (tensor, var) in zip(out_names, outputs, strict=True):
        source = var.name if var is not None else graph.const(tensor._data)
        graph.nodes.append(onnx.helper.make_node("Identity", [source], [name], name=f"{name}_Identity"))
        final.append((name, tensor))
    _rename_outputs(graph, final, used)
    graph.nodes = _live(graph.nodes, {name for name, _ in final})
    initializers = [  # the whole state_dict, so that a loaded model has the original's
        onnx.numpy_helper.from_array(np.ascontiguousarray(a), name) for name, a in state.items()
    ]
    graph_proto = onnx.helper.make_graph(
        graph.nodes,
        "tracegrad",
        [_info(onnx, n, t, a) for n, t, a in zip(in_names, inputs, in_axes, strict=True)],
        [_info(onnx, n, t, _axes(dynamic_axes, n, t.ndim)) for n, t in final],
        initializers,
    )
    proto = onnx.helper.make_model(
        graph_proto, opset_imports=[onnx.helper.make_opsetid("", opset)], producer_name="tracegrad"
    )
    onnx.checker.check_model(proto, full_check=True)
    data = proto.SerializeToString()
    if isinstance(f, (str, os.PathLike)):
        with open(f, "wb") as file:
            file.write(data)
    elif isinstance(f, io.IOBase) or hasattr(f, "write"):
        f.write(data)
    else:
        raise OnnxError(f"export: f must be a path or a binary file, got {type(f).__name__}")
    return proto


def _live(nodes: list[Any], outputs: set[str]) -> list[Any]:
    """The nodes the outputs depend on (a value computed and never used, such as the bias chunks that
    self-attention skips, is dropped)."""
    needed, kept = set(outputs), []
    for node in reversed(nodes):
        if any(out in needed for out in node.output):
            kept.append(node)
            needed.update(node.input)
    return kept[::-1]


def _rename_outputs(graph: Graph, final: list[tuple[str, Tensor]], used: set[str]) -> None:
    """Drops the Identity nodes added for the outputs where the producing node can name its result
    itself (a value produced by a node, read by no other node and given as one output only)."""
    producers = {out: node for node in graph.nodes for out in node.output}
    counts: dict[str, int] = {}
    identities = graph.nodes[-len(final) :] if final else []
    for node in identities:
        counts[node.input[0]] = counts.get(node.input[0], 0) + 1
    keep = []
    for node in identities:
        source = node.input[0]
        producer = producers.get(source)
        if producer is None or producer.op_type == "Constant" or source in used or counts[source] > 1:
            keep.append(node)
            continue
        producer.output[list(producer.output).index(source)] = node.output[0]
    graph.nodes[len(graph.nodes) - len(identities) :] = keep


def _info(onnx: Any, name: str, tensor: Tensor, axes: dict[int, str]) -> Any:
    """A graph input's or output's type: dtype and shape, dynamic axes by label."""
    shape = [axes.get(i, n) for i, n in enumerate(tensor.shape)]
    return onnx.helper.make_tensor_value_info(name, onnx.helper.np_dtype_to_tensor_dtype(tensor.dtype), shape)
