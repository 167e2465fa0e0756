"""``Tensor``: a numpy array that remembers how it was computed, on the same core as ``Value``.

A tensor is a node of ``engine.py``: its parents (``_prev``, only those that need a gradient), the op that
made it (``_ctx``: a built-in ``Op`` class, or the ``ctx`` of a user's ``autograd.Function``), what that op
saved for its backward (``_saved``, None once freed), which of its inputs need a gradient (``_needs``) and
the versions of the saved tensors (``_versions``). Every op lives in ``autograd/ops`` as a forward beside its
backward; this file holds the node protocol, the properties, gradient fitting, version checks and the
in-place machinery, and imports no op: ``ops/operators.py`` attaches the dunders, indexing, in-place updates
and conversions that call the ops, so imports point one way (ops -> tensor -> engine).

Storage: ``_data`` is the ndarray. Tensors that share memory (a tensor and its views) share one version
counter ``_counter = [version, read]``: in-place ops bump ``version``, so a backward that saved the old
values can refuse to run; ``read`` marks a storage that a recorded op has read, which a recorded in-place
op may no longer rewrite (see ``inplace.py``). Most tensors are never viewed, saved or modified, so the list
is made on first need (``_storage``); until then ``_counter`` is None (version 0). ``_read`` says that a
recorded op read this tensor itself: it needs no list. A node marks its parents read by setting ``_read``
before it looks at the counter (``_fill``), and ``_storage`` makes a counter before it reads ``_read``, so
the two stay in step without a lock on the hot path.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from itertools import compress, count
from operator import attrgetter
from typing import Any, NamedTuple

import numpy as np

from . import dtypes
from .broadcast import _sum_to
from .engine import Node, backward
from .grad_mode import STATE, TRACING
from .hooks import RemovableHandle

Hook = Callable[["Tensor"], "Tensor | None"]
_NUMBERS = frozenset({float, int})  # Python numbers take the short path of binary ops
_new = object.__new__
_ndarray = np.ndarray
_sequence = count().__next__  # a tensor's _seq: made after its parents, it counts higher than they do
CHANGES = [0]  # one more each time a tensor's storage is replaced (.data =) or it gets a hook: the shapes,
# dtypes and hooks of the tensors autograd.compile's recordings read key them, looked at again only then


class Tensor(Node):
    """An n-dimensional array with PyTorch's names and semantics whose ops build a graph for ``backward``."""

    __slots__ = (
        "_data",
        "_grad",
        "requires_grad",
        "_prev",
        "_ctx",
        "_saved",
        "_needs",
        "_versions",
        "_counter",
        "_read",
        "_hooks",
        "_retain",
        "name",
        "_acc",
        "_seq",
        "__weakref__",
    )
    _ordered = True  # the core may order tensors by _seq, the count of their making (see engine.Node)
    __array_priority__ = 1000  # ndarray <op> Tensor defers to Tensor's reflected operator
    __hash__ = Node.__hash__  # nodes hash by identity; __eq__ is elementwise

    def __init__(self, data: Any, dtype: Any = None, requires_grad: bool = False) -> None:
        array = data._data.copy() if isinstance(data, Tensor) else _to_array(data, dtype, copy=True)
        if dtype is not None:
            array = array.astype(dtypes.as_dtype(dtype), copy=False)
        _copy_state(self, _wrap(array))
        if requires_grad:
            self.requires_grad_()

    # ----- the node protocol of the core ----------------------------------------------------
    def _backward(self, grad: Any, create_graph: bool, retain_graph: bool, accumulate: bool) -> None:
        op = self._ctx  # the core has run the hooks: a retained .grad is the gradient they return, as torch
        if op is None:  # a leaf: the gradient goes into .grad
            if accumulate:
                self._store_grad(grad)
            return
        if accumulate and self._retain:
            self._store_grad(grad)
        if self._saved is None:
            raise RuntimeError(
                f"Trying to backward through the graph a second time (through {self.grad_fn}): its saved "
                "values were freed by the first backward. Pass retain_graph=True to the first backward."
            )
        if self._versions is not None:
            _check_versions(self)
        needs = self._needs
        if create_graph or not op._arrays:
            grads = op._backward(self, grad, create_graph)
            if not (retain_graph or op._arrays):  # a Function's ctx holds them too
                op.saved = None
            if len(grads) != len(needs):  # (a built-in op returns one per input)
                raise RuntimeError(f"{self.grad_fn} returned {len(grads)} gradients for {len(needs)} inputs")
        else:  # a built-in op on arrays: this tensor is its ctx; an op of one input may return one gradient
            grads = op.backward(self, grad)
        if not retain_graph:
            self._saved = self._versions = None
        prev = self._prev
        if type(grads) is not tuple:
            _gather(prev[0], grads, grad)
        elif len(prev) == 1:  # the commonest case, without a loop
            _gather(prev[0], grads[0] if needs[0] else grads[needs.index(True)], grad)
        else:
            kept = grads if len(grads) == len(prev) else compress(grads, needs)  # those of the parents
            for parent, g in zip(prev, kept, strict=True):
                _gather(parent, g, grad)

    def _store_grad(self, grad: Any) -> None:
        if type(grad) is not Tensor:
            grad = _wrap(grad)
        if self._grad is None:
            self._grad = grad if not self._retain or grad.requires_grad else grad.clone()
        elif grad.requires_grad or self._grad.requires_grad:
            self._grad = self._grad + grad
        else:
            self._grad._data = self._grad._data + grad._data

    def _run_hooks(self, grad: Any) -> Any:
        """Each hook sees the gradient as a Tensor; one that returns a tensor replaces it for what follows.
        A leaf's ``.grad`` is then memory of its own, not the tensor a hook was given (as torch)."""
        for hook in list(self._hooks.values()) if self._hooks else ():
            wrapped = grad if type(grad) is Tensor else _wrap(np.asarray(grad))
            result = hook(wrapped)
            if result is not None:
                _check_hook_result(hook, result, wrapped)
                grad = result if type(grad) is Tensor else _raw(result)
            elif self._ctx is None:
                grad = grad.clone() if type(grad) is Tensor else np.array(grad, copy=True)
        return grad

    def _seed(self, gradient: Any) -> Any:
        if gradient is None:
            if self._data.size != 1:
                raise RuntimeError("grad can be implicitly created only for scalar outputs")
            seed = np.empty(self._data.shape, self._data.dtype)  # np.ones, without its Python wrapper
            seed[...] = 1
            return seed
        if isinstance(gradient, Tensor):
            seed = gradient if gradient.requires_grad else gradient._data.copy()
        else:
            seed = np.array(gradient, dtype=self._data.dtype)
        if seed.shape != self._data.shape:
            raise RuntimeError(
                f"Mismatch in shape: grad_output has a shape of {tuple(seed.shape)} and output has a shape "
                f"of {self.shape}"
            )
        return seed

    def _wrap_grad(self, grad: Any, create_graph: bool) -> Tensor:
        return grad if type(grad) is Tensor else _wrap(np.asarray(grad))

    # ----- the autograd surface -------------------------------------------------------------
    def backward(
        self, gradient: Any = None, retain_graph: bool | None = None, create_graph: bool = False
    ) -> None:
        """Adds ``d self / d leaf`` (times ``gradient``) into the ``.grad`` of every leaf that requires grad.

        A non-scalar needs ``gradient`` (same shape). The graph's saved values are freed unless
        ``retain_graph``; ``create_graph`` records the backward too, for higher derivatives.
        """
        if not self.requires_grad:
            raise RuntimeError("element 0 of tensors does not require grad and does not have a grad_fn")
        backward(self, gradient, retain_graph=bool(retain_graph), create_graph=create_graph)

    @property
    def grad_fn(self) -> str | None:
        """The name of the op that made this tensor (``"MulBackward"``), None for leaves."""
        return None if self._ctx is None else op_name(self._ctx) + "Backward"

    @property
    def is_leaf(self) -> bool:
        """True for tensors no recorded op made: the ones whose ``.grad`` backward fills."""
        return self._ctx is None

    @property
    def _version(self) -> int:
        """How many times this tensor's storage was modified in place."""
        counter = self._counter
        return 0 if counter is None else counter[0]

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        """Marks a leaf as needing a gradient (in place); only floating tensors can."""
        if requires_grad and not dtypes.is_floating(self._data.dtype):
            raise RuntimeError(
                f"only Tensors of floating point dtype can require gradients, got {self.dtype}"
            )
        if not requires_grad and self._ctx is not None:
            raise RuntimeError("you can only change requires_grad flags of leaf variables; use detach()")
        self.requires_grad = requires_grad
        return self

    def detach(self) -> Tensor:
        """The same storage (and version counter) as a new leaf that requires no grad."""
        return _wrap(self._data, _storage(self))

    def detach_(self) -> Tensor:
        """Makes this tensor a leaf that requires no grad, in place. Refused while a recorded op that used it
        can still run backward: this tensor is that op's link to the graph (torch keeps the link apart), so
        gradients would stop. Once a backward has freed its graph it may go (truncated backpropagation)."""
        used = self._read or self._counter is not None and self._counter[1]
        if self._ctx is not None and self._saved is not None and used:
            raise RuntimeError(
                f"detach_() on a tensor a recorded op already used ({self.grad_fn}): backward through that "
                "op would stop here; use detach() for a detached copy"
            )
        self._prev, self._ctx, self._saved, self._versions, self._needs = (), None, None, None, ()
        self.requires_grad = False
        return self

    def retain_grad(self) -> None:
        """Makes backward store this non-leaf's gradient in ``.grad`` as well."""
        if not self.requires_grad:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        self._retain = True

    @property
    def retains_grad(self) -> bool:
        """True when ``retain_grad()`` was called on this non-leaf."""
        return self._retain and self._ctx is not None

    def register_hook(self, hook: Hook) -> RemovableHandle:
        """Calls ``hook(grad)`` when this tensor's gradient is computed; a returned tensor replaces it.
        Returns a handle whose ``remove()`` unregisters it, as torch."""
        if not self.requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self._hooks is None:
            self._hooks = {}
        CHANGES[0] += 1
        return RemovableHandle.register(self._hooks, hook)

    @property
    def data(self) -> Tensor:
        """A detached tensor on the same storage whose in-place changes autograd does not see (as torch)."""
        return _wrap(self._data)

    @data.setter
    def data(self, value: Tensor) -> None:
        array = value._data if isinstance(value, Tensor) else np.asarray(value)
        self._data = array
        CHANGES[0] += 1

    def _set_grad(self, value: Tensor | None) -> None:
        """A gradient set by hand must fit the tensor, as in torch: an optimiser would broadcast it."""
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError(
                    f"assigned grad expected to be a Tensor or None but got {type(value).__name__}"
                )
            if value.shape != self.shape:
                raise RuntimeError(
                    f"attempting to assign a gradient of size '{list(value.shape)}' to a tensor of size "
                    f"'{list(self.shape)}'. Please ensure that the gradient and the tensor are the same size"
                )
            if value.dtype != self.dtype:
                raise RuntimeError(
                    f"attempting to assign a gradient with dtype '{value.dtype}' to a tensor with dtype "
                    f"'{self.dtype}': the gradient must match the tensor's dtype"
                )
        if TRACING and STATE.tracer is not None:  # autograd.compile records the assignment
            STATE.tracer.set_grad(self, value)
        self._grad = value

    # read on every optimiser step: a C getter (no Python frame), the setter validates as torch does
    grad = property(
        attrgetter("_grad"),
        _set_grad,
        doc="The gradient that backward added up for this tensor (None until then).",
    )

    # ----- shapes, dtypes and conversions ---------------------------------------------------
    @property
    def shape(self) -> tuple[int, ...]:
        """The size of each dimension (a tuple, as ``torch.Size``)."""
        return self._data.shape

    @property
    def dtype(self) -> np.dtype:
        """The numpy dtype of the elements (``autograd.float32`` etc.)."""
        return self._data.dtype

    @property
    def ndim(self) -> int:
        """The number of dimensions."""
        return self._data.ndim

    def dim(self) -> int:
        """The number of dimensions."""
        return self._data.ndim

    def size(self, dim: int | None = None) -> Any:
        """The shape, or the size of dimension ``dim``."""
        return self._data.shape if dim is None else self._data.shape[dim]

    def numel(self) -> int:
        """The number of elements."""
        return self._data.size

    def numpy(self) -> np.ndarray:
        """The underlying ndarray (shared memory, no copy)."""
        return self._data

    def __array__(self, dtype: Any = None, copy: bool | None = None) -> np.ndarray:
        """numpy's protocol: the storage itself unless ``copy`` (numpy 2) or ``dtype`` asks for new memory."""
        if dtype is None or np.dtype(dtype) == self._data.dtype:
            return self._data.copy() if copy else self._data
        if copy is False:
            raise ValueError(f"can't convert a {self.dtype} tensor to {np.dtype(dtype)} with copy=False")
        return self._data.astype(dtype)

    def item(self) -> Any:
        """The value of a one-element tensor as a Python number."""
        if self._data.size != 1:
            raise RuntimeError(f"a Tensor with {self._data.size} elements cannot be converted to Scalar")
        if TRACING and STATE.tracer is not None:  # autograd.compile: a value read while tracing
            return STATE.tracer.read(self, "item")
        return self._data.item()

    def tolist(self) -> Any:
        """The values as (nested) Python lists."""
        if TRACING and STATE.tracer is not None:
            return STATE.tracer.read(self, "tolist")
        return self._data.tolist()

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __bool__(self) -> bool:
        if self._data.size != 1:
            raise RuntimeError(f"Boolean value of Tensor with {self._data.size} values is ambiguous")
        if TRACING and STATE.tracer is not None:
            return STATE.tracer.read(self, "bool")
        return bool(self._data.item())

    def __len__(self) -> int:
        if not self._data.ndim:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self) -> Iterator[Tensor]:
        return (self[i] for i in range(len(self)))

    def __repr__(self) -> str:
        if TRACING and STATE.tracer is not None:
            STATE.tracer.read(self, "repr")
        body = np.array2string(self._data, separator=", ", prefix="tensor(")
        extra = (
            ""
            if self._data.dtype in (dtypes.float32, dtypes.int64, dtypes.bool_)
            else f", dtype={self.dtype}"
        )
        if self._ctx is not None:
            extra += f", grad_fn=<{self.grad_fn}>"
        elif self.requires_grad:
            extra += ", requires_grad=True"
        return f"tensor({body}{extra})"

    def is_floating_point(self) -> bool:
        """True for float16/32/64."""
        return dtypes.is_floating(self._data.dtype)

    def is_contiguous(self) -> bool:
        """True when the elements lie in row-major order without gaps."""
        return bool(self._data.flags.c_contiguous)

    def data_ptr(self) -> int:
        """The address of the first element (views of one storage differ only by offset)."""
        return self._data.__array_interface__["data"][0]


