"""``autograd.compile``: trace a training step once, replay it as straight-line numpy calls.

The first call for a signature (the shapes, dtypes and ``requires_grad`` of the tensor arguments, the other
arguments' values, grad mode, the train/eval mode of the modules the function uses) runs the function
eagerly while a ``Tracer`` records its array work: each op's ``forward``, the backward pass op by op, the
gradients' fitting and sums, ``.grad`` stores, in-place writes, and the calls that must run again each time
(an optimizer's ``step`` and ``zero_grad``, a scheduler's ``step``). Later calls with that signature replay
the recording (``Program``): the same numpy functions in the same order, so the numbers are eager's bit for
bit, without tensors, graph or topological sort. Parameters, gradients, optimizer state and learning rates
are read and written at replay, so compiled and eager steps can alternate on one model.

What a recording cannot replay (a value read and then used, a custom ``Function``, tensor hooks, ...) is a
graph break: the call finishes eagerly, that signature keeps running eagerly, and a warning (an error with
``fullgraph=True``) names the line. ``explain()`` describes the recordings.
"""

from __future__ import annotations

import builtins
import functools
import threading
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from operator import attrgetter
from typing import Any

from ..grad_mode import STATE, SWITCHED, TRACING
from ..tensor import CHANGES, Tensor, _sequence
from .program import Program, build
from .trace import GraphBreakError, Recording, Tracer, _reread


def opaque(method: Callable[..., Any]) -> Callable[..., Any]:
    """Marks a method that a compiled function calls again at every replay, as it is (its work reads and
    writes state outside the recording: an optimizer's ``step``, ``zero_grad``, a scheduler's ``step``)."""

    @functools.wraps(method)
    def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
        if TRACING and STATE.tracer is not None:
            return STATE.tracer.opaque(method, self, args, kwargs)
        return method(self, *args, **kwargs)

    return wrapper


def recorded(make: Callable[..., Tensor]) -> Callable[..., Tensor]:
    """Marks a function that makes a tensor (``zeros``, ``randn``, ...): a compiled function calls it again
    at every replay, so random draws are fresh."""

    @functools.wraps(make)
    def wrapper(*args: Any, **kwargs: Any) -> Tensor:
        if TRACING and STATE.tracer is not None:
            return STATE.tracer.create(make, args, kwargs)
        return make(*args, **kwargs)

    return wrapper


def constant(array: Any) -> Any:
    """Marks an array an op builds from shapes and parameters alone (a triangle's mask, an index grid), which
    the signature fixes: a compiled function keeps it in its recording instead of stopping there."""
    if TRACING and STATE.tracer is not None:
        STATE.tracer.constant(array)
    return array


@dataclass
class Entry:
    """One signature's recording, made into its program by the first replay (so the first call costs a
    trace only), or why it runs eagerly."""

    signature: tuple[Any, ...]
    recording: Recording | None
    reason: str | None
    n_args: int
    label: str
    program: Program | None = None

    def build(self) -> Program:
        """The program, compiled on first need."""
        if self.program is None:
            assert self.recording is not None
            self.program, self.recording = build(self.recording, self.n_args, self.label), None
        return self.program


