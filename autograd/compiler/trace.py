"""``Tracer``: records one eager call of a compiled function as straight-line array work.

While a call is traced, ``grad_mode.STATE.tracer`` is the tracer, and the core's hook points (each behind
the ``SWITCHED`` test the hot paths make anyway) report to it: every op's ``forward`` (``_finish``), each
``backward()`` pass (which the tracer runs itself, the engine's lean loop step by step, recording each op's
``backward`` call, each gradient's fitting and each sum of gradients), ``.grad`` assignments, in-place writes,
tensors made by ``autograd``'s creation functions, calls that must run again at replay (``opaque``: an
optimizer's ``step``, ``zero_grad``, a scheduler's ``step``) and values read (``.item()``, ``bool(t)``, ...).

Each array gets a name: a local of the program (``v12``), or an expression read at replay (``A0._data`` for
an argument, ``E3._data`` for a parameter or any tensor made before the call, ``E3._grad._data`` for its
gradient). What cannot be replayed faithfully (a custom ``Function``, tensor hooks, ``create_graph``, a tensor
made from numpy data during the call, a value read and then used) is a graph break: the
call finishes eagerly, and the signature runs eagerly from then on, for a reason ``explain()`` gives.
"""

from __future__ import annotations

import math
import os
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..engine import _NO_GRAD, _PASSES, topological_order
from ..errstate import quiet, settle
from ..grad_mode import STATE
from ..tensor import Tensor, _check_versions, _gather

_ndarray = np.ndarray
_LOCAL = re.compile(r"\b[vC][0-9]+\b")  # the names of a program's locals (and ctxs)
_CONSTANTS = (int, float, bool, complex, str, bytes, type(None), slice, type(Ellipsis), np.dtype, type)
_PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # autograd/


class GraphBreakError(Exception):
    """Something the recording cannot replay faithfully; the message says what and where."""


@dataclass(slots=True)
class Step:
    """One instruction of the program: source lines, the locals it reads and defines, whether it may be
    dropped when nothing reads what it defines (``pure``), its kind and label for ``explain``; a forward's
    ``free``: the line that empties its ctx when no backward reads it (none when it holds no array); an op
    step's ``call``: (function, argument expressions, target) of its first line, which the build inlines."""

    lines: list[str]
    reads: tuple[str, ...]
    writes: tuple[str, ...]
    pure: bool
    kind: str
    label: str
    free: str = ""
    call: tuple[Any, list[str], str] | None = None


@dataclass
class Read:
    """A value read while tracing: its kind, the expression and value, where, and at which step."""

    kind: str
    expr: str | None
    value: Any
    where: str
    at: int


@dataclass
class Recording:
    """What a trace produced: the steps, the namespace they refer to, the output expression and the reads."""

    steps: list[Step] = field(default_factory=list)
    names: dict[str, Any] = field(default_factory=dict)
    output: str = "None"
    output_reads: tuple[str, ...] = ()
    quiet: bool = False


def where() -> str:
    """The innermost caller outside ``autograd`` (the user's line): ``file:line in function``."""
    frame = sys._getframe(1)
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(_PACKAGE):
        frame = frame.f_back
    if frame is None:
        return "<unknown>"
    return f"{frame.f_code.co_filename}:{frame.f_lineno} in {frame.f_code.co_name}"