class MaxResult(NamedTuple):
    """What ``max(dim)`` and ``min(dim)`` return, as torch.return_types.max: values and their indices."""

    values: Tensor
    indices: Tensor


def _check_hook_result(hook: Any, result: Any, grad: Tensor) -> None:
    """A hook may replace a gradient only by one of the same shape and dtype, as torch."""
    name = getattr(hook, "__name__", type(hook).__name__)
    if not isinstance(result, Tensor):
        raise TypeError(f"hook '{name}' returned {type(result).__name__}, expected a Tensor or None")
    if result.shape != grad.shape:
        raise RuntimeError(
            f"hook '{name}' has changed the size of value: got {list(result.shape)}, expected "
            f"{list(grad.shape)}"
        )
    if result.dtype != grad.dtype:
        raise RuntimeError(
            f"hook '{name}' has changed the type of value (was {grad.dtype} got {result.dtype})"
        )


# ----- making tensors without recording ------------------------------------------------------
def op_name(op: Any) -> str:
    """The name of an op as a node records it: a built-in ``Op`` class, or a user Function's ctx."""
    return op.__name__ if isinstance(op, type) else type(op).__name__


def _wrap(array: np.ndarray, counter: list[Any] | None = None) -> Tensor:
    """A tensor around ``array`` (no copy) that requires no grad; ``counter`` when it views another tensor's
    storage. numpy's scalars (what its functions give for 0-d results) become 0-d arrays."""
    return _fill(_new(Tensor), array if type(array) is _ndarray else np.asarray(array), counter, None, None)


