"""``Function``: the mechanism every tensor op uses, built-in or user-written (torch.autograd.Function).

An op is a class with ``forward(ctx, *args)`` and ``backward(ctx, *grads)``; ``Op.apply(*args)`` runs the
forward, and when grad mode is on and an input requires grad, the output tensor records its parents and the
op (``_ctx``) so the core can call ``backward`` later.

Two flavours share ``apply`` and the node protocol:

- ``Function`` (for users, torch's contract): ``ctx`` is an instance of the class, with
  ``save_for_backward``, ``saved_tensors`` and ``needs_input_grad``; forward gets and returns Tensors,
  backward gets and returns Tensors. Under ``create_graph=True`` backward runs with grad mode on, so if it
  uses tensor ops the result can be differentiated again.
- ``Op`` (the built-ins, for speed): ``ctx`` is the output tensor itself, so an op makes one object, not
  two: forward reads ``ctx._needs`` (does each input need a gradient?), stores what backward needs in
  ``ctx._saved``, gets ndarrays (Python scalars stay scalars) and returns an ndarray. backward reads
  ``ctx._saved`` and gets ndarrays on a plain backward and Tensors under ``create_graph`` -- then
  ``ctx._saved`` holds the input and output *Tensors* the saved arrays belong to (anything else that was
  saved, like a mask or indices, becomes a constant). So one backward formula, written with operators and
  the few ``dual`` helpers below that both types support, gives first and higher derivatives. Save inputs
  and outputs as given, and derived arrays only if they are piecewise constant (masks). An op whose tensors
  can only be its first one or two arguments says so (``_operands``), and ``apply`` skips the scan of its
  arguments.

Gradients of broadcast inputs are reduced by the node (``Tensor._backward``), never by an op.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .. import dtypes
from ..broadcast import _sum
from ..engine import check_finite
from ..errstate import quiet, settle
from ..grad_mode import ANOMALY, STATE, SWITCHED, TRACING, no_grad
from ..tensor import Tensor, _fill, _sequence, _storage, _wrap, op_name

_new = object.__new__
_ndarray = np.ndarray
_F64 = dtypes.float64


class Function:
    """Base of custom differentiable ops: subclass with static ``forward(ctx, ...)`` and
    ``backward(ctx, *grads)``, then call ``YourOp.apply(...)``."""

    __slots__ = ("needs_input_grad", "saved", "__dict__")
    _arrays = False  # the built-in Op flavour runs forward on ndarrays, with the output tensor as ctx
    _view = False  # ViewOp: the result may view the first input's memory
    _promotes = False  # Op: a float64 result came from numpy's promotion, so apply torch's (dtypes.demote)
    _edges = False  # Op: forward can meet a domain's edge; run it with numpy's warnings off (see _finish)
    _floats = False  # Op: its result is floating for any inputs (true division), so mixed ones become floats
    _same_dtype = False  # Op: its operands must share a dtype (matrix products, as torch); no promotion

    @staticmethod
    def forward(ctx: Any, *args: Any) -> Any:
        """The op's result from its inputs; save what backward needs with ``ctx.save_for_backward``."""
        raise NotImplementedError(f"{type(ctx).__name__} must define forward(ctx, *args)")

    @staticmethod
    def backward(ctx: Any, *grads: Any) -> Any:
        """One gradient per input of forward (``None`` for inputs that need none), from the output's."""
        raise NotImplementedError(f"{type(ctx).__name__} must define backward(ctx, *grads)")

    def save_for_backward(self, *values: Any) -> None:
        """Keeps tensors (or arrays) for backward; modifying them in place before backward is an error."""
        self.saved = values

    @property
    def saved_tensors(self) -> tuple[Any, ...]:
        """What ``save_for_backward`` kept (freed after backward unless ``retain_graph``)."""
        if self.saved is None:
            raise RuntimeError(f"{type(self).__name__}: saved tensors were freed by an earlier backward")
        return self.saved

    @classmethod
    def apply(cls, *args: Any) -> Tensor:
        """Runs the op; records it in the graph when grad mode is on and an input requires grad."""
        return _apply(cls, args)

    def _backward(self, node: Tensor, grad: Any, create_graph: bool) -> tuple[Any, ...]:
        """Calls the user's backward on Tensors; returns the gradients (arrays unless ``create_graph``)."""
        g = grad if type(grad) is Tensor else _wrap(np.asarray(grad))
        grads = type(self).backward(self, g)
        grads = grads if type(grads) is tuple else (grads,)
        _check_shapes(self, node, grads)
        if create_graph:
            return tuple(x if x is None or isinstance(x, Tensor) else _wrap(np.asarray(x)) for x in grads)
        return tuple(x._data if isinstance(x, Tensor) else x for x in grads)


