"""``load``'s rules for the layers whose weights ONNX lays out its own way: LSTM, GRU and RNN (gates in ONNX's
order, run by nn's ``Recurrence`` in torch's), and convolution and pooling (nn.functional's, torch's
arguments)."""

from __future__ import annotations

from typing import Any

import numpy as np

import autograd
from autograd import Tensor
from nn import functional as F  # noqa: N812 - torch's alias
from nn.recurrence import run_layer

from .checks import OnnxError
from .importers import rule

_TO_TORCH = {"LSTM": (0, 2, 3, 1), "GRU": (1, 0, 2), "RNN": (0,)}  # ONNX's gate blocks in torch's order
_RNN_ATTRS = (
    "hidden_size",
    "direction",
    "activations",
    "linear_before_reset",
    "layout",
    "clip",
    "input_forget",
    "activation_alpha",
    "activation_beta",
)
_DEFAULT_ACTS = {"LSTM": ["Sigmoid", "Tanh", "Tanh"], "GRU": ["Sigmoid", "Tanh"], "RNN": ["Tanh"]}


@rule("LSTM", "GRU", "RNN", attrs=_RNN_ATTRS)
def _recurrent(x: list[Any], a: dict[str, Any]) -> tuple[Tensor, ...]:
    """ONNX's recurrent layer as nn's: per direction, torch's x_parts = X W^T + Wb and weight_hh, bias_hh
    taken from W, R, B in torch's gate order, then ``run_layer``."""
    op = a["_op"]
    size = a["hidden_size"]
    directions = {"forward": 1, "reverse": 1, "bidirectional": 2}.get(a.get("direction", "forward"))
    acts = a.get("activations")
    mode = {"LSTM": "LSTM", "GRU": "GRU"}.get(
        op, "RNN_RELU" if acts in (["Relu"], ["Relu", "Relu"]) else "RNN_TANH"
    )
    if directions is None:
        raise OnnxError(f"{op} direction {a['direction']!r} is not supported")
    if acts is not None and op != "RNN" and acts != _DEFAULT_ACTS[op] * directions:
        raise OnnxError(f"{op} activations {acts} are not supported (only torch's)")
    if acts is not None and op == "RNN" and (acts[0] not in ("Tanh", "Relu") or len(set(acts)) > 1):
        raise OnnxError(f"{op} activations {acts} are not supported (only Tanh or Relu)")
    if op == "GRU" and not a.get("linear_before_reset", 0):
        raise OnnxError("GRU with linear_before_reset=0 is not torch's GRU and is not supported")
    for unsupported in ("clip", "input_forget", "layout", "activation_alpha", "activation_beta"):
        if a.get(unsupported):
            raise OnnxError(f"{op} attribute {unsupported}={a[unsupported]!r} is not supported")
    inputs = x + [None] * (8 - len(x))
    X, W, R, B, lengths, h0, c0 = inputs[:7]
    if lengths is not None or (op == "LSTM" and inputs[7] is not None):
        raise OnnxError(f"{op} with sequence_lens or peepholes is not supported")
    gates = W.shape[1]
    order = np.concatenate([np.arange(b * size, (b + 1) * size) for b in _TO_TORCH[op]])
    if gates != len(order):
        raise OnnxError(f"{op}: W has {gates} rows, expected {len(order)} for hidden_size {size}")
    batch = X.shape[1]
    zeros = autograd.zeros(directions, batch, size, dtype=X.dtype)
    h0 = zeros if h0 is None else h0
    c0 = zeros if c0 is None else c0
    outputs, last_h, last_c = [], [], []
    for d in range(directions):
        w_ih, w_hh = W[d][order], R[d][order]
        b_ih = b_hh = None
        if B is not None:
            b_ih, b_hh = B[d][: len(order)][order], B[d][len(order) :][order]
        parts = autograd.linear(X, w_ih, b_ih)
        state: Any = (h0[d], c0[d]) if op == "LSTM" else h0[d]
        reverse = d == 1 or a.get("direction") == "reverse"
        out, state = run_layer(mode, parts, state, w_hh, b_hh, reverse)
        outputs.append(out)
        last_h.append(state[0] if op == "LSTM" else state)
        if op == "LSTM":
            last_c.append(state[1])
    y = autograd.stack(outputs, 1)
    if op == "LSTM":
        return y, autograd.stack(last_h), autograd.stack(last_c)
    return y, autograd.stack(last_h)


