"""Recording the ops a forward pass runs, for ``export``: every built-in ``Op``'s forward is wrapped while a
``Tracer`` is active, so the tracer sees the op's class, its arrays and its non-tensor arguments (axes,
shapes, slopes) whether or not grad mode builds a graph; nothing in the core changes and nothing is
left wrapped afterwards.

A value is *traced* when it comes from a graph input, a parameter or buffer, or a traced op; an op whose
arguments are all constants runs as usual and its result is a constant of the graph. Reading a traced
value into Python (``item()``, ``bool()``, ``numpy()``) would freeze it into the graph, so it is an error.
"""

from __future__ import annotations

import inspect
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np

import autograd

from ..ops.function import Op
from ..ops.registry import FUNCTIONS, METHODS
from ..tensor import Tensor
from .checks import OnnxError, require_onnx
from .functions import FUNCTION_RULES
from .values import Var

_HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # the autograd package
_LIBRARY = os.path.dirname(_HERE)


def where_called() -> str:
    """The innermost caller outside the autograd package, and the innermost outside tracegrad (the user's
    code) when that is another frame: where an export error points."""
    frame = sys._getframe(1)
    found: list[str] = []
    while frame is not None:
        path = os.path.abspath(frame.f_code.co_filename)
        inside_autograd = path.startswith(_HERE + os.sep)
        inside_library = path.startswith(_LIBRARY + os.sep + "nn" + os.sep) or inside_autograd
        if not found and not inside_autograd or found and not inside_library:
            found.append(f"{os.path.relpath(path)}:{frame.f_lineno} in {frame.f_code.co_name}")
            if not inside_library:
                break
        frame = frame.f_back
    return " <- ".join(reversed(found)) if found else "an unknown place"


def _op_classes() -> Iterator[type[Op]]:
    """Every built-in op class defined so far (subclasses of ``Op``, recursively)."""
    stack = list(Op.__subclasses__())
    seen: set[type] = set()
    while stack:
        cls = stack.pop()
        if cls not in seen:
            seen.add(cls)
            stack.extend(cls.__subclasses__())
            yield cls


_READERS = (
    "item",
    "tolist",
    "numpy",
    "__array__",
    "__bool__",
    "__float__",
    "__int__",
    "__index__",
    "equal",
    "allclose",
)


class Tracer:
    """Maps the arrays of traced tensors to graph values and hands each traced op to ``record``."""

    def __init__(self, record: Callable[[str, tuple[Any, ...], np.ndarray], Var]) -> None:
        self.values: dict[int, Var] = {}
        self._alive: list[np.ndarray] = []  # ids stay unique while the arrays live
        self._pending: list[tuple[Tensor, np.ndarray, Var]] = []
        self._record = record
        self.depth = 0  # > 0 inside a function recorded as a whole: its own ops are not recorded

    def add(self, array: np.ndarray, var: Var) -> Var:
        """Makes ``array`` (a tensor's storage) the graph value ``var``."""
        self.values[id(array)] = var
        self._alive.append(array)
        return var

    def lookup(self, value: Any) -> Var | None:
        """The graph value of an array or a tensor, or None for a constant."""
        self.resolve()
        array = value._data if isinstance(value, Tensor) else value
        return self.values.get(id(array)) if type(array) is np.ndarray else None

    def resolve(self) -> None:
        """Registers the tensors that finished ops made (the tensor gets its array after forward returns,
        possibly cast to torch's dtype, which becomes a Cast in the graph)."""
        if not self._pending:
            return
        waiting = []
        for ctx, raw, var in self._pending:
            data = getattr(ctx, "_data", None)
            if data is None:
                waiting.append((ctx, raw, var))
                continue
            if data is not raw and data.dtype != raw.dtype:
                var = self.cast(var, data)
            self.add(data, var)
        self._pending = waiting

    cast: Callable[[Var, np.ndarray], Var]  # set by the exporter: a Cast node to the array's dtype

    def run(self, cls: type[Op], original: Callable[..., Any], ctx: Any, args: tuple[Any, ...]) -> Any:
        """An op's forward while tracing: run it, and record it when one of its arrays is traced."""
        self.resolve()
        values = self.values
        if self.depth or not any(type(a) is np.ndarray and id(a) in values for a in args):
            return original(ctx, *args)
        raw = original(ctx, *args)
        traced = tuple(values.get(id(a)) or a if type(a) is np.ndarray else a for a in args)
        var = self._record(cls.__name__, traced, np.asarray(raw))
        self._pending.append((ctx, raw if type(raw) is np.ndarray else np.asarray(raw), var))
        return raw

    def run_method(self, name: str, method: Callable[..., Any], args: tuple[Any, ...], kwargs: Any) -> Any:
        """A registered method or function while tracing: a result computed outside the ops from traced
        tensors (a comparison, argmax) is recorded by its method rule, or is an error; an in-place change of
        a traced tensor too (the graph would not see it)."""
        result = method(*args, **kwargs)
        if self.depth:
            return result
        tensors = [a for a in (*args, *kwargs.values()) if isinstance(a, Tensor)]
        tensors += [t for a in args if isinstance(a, (list, tuple)) for t in a if isinstance(t, Tensor)]
        if not any(self.lookup(t) is not None for t in tensors):
            return result
        if name.endswith("_") and not name.endswith("__") or name.startswith("__i") or name == "__setitem__":
            raise OnnxError(
                f"export: in-place {name} on a traced tensor (called at {where_called()}) is not recorded: "
                "use the out-of-place form"
            )
        if not isinstance(result, Tensor) or self.lookup(result) is not None:
            return result
        bound = inspect.signature(method).bind(*args, **kwargs)
        bound.apply_defaults()
        values = tuple(self.lookup(a) or a._data if isinstance(a, Tensor) else a for a in bound.args)
        self.add(result._data, self._record(name, values, result._data))
        return result

    def run_function(
        self,
        name: str,
        fn: Callable[..., Any],
        accepts: Callable[..., bool],
        args: tuple[Any, ...],
        kwargs: Any,
    ) -> Any:
        """A function with a rule of its own (``batch_norm`` in eval mode as one BatchNormalization): when
        ``accepts`` its arguments and one is traced, recorded as a whole, its own ops not."""
        if self.depth:
            return fn(*args, **kwargs)
        bound = inspect.signature(fn).bind(*args, **kwargs)
        bound.apply_defaults()
        if not any(self.lookup(a) is not None for a in bound.args if isinstance(a, Tensor)) or not accepts(
            *bound.args
        ):
            return fn(*args, **kwargs)
        self.depth += 1
        try:
            result = fn(*args, **kwargs)
        finally:
            self.depth -= 1
        values = tuple(self.lookup(a) or a._data if isinstance(a, Tensor) else a for a in bound.args)
        self.add(result._data, self._record(name, values, result._data))
        return result

    def check_read(self, tensor: Tensor, what: str) -> None:
        """Refuses to let a traced value become a Python value, which the graph would freeze."""
        if not self.depth and self.lookup(tensor) is not None:
            raise OnnxError(
                f"export: {what} reads the value of a traced tensor at {where_called()}: the exported graph "
                "would hold that value as a constant. Compute with tensor ops instead"
            )