class Tracer:
    """Records one call (see the module's docstring). ``args``: the call's tensors, in the order the
    program receives them; ``known``: tensors made before the call whose storage and gradient the program
    may read (parameters of the modules and optimizers the function uses)."""

    def __init__(self, args: list[Tensor], known: list[Tensor], seq0: int) -> None:
        self.seq0 = seq0
        self.rec = Recording()
        self.names: dict[int, str] = {}  # id(array) -> its expression in the program
        self.keep: list[Any] = []  # every array and tensor named: their ids stay unique while tracing
        self.tensors: dict[int, str] = {}  # id(tensor) -> the expression of the tensor object
        self.nodes: dict[int, str] = {}  # id(tensor) -> the ctx (a name) of the forward that made it
        self.reads: list[Read] = []
        self.broken: str | None = None
        self.extra: list[tuple[Tensor, bool]] = []  # tensors made before the call, not in ``known``
        self.count = 0
        self._op_names: dict[Any, str] = {}
        for i, t in enumerate(args):
            self._name_tensor(t, f"A{i}")
        for t in known:
            if id(t) not in self.tensors:
                self._name_tensor(t, self._const(t, "E"))

    # ----- names ------------------------------------------------------------------------------
    def _fresh(self, prefix: str) -> str:
        self.count += 1
        return f"{prefix}{self.count}"

    def _const(self, value: Any, prefix: str = "K") -> str:
        """A namespace entry for ``value`` (an op, a constant, a tensor held by the program)."""
        name = self._fresh(prefix)
        self.rec.names[name] = value
        return name

    def _name_tensor(self, t: Tensor, expr: str) -> None:
        self.tensors[id(t)] = expr
        self.keep.append(t)
        self.names.setdefault(id(t._data), f"{expr}._data")
        self.keep.append(t._data)
        if t._grad is not None:
            self.names.setdefault(id(t._grad._data), f"{expr}._grad._data")
            self.keep.append(t._grad._data)

    def _bind(self, array: Any, expr: str) -> None:
        self.names[id(array)] = expr
        self.keep.append(array)

    def tensor_expr(self, t: Tensor) -> str:
        """The expression of a tensor object the program uses itself (a leaf, a ``.grad`` owner)."""
        expr = self.tensors.get(id(t))
        if expr is not None:
            return expr
        if t._seq >= self.seq0:
            raise GraphBreakError(
                f"a tensor made during the call is used as a leaf or updated in place ({where()})"
            )
        name = self._const(t, "E")
        self._name_tensor(t, name)
        self.extra.append((t, t.requires_grad))
        return name

    def array(self, array: Any, owner: Tensor | None) -> str:
        """The expression of an array an op reads; ``owner``: its tensor, when it came as one."""
        expr = self.names.get(id(array))
        if expr is not None:
            return expr
        if owner is not None and owner._data is array and owner._seq < self.seq0:
            self.tensor_expr(owner)
            return self.names[id(array)]
        what = "a tensor made during the call outside autograd's ops (Tensor(...) of numpy data, ...)"
        if owner is None:
            what = "a numpy array made outside autograd's ops (it would be frozen into the recording)"
        raise GraphBreakError(f"{what} at {where()}")

    def value(self, x: Any) -> str:
        """The expression of an op's argument that is not one of its tensors: constants, and tensors or
        arrays inside tuples and lists (indices), each by its name."""
        kind = type(x)
        if kind is int or kind is bool or x is None:
            return repr(x)
        if kind is float:  # a literal: Python's repr of a float reads back as the same float
            return repr(x) if math.isfinite(x) else self._const(x)
        if isinstance(x, Tensor):
            return self.array(x._data, x)
        if type(x) is _ndarray:
            if id(x) in self.names:
                return self.names[id(x)]
            if x.ndim == 1 and x.dtype.kind in "iu" and np.array_equal(x, np.arange(len(x))):
                return self._const(x)  # an arange of a size the signature fixes: a constant
            return self.array(x, None)
        if isinstance(x, tuple):
            items = "(" + "".join(self.value(v) + ", " for v in x) + ")"
            return items if type(x) is tuple else f"{self._const(type(x))}{items}"  # a NamedTuple as itself
        if isinstance(x, list):
            return "[" + ", ".join(self.value(v) for v in x) + "]"
        if isinstance(x, _CONSTANTS) and not isinstance(x, np.generic):
            return self._const(x)  # (a subclass of int or float, a complex, a string, a dtype, ...)
        raise GraphBreakError(
            f"an argument of type {type(x).__name__} would be frozen into the recording ({where()})"
        )

    def _emit(
        self, lines: list[str], reads: list[str], writes: list[str], pure: bool, kind: str, label: str
    ) -> None:
        locals_read = tuple(dict.fromkeys([r for r in reads if r[0] in "vC"]))
        self.rec.steps.append(Step(lines, locals_read, tuple(writes), pure, kind, label))

    @staticmethod
    def _locals(*exprs: str) -> list[str]:
        """The locals (``v12``, ``C3``) expressions read (most are one name or none: ``E3._data``)."""
        names = []
        for expr in exprs:
            if expr[1:].isdigit():
                if expr[0] in "vC":
                    names.append(expr)
            elif "v" in expr or "C" in expr:
                names += _LOCAL.findall(expr)
        return names

    def _op(self, fn: Any, label: str, owner: Any = None) -> str:
        """The one namespace name of a function (an op's forward, a writer, ...); ``label`` prefixes it,
        with ``owner``'s name when given."""
        name = self._op_names.get(fn)
        if name is None:
            name = self._op_names[fn] = self._const(fn, f"{label}_{owner.__name__}_" if owner else label)
        return name

    # ----- hooks the core calls -----------------------------------------------------------
    def guard(self, action: Callable[[], Any]) -> Any:
        """Runs a hook's recording; a ``GraphBreakError`` stops the recording for the rest of the call."""
        try:
            return action()
        except GraphBreakError as why:
            self.stop(str(why))
            return None

    def stop(self, reason: str) -> None:
        """Stops recording: the rest of this call runs eagerly (and so will this signature)."""
        if self.broken is None:
            self.broken = reason
        if STATE.tracer is self:
            STATE.tracer = None

    def unsupported(self, what: str) -> None:
        self.stop(f"{what} at {where()}")

    def forward(self, op: Any, out: Tensor, args: Any, inputs: Any, given: Any) -> None:
        """An op ran: ``out`` its result, ``given`` what its forward returned."""
        self.guard(lambda: self._forward(op, out, args, inputs, given))

    def _forward(self, op: Any, out: Tensor, args: Any, inputs: Any, given: Any) -> None:
        if not isinstance(op, type):  # a custom Function: its forward ran ops on tensors, recorded already
            self._bind(out._data, self.array(given, None))
            self.keep.append(out)
            self.nodes[id(out)] = "function"
            return
        ins = [
            self.array(x, a) if isinstance(a, Tensor) else self.value(x)
            for a, x in zip(args, inputs, strict=True)
        ]
        ctx = _new_ctx(out._needs or (False,) * len(inputs))  # (_fill empties the needs of a constant)
        c = self._const(ctx, "C")  # reused by every replay; "C" names count as locals for the data flow
        v = self._fresh("v")
        call = ", ".join(ins)
        lines = [f"{v} = {self._op(op.forward, 'F', op)}({c}, {call})"]
        if type(given) is not _ndarray:
            lines.append(f"{v} = _scalar({c}, {v})")
        elif given.dtype is not out._data.dtype:
            lines.append(f"{v} = _demote({v}, ({call},))")
        if _reads_data(op):
            lines.append(f"{c}._data = {v}")
        if op._edges:
            self.rec.quiet = True
        pure = not getattr(op, "_random", False)  # a random op's draw is never dropped as dead work
        self._emit(lines, self._locals(*ins), [v, c], pure, "forward", op.__name__)
        self.rec.steps[-1].free = _freeing(c, op, out._saved)
        self.rec.steps[-1].call = (op.forward, [c, *ins], v)
        self._bind(out._data, v)
        self.keep.append(out)
        self.nodes[id(out)] = c

    def constant(self, array: Any) -> None:
        """An array that shapes and parameters alone make (``compiler.constant``): kept in the recording."""
        if id(array) not in self.names:
            self._bind(array, self._const(array))

    def read(self, t: Tensor, kind: str) -> Any:
        """A value read while tracing: recorded, and given as eager gives it."""
        data = t._data
        value = data.item() if kind == "item" else data.tolist() if kind == "tolist" else None
        if kind == "bool":
            value = bool(data.item())
        try:
            expr = self.names.get(id(data)) or self.array(data, t)
        except GraphBreakError:
            expr = None
        self.reads.append(Read(kind, expr, value, where(), len(self.rec.steps)))
        return value

    def set_grad(self, t: Tensor, value: Tensor | None) -> None:
        self.guard(lambda: self._set_grad(t, value))

    def _set_grad(self, t: Tensor, value: Tensor | None) -> None:
        owner = self.tensor_expr(t)
        self._retire(t)
        if value is None:
            self._emit([f"{owner}._grad = None"], [], [], False, "zero_grad", owner)
            return
        if id(value) in self.tensors:
            expr = self.tensors[id(value)]
        else:
            expr = f"_W({self.array(value._data, value)})"
        self._emit([f"{owner}._grad = {expr}"], self._locals(expr), [], False, "grad", owner)
        self._bind(value._data, f"{owner}._grad._data")

    def _retire(self, t: Tensor) -> None:
        """``t``'s gradient is about to change: its old array no longer answers to ``t._grad``."""
        if t._grad is not None and self.names.get(id(t._grad._data), "").endswith("._grad._data"):
            del self.names[id(t._grad._data)]

    def write(self, t: Tensor, write: Any, args: tuple[Any, ...]) -> None:
        """An in-place write that records no graph (an optimizer's update, ``copy_`` under no_grad)."""
        self.guard(lambda: self._write(t, write, args))

    def _write(self, t: Tensor, write: Any, args: tuple[Any, ...]) -> None:
        target = self.array(t._data, t)
        exprs = [self.array(a._data, a) if isinstance(a, Tensor) else self.value(a) for a in args]
        w = self._op(write, "WR")
        lines = [f"{w}({target}, {', '.join(exprs)})"]
        owner = self.tensors.get(id(t))
        if owner is not None:
            lines.append(f"_bump({owner})")
        self._emit(
            lines, self._locals(target, *exprs), [], False, "write", getattr(write, "__name__", "write")
        )

    def copied(self, old: Tensor, t: Tensor) -> None:
        """A recorded in-place op keeps a copy of the old values (``_inplace``)."""
        self.guard(lambda: self._copied(old, t))

    def _copied(self, old: Tensor, t: Tensor) -> None:
        source = self.array(t._data, t)
        v = self._fresh("v")
        self._emit([f"{v} = {source}.copy()"], self._locals(source), [v], True, "copy", "in-place")
        self._bind(old._data, v)
        self.keep.append(old)
        if id(t) in self.nodes:
            self.nodes[id(old)] = self.nodes[id(t)]

    def copied_back(self, t: Tensor, result: Tensor) -> None:
        self.guard(lambda: self._copied_back(t, result))

    def _copied_back(self, t: Tensor, result: Tensor) -> None:
        target, source = self.array(t._data, t), self.array(result._data, result)
        line = f"_copyto({target}, {source}, casting='same_kind')"
        self._emit([line], self._locals(target, source), [], False, "write", "in-place")
        if id(result) in self.nodes:
            self.nodes[id(t)] = self.nodes[id(result)]

    def create(self, make: Callable[..., Tensor], args: tuple[Any, ...], kwargs: dict[str, Any]) -> Tensor:
        """A creation function (``zeros``, ``randn``, ``tensor([...])``): made again at each replay, so random
        ones draw fresh numbers."""
        try:
            _check_plain(make, (args, kwargs))
        except GraphBreakError as why:
            self.stop(str(why))
            return make(*args, **kwargs)
        STATE.tracer = None
        try:
            t = make(*args, **kwargs)
        finally:
            STATE.tracer = self
        f, a, k = self._op(make, "MK"), self._const(args), self._const(kwargs)
        v = self._fresh("v")
        self._emit([f"{v} = {f}(*{a}, **{k})._data"], [], [v], False, "create", make.__name__)
        self._bind(t._data, v)
        return t

    def opaque(
        self, method: Callable[..., Any], obj: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> Any:
        """A call that runs again at each replay, as it is (an optimizer's step: its state lives outside)."""
        try:
            exprs = [self._argument(a) for a in args]
            kexprs = [f"{key}={self._argument(a)}" for key, a in kwargs.items()]
        except GraphBreakError as why:
            self.stop(str(why))
            return method(obj, *args, **kwargs)
        STATE.tracer = None
        try:
            result = method(obj, *args, **kwargs)
        finally:
            STATE.tracer = self
        m, o = self._op(method, "M"), self._op(obj, "O")
        call = ", ".join([o, *exprs, *kexprs])
        self._emit([f"{m}({call})"], self._locals(*exprs, *kexprs), [], False, "call", method.__qualname__)
        for key in [k for k, expr in self.names.items() if expr.endswith("._grad._data")]:
            del self.names[key]  # the call may have changed any gradient
        return result

    def _argument(self, a: Any) -> str:
        """An argument of an opaque call: a tensor as a tensor, a value read earlier as read again."""
        for read in self.reads:
            if read.value is a and read.expr is not None and not isinstance(a, (bool, int)):
                return _reread(read)
        if isinstance(a, Tensor):
            return self.tensors.get(id(a)) or f"_W({self.array(a._data, a)})"
        if callable(a) and not isinstance(a, type):
            raise GraphBreakError(f"a function passed to {where()} (a closure runs eagerly)")
        return self.value(a)

    # ----- backward ----------------------------------------------------------------------------
    def backward(self, root: Any, gradient: Any, retain_graph: bool, create_graph: bool) -> bool:
        """``root.backward(gradient)``: runs the pass and records it; False when it cannot (the engine then
        runs it, and the recording stops)."""
        try:
            order, seed_lines, seed = self._plan(root, gradient, create_graph)
        except GraphBreakError as why:
            self.stop(str(why))
            return False
        g = self._fresh("v")
        self._emit(
            [f"{g} = {line}" for line in seed_lines], self._locals(*seed_lines), [g], True, "seed", "backward"
        )
        self._run(order, root, seed, g, retain_graph)
        return True

    def _plan(self, root: Any, gradient: Any, create_graph: bool) -> tuple[list[Tensor], list[str], Any]:
        if create_graph:
            raise GraphBreakError(f"backward(create_graph=True) at {where()}")
        if not isinstance(root, Tensor):
            raise GraphBreakError(f"backward of a {type(root).__name__} at {where()}")
        if STATE.anomaly:
            raise GraphBreakError(f"detect_anomaly at {where()}")
        seed = root._seed(gradient)
        if gradient is None:
            lines = [f"_ones({seed.shape!r}, {self._const(seed.dtype)})"]
        elif isinstance(gradient, Tensor) and not gradient.requires_grad:
            lines = [f"{self.array(gradient._data, gradient)}.copy()"]
        else:
            raise GraphBreakError(
                f"backward(gradient) with a gradient that is not a tensor without grad at {where()}"
            )
        order = topological_order([root])
        for node in order:
            if node._hooks:
                raise GraphBreakError(f"a tensor hook (register_hook) in the graph of backward at {where()}")
            if node._ctx is None:
                self.tensor_expr(node)  # a leaf: the program stores into it
                continue
            if node._retain:
                raise GraphBreakError(f"retain_grad() in the graph of backward at {where()}")
            if id(node) not in self.nodes or node._saved is None:
                raise GraphBreakError(
                    f"backward through a graph made before the call or already freed at {where()}"
                )
        return order, lines, seed

    def _run(self, order: list[Tensor], root: Tensor, seed: Any, g: str, retain_graph: bool) -> None:
        """The engine's lean backward loop, recorded step by step (``run_backward``, ``Tensor._backward``)."""
        acc: dict[int, str] = {id(root): g}
        with _PASSES, _NO_GRAD:
            root._acc = seed
            token = quiet()
            try:
                for node in reversed(order):
                    grad = node._acc
                    if grad is None:
                        continue
                    node._acc = None
                    self._node(node, grad, acc[id(node)], acc, retain_graph)
            except BaseException:
                for node in order:
                    node._acc = None
                raise
            finally:
                settle(token)
        self.rec.quiet = True

    def _node(self, node: Tensor, grad: Any, name: str, acc: dict[int, str], retain_graph: bool) -> None:
        self._bind(grad, name)  # a custom Function's backward may use it in ops
        op = node._ctx
        if op is None:  # a leaf: Tensor._store_grad, its commonest case inline
            owner = self.tensors[id(node)]
            self._retire(node)
            node._store_grad(grad)
            lines = [f"if {owner}._grad is None and not {owner}._retain:", f"    {owner}._grad = _W({name})"]
            lines += ["else:", f"    {owner}._store_grad({name})"]
            self._emit(lines, [name], [], False, "grad", owner)
            self._bind(node._grad._data, f"{owner}._grad._data")
            return
        if node._versions is not None:
            _check_versions(node)
        prev, needs = node._prev, node._needs
        if op._arrays:
            grads = op.backward(node, grad)
            c = self.nodes[id(node)]
            # a tuple of gradients is unpacked into one local each (the length is the op's, fixed by the
            # signature): no tuple indexing at replay, and the ones no parent takes bind to "_"
            outs = [self._fresh("v") for _ in grads] if type(grads) is tuple else [self._fresh("v")]
            target = "".join(f"{o}, " for o in outs) if type(grads) is tuple else outs[0]
            lines = [f"{target} = {self._op(op.backward, 'B', op)}({c}, {name})"]
            free = "" if retain_graph else _freeing(c, op, node._saved)
            if free:
                lines.append(free)
            self._emit(lines, [c, name], outs, True, "backward", op.__name__)
            self.rec.steps[-1].call = (op.backward, [c, name], target)
        else:  # a custom Function's backward: its tensor ops are recorded as they run
            grads = op._backward(node, grad, False)
            if not retain_graph:
                op.saved = None
            if len(grads) != len(needs):
                raise RuntimeError(f"{node.grad_fn} returned {len(grads)} gradients for {len(needs)} inputs")
            outs = []
        if not retain_graph:
            node._saved = node._versions = None
        if type(grads) is not tuple:
            pairs = [(prev[0], grads, outs[0] if outs else "")]
        elif len(prev) == 1:
            i = 0 if needs[0] else needs.index(True)
            pairs = [(prev[0], grads[i], outs[i] if outs else "")]
        else:
            index = range(len(prev)) if len(grads) == len(prev) else [i for i, n in enumerate(needs) if n]
            pairs = [(p, grads[i], outs[i] if outs else "") for p, i in zip(prev, index, strict=True)]
        for parent, gp, expr in pairs:
            if gp is None:
                continue
            if not outs:
                try:
                    expr = self.array(gp, None)
                except GraphBreakError as why:  # the pass goes on eagerly, unrecorded
                    self.stop(str(why))
            self._gather(parent, gp, expr, name, acc)
            _gather(parent, gp, grad)

    def _gather(self, parent: Tensor, gp: Any, expr: str, upstream: str, acc: dict[int, str]) -> None:
        """Records ``_gather``: ``gp`` (named ``expr``) fitted to ``parent`` and added to its gradient of the
        pass. The shapes and dtypes are the signature's: only a fit the trace needed is recorded, and a
        leaf's gradient is copied when it may share memory (``_shared``, tested at replay)."""
        data, value, lines, writes = parent._data, expr, [], []
        if gp.shape != data.shape or gp.dtype is not data.dtype:
            value = f"_fit_to({value}, {data.shape!r}, {self._const(data.dtype)})"
        if not parent._prev:  # a leaf: its gradient in memory of its own
            x = self._fresh("v")
            if value != expr:
                lines, value = [f"{x} = {value}"], x
            shared = f"{value} is {upstream} or type({value}) is _nd and {value}.base is not None"
            lines.append(f"{x} = {value}.copy() if {shared} else {value}")
            value = x
            writes.append(x)
        before = acc.get(id(parent))
        if before is not None:
            value = f"{before} + {value}"
        if not (value[1:].isdigit() and value[0] in "vC"):  # not a local as it is: a step makes one
            x = self._fresh("v")
            lines.append(f"{x} = {value}")
            value = x
            writes.append(x)
        acc[id(parent)] = value
        if lines:
            reads = self._locals(expr, upstream, before or "")
            self._emit(lines, reads, writes, True, "gather", "")


def _reread(read: Read) -> str:
    """The expression that reads a value again at replay, as the trace read it."""
    if read.kind == "item":
        return f"{read.expr}.item()"
    if read.kind == "tolist":
        return f"{read.expr}.tolist()"
    return f"bool({read.expr}.item())"


def _check_plain(make: Any, value: Any) -> None:
    """A creation function's arguments must be plain Python data: arrays and tensors would be frozen."""
    if isinstance(value, (tuple, list)):
        for v in value:
            _check_plain(make, v)
    elif isinstance(value, dict):
        for v in value.values():
            _check_plain(make, v)
    elif isinstance(value, (Tensor, _ndarray)):
        raise GraphBreakError(
            f"{make.__name__}() of a {type(value).__name__} (it would be frozen) at {where()}"
        )


def _freeing(c: str, op: Any, saved: Any) -> str:
    """The line that frees what ctx ``c`` holds after its backward, as eager frees a node's saved values;
    none when it holds no array (what an op saved is numbers, shapes or nothing: ``x * 1.001``, ``a + b``)."""
    if _reads_data(op):
        return f"{c}._saved = {c}._data = None"
    if all(s is None or type(s) in _PLAIN or type(s) is tuple and _plain(s) for s in saved or ()):
        return ""
    return f"{c}._saved = None"


_PLAIN = (int, float, bool, complex, str)


def _plain(items: tuple[Any, ...]) -> bool:
    return all(x is None or type(x) in _PLAIN for x in items)


_READS_DATA: dict[Any, bool] = {}


def _reads_data(op: type) -> bool:
    """Whether an op's backward reads its output (``ctx._data``): only then does a replay keep it there."""
    known = _READS_DATA.get(op)
    if known is None:
        code = getattr(getattr(op.backward, "__func__", op.backward), "__code__", None)
        known = _READS_DATA[op] = code is None or "_data" in code.co_names
    return known


def _new_ctx(needs: tuple[bool, ...]) -> Tensor:
    """The ctx an op's forward and backward get at replay: a bare tensor holding ``_needs``, ``_saved`` and
    ``_data`` (reused by every replay)."""
    ctx = object.__new__(Tensor)
    ctx._needs = needs
    ctx._saved = ()
    ctx._data = None
    return ctx
