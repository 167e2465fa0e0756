"""Any ONNX model's graph as a picture, pip-only (``autograd.viz``'s Diagram renders without a system
Graphviz): inputs, operators (with their main attributes), initializers as parameters, outputs, edges
labelled with the shapes ONNX's shape inference finds; operators are grouped by the module that ran them
when node names carry a scope (``/encoder/attn/MatMul_3``, as torch's and tracegrad's exports write).
Nothing the file declares is allocated: initializers are drawn from their dims."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from ..viz import Diagram
from ..viz.backends import format_of, write
from ..viz.draw import STYLE
from ..viz.escape import escape_text
from .checks import OnnxError, require_onnx, topological
from .loader import parse

_SHOWN = {
    "axis",
    "perm",
    "alpha",
    "epsilon",
    "transB",
    "direction",
    "hidden_size",
    "kernel_shape",
    "strides",
    "pads",
    "group",
    "keepdims",
    "axes",
}  # attributes worth a word in a node's label


def _text(*lines: str) -> str:
    """Lines of a label, each escaped, joined by DOT's line break."""
    return "\\n".join(escape_text(line) for line in lines)


def _dims(value_type: Any) -> str:
    """A value's shape as text, symbolic dims by name ("batch x 4")."""
    tensor = value_type.tensor_type
    if not tensor.HasField("shape"):
        return ""
    return " x ".join(d.dim_param or str(d.dim_value) for d in tensor.shape.dim) or "scalar"


def _label(onnx: Any, node: Any) -> list[str]:
    """An operator's label: its type and the attributes that say most about it."""
    parts = [node.op_type]  # lines
    for attr in node.attribute:
        if attr.name in _SHOWN:
            value = onnx.helper.get_attribute_value(attr)
            value = value.decode() if isinstance(value, bytes) else value
            value = f"{value:g}" if isinstance(value, float) else value
            parts.append(f"{attr.name}={value}")
    return parts


def _scope(node: Any) -> str:
    """The module a node belongs to, from a scoped name ("/encoder/attn/MatMul_3" -> "encoder/attn")."""
    name = node.name
    return name.strip("/").rpartition("/")[0] if name.startswith("/") else ""


def draw_onnx(f: Any, rankdir: str = "TB") -> Diagram:
    """The graph of an ONNX model (a path, bytes, or a ModelProto) as a ``viz.Diagram``."""
    onnx = require_onnx()
    model = f if hasattr(f, "graph") else parse(f)
    graph = model.graph
    try:
        inferred = onnx.shape_inference.infer_shapes(model).graph
        shapes = {v.name: _dims(v.type) for v in (*inferred.value_info, *inferred.input, *inferred.output)}
    except Exception:  # a model shape inference cannot follow is drawn without shapes
        shapes = {v.name: _dims(v.type) for v in (*graph.input, *graph.output)}
    params = {init.name: " x ".join(map(str, init.dims)) or "scalar" for init in graph.initializer}
    nodes = topological(list(graph.node), set(params) | {i.name for i in graph.input})
    dot = Diagram(graph.name or "onnx", graph_attr={"rankdir": rankdir}, node_attr={"fontname": "Helvetica"})
    source: dict[str, str] = {}
    for i, value in enumerate(v for v in graph.input if v.name not in params):
        source[value.name] = f"in{i}"
        dot.node(
            f"in{i}",
            _text(value.name, _dims(value.type)),
            shape="box",
            style="rounded,filled",
            fillcolor=STYLE["input"],
        )
    constants = {out for node in nodes if node.op_type == "Constant" for out in node.output}
    clusters: dict[str, Any] = {}
    drawn_params: set[str] = set()
    for k, node in enumerate(nodes):
        if node.op_type == "Constant":
            continue
        scope = _scope(node)
        target = dot
        if scope:
            if scope not in clusters:
                clusters[scope] = Diagram(name=f"cluster_{len(clusters)}")
                clusters[scope].attr(label=escape_text(scope), style="rounded", color="#999999")
            target = clusters[scope]
        nid = f"op{k}"
        target.node(nid, _text(*_label(onnx, node)), shape="box", style="filled", fillcolor=STYLE["result"])
        for name in node.input:
            if not name or name in constants:
                continue
            if name in params:
                if name not in drawn_params:
                    drawn_params.add(name)
                    target.node(
                        f"p_{len(drawn_params)}_{k}",
                        _text(name, params[name]),
                        shape="box",
                        style="filled",
                        fillcolor=STYLE["parameter"],
                    )
                    source[name] = f"p_{len(drawn_params)}_{k}"
                dot.edge(source[name], nid)
                continue
            if name not in source:
                raise OnnxError(f"node {node.name or node.op_type!r} reads {name!r}, which nothing produces")
            dot.edge(source[name], nid, label=escape_text(shapes.get(name, "")), fontsize="10")
        for out in node.output:
            source[out] = nid
    for cluster in clusters.values():
        dot.subgraph(cluster)
    for i, value in enumerate(graph.output):
        dot.node(
            f"out{i}",
            _text(value.name, _dims(value.type)),
            shape="box",
            style="rounded,filled",
            fillcolor=STYLE["output"],
        )
        if value.name in source:
            dot.edge(source[value.name], f"out{i}")
    if constants:
        dot.note = f"{len(constants)} constants (Constant nodes) not drawn"
    return dot


def render_onnx(f: Any, path: str | os.PathLike[str], rankdir: str = "TB") -> Path:
    """Writes the graph of the ONNX model ``f`` to ``path`` (.svg, .png, .pdf or .dot)."""
    format_of(path)  # an unknown extension is refused before the model is read
    return write(draw_onnx(f, rankdir).source, path)
