"""The op table of ``load``: an ONNX operator -> a function computing it with tracegrad ops (so the loaded
graph is differentiable), and the attributes it understands; any other attribute is refused by the loader.

A rule gets the node's inputs (Tensors, None for an omitted optional one) and its attributes (a dict) and
returns a Tensor or a tuple of them. Inputs that are sizes or axes (a Reshape's shape, a Slice's bounds) are
read as integers; sizes that would allocate are checked against ``checks.MAX_ELEMENTS`` first.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

import autograd
from autograd import Tensor

from .checks import MAX_ELEMENTS, OnnxError, elements

Rule = Callable[[list[Any], dict[str, Any]], Any]
IMPORTS: dict[str, tuple[Rule, frozenset[str]]] = {}


def rule(*op_types: str, attrs: tuple[str, ...] = ()) -> Callable[[Rule], Rule]:
    """Registers ``fn`` for ``op_types``, understanding ``attrs``."""

    def record(fn: Rule) -> Rule:
        for op_type in op_types:
            IMPORTS[op_type] = (fn, frozenset(attrs))
        return fn

    return record


def ints(t: Tensor | None) -> list[int] | None:
    """An input holding sizes or axes, as Python ints (None when omitted)."""
    if t is None:
        return None
    if t._data.size > MAX_ELEMENTS or t._data.dtype.kind not in "iu":
        raise OnnxError(f"expected a tensor of integers (sizes or axes), got {t._data.dtype} {t.shape}")
    return [int(v) for v in t._data.reshape(-1)]


def scalar(t: Tensor | None) -> Any:
    """A one-element input (Clip's bounds) as a number, None when omitted."""
    return None if t is None else t._data.reshape(-1)[0].item()


def _constant(array: np.ndarray) -> Tensor:
    return autograd.tensor(array)


# ----- elementwise ----------------------------------------------------------------------------------------
def _binary(fn: Callable[[Any, Any], Any]) -> Rule:
    return lambda x, a: fn(x[0], x[1])


def _integer_div(a: Tensor, b: Tensor) -> Tensor:
    """ONNX's Div: true division for floats, division truncated toward zero for integers (shape math)."""
    if a._data.dtype.kind in "iu" and b._data.dtype.kind in "iu":
        return _constant(np.trunc(a._data / b._data).astype(np.result_type(a._data, b._data)))
    return a / b


rule("Add")(_binary(lambda a, b: a + b))
rule("Sub")(_binary(lambda a, b: a - b))
rule("Mul")(_binary(lambda a, b: a * b))
rule("Div")(_binary(_integer_div))
rule("Pow")(_binary(lambda a, b: a**b))
rule("MatMul")(_binary(lambda a, b: a.matmul(b)))
rule("Equal")(_binary(lambda a, b: a == b))
rule("Less")(_binary(lambda a, b: a < b))
rule("LessOrEqual")(_binary(lambda a, b: a <= b))
rule("Greater")(_binary(lambda a, b: a > b))
rule("GreaterOrEqual")(_binary(lambda a, b: a >= b))
rule("And")(_binary(lambda a, b: a & b))
rule("Or")(_binary(lambda a, b: a | b))
rule("Xor")(_binary(lambda a, b: a ^ b))

for _name, _method in (
    ("Relu", "relu"),
    ("Sigmoid", "sigmoid"),
    ("Tanh", "tanh"),
    ("Exp", "exp"),
    ("Log", "log"),
    ("Sqrt", "sqrt"),
    ("Abs", "abs"),
    ("Neg", "neg"),
    ("Sign", "sign"),
    ("IsNaN", "isnan"),
    ("Erf", "erf"),
    ("Sin", "sin"),
    ("Cos", "cos"),
    ("Tan", "tan"),
    ("Asin", "asin"),
    ("Acos", "acos"),
    ("Atan", "atan"),
    ("Sinh", "sinh"),
    ("Cosh", "cosh"),
    ("Asinh", "asinh"),
    ("Acosh", "acosh"),
    ("Atanh", "atanh"),
    ("Reciprocal", "reciprocal"),
    ("Floor", "floor"),
    ("Ceil", "ceil"),
    ("Round", "round"),
):
    rule(_name)(lambda x, a, m=_method: getattr(x[0], m)())
rule("Not")(lambda x, a: ~x[0])
rule("Identity")(lambda x, a: x[0])
rule("Dropout", attrs=("seed",))(lambda x, a: x[0])  # inference: the identity (a mask output is refused)
rule("LeakyRelu", attrs=("alpha",))(lambda x, a: x[0].leaky_relu(a.get("alpha", 0.01)))
rule("Elu", attrs=("alpha",))(lambda x, a: x[0].elu(a.get("alpha", 1.0)))
rule("Softmax", attrs=("axis",))(lambda x, a: x[0].softmax(a.get("axis", -1)))
rule("LogSoftmax", attrs=("axis",))(lambda x, a: x[0].log_softmax(a.get("axis", -1)))
rule("Where")(lambda x, a: autograd.where(x[0], x[1], x[2]))
rule("Softplus")(lambda x, a: (x[0].exp() + 1).log())
rule("HardSigmoid", attrs=("alpha", "beta"))(
    lambda x, a: (x[0] * a.get("alpha", 0.2) + a.get("beta", 0.5)).clamp(0.0, 1.0)
)
rule("HardSwish")(lambda x, a: x[0] * (x[0] / 6.0 + 0.5).clamp(0.0, 1.0))
rule("PRelu")(lambda x, a: autograd.where(x[0] < 0, x[0] * x[1], x[0]))


@rule("Gelu", attrs=("approximate",))
def _gelu(x: list[Any], a: dict[str, Any]) -> Tensor:
    from nn import functional as F  # noqa: N812 - torch's alias

    return F.gelu(x[0], approximate=a.get("approximate", "none"))


@rule("Tile")
def _tile(x: list[Any], a: dict[str, Any]) -> Tensor:
    reps = ints(x[1]) or []
    elements([n * r for n, r in zip(x[0].shape, reps, strict=False)], "Tile")
    return x[0].tile(tuple(reps))


@rule("CumSum", attrs=("exclusive", "reverse"))
def _cumsum(x: list[Any], a: dict[str, Any]) -> Tensor:
    if a.get("exclusive", 0):
        raise OnnxError("CumSum with exclusive=1 is not supported")
    axis = (ints(x[1]) or [0])[0]
    if a.get("reverse", 0):
        return x[0].flip(axis).cumsum(axis).flip(axis)
    return x[0].cumsum(axis)


@rule("Max", "Min")
def _extreme(x: list[Any], a: dict[str, Any]) -> Tensor:
    fn = autograd.maximum if a["_op"] == "Max" else autograd.minimum
    out = x[0]
    for t in x[1:]:
        out = fn(out, t)
    return out


@rule("Clip")
def _clip(x: list[Any], a: dict[str, Any]) -> Tensor:
    low, high = scalar(x[1] if len(x) > 1 else None), scalar(x[2] if len(x) > 2 else None)
    return x[0] if low is None and high is None else x[0].clamp(low, high)


@rule("Cast", attrs=("to", "saturate"))
def _cast(x: list[Any], a: dict[str, Any]) -> Tensor:
    onnx = a["_onnx"]
    try:
        dtype = np.dtype(onnx.helper.tensor_dtype_to_np_dtype(a["to"]))
    except (KeyError, TypeError, ValueError):
        raise OnnxError(f"Cast to element type {a.get('to')} is not supported") from None
    if dtype.kind not in "biuf":
        raise OnnxError(f"Cast to {dtype} is not supported")
    return x[0].to(dtype)


# ----- matrix products --------------------------------------------------------------------------------------
@rule("Gemm", attrs=("alpha", "beta", "transA", "transB"))
def _gemm(x: list[Any], a: dict[str, Any]) -> Tensor:
    A, B = x[0], x[1]
    C = x[2] if len(x) > 2 else None
    alpha, beta = a.get("alpha", 1.0), a.get("beta", 1.0)
    if a.get("transA", 0):
        A = A.transpose(0, 1)
    linear = a.get("transB", 0) and alpha == 1 and beta == 1 and (C is None or tuple(C.shape) == B.shape[:1])
    if linear:  # torch's Linear: one fused node
        return autograd.linear(A, B, C)
    out = A.matmul(B.transpose(0, 1) if a.get("transB", 0) else B)
    out = out if alpha == 1 else out * alpha
    return out if C is None else out + (C if beta == 1 else C * beta)


# ----- shapes -----------------------------------------------------------------------------------------------
@rule("Reshape", attrs=("allowzero",))
def _reshape(x: list[Any], a: dict[str, Any]) -> Tensor:
    shape = ints(x[1]) or []
    if not a.get("allowzero", 0):
        shape = [x[0].shape[i] if n == 0 else n for i, n in enumerate(shape)]
    return x[0].reshape(tuple(shape))


@rule("Flatten", attrs=("axis",))
def _flatten(x: list[Any], a: dict[str, Any]) -> Tensor:
    axis = a.get("axis", 1) % (x[0].ndim + 1) if x[0].ndim else 0
    return x[0].reshape(math.prod(x[0].shape[:axis]), math.prod(x[0].shape[axis:]))


@rule("Transpose", attrs=("perm",))
def _transpose(x: list[Any], a: dict[str, Any]) -> Tensor:
    perm = a.get("perm", list(range(x[0].ndim))[::-1])
    return x[0].permute(*perm)


@rule("Concat", attrs=("axis",))
def _concat(x: list[Any], a: dict[str, Any]) -> Tensor:
    return autograd.cat([t for t in x if t is not None], a["axis"])


@rule("Squeeze")
def _squeeze(x: list[Any], a: dict[str, Any]) -> Tensor:
    axes = ints(x[1] if len(x) > 1 else None)
    shape = x[0].shape
    drop = {i % len(shape) for i in axes} if axes is not None else {i for i, n in enumerate(shape) if n == 1}
    if any(shape[i] != 1 for i in drop):
        raise OnnxError(f"Squeeze of axes {sorted(drop)} of a tensor of shape {tuple(shape)}")
    return x[0].reshape(tuple(n for i, n in enumerate(shape) if i not in drop))


@rule("Unsqueeze")
def _unsqueeze(x: list[Any], a: dict[str, Any]) -> Tensor:
    axes = ints(x[1]) or []
    rank = x[0].ndim + len(axes)
    shape = list(x[0].shape)
    for axis in sorted(i % rank for i in axes):
        shape.insert(axis, 1)
    return x[0].reshape(tuple(shape))


@rule("Gather", attrs=("axis",))
def _gather(x: list[Any], a: dict[str, Any]) -> Tensor:
    axis = a.get("axis", 0) % x[0].ndim
    index = x[1]._data
    if index.dtype.kind not in "iu":
        raise OnnxError(f"Gather indices must be integers, got {index.dtype}")
    return x[0][(slice(None),) * axis + (index if index.ndim else int(index),)]


@rule("Slice")
def _slice(x: list[Any], a: dict[str, Any]) -> Tensor:
    starts, ends = ints(x[1]), ints(x[2])
    axes = ints(x[3] if len(x) > 3 else None) or list(range(len(starts or [])))
    steps = ints(x[4] if len(x) > 4 else None) or [1] * len(axes)
    index = [slice(None)] * x[0].ndim
    for start, end, axis, step in zip(starts or [], ends or [], axes, steps, strict=True):
        if step == 0:
            raise OnnxError("Slice with step 0")
        index[axis % x[0].ndim] = slice(start, end, step)
    return x[0][tuple(index)]


@rule("Shape", attrs=("start", "end"))
def _shape(x: list[Any], a: dict[str, Any]) -> Tensor:
    shape = list(x[0].shape)
    return _constant(np.array(shape[a.get("start", 0) : a.get("end", len(shape))], np.int64))


@rule("ConstantOfShape", attrs=("value",))
def _constant_of_shape(x: list[Any], a: dict[str, Any]) -> Tensor:
    shape = ints(x[0]) or []
    elements(shape, "ConstantOfShape")
    value = a.get("value", np.zeros(1, np.float32))
    return _constant(np.full(shape, value.reshape(-1)[0], value.dtype))


@rule("Expand")
def _expand(x: list[Any], a: dict[str, Any]) -> Tensor:
    shape = ints(x[1]) or []
    elements(shape, "Expand")
    target = np.broadcast_shapes(tuple(x[0].shape), tuple(shape))
    elements(target, "Expand")
    return x[0].expand(*target)


# ----- reductions -------------------------------------------------------------------------------------------
_REDUCE = {
    "ReduceSum": lambda t, d, k: t.sum(d, keepdim=k),
    "ReduceMean": lambda t, d, k: t.mean(d, keepdim=k),
    "ReduceMax": lambda t, d, k: t.amax(d, keepdim=k),
    "ReduceMin": lambda t, d, k: t.amin(d, keepdim=k),
    "ReduceLogSumExp": lambda t, d, k: autograd.logsumexp(t, d, keepdim=k),
    "ReduceProd": lambda t, d, k: _prod(t, d, k),
}


def _prod(t: Tensor, dims: tuple[int, ...], keepdim: bool) -> Tensor:
    """The product over several dimensions (``prod`` takes one at a time), largest first."""
    for d in sorted((d % t.ndim for d in dims), reverse=True):
        t = t.prod(d, keepdim=True)
    return (
        t
        if keepdim
        else t.reshape(tuple(n for i, n in enumerate(t.shape) if i not in {d % t.ndim for d in dims}))
    )


@rule(*_REDUCE, attrs=("axes", "keepdims", "noop_with_empty_axes"))
def _reduce(x: list[Any], a: dict[str, Any]) -> Tensor:
    axes = a.get("axes", ints(x[1] if len(x) > 1 else None))
    if not axes:
        if a.get("noop_with_empty_axes", 0):
            return x[0]
        axes = list(range(x[0].ndim))
    return _REDUCE[a["_op"]](x[0], tuple(axes), bool(a.get("keepdims", 1)))


@rule("ArgMax", "ArgMin", attrs=("axis", "keepdims", "select_last_index"))
def _arg(x: list[Any], a: dict[str, Any]) -> Tensor:
    if a.get("select_last_index", 0):
        raise OnnxError(f"{a['_op']} with select_last_index=1 is not supported")
    method = x[0].argmax if a["_op"] == "ArgMax" else x[0].argmin
    return method(a.get("axis", 0), keepdim=bool(a.get("keepdims", 1)))


# ----- normalization ----------------------------------------------------------------------------------------
@rule("BatchNormalization", attrs=("epsilon", "momentum", "training_mode"))
def _batch_norm(x: list[Any], a: dict[str, Any]) -> Tensor:
    if a.get("training_mode", 0):
        raise OnnxError("BatchNormalization with training_mode=1 is not supported (export in eval mode)")
    data, scale, bias, mean, var = x[:5]
    shape = (1, -1) + (1,) * (data.ndim - 2)
    inv = (var.reshape(shape) + a.get("epsilon", 1e-5)).sqrt()
    return (data - mean.reshape(shape)) / inv * scale.reshape(shape) + bias.reshape(shape)


@rule("LayerNormalization", attrs=("axis", "epsilon", "stash_type"))
def _layer_norm(x: list[Any], a: dict[str, Any]) -> Tensor:
    data, scale = x[0], x[1]
    bias = x[2] if len(x) > 2 else None
    axis = a.get("axis", -1) % data.ndim
    dims = tuple(range(axis, data.ndim))
    centred = data - data.mean(dims, keepdim=True)
    out = centred / ((centred * centred).mean(dims, keepdim=True) + a.get("epsilon", 1e-5)).sqrt() * scale
    return out if bias is None else out + bias