def _fill(t: Tensor, array: np.ndarray, counter: list[Any] | None, prev: Any, op: Any) -> Tensor:
    """Makes ``t`` (new, or an op's ctx whose ``_saved`` and ``_needs`` forward set) a tensor around
    ``array``: the result of the recorded ``op`` with parents ``prev``, or a leaf that requires no grad.
    The parents are marked read: a recorded in-place op may no longer rewrite their storage (``inplace.py``);
    ``_read`` is set before the counter is looked at (see ``_storage``)."""
    t._data = array
    t._grad = None
    t._counter = counter
    t._read = False
    t._hooks = None
    t._retain = False
    t.name = ""
    t._acc = None
    t._versions = None
    t._seq = _sequence()
    if prev:
        t.requires_grad = True
        t._prev = prev
        t._ctx = op
        for parent in prev:
            parent._read = True
            shared = parent._counter
            if shared is not None:
                shared[1] = True
    else:
        t.requires_grad = False
        t._prev = ()
        t._ctx = t._saved = None
        t._needs = ()
    return t


_STATE = (
    "_data", "_grad", "requires_grad", "_prev", "_ctx", "_saved", "_needs", "_versions", "_counter", "_read",
    "_hooks", "_retain", "name", "_seq",
)  # fmt: skip


def _copy_state(target: Tensor, source: Tensor) -> Tensor:
    """Makes ``target`` a second handle on ``source``'s node state (same storage, graph and grad); it
    gathers no gradient of a running pass."""
    _storage(source)  # both handles must share one version counter
    for slot in _STATE:
        setattr(target, slot, getattr(source, slot))
    target._acc = None
    return target