def _check_shapes(ctx: Function, node: Tensor, grads: tuple[Any, ...]) -> None:
    """A user's gradient must fit its input, as torch checks: the input's own shape, or one that the
    input's broadcasts to (the node sums it down); anything else is an error naming both shapes."""
    parents = iter(node._prev)
    for index, (need, g) in enumerate(zip(node._needs, grads, strict=False)):
        if not need:
            continue
        shape = next(parents).shape
        if g is None or np.shape(g) == shape:
            continue
        try:
            fits = np.broadcast_shapes(shape, np.shape(g)) == np.shape(g)
        except ValueError:
            fits = False
        if not fits:
            raise RuntimeError(
                f"Function {op_name(ctx)}Backward returned an invalid gradient at index {index} - got "
                f"{list(np.shape(g))} but expected shape compatible with {list(shape)}"
            )


class Op(Function):
    """A built-in op: forward on ndarrays, with the output tensor as ``ctx``; backward on ndarrays, or on
    Tensors under ``create_graph``. Never instantiated: the node records the class."""

    __slots__ = ()
    _arrays = True
    _promotes = True
    _operands = 0  # 1 or 2: only the first one or two arguments can be tensors (the rest are parameters)

    @classmethod
    def apply(cls, *args: Any) -> Tensor:
        """``Function.apply`` for a built-in op. When only the first ``_operands`` arguments can be tensors
        (``x.sum(axes, keepdim)``, ``a * b``) the arguments are not scanned and forward is called directly;
        what is rare (a domain's edge, anomaly mode, an error, a 0-d result) goes through ``_finish``."""
        operands = cls._operands
        a = args[0]
        if operands == 2 and len(args) == 2:
            return binary(cls, a, args[1])
        if operands != 1 or not isinstance(a, Tensor):
            return _apply(cls, args)
        out = _new(Tensor)
        out._saved = ()
        record = a.requires_grad and (not SWITCHED or STATE.grad_enabled)
        out._needs = _LEADING[len(args)] if record else _NONE[len(args)]
        prev = (a,) if record else None
        x = a._data
        inputs = (x, *args[1:]) if len(args) > 1 else (x,)
        if cls._edges or SWITCHED and (ANOMALY and STATE.anomaly or TRACING and STATE.tracer is not None):
            return _finish(cls, out, args, inputs, prev)
        try:
            raw = cls.forward(out, *inputs) if len(args) > 1 else cls.forward(out, x)
        except Exception:  # _finish names the op in the error
            out._saved = ()
            return _finish(cls, out, args, inputs, prev)
        return _result(cls, out, raw, args, inputs, prev)

    @classmethod
    def forward(cls, ctx: Any, *args: Any) -> Any:  # type: ignore[override]
        """The result from the inputs (ndarrays); keep what backward needs in ``ctx._saved``."""
        raise NotImplementedError(f"{cls.__name__} must define forward(ctx, *args)")  # ctx is a tensor here

    @classmethod
    def backward(cls, ctx: Any, *grads: Any) -> Any:  # type: ignore[override]
        """One gradient per input of forward (``None`` for inputs that need none), from the output's."""
        raise NotImplementedError(f"{cls.__name__} must define backward(ctx, *grads)")

    @classmethod
    def _backward(cls, node: Tensor, grad: Any, create_graph: bool) -> tuple[Any, ...]:  # type: ignore[override]
        """backward under ``create_graph``: on Tensors, the saved arrays replaced by their tensors."""
        saved = node._saved
        known = {id(p._data): p for p in node._prev}
        known[id(node._data)] = node
        node._saved = tuple(_live(s, known) for s in saved)
        try:
            grad = grad if type(grad) is Tensor else _wrap(np.asarray(grad))
            grads = cls.backward(node, grad)
        finally:
            node._saved = saved
        return grads if type(grads) is tuple else (grads,)


class ViewOp(Op):
    """An op whose result may view its input's memory: then both share one version counter."""

    __slots__ = ()
    _view = True