@contextmanager
def tracing(tracer: Tracer) -> Iterator[None]:
    """Every op's forward (and the tensor methods that read values) wrapped for ``tracer``; restored after."""
    require_onnx()
    classes = list(_op_classes())
    saved = [(cls, cls.__dict__.get("forward"), cls.forward) for cls in classes]
    readers = [(name, Tensor.__dict__.get(name)) for name in _READERS if name in Tensor.__dict__]
    methods = [(name, m) for name, m in METHODS.items() if callable(m) and name not in _READERS]
    functions = [(name, f) for name, f in FUNCTIONS.items() if getattr(autograd, name, None) is f]
    hooks = _hooks(tracer)
    try:
        for cls, _, bound in saved:
            cls.forward = staticmethod(_wrapped(tracer, cls, bound))  # type: ignore[method-assign]
        for name, method in readers:
            setattr(Tensor, name, _reader(tracer, name, method))
        for name, method in methods:
            setattr(Tensor, name, _checked(tracer, name, method))
        for name, function in functions:
            setattr(autograd, name, _checked(tracer, name, function))
        for module, name, _, wrapper in hooks:
            setattr(module, name, wrapper)
        yield
    finally:
        for module, name, original, _ in hooks:
            setattr(module, name, original)
        for name, function in functions:
            setattr(autograd, name, function)
        for name, method in methods:
            setattr(Tensor, name, method)
        for cls, own, _ in saved:
            if own is None:
                del cls.forward
            else:
                cls.forward = own  # type: ignore[method-assign]
        for name, method in readers:
            setattr(Tensor, name, method)


def _hooks(tracer: Tracer) -> list[tuple[Any, str, Any, Any]]:
    """(module, name, function, wrapper) for every reference, in tracegrad's modules, to a function with a
    rule of its own (``symbolic.FUNCTION_RULES``, by defining module and name)."""
    targets = {}
    for qualified, accepts in FUNCTION_RULES.items():
        module_name, _, name = qualified.rpartition(".")
        module = sys.modules.get(module_name)
        function = getattr(module, name, None) if module is not None else None
        if function is not None:
            targets[id(function)] = (function, name, _function(tracer, name, function, accepts))
    found = []
    for module_name, module in list(sys.modules.items()):
        if module is None or module_name.split(".")[0] not in ("nn", "autograd"):
            continue
        for attr, value in list(vars(module).items()):
            if id(value) in targets and targets[id(value)][0] is value:
                function, _, wrapper = targets[id(value)]
                found.append((module, attr, function, wrapper))
    return found


def _function(tracer: Tracer, name: str, fn: Callable[..., Any], accepts: Callable[..., bool]) -> Any:
    def call(*args: Any, **kwargs: Any) -> Any:
        return tracer.run_function(name, fn, accepts, args, kwargs)

    call.__name__, call.__doc__ = fn.__name__, fn.__doc__
    return call


def _wrapped(tracer: Tracer, cls: type[Op], original: Callable[..., Any]) -> Callable[..., Any]:
    def forward(ctx: Any, *args: Any) -> Any:
        return tracer.run(cls, original, ctx, args)

    return forward


def _checked(tracer: Tracer, name: str, method: Callable[..., Any]) -> Callable[..., Any]:
    def call(*args: Any, **kwargs: Any) -> Any:
        return tracer.run_method(name, method, args, kwargs)

    return call


def _reader(tracer: Tracer, name: str, method: Callable[..., Any]) -> Callable[..., Any]:
    def read(self: Tensor, *args: Any, **kwargs: Any) -> Any:
        tracer.check_read(self, f"Tensor.{name}()")
        return method(self, *args, **kwargs)

    return read