def _to_array(data: Any, dtype: Any, copy: bool) -> np.ndarray:
    """Python or numpy data as an ndarray with torch's dtype inference (Python floats -> float32)."""
    if isinstance(data, Tensor):
        return data._data.copy() if copy else data._data
    if isinstance(data, (list, tuple)) and any(isinstance(x, Tensor) for x in data):
        data = [_to_array(x, None, False) for x in data]
    try:
        array = np.array(data, copy=copy) if copy else np.asarray(data)
    except ValueError as error:  # numpy's "inhomogeneous shape"
        raise TypeError(f"can't make a tensor from ragged nested lists (unequal lengths): {error}") from None
    if array.dtype.kind not in "biuf":
        raise TypeError(
            f"tensors hold numbers: can't make a tensor from {type(data).__name__} of dtype {array.dtype}"
            + (" (non-numbers or ragged lists)" if array.dtype == object else "")
        )
    return array if dtype is not None else dtypes.infer(array, data)


def _raw(x: Any) -> Any:
    return x._data if isinstance(x, Tensor) else x


def _index(index: Any) -> Any:
    """An index with tensors and lists turned into arrays, ready for numpy."""
    if isinstance(index, tuple):
        return tuple(_index(i) for i in index)
    if isinstance(index, Tensor):
        return index._data
    if isinstance(index, list):
        return np.asarray(_to_array(index, None, False))
    return index