class Compiled:
    """A function with its recordings, one per signature (see the module's docstring)."""

    def __init__(
        self, fn: Callable[..., Any], fullgraph: bool, cache_size: int, modules: tuple[Any, ...]
    ) -> None:
        functools.update_wrapper(self, fn)
        self.fn = fn
        self.fullgraph = fullgraph
        self.cache_size = cache_size
        self.entries: dict[tuple[Any, ...], Entry] = {}
        self.traces = 0
        self._given = modules
        self._modules: list[Any] | None = None
        self._known: list[Tensor] = []
        self._state: Callable[[], tuple[Any, ...]] = self._looked_up  # the first part of a key
        self._keyed = False  # whether _state is _state_key's generated function
        self._looked = -1  # CHANGES[0] when the known tensors' shapes, dtypes and hooks were last looked at
        self._meta = 0  # what was seen then, as a small number (_metas)
        self._metas: dict[tuple[Any, ...], int] = {}
        self._lock = threading.RLock()
        self._warned = False

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if TRACING and STATE.tracer is not None:  # inside another compiled function's trace: part of it
            return self.fn(*args, **kwargs)
        if self._modules is None:
            self._discover(args, kwargs)
        tensors: list[Tensor] = []
        key = self._signature(args, kwargs, tensors)
        try:
            entry = self.entries.get(key)
        except TypeError:  # an argument that cannot key a recording (unhashable): eager
            return self.fn(*args, **kwargs)
        if entry is None:
            return self._trace(key, tensors, args, kwargs)
        if entry.reason is not None:
            return self.fn(*args, **kwargs)
        with self._lock:
            if not self._keyed:  # the first replay: a faster key is made now (and the program, lazily)
                self._state, self._keyed = _state_key(self, self._modules or [], self._known), True
            return (entry.program or entry.build()).run(tensors)

    # ----- signatures ---------------------------------------------------------------------------
    def _signature(self, args: tuple[Any, ...], kwargs: dict[str, Any], tensors: list[Tensor]) -> Any:
        """The key of a call: grad mode, the modules' modes, ``requires_grad`` of the tensors the function
        reads (parameters, ...) and their shapes, dtypes and hooks (``_meta``), then the arguments."""
        if CHANGES[0] != self._looked:
            self._look()
        key = self._state()
        if not (args or kwargs):
            return key
        parts = list(key)
        for a in args:
            if type(a) is Tensor:  # the common case, inline
                tensors.append(a)
                data = a._data
                parts.append((data.shape, data.dtype, a.requires_grad))
            else:
                _part(a, parts, tensors)
        for name in sorted(kwargs) if kwargs else ():
            parts.append(name)
            _part(kwargs[name], parts, tensors)
        return tuple(parts)

    def _looked_up(self) -> tuple[Any, ...]:
        """The first part of a key, by reading the objects in lists (until the first replay makes
        ``_state_key``'s function, whose generation would cost a first call as much as the step)."""
        return (
            STATE.grad_enabled,
            tuple(map(_mode, self._modules or ())),
            tuple(map(_REQUIRES_GRAD, self._known)),
            self._meta,
        )

    def _look(self) -> None:
        """Looks at the known tensors' shapes, dtypes and hooks (again only after a storage was replaced or
        a hook registered somewhere: ``CHANGES``)."""
        self._looked = CHANGES[0]
        seen = tuple((t._data.shape, t._data.dtype, bool(t._hooks)) for t in self._known)
        self._meta = self._metas.setdefault(seen, len(self._metas))

    def _discover(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        """The modules (their train/eval modes key the recordings) and optimizers the function uses: in its
        arguments, closure, globals and ``self``, and those given as ``modules=``."""
        found: dict[int, Any] = {}
        for obj in [*self._given, *args, *kwargs.values(), *_referenced(self.fn)]:
            _collect(obj, found)
        self._modules = [m for m in found.values() if _is_module(m)]
        known: dict[int, Tensor] = {}
        for obj in found.values():
            for p in _tensors_of(obj):
                known.setdefault(id(p), p)
        self._known = list(known.values())

    # ----- tracing ------------------------------------------------------------------------------
    def _trace(self, key: tuple[Any, ...], tensors: list[Tensor], args: Any, kwargs: Any) -> Any:
        self.traces += 1
        if self.traces > self.cache_size and not self._warned:
            self._warned = True
            warnings.warn(
                f"autograd.compile: {self.__name__} traced {self.traces} times (more signatures than "
                f"cache_size={self.cache_size}); each new shape, dtype, argument value or mode traces again",
                RuntimeWarning,
                stacklevel=3,
            )
        tracer = Tracer(tensors, self._known, _sequence())
        STATE.tracer = tracer
        SWITCHED.append(None)  # the ops' fast paths test it: while tracing, they take the recorded path
        TRACING.append(None)
        try:
            result = self.fn(*args, **kwargs)
        finally:
            STATE.tracer = None
            TRACING.pop()
            SWITCHED.pop()
        if tracer.broken is None:
            try:
                _finish(tracer, result)
            except GraphBreakError as why:
                tracer.broken = str(why)
        if tracer.broken is not None:
            self._break(tracer.broken)
        if tracer.extra:  # tensors it read that _discover did not find: known from now on (new keys)
            self._known += [t for t, _ in tracer.extra]
            self._state, self._keyed = self._looked_up, False
            self.entries.clear()
            self._look()
            grads = key[2] + tuple(requires_grad for _, requires_grad in tracer.extra)
            key = (*key[:2], grads, self._meta, *key[4:])
        if len(self.entries) >= self.cache_size:
            del self.entries[next(iter(self.entries))]
        label = getattr(self.fn, "__qualname__", "function")
        recording = tracer.rec if tracer.broken is None else None
        self.entries[key] = Entry(key, recording, tracer.broken, len(tensors), label)
        return result

    def _break(self, reason: str) -> None:
        message = f"autograd.compile: {self.__name__} runs eagerly for this signature: {reason}"
        if self.fullgraph:
            raise RuntimeError(message + " (fullgraph=True)")
        warnings.warn(message, RuntimeWarning, stacklevel=4)

    # ----- seeing it ----------------------------------------------------------------------------
    def explain(self) -> str:
        """How many recordings there are, and for each its steps by kind, buffers, dropped steps and the
        generated source, or the reason it runs eagerly (a graph break)."""
        lines = [
            f"autograd.compile({self.__name__}): {len(self.entries)} recording(s), {self.traces} trace(s), "
            f"{sum(e.reason is not None for e in self.entries.values())} graph break(s)"
        ]
        for i, entry in enumerate(self.entries.values()):
            lines.append(f"[{i}] signature {_describe(entry.signature)}")
            if entry.reason is not None:
                lines.append(f"    graph break, runs eagerly: {entry.reason}")
                continue
            program = entry.build()
            kinds = ", ".join(f"{n} {kind}" for kind, n in sorted(program.counts().items()))
            lines.append(
                f"    {len(program.steps)} steps ({kinds}); {program.buffers()} buffers; "
                f"{program.dropped} dead steps dropped"
            )
            lines.extend("    | " + line for line in program.source.splitlines())
        return "\n".join(lines)


def compile(  # noqa: A001 - torch's name
    fn: Callable[..., Any] | None = None,
    *,
    fullgraph: bool = False,
    cache_size: int = 8,
    modules: Any = (),
) -> Any:
    """``fn`` compiled: traced on its first call per signature, replayed after (see the module's docstring).
    Use as ``autograd.compile(step)`` or ``@autograd.compile`` (with options: ``@autograd.compile(...)``).
    ``fullgraph``: a graph break raises instead of running eagerly; ``cache_size``: recordings kept;
    ``modules``: modules and optimizers the function uses that it cannot find itself."""
    if fn is None:
        return lambda f: compile(f, fullgraph=fullgraph, cache_size=cache_size, modules=modules)
    given = tuple(modules) if isinstance(modules, (list, tuple)) else (modules,)
    return Compiled(fn, fullgraph, cache_size, given)


# ----- helpers --------------------------------------------------------------------------------------
def _part(a: Any, parts: list[Any], tensors: list[Tensor]) -> None:
    """Adds argument ``a`` to a signature: a tensor by shape, dtype and requires_grad (and to ``tensors``),
    containers by their items, a module by identity and modes, anything else by type and value."""
    if isinstance(a, Tensor):
        tensors.append(a)
        parts.append((a._data.shape, a._data.dtype, a.requires_grad))
    elif isinstance(a, (tuple, list)):
        parts.append((type(a), len(a)))
        for x in a:
            _part(x, parts, tensors)
    elif isinstance(a, dict):
        parts.append((dict, tuple(a)))
        for x in a.values():
            _part(x, parts, tensors)
    elif _is_module(a):
        parts.append((id(a), tuple([_mode(m) for m in a.modules()])))
    else:
        parts.append((type(a), a))


def _modes(module: Any) -> tuple[str, ...]:
    """The attributes besides ``training`` whose values change what a module's forward records (its class's
    ``_compile_modes``: BatchNorm's ``momentum``, None recording a cumulative average): a key holds them."""
    names = getattr(type(module), "_compile_modes", ())
    if not all(isinstance(name, str) and name.isidentifier() for name in names):
        raise TypeError(f"{type(module).__name__}._compile_modes must name attributes, got {names!r}")
    return names


def _mode(module: Any) -> Any:
    """A module's part of a key: ``training``, with its ``_modes`` when it has any."""
    names = _modes(module)
    if not names:
        return module.training
    return (module.training, *[getattr(module, name) for name in names])


_REQUIRES_GRAD = attrgetter("requires_grad")


def _state_key(owner: Compiled, modules: list[Any], known: list[Tensor]) -> Callable[[], tuple[Any, ...]]:
    """The function that gives the first part of a key: ``(grad mode, the modules' modes, requires_grad of
    the known tensors, owner._meta)``, generated with one attribute read per object (5x cheaper than
    mapping attrgetters over lists); the source holds only names, the objects are in its namespace."""
    namespace: dict[str, Any] = {"S": STATE, "O": owner}
    namespace.update({f"M{i}": m for i, m in enumerate(modules)})
    namespace.update({f"T{i}": t for i, t in enumerate(known)})
    modes = "".join(_mode_source(f"M{i}", m) for i, m in enumerate(modules))
    grads = "".join(f"T{i}.requires_grad, " for i in range(len(known)))
    source = f"def _state():\n    return (S.grad_enabled, ({modes}), ({grads}), O._meta)\n"
    exec(builtins.compile(source, "<autograd.compile: key>", "exec"), namespace)  # noqa: S102 - names only
    return namespace["_state"]


def _mode_source(name: str, module: Any) -> str:
    """The source of ``_mode(module)`` for the module named ``name`` in ``_state_key``'s namespace."""
    names = _modes(module)
    if not names:
        return f"{name}.training, "
    return "(" + "".join(f"{name}.{attribute}, " for attribute in ("training", *names)) + "), "


def _is_module(obj: Any) -> bool:
    return hasattr(obj, "training") and callable(getattr(obj, "modules", None))


def _referenced(fn: Any) -> list[Any]:
    """What ``fn`` may use: its closure's values, the globals its code names, and its ``self``."""
    out: list[Any] = []
    self = getattr(fn, "__self__", None)
    if self is not None:
        out.append(self)
    func = getattr(fn, "__func__", fn)
    if _is_module(fn):
        out.append(fn)
        func = type(fn).forward
    for cell in getattr(func, "__closure__", None) or ():
        try:
            out.append(cell.cell_contents)
        except ValueError:  # an empty cell
            continue
    code, globs = getattr(func, "__code__", None), getattr(func, "__globals__", {})
    if code is not None:
        out.extend(globs[name] for name in code.co_names if name in globs)
    return out


def _collect(obj: Any, found: dict[int, Any]) -> None:
    """Tensors, modules (and their sub-modules), optimizers and schedulers in ``obj`` (or a list of them)."""
    if isinstance(obj, Tensor):
        found.setdefault(id(obj), obj)
    elif isinstance(obj, (list, tuple)):
        for x in obj:
            _collect(x, found)
    elif _is_module(obj):
        for m in obj.modules():
            found.setdefault(id(m), m)
    elif hasattr(obj, "param_groups"):
        found.setdefault(id(obj), obj)
    elif hasattr(obj, "optimizer") and hasattr(obj.optimizer, "param_groups"):
        found.setdefault(id(obj.optimizer), obj.optimizer)


def _tensors_of(obj: Any) -> list[Tensor]:
    """The parameters (and buffers) of a module, or of an optimizer's groups (a tensor: itself)."""
    if isinstance(obj, Tensor):
        return [obj]
    if _is_module(obj):  # its own: its sub-modules are found too (``_collect``)
        try:
            tensors = list(obj.parameters(recurse=False))
        except TypeError:  # a module-like object without torch's ``recurse``
            tensors = list(obj.parameters())
        buffers = getattr(obj, "buffers", None)
        if callable(buffers):
            try:
                tensors += list(buffers(recurse=False))
            except TypeError:
                tensors += list(buffers())
        return [t for t in tensors if isinstance(t, Tensor)]
    return [p for group in obj.param_groups for p in group["params"]]


def _finish(tracer: Tracer, result: Any) -> None:
    """The output of the recording, from the function's result; reads must be ones it returns (or that an
    opaque call took) with nothing recorded after them."""
    returned: set[int] = set()
    tracer.rec.output = _output(tracer, result, returned)
    steps = tracer.rec.steps
    for read in tracer.reads:
        later = [s for s in steps[read.at :] if s.kind != "call"]
        if read.kind == "repr":
            raise GraphBreakError(f"a tensor printed (repr) at {read.where}")
        if read.expr is None or later or not (id(read.value) in returned or _taken(tracer, read)):
            raise GraphBreakError(f"a value read by {read.kind}() and then used, at {read.where}")


def _taken(tracer: Tracer, read: Any) -> bool:
    """Whether an opaque call recorded after ``read`` takes its value again."""
    again = _reread(read)
    return any(again in line for s in tracer.rec.steps[read.at :] if s.kind == "call" for line in s.lines)


def _output(tracer: Tracer, value: Any, returned: set[int]) -> str:
    """The expression that rebuilds the function's result at replay."""
    for read in tracer.reads:
        if read.value is value and read.expr is not None and not isinstance(value, (bool, int)):
            returned.add(id(value))
            return _reread(read)
    if isinstance(value, Tensor):
        if value.requires_grad and value._ctx is not None and value._saved is not None:
            raise GraphBreakError(
                "the function returns a tensor whose graph backward still needs (call backward inside)"
            )
        expr = tracer.tensors.get(id(value))
        return expr if expr is not None else f"_W({tracer.array(value._data, value)})"
    if isinstance(value, tuple) and type(value) is tuple:
        return "(" + "".join(_output(tracer, v, returned) + ", " for v in value) + ")"
    if isinstance(value, list):
        return "[" + ", ".join(_output(tracer, v, returned) for v in value) + "]"
    if isinstance(value, dict):
        return (
            "{"
            + ", ".join(f"{tracer.value(k)}: {_output(tracer, v, returned)}" for k, v in value.items())
            + "}"
        )
    if isinstance(value, (bool, int, type(None))):
        return repr(value)
    if isinstance(value, (float, complex, str, bytes)):
        return tracer._const(value)
    raise GraphBreakError(
        f"the function returns a {type(value).__name__} (tensors, numbers, tuples, lists, dicts replay)"
    )


def _describe(signature: tuple[Any, ...]) -> str:
    grad, modes, _, _, *args = signature
    shown = []
    for part in args:
        if isinstance(part, tuple) and len(part) == 3 and isinstance(part[0], tuple):
            shown.append(f"{list(part[0])} {part[1]}{' requires_grad' if part[2] else ''}")
        else:
            shown.append(repr(part))
    flags = [m[0] if type(m) is tuple else m for m in modes]  # training, without a module's _modes
    train = "" if not flags else " train" if all(flags) else " eval" if not any(flags) else " mixed modes"
    return f"({', '.join(shown)}), grad {'on' if grad else 'off'}{train}"


__all__ = ["Compiled", "compile", "constant", "opaque", "recorded"]