def _apply(cls: Any, args: tuple[Any, ...]) -> Tensor:
    """``apply`` for any op and arguments: each argument is looked at (a tensor or not, needing grad or not).
    A user's Function runs here on Tensors, in no_grad (its errors pass through untouched)."""
    recording = not SWITCHED or STATE.grad_enabled  # SWITCHED: no thread left the defaults (grad on)
    inputs, needs, parents = [], [], []  # filled in one loop over the arguments
    for a in args:
        if isinstance(a, Tensor):
            inputs.append(a._data)
            if recording and a.requires_grad:
                needs.append(True)
                parents.append(a)
                continue
        else:
            inputs.append(a)
        needs.append(False)
    out = _new(Tensor)
    out._needs = tuple(needs)
    out._saved = ()
    prev = tuple(parents) if parents else None
    if cls._arrays:
        return _finish(cls, out, args, inputs, prev)
    ctx = _new(cls)
    ctx.saved, ctx.needs_input_grad = (), out._needs
    with no_grad():  # a user's Function: its errors are its own and pass through untouched
        raw = cls.forward(ctx, *args)
    if isinstance(raw, (tuple, list)):
        raise TypeError(f"{cls.__name__}.forward must return one tensor (not several outputs)")
    out._saved = ctx.saved
    return _finish(ctx, out, args, args, prev, raw._data if isinstance(raw, Tensor) else np.asarray(raw))


def binary(op: type[Op], a: Any, b: Any) -> Tensor:
    """``op.apply(a, b)`` for an op of two operands, either a tensor or not (``a @ b``, ``x + y``): the
    commonest call, without ``apply``'s packing of arguments."""
    out = _new(Tensor)
    out._saved = ()
    if isinstance(a, Tensor):
        x, need_a = a._data, a.requires_grad
    else:
        x, need_a = a, False
    if isinstance(b, Tensor):
        y, need_b = b._data, b.requires_grad
    else:
        y, need_b = b, False
    if type(y) is _ndarray and type(x) is _ndarray and x.dtype is not y.dtype:  # two dtypes: torch's rules
        return _mixed(op, a, b)
    if (need_a or need_b) and SWITCHED and not STATE.grad_enabled:
        need_a = need_b = False
    out._needs = _PAIRS[need_a][need_b]
    prev = ((a, b) if need_b else (a,)) if need_a else (b,) if need_b else None
    if op._edges or SWITCHED and (ANOMALY and STATE.anomaly or TRACING and STATE.tracer is not None):
        return _finish(op, out, (a, b), (x, y), prev)
    try:
        raw = op.forward(out, x, y)
    except Exception:  # _finish names the op in the error, or gives inf for an overflow
        out._saved = ()
        return _finish(op, out, (a, b), (x, y), prev)
    return _result(op, out, raw, (a, b), (x, y), prev)


def promoted(*operands: Any, floats: bool = False) -> tuple[Any, ...]:
    """Tensors and arrays cast to torch's result type of all ``operands`` (``dtypes.result_type``; with
    ``floats``, the default float where that is not floating), a tensor by a recorded cast, so its gradient
    comes back in its own dtype; numbers (and None) stay as they are."""
    dtype = dtypes.result_type(*[x._data if isinstance(x, Tensor) else x for x in operands if x is not None])
    if floats and not dtypes.is_floating(dtype):
        dtype = dtypes.DEFAULT_FLOAT
    return tuple(
        x.to(dtype) if isinstance(x, Tensor) else x.astype(dtype, copy=False) if type(x) is _ndarray else x
        for x in operands
    )


def _mixed(op: type[Op], a: Any, b: Any) -> Tensor:
    """``binary`` for operands of two dtypes, cast to torch's result type first (``promoted``). A cast the op
    saved is a copy, so its version is the original tensor's: changing that one in place still makes
    backward refuse, as in torch (which casts inside the op and saves the original)."""
    if op._same_dtype and isinstance(a, Tensor) and isinstance(b, Tensor):  # data (a list) takes ours
        raise RuntimeError(
            f"{op.__name__}: expected both operands to have the same dtype, but got: {a.dtype} != {b.dtype}"
        )
    cast = promoted(a, b, floats=op._floats)
    out = _apply(op, cast)
    if out._saved:
        for original, copy in zip((a, b), cast, strict=True):
            if copy is not original and isinstance(original, Tensor):
                if any(saved is copy._data for saved in out._saved):
                    out._versions = [*(out._versions or ()), (original, original._version)]
    return out


def _result(
    op: Any, out: Tensor, raw: Any, args: Any, inputs: Any, prev: tuple[Tensor, ...] | None
) -> Tensor:
    """The fast paths' end: ``out`` made the tensor around ``raw``, forward's result, and the node of ``op``
    when ``prev`` is given; a 0-d or promoted result goes through ``_finish``."""
    if type(raw) is not _ndarray or raw.dtype is _F64 and op._promotes:
        return _finish(op, out, args, inputs, prev, raw)
    _fill(out, raw, _view_counter(raw, args) if op._view else None, prev, op)
    if prev is not None and out._saved:
        out._versions = _versions(out._saved, args, out)
    return out