def _gather(parent: Tensor, g: Any, upstream: Any) -> None:
    """Adds ``g`` (None: nothing) into ``parent``'s gradient of the running pass, fitted to it when needed."""
    if g is None:
        return
    data = parent._data
    if (
        g.shape != data.shape
        or g.dtype is not data.dtype
        or not parent._prev
        and (g is upstream or type(g) is _ndarray and g.base is not None)  # _shared, inlined (every leaf)
    ):
        g = _fit(g, parent, upstream)
    gathered = parent._acc
    parent._acc = g if gathered is None else gathered + g


def _fit(g: Any, parent: Tensor, upstream: Any) -> Any:
    """A parent's gradient as the parent needs it: summed down to its shape (the one place that undoes
    broadcasting), in its dtype, and for a leaf, in memory no other gradient shares."""
    if g is None:
        return None
    data = parent._data
    if g.shape != data.shape:
        g = _sum_to(g, data.shape)
    if g.dtype is not data.dtype and g.dtype != data.dtype:
        g = g.to(data.dtype) if type(g) is Tensor else g.astype(data.dtype)
    if parent._prev or not _shared(g, upstream):
        return g
    return g.clone() if type(g) is Tensor else g.copy()


def _shared(g: Any, upstream: Any) -> bool:
    """Whether a gradient may share memory with another one: the upstream gradient itself or a view (a
    reshape of it, a broadcast, ...). A leaf's ``.grad`` gets its own copy, as users modify it in place."""
    return g is upstream or type(g) is _ndarray and g.base is not None


def _check_versions(node: Tensor) -> None:
    """A saved tensor modified in place since its op ran makes backward refuse, as in torch (``_versions``:
    ``(owner, version)`` pairs, owner None for the node's own storage)."""
    for owner, version in node._versions:
        counter = (node if owner is None else owner)._counter  # _version, inlined: this runs for most nodes
        now = 0 if counter is None else counter[0]
        if now != version:
            raise RuntimeError(
                "one of the variables needed for gradient computation has been modified by an inplace "
                f"operation: a tensor saved by {node.grad_fn} is at version {now}; expected version "
                f"{version} instead."
            )


_COUNTERS = threading.Lock()  # two threads making one tensor's counter at once would make two


def _storage(t: Tensor) -> list[Any]:
    """``t``'s version counter ``[version, read]``, made on first need (see the module's docstring). Made,
    it is stored before ``_read`` is read: a node marking ``t`` read in another thread (``_fill``) either
    set ``_read`` already or will find the list."""
    counter = t._counter
    if counter is None:
        with _COUNTERS:
            counter = t._counter
            if counter is None:
                counter = t._counter = [0, False]
                if t._read:
                    counter[1] = True
    return counter
