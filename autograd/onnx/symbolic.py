"""The op table of ``export``: an Op class's name -> a small function writing its ONNX nodes.

Each rule gets the graph ``g`` and the op's forward arguments, traced arrays as ``Var`` (name, traced
array), constant arrays and Python values as they were, and returns the name of the result; ``g.out`` is
the result the op computed while tracing, ``g.probe`` (with dynamic axes) the same op's arguments at the
other sizes. Adding an op's export is one entry in ``SYMBOLIC``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from .checks import OnnxError
from .functions import RULES as FUNCTION_SYMBOLIC
from .values import Var
from .windows import OP_RULES as WINDOW_SYMBOLIC

if TYPE_CHECKING:
    from .exporter import Graph

Rule = Callable[..., str]
INT64_MAX, INT64_MIN = 2**63 - 1, -(2**63)


def _unary(op_type: str, **attrs: Any) -> Rule:
    def rule(g: Graph, a: Var, *_: Any) -> str:
        return g.node(op_type, [g.value(a, g.out.dtype)], **attrs)

    return rule


def _binary(op_type: str) -> Rule:
    def rule(g: Graph, a: Any, b: Any) -> str:
        dtype = g.out.dtype
        return g.node(op_type, [g.value(a, dtype), g.value(b, dtype)])

    return rule


def _pow(g: Graph, a: Any, b: Any) -> str:
    dtype = g.out.dtype
    return g.node("Pow", [g.value(a, dtype), g.value(b, dtype)])


def _leaky_relu(g: Graph, a: Var, slope: float) -> str:
    return g.node("LeakyRelu", [a.name], alpha=float(slope))


def _elu(g: Graph, a: Var, alpha: float) -> str:
    return g.node("Elu", [a.name], alpha=float(alpha))


def _clamp(g: Graph, a: Var, low: Any, high: Any) -> str:
    dtype = g.out.dtype
    x = g.value(a, dtype)
    if all(b is None or np.ndim(b) == 0 and not isinstance(b, Var) for b in (low, high)):
        return g.node("Clip", [x, g.value(low, dtype), g.value(high, dtype)])
    if low is not None:
        x = g.node("Max", [x, g.value(low, dtype)])
    return x if high is None else g.node("Min", [x, g.value(high, dtype)])


def _where(g: Graph, condition: Any, a: Any, b: Any) -> str:
    dtype = g.out.dtype
    return g.node("Where", [g.value(condition, np.bool_), g.value(a, dtype), g.value(b, dtype)])


def _cast(g: Graph, a: Var, dtype: Any) -> str:
    return g.node("Cast", [a.name], to=g.elem_type(g.out.dtype))


def _linear(g: Graph, x: Var, w: Any, b: Any) -> str:
    dtype = g.out.dtype
    if x.ndim == 2:
        return g.node("Gemm", [g.value(x, dtype), g.value(w, dtype), g.value(b, dtype)], transB=1)
    out = g.node("MatMul", [g.value(x, dtype), g.node("Transpose", [g.value(w, dtype)], perm=[1, 0])])
    return out if b is None else g.node("Add", [out, g.value(b, dtype)])


def _reduce(op_type: str) -> Rule:
    def rule(g: Graph, a: Var, axes: Any, keepdim: bool) -> str:
        return g.reduce(op_type, g.value(a, g.out.dtype), axes, keepdim)

    return rule


def _extremum(g: Graph, a: Var, axes: Any, keepdim: bool, largest: bool, *_: Any) -> str:
    return g.reduce("ReduceMax" if largest else "ReduceMin", a.name, axes, keepdim)


def _logsumexp(g: Graph, a: Var, axis: Any) -> str:
    return g.reduce("ReduceLogSumExp", a.name, axis, True)


def _along(op_type: str) -> Rule:
    def rule(g: Graph, a: Var, axis: int) -> str:
        return g.node(op_type, [a.name], axis=int(axis))

    return rule


def _permute(g: Graph, a: Var, axes: Any) -> str:
    return g.node("Transpose", [a.name], perm=[int(i) for i in axes])


def _cat(g: Graph, axis: int, *parts: Any) -> str:
    dtype = g.out.dtype
    return g.node("Concat", [g.value(p, dtype) for p in parts], axis=int(axis) % g.out.ndim)


def _dynamic_shape(g: Graph, source: tuple[int, ...], target: tuple[int, ...], what: str) -> list[int]:
    """A reshape's target that holds at any size of the dynamic axes: sizes that changed with them in the
    probe become 0 (copy the input's) where they equal the input's size at that position, and the one
    other that changed becomes -1 (inferred)."""
    target = tuple(int(n) for n in target)
    if g.probe is None:
        return list(target)
    (_, probe_source), probe_target = g.probe[0], tuple(g.probe[1])
    shape = list(target)
    free = []
    for i, (n, m) in enumerate(zip(target, probe_target, strict=True)):
        if n == m:
            continue
        if i < len(source) and source[i] == n and probe_source[i] == m:
            shape[i] = 0
        else:
            free.append(i)
    if len(free) > 1 or free and -1 in target:
        raise OnnxError(f"{what} to {target}: several of its sizes follow the dynamic axes")
    for i in free:
        shape[i] = -1
    return shape


def _reshape(g: Graph, a: Var, shape: Any, strict: bool) -> str:
    target = _dynamic_shape(g, a.shape, tuple(shape), "reshape")
    return g.node("Reshape", [a.name, g.ints(target)])


def _expand(g: Graph, a: Var, shape: Any) -> str:
    target = [int(n) for n in shape]
    if g.probe is not None:
        (_, probe_source), probe_target = g.probe[0], g.probe[1]
        offset = len(target) - a.ndim
        for i, (n, m) in enumerate(zip(target, probe_target, strict=True)):
            if n != m:
                j = i - offset
                if j < 0 or a.shape[j] != n or probe_source[j] != m:
                    raise OnnxError(f"expand to {tuple(target)}: a size that follows the dynamic axes is new")
                target[i] = 1  # Expand broadcasts both ways: the input's size stays
    return g.node("Expand", [a.name, g.ints(target)])


def _index(g: Graph, a: Var, index: Any) -> str:
    """a[index] for ints, slices, None and ``...`` (Slice, Squeeze, Unsqueeze), or one integer array at
    one axis after full slices (Gather)."""
    parts = list(index) if isinstance(index, tuple) else [index]
    arrays = [i for i, p in enumerate(parts) if isinstance(p, (np.ndarray, list, Var))]
    if arrays:
        k = arrays[0]
        if (
            len(arrays) > 1
            or any(p != slice(None) for p in parts[:k])
            or parts[k + 1 :]
            and any(p != slice(None) and p is not Ellipsis for p in parts[k + 1 :])
        ):
            raise OnnxError("only one integer array after full slices is supported as an index")
        chosen = parts[k]
        if not isinstance(chosen, Var) and np.asarray(chosen).dtype.kind not in "iu":
            raise OnnxError("a bool mask as an index has no fixed-shape ONNX form")
        return g.node("Gather", [a.name, g.value(chosen, np.int64)], axis=k)
    used = sum(1 for p in parts if p is not None and p is not Ellipsis)
    if Ellipsis in parts:
        at = parts.index(Ellipsis)
        parts[at : at + 1] = [slice(None)] * (a.ndim - used)
    parts += [slice(None)] * (a.ndim - sum(1 for p in parts if p is not None))
    starts, ends, axes, steps, squeeze, unsqueeze = [], [], [], [], [], []
    axis = out_axis = 0
    for p in parts:
        if p is None:
            unsqueeze.append(out_axis)
            out_axis += 1
            continue
        if isinstance(p, slice):
            if p != slice(None):
                step = 1 if p.step is None else int(p.step)
                start = p.start if p.start is not None else (0 if step > 0 else -1)
                end = p.stop if p.stop is not None else (INT64_MAX if step > 0 else INT64_MIN)
                starts, ends, axes, steps = (
                    starts + [int(start)],
                    ends + [int(end)],
                    axes + [axis],
                    steps + [step],
                )
            out_axis += 1
        else:
            i = int(p)
            starts, ends, axes, steps = (
                starts + [i],
                ends + [i + 1 if i != -1 else INT64_MAX],
                axes + [axis],
                steps + [1],
            )
            squeeze.append(axis)
        axis += 1
    out = a.name
    if axes:
        out = g.node("Slice", [out, g.ints(starts), g.ints(ends), g.ints(axes), g.ints(steps)])
    if squeeze:
        out = g.node("Squeeze", [out, g.ints(squeeze)])
    if unsqueeze:
        out = g.node("Unsqueeze", [out, g.ints(unsqueeze)])
    return out if out != a.name else g.node("Identity", [out])


_GATE_ORDER = {"LSTM": (0, 3, 1, 2), "GRU": (1, 0, 2), "RNN_TANH": (0,), "RNN_RELU": (0,)}  # torch -> ONNX


def _state(g: Graph, state: Any, dtype: np.dtype) -> str:
    """A recurrence's initial state as ONNX's [1, N, H], or "" when it is the constant zeros (ONNX's
    default, which also holds at any batch size)."""
    if state is None or not isinstance(state, Var) and not np.any(state):
        return ""
    return g.node("Unsqueeze", [g.value(state, dtype), g.ints([0])])


def _recurrence(
    g: Graph, x_parts: Var, h0: Any, c0: Any, w_hh: Any, b_hh: Any, mode: str, reverse: bool
) -> str:
    """nn's one direction of one layer, from the inputs' share of the gates (L, N, G*H), as ONNX's LSTM,
    GRU (linear_before_reset, torch's n gate) or RNN: ONNX's W is the permutation of torch's gate order
    to ONNX's, R and B are torch's weight_hh and bias_hh gathered into ONNX's order (so the initializers
    keep their names). The result is nn's: the outputs (L, N, H), an LSTM's last cell state appended."""
    dtype = g.out.dtype
    size = np.shape(w_hh.array if isinstance(w_hh, Var) else w_hh)[1]
    order = np.concatenate([np.arange(b * size, (b + 1) * size) for b in _GATE_ORDER[mode]])
    gathered = g.ints(order)
    w = g.const(np.eye(len(order), dtype=dtype)[order][None])
    r = g.node("Unsqueeze", [g.node("Gather", [g.value(w_hh, dtype), gathered], axis=0), g.ints([0])])
    b = ""
    if b_hh is not None:
        b_r = g.node("Gather", [g.value(b_hh, dtype), gathered], axis=0)
        b = g.node(
            "Unsqueeze", [g.node("Concat", [g.const(np.zeros(len(order), dtype)), b_r], axis=0), g.ints([0])]
        )
    inputs = [g.value(x_parts, dtype), w, r, b, "", _state(g, h0, dtype)]
    direction = "reverse" if reverse else "forward"
    if mode == "LSTM":
        y, _, y_c = g.node("LSTM", [*inputs, _state(g, c0, dtype)], 3, hidden_size=size, direction=direction)
        return g.node("Concat", [g.node("Squeeze", [y, g.ints([1])]), y_c], axis=0)
    if mode == "GRU":
        y = g.node("GRU", inputs, 1, hidden_size=size, direction=direction, linear_before_reset=1)
    else:
        act = "Tanh" if mode == "RNN_TANH" else "Relu"
        y = g.node("RNN", inputs, 1, hidden_size=size, direction=direction, activations=[act])
    return g.node("Squeeze", [y, g.ints([1])])


def _dtype(*values: Any) -> np.dtype:
    """The common dtype of a comparison's operands (a number takes the tensor's)."""
    return np.result_type(*[v.dtype if isinstance(v, (Var, np.ndarray)) else v for v in values])


def _compare(op_type: str, negate: bool = False) -> Rule:
    def rule(g: Graph, a: Any, b: Any) -> str:
        dtype = _dtype(a, b)
        out = g.node(op_type, [g.value(a, dtype), g.value(b, dtype)])
        return g.node("Not", [out]) if negate else out

    return rule


def _logical(op_type: str) -> Rule:
    def rule(g: Graph, a: Any, b: Any) -> str:
        if _dtype(a, b) != np.bool_:
            raise OnnxError(f"{op_type} is exported for bool tensors only")
        return g.node(op_type, [g.value(a, np.bool_), g.value(b, np.bool_)])

    return rule


def _arg(op_type: str) -> Rule:
    def rule(g: Graph, a: Var, dim: Any, keepdim: bool) -> str:
        if dim is None:
            flat = g.node("Reshape", [a.name, g.ints([-1])])
            return g.node(op_type, [flat], axis=0, keepdims=0)
        return g.node(op_type, [a.name], axis=int(dim), keepdims=int(bool(keepdim)))

    return rule


def _invert(g: Graph, a: Var) -> str:
    if a.dtype != np.bool_:
        raise OnnxError("~ is exported for bool tensors only")
    return g.node("Not", [a.name])


def _isfinite(g: Graph, a: Var) -> str:
    return g.node("Not", [g.node("Or", [g.node("IsInf", [a.name]), g.node("IsNaN", [a.name])])])


METHOD_RULES: dict[str, Rule] = {
    "__eq__": _compare("Equal"),
    "__ne__": _compare("Equal", negate=True),
    "__lt__": _compare("Less"),
    "__le__": _compare("LessOrEqual"),
    "__gt__": _compare("Greater"),
    "__ge__": _compare("GreaterOrEqual"),
    "__and__": _logical("And"),
    "__or__": _logical("Or"),
    "__xor__": _logical("Xor"),
    "__invert__": _invert,
    "argmax": _arg("ArgMax"),
    "argmin": _arg("ArgMin"),
    "sign": _unary("Sign"),
    "isnan": _unary("IsNaN"),
    "isfinite": _isfinite,
}
for _alias, _name in (
    ("eq", "__eq__"),
    ("ne", "__ne__"),
    ("lt", "__lt__"),
    ("le", "__le__"),
    ("gt", "__gt__"),
    ("ge", "__ge__"),
):
    METHOD_RULES[_alias] = METHOD_RULES[_name]


def _normalize(g: Graph, x: Var, axes: Any, eps: float) -> str:
    """(x - mean) / sqrt(var + eps) over ``axes``, biased variance (nn's layer, group and batch norms)."""
    centred = g.node("Sub", [x.name, g.reduce("ReduceMean", x.name, axes, True)])
    var = g.reduce("ReduceMean", g.node("Mul", [centred, centred]), axes, True)
    return g.node("Div", [centred, g.node("Sqrt", [g.node("Add", [var, g.const(eps, x.dtype)])])])


def _normal_cdf(g: Graph, x: Var) -> str:
    """Phi(x) = (1 + erf(x / sqrt 2)) / 2."""
    erf = g.node("Erf", [g.node("Div", [x.name, g.const(np.sqrt(2.0), x.dtype)])])
    return g.node("Mul", [g.node("Add", [erf, g.const(1.0, x.dtype)]), g.const(0.5, x.dtype)])


def _gelu(g: Graph, x: Var) -> str:
    return g.node("Mul", [x.name, _normal_cdf(g, x)])


def _silu(g: Graph, x: Var) -> str:
    return g.node("Mul", [x.name, g.node("Sigmoid", [x.name])])


def _softplus(g: Graph, x: Var, beta: float, threshold: float) -> str:
    """log(1 + e^(beta x)) / beta, and x itself where beta x > threshold (torch's)."""
    scaled = g.node("Mul", [x.name, g.const(beta, x.dtype)])
    soft = g.node("Div", [g.node("Softplus", [scaled]), g.const(beta, x.dtype)])
    return g.node("Where", [g.node("Greater", [scaled, g.const(threshold, x.dtype)]), x.name, soft])


def _hardtanh(g: Graph, x: Var, low: float, high: float) -> str:
    return g.node("Clip", [x.name, g.const(low, x.dtype), g.const(high, x.dtype)])


def _composed(build: Callable[[Graph, str, np.dtype], str]) -> Rule:
    def rule(g: Graph, a: Var) -> str:
        return build(g, g.value(a, g.out.dtype), g.out.dtype)

    return rule


_LOGS = {"Log2": np.log(2.0), "Log10": np.log(10.0)}


def _trunc(g: Graph, x: str, dtype: np.dtype) -> str:
    negative = g.node("Less", [x, g.const(0, dtype)])
    return g.node("Where", [negative, g.node("Ceil", [x]), g.node("Floor", [x])])


def _addmm(g: Graph, c: Any, a: Any, b: Any, beta: float, alpha: float) -> str:
    dtype = g.out.dtype
    inputs = [g.value(a, dtype), g.value(b, dtype), g.value(c, dtype)]
    return g.node("Gemm", inputs, alpha=float(alpha), beta=float(beta))


def _embedding_op(g: Graph, weight: Any, indices: Any, padding_idx: Any) -> str:
    return g.node("Gather", [g.value(weight), g.value(indices, np.int64)], axis=0)


def _tile(g: Graph, a: Var, reps: Any) -> str:
    reps = [int(r) for r in reps]
    x = a.name
    if len(reps) > a.ndim:  # numpy's tile puts ones in front of the shape
        x = g.node("Reshape", [x, g.ints([1] * (len(reps) - a.ndim) + [0] * a.ndim)])
    return g.node("Tile", [x, g.ints([1] * (a.ndim - len(reps)) + reps)])


def _cumsum(g: Graph, a: Var, axis: int, reverse: bool) -> str:
    return g.node("CumSum", [a.name, g.const(np.int64(axis))], reverse=int(bool(reverse)))


def _prod(g: Graph, a: Var, axis: Any) -> str:
    return g.reduce("ReduceProd", a.name, axis, True)


SYMBOLIC: dict[str, Rule] = {
    "Add": _binary("Add"),
    "Sub": _binary("Sub"),
    "Mul": _binary("Mul"),
    "Div": _binary("Div"),
    "Pow": _pow,
    "Maximum": _binary("Max"),
    "Minimum": _binary("Min"),
    "Neg": _unary("Neg"),
    "Exp": _unary("Exp"),
    "Log": _unary("Log"),
    "Sqrt": _unary("Sqrt"),
    "SafeSqrt": _unary("Sqrt"),
    "Abs": _unary("Abs"),
    "Tanh": _unary("Tanh"),
    "Sigmoid": _unary("Sigmoid"),
    "Relu": _unary("Relu"),
    "LeakyRelu": _leaky_relu,
    "Elu": _elu,
    "Clamp": _clamp,
    "Where": _where,
    "Cast": _cast,
    "Clone": _unary("Identity"),
    "MatMul": _binary("MatMul"),
    "Linear": _linear,
    "Sum": _reduce("ReduceSum"),
    "Mean": _reduce("ReduceMean"),
    "Extremum": _extremum,
    "LogSumExp": _logsumexp,
    "Softmax": _along("Softmax"),
    "LogSoftmax": _along("LogSoftmax"),
    "Reshape": _reshape,
    "Permute": _permute,
    "Expand": _expand,
    "Cat": _cat,
    "Index": _index,
    "Recurrence": _recurrence,
    "Normalize": _normalize,
    "NormalCdf": _normal_cdf,
    "Gelu": _gelu,
    "Silu": _silu,
    "Softplus": _softplus,
    "Hardtanh": _hardtanh,
    "AddMM": _addmm,
    "Embedding": _embedding_op,
    "Tile": _tile,
    "Cumsum": _cumsum,
    "Prod": _prod,
    "Rsqrt": _composed(lambda g, x, t: g.node("Reciprocal", [g.node("Sqrt", [x])])),
    "Log1p": _composed(lambda g, x, t: g.node("Log", [g.node("Add", [x, g.const(1, t)])])),
    "Expm1": _composed(lambda g, x, t: g.node("Sub", [g.node("Exp", [x]), g.const(1, t)])),
    "Exp2": _composed(lambda g, x, t: g.node("Pow", [g.const(2, t), x])),
    "Log2": _composed(lambda g, x, t: g.node("Div", [g.node("Log", [x]), g.const(_LOGS["Log2"], t)])),
    "Log10": _composed(lambda g, x, t: g.node("Div", [g.node("Log", [x]), g.const(_LOGS["Log10"], t)])),
    "Trunc": _composed(_trunc),
    "Frac": _composed(lambda g, x, t: g.node("Sub", [x, _trunc(g, x, t)])),
}
for _op in (
    "Sin",
    "Cos",
    "Tan",
    "Asin",
    "Acos",
    "Atan",
    "Sinh",
    "Cosh",
    "Asinh",
    "Acosh",
    "Atanh",
    "Erf",
    "Reciprocal",
    "Floor",
    "Ceil",
    "Round",
    "Sign",
):
    SYMBOLIC[_op] = _unary(_op)
SYMBOLIC.update(FUNCTION_SYMBOLIC)  # functions recorded as a whole (batch_norm, layer_norm, embedding)
SYMBOLIC.update(METHOD_RULES)  # registered methods computed outside the ops, by their names
SYMBOLIC.update(  # the comparison ops (operators.Compare, one class per ufunc), by their class names
    Equal=METHOD_RULES["__eq__"],
    NotEqual=METHOD_RULES["__ne__"],
    Less=METHOD_RULES["__lt__"],
    LessEqual=METHOD_RULES["__le__"],
    Greater=METHOD_RULES["__gt__"],
    GreaterEqual=METHOD_RULES["__ge__"],
    BitwiseAnd=METHOD_RULES["__and__"],
    BitwiseOr=METHOD_RULES["__or__"],
    BitwiseXor=METHOD_RULES["__xor__"],
)
SYMBOLIC.update(WINDOW_SYMBOLIC)  # Convolution as Conv (windows.py)