def apply_scalar(cls: type[Op], tensor: Tensor, number: float, number_first: bool = False) -> Tensor:
    """``cls.apply(tensor, number)`` (or ``(number, tensor)``) for a Python number, the commonest call
    (``x * 2``, ``1 - x``): no scan of the arguments, forward called directly, the node built in place.
    What is rare (a domain's edge, anomaly mode, an error, a 0-d or promoted result) goes through
    ``_finish``."""
    out = _new(Tensor)
    out._saved = ()
    data = tensor._data
    record = tensor.requires_grad and (not SWITCHED or STATE.grad_enabled)
    if number_first:
        out._needs = _SECOND if record else _NEITHER
        a, b = number, data
    else:
        out._needs = _FIRST if record else _NEITHER
        a, b = data, number
    prev = (tensor,) if record else None
    if cls._edges or SWITCHED and (ANOMALY and STATE.anomaly or TRACING and STATE.tracer is not None):
        return _finish(cls, out, _args(tensor, number, number_first), (a, b), prev)
    try:
        raw = cls.forward(out, a, b)
    except Exception:  # _finish names the op in the error, or gives inf for an overflow
        out._saved = ()
        return _finish(cls, out, _args(tensor, number, number_first), (a, b), prev)
    if type(raw) is not _ndarray or raw.dtype is _F64 and data.dtype is not _F64:
        return _finish(cls, out, _args(tensor, number, number_first), (a, b), prev, raw)
    out._data = raw  # tensor._fill, inlined: the call measured 3% of a chain of scalar ops (T3)
    out._grad = None
    out._counter = None
    out._read = False
    out._hooks = None
    out._retain = False
    out.name = ""
    out._acc = None
    out._versions = None
    out._seq = _sequence()
    if prev is None:
        out.requires_grad = False
        out._prev = ()
        out._ctx = out._saved = None
        return out
    out.requires_grad = True
    out._prev = prev
    out._ctx = cls
    tensor._read = True  # the mark of _fill, inlined
    counter = tensor._counter
    if counter is not None:
        counter[1] = True
    for value in out._saved:
        if type(value) is _ndarray:
            out._versions = _versions(out._saved, _args(tensor, number, number_first), out)
            break
    return out


def _args(tensor: Tensor, number: float, number_first: bool) -> tuple[Any, Any]:
    """``apply_scalar``'s arguments in the op's order, for the paths that need them."""
    return (number, tensor) if number_first else (tensor, number)


_FIRST, _SECOND, _NEITHER = (True, False), (False, True), (False, False)  # shared: fewer objects for the GC
_PAIRS = (((False, False), (False, True)), ((True, False), (True, True)))  # needs, shared: fewer objects
_NONE = [(False,) * n for n in range(8)]  # [n]: the needs of n arguments of which none needs a gradient
_LEADING = [(), *((True,) + none[1:] for none in _NONE[1:])]  # [n]: ... of which only the first needs one


def _quietly(op: Any, out: Tensor, inputs: Any) -> Any:
    """``op``'s forward with numpy's edges quiet (IEEE inf or nan, no warning: ``errstate``)."""
    token = quiet()
    try:
        return op.forward(out, *inputs)
    finally:
        settle(token)


def _finish(
    op: Any,
    out: Tensor,
    args: Any,
    inputs: Any,
    prev: tuple[Tensor, ...] | None,
    raw: Any = None,
) -> Tensor:
    """Runs a built-in op's forward on ``inputs`` (arrays; ``raw`` is a user Function's result, already
    computed), makes ``out`` the result and records ``op`` (the Op class, or the Function's ctx) when
    ``prev`` (the inputs that need grad) is given. Ops marked ``_edges`` meet a domain's edge (log 0,
    x / 0, exp 1000) with inf or nan as IEEE and torch do, without numpy's warnings; the others, too hot to
    switch numpy's error state around, run again under it when warnings are errors and one overflows.
    numpy's errors (shapes that don't broadcast, ...) get the op's name in front, the original kept as the
    cause."""
    if raw is None:
        try:
            raw = _quietly(op, out, inputs) if op._edges else op.forward(out, *inputs)
        except RuntimeWarning:  # overflow in + or * with warnings as errors: inf all the same, as torch
            out._saved = ()
            raw = _quietly(op, out, inputs)
        except (ValueError, TypeError) as error:
            named = (TypeError if isinstance(error, TypeError) else ValueError)(f"{op.__name__}: {error}")
            raise named from error
    given = raw  # forward's own result, for a recorder (autograd.compile)
    if type(raw) is not _ndarray:  # numpy gives scalars for 0-d results: keep saved outputs identical
        scalar, raw = raw, np.asarray(raw)
        if any(value is scalar for value in out._saved):
            out._saved = tuple([raw if s is scalar else s for s in out._saved])
    if raw.dtype is _F64 and op._promotes:
        raw = dtypes.demote(raw, tuple(inputs))
    if ANOMALY and STATE.anomaly:
        check_finite(raw, op_name(op), inputs)
    _fill(out, raw, _view_counter(raw, args) if op._view else None, prev, op)
    if prev and out._saved:
        out._versions = _versions(out._saved, args, out)
    if TRACING and STATE.tracer is not None:  # autograd.compile records the op (the fast paths come here)
        STATE.tracer.forward(op, out, args, inputs, given)
    return out


