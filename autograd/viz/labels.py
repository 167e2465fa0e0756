"""What each drawn node says: Value records ``{ label | data 2.0000 | grad -1.5000 }`` and Tensor
records with name, shape, dtype and values (or min/mean/max when large), read by duck typing."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

SMALL = 6  # tensors with at most this many elements show every value


def is_tensor(node: Any) -> bool:
    """True for tensor-like nodes (``.shape`` and ``.numpy()``), False for scalar ``Value``-like ones."""
    return hasattr(node, "shape") and callable(getattr(node, "numpy", None))


def op_name(node: Any) -> str:
    """The op that made ``node`` (``""`` for leaves): ``Value._op``, or a Tensor's ``grad_fn`` less its
    ``Backward`` suffix (``MatMulBackward`` -> ``MatMul``)."""
    if not is_tensor(node):
        return str(getattr(node, "_op", "") or "")
    fn = getattr(node, "grad_fn", None)
    if fn is None:
        return ""
    if not isinstance(fn, str):
        name = getattr(fn, "name", None)
        fn = str(name() if callable(name) else name or type(fn).__name__)
    return fn.rstrip("0123456789").removesuffix("Backward").lstrip("_") or fn  # _Private ops read plainly


def node_name(node: Any) -> str:
    """The user's name for a node: ``Value.label`` or ``Tensor.name`` (``""`` when unnamed)."""
    return str(getattr(node, "label", "") or getattr(node, "name", "") or "")


def raw_grad(node: Any) -> Any:
    """The stored gradient as a float or numpy array (None when there is none)."""
    return raw(getattr(node, "grad", None))


def raw(x: Any) -> Any:
    """A gradient as a float or numpy array: Tensors as arrays, Values (``create_graph``) as numbers."""
    if x is None:
        return None
    if is_tensor(x):
        return np.asarray(x.numpy())
    return getattr(x, "data", x)  # a Value gradient (create_graph=True) shows its number


def number(x: float) -> str:
    """micrograd's ``%.4f``, switching to ``%.4e`` where it would hide the value (tiny or huge)."""
    x = float(x)
    if math.isfinite(x) and x != 0 and not 1e-3 <= abs(x) < 1e7:
        return f"{x:.4e}"
    return f"{x:.4f}"


def summary(array: Any) -> str:
    """Every value of a small array, else ``min .. mean .. max`` of the non-nan values (and the nan count)."""
    a = np.asarray(array)
    if a.size <= SMALL:
        show = number if a.dtype.kind == "f" else str
        text = np.array2string(a, separator=", ", formatter={"all": show}, max_line_width=10**6)
        return " ".join(text.split())
    if not np.issubdtype(a.dtype, np.number) or np.issubdtype(a.dtype, np.complexfloating):
        return f"{a.size} values"
    f = a.astype(np.float64, copy=False).ravel()
    nan = np.isnan(f)
    if nan.all():
        return f"all {f.size} nan"
    f = f[~nan]
    with np.errstate(over="ignore", invalid="ignore"):  # inf and -inf make the mean inf or nan
        text = f"min {number(f.min())}, mean {number(f.mean())}, max {number(f.max())}"
    return text + (f", {int(nan.sum())} nan" if nan.any() else "")


def grad_norm(grad: Any) -> float | None:
    """|grad| (max-abs for tensors), used to colour nodes by gradient magnitude."""
    g = raw(grad)
    if g is None:
        return None
    a = np.abs(np.asarray(g, dtype=np.float64))
    return float(a.max()) if a.size else 0.0


def fields(node: Any, title: str, grad: Any, *, show_grad: bool = True) -> list[str]:
    """The record fields of one node: title, data and grad, or for tensors title, shape/dtype, data, grad.

    ``show_grad=False`` prints ``grad ?``: backward has not reached the node yet.
    """
    g = raw(grad)
    if is_tensor(node):
        shape = "x".join(str(d) for d in tuple(node.shape)) or "scalar"
        dtype = str(getattr(node, "dtype", ""))
        head = [title, f"{shape} {dtype}".strip(), "data " + summary(node.numpy())]
        tail = "grad None" if g is None else "grad " + summary(g)
    else:
        head = [title, "data " + number(node.data)]
        tail = "grad None" if g is None else "grad " + number(g)
    return [*head, tail if show_grad else "grad ?"]


__all__ = ["fields", "grad_norm", "is_tensor", "node_name", "number", "op_name", "raw", "raw_grad", "summary"]