def _padding(pads: list[int] | None, rank: int, op: str) -> tuple[int, ...]:
    """ONNX's pads (begins then ends) as torch's symmetric padding."""
    pads = pads or [0] * (2 * rank)
    if pads[:rank] != pads[rank:]:
        raise OnnxError(f"{op} with asymmetric pads {pads} is not supported")
    return tuple(pads[:rank])


def _functional(name: str) -> Any:
    fn = getattr(F, name, None)
    if fn is None:
        raise OnnxError(f"nn.functional.{name} is needed and missing from this tracegrad")
    return fn


def _plain_pad(a: dict[str, Any], op: str) -> None:
    if a.get("auto_pad", "NOTSET") not in ("NOTSET", "VALID"):
        raise OnnxError(f"{op} auto_pad={a['auto_pad']!r} is not supported")


@rule("Conv", attrs=("auto_pad", "dilations", "group", "kernel_shape", "pads", "strides"))
def _conv(x: list[Any], a: dict[str, Any]) -> Tensor:
    _plain_pad(a, "Conv")
    rank = x[1].ndim - 2
    fn = _functional(f"conv{rank}d")
    pads = list(a.get("pads") or [0] * (2 * rank))
    inp = x[0]
    if pads[:rank] != pads[rank:]:  # padding="same" with an even kernel: zeros added first, as torch does
        inp = F.pad(inp, [p for i in reversed(range(rank)) for p in (pads[i], pads[rank + i])])
        pads = [0] * (2 * rank)
    return fn(
        inp,
        x[1],
        x[2] if len(x) > 2 else None,
        tuple(a.get("strides", [1] * rank)),
        _padding(pads, rank, "Conv"),
        tuple(a.get("dilations", [1] * rank)),
        a.get("group", 1),
    )


@rule(
    "MaxPool",
    attrs=("auto_pad", "ceil_mode", "dilations", "kernel_shape", "pads", "storage_order", "strides"),
)
def _max_pool(x: list[Any], a: dict[str, Any]) -> Tensor:
    _plain_pad(a, "MaxPool")
    kernel = a["kernel_shape"]
    rank = len(kernel)
    fn = _functional(f"max_pool{rank}d")
    return fn(
        x[0],
        tuple(kernel),
        tuple(a.get("strides", [1] * rank)),
        _padding(a.get("pads"), rank, "MaxPool"),
        tuple(a.get("dilations", [1] * rank)),
        ceil_mode=bool(a.get("ceil_mode", 0)),
    )


@rule("AveragePool", attrs=("auto_pad", "ceil_mode", "count_include_pad", "kernel_shape", "pads", "strides"))
def _avg_pool(x: list[Any], a: dict[str, Any]) -> Tensor:
    _plain_pad(a, "AveragePool")
    kernel = a["kernel_shape"]
    rank = len(kernel)
    fn = _functional(f"avg_pool{rank}d")
    return fn(
        x[0],
        tuple(kernel),
        tuple(a.get("strides", [1] * rank)),
        _padding(a.get("pads"), rank, "AveragePool"),
        ceil_mode=bool(a.get("ceil_mode", 0)),
        count_include_pad=bool(a.get("count_include_pad", 0)),
    )


@rule("GlobalAveragePool", "GlobalMaxPool")
def _global_pool(x: list[Any], a: dict[str, Any]) -> Tensor:
    dims = tuple(range(2, x[0].ndim))
    return x[0].mean(dims, keepdim=True) if a["_op"] == "GlobalAveragePool" else x[0].amax(dims, keepdim=True)