def _live(saved: Any, known: dict[int, Tensor]) -> Any:
    """A saved array as the input or output Tensor it belongs to; anything else (a mask, indices) stays
    a constant array, which Tensor ops accept."""
    return known.get(id(saved), saved) if type(saved) is _ndarray else saved


def _view_counter(raw: np.ndarray, args: tuple[Any, ...]) -> list[Any] | None:
    """The input's version counter when the result views its memory (one counter per storage)."""
    if raw.base is not None and isinstance(args[0], Tensor) and np.may_share_memory(raw, args[0]._data):
        return _storage(args[0])
    return None


def _versions(saved: tuple[Any, ...], args: Any, out: Tensor) -> list[tuple[Tensor | None, int]] | None:
    """The versions of the tensors an op saved, as ``(owner, version)``: owner None for the op's output (the
    node's own storage), else the input tensor whose array it is (or, for a custom Function, the saved
    tensor); None when it saved none. Saved arrays are matched to their tensors by identity; a storage
    without a counter is at version 0 and none is made for it (plain loops: this runs for every op)."""
    found = []
    for value in saved:
        if type(value) is _ndarray:
            if value is out._data:
                counter = out._counter
                found.append((None, 0 if counter is None else counter[0]))
                continue
            for arg in args:
                if isinstance(arg, Tensor) and arg._data is value:
                    counter = arg._counter
                    found.append((arg, 0 if counter is None else counter[0]))
                    break
        elif isinstance(value, Tensor):
            found.append((value, value._version))
    return found or None


# ----- dual helpers: the few things backward formulas need that ndarrays and Tensors spell differently
def exp(x: Any) -> Any:
    """e**x for an ndarray or a Tensor."""
    return x.exp() if isinstance(x, Tensor) else np.exp(x)


def log(x: Any) -> Any:
    """Natural log for an ndarray or a Tensor."""
    return x.log() if isinstance(x, Tensor) else np.log(x)


def zeros(x: Any) -> Any:
    """Zeros shaped like ``x`` (an ndarray, or a Tensor): the gradient of values an op overwrote."""
    return _wrap(np.zeros_like(x._data)) if isinstance(x, Tensor) else np.zeros_like(x)


def where(condition: np.ndarray, a: Any, b: Any) -> Any:
    """``a`` where ``condition`` (a constant bool array) holds, else ``b``."""
    if isinstance(a, Tensor) or isinstance(b, Tensor):
        from .elementwise import Where

        return Where.apply(condition, a, b)
    return np.where(condition, a, b)


def summed(x: Any, axes: Any, keepdims: bool = True) -> Any:
    """Sum over ``axes`` (None: all), for an ndarray or a Tensor."""
    return x.sum(axes, keepdim=keepdims) if isinstance(x, Tensor) else _sum(x, axis=axes, keepdims=keepdims)


def expand(x: Any, shape: tuple[int, ...]) -> Any:
    """Broadcast ``x`` to ``shape``: for arrays a copy when small (cheaper than numpy's broadcast_to call),
    a read-only zero-stride view when large (no memory)."""
    if isinstance(x, Tensor):
        return x.expand(shape)
    if math.prod(shape) > _SMALL:
        return np.broadcast_to(x, shape)
    out = np.empty(shape, x.dtype)  # np.full, without its Python wrapper (half the time)
    out[...] = x
    return out


_SMALL = 1 << 14


def permute(x: Any, axes: tuple[int, ...]) -> Any:
    """Reorder the dimensions of an ndarray or a Tensor."""
    return x.permute(axes) if isinstance(x, Tensor) else x.transpose(axes)


def swap_last(x: Any) -> Any:
    """Swap the last two dimensions (the matrix transpose of a batch of matrices)."""
    return x.transpose(-1, -2) if isinstance(x, Tensor) else x.swapaxes(-1, -2)


__all__ = ["Function", "Op", "ViewOp"]
