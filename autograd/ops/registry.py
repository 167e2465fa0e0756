"""Where an op's public names come from: one decorator beside the function, nothing else to edit.

``@register`` makes a function both ``autograd.name`` and the method ``Tensor.name`` (torch has most
names in both places); ``@register(method=False)`` only the former (``autograd.cat``),
``@register(function=False)`` only the latter (``x.view``), and ``aliases`` adds other names for the
same function (``clip`` for ``clamp``). ``autograd/__init__.py`` exports ``FUNCTIONS`` and
``install(Tensor)`` attaches ``METHODS`` once every family module is imported, so an op family imports
the tensor core and never the reverse.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, overload

F = TypeVar("F", bound=Callable[..., Any])

FUNCTIONS: dict[str, Callable[..., Any]] = {}  # autograd.<name>
METHODS: dict[str, Any] = {}  # Tensor.<name>: functions, or properties (x.T)


@overload
def register(fn: F) -> F: ...
@overload
def register(
    *, method: bool = True, function: bool = True, aliases: tuple[str, ...] = (), name: str | None = None
) -> Callable[[F], F]: ...
def register(
    fn: F | None = None,
    *,
    method: bool = True,
    function: bool = True,
    aliases: tuple[str, ...] = (),
    name: str | None = None,
) -> Any:
    """Records ``fn`` under its name (or ``name``) and ``aliases``, as a function and/or a method."""

    def record(f: F) -> F:
        for key in (name or f.__name__, *aliases):
            if key in FUNCTIONS and function or key in METHODS and method:
                raise RuntimeError(f"register: {key!r} is registered twice")
            if function:
                FUNCTIONS[key] = f
            if method:
                METHODS[key] = f
        return f

    return record(fn) if fn is not None else record


def register_property(name: str, getter: Callable[[Any], Any]) -> None:
    """A read-only attribute of every tensor (``x.T``, ``x.mT``, ``x.device``)."""
    if name in METHODS:
        raise RuntimeError(f"register: {name!r} is registered twice")
    METHODS[name] = property(getter)


def install(cls: type) -> None:
    """Attaches every registered method to ``cls``: a method set after the class is made fills the same
    type slot, so calls cost what a method written in the class body costs."""
    for key, value in METHODS.items():
        setattr(cls, key, value)
