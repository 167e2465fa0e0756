"""Inlining an op's ``forward`` or ``backward`` into a program: the function's own statements, its names
renamed, instead of a call (a Python call costs as much as numpy's ufunc on a few elements).

Only straight-line functions are inlined: assignments, then one ``return`` (``return a + b``; ``b, a =
ctx._saved`` then ``return g * b, g * a``), with no branch statement, loop, ``with``, comprehension or
lambda, and no parameter assigned. Parameters become the call's argument expressions, locals get names of
their own (deleted after, so no array lives longer than the call's would), and the globals the function reads
are put in the program's namespace under new names (the objects they name when the program is built): the
program computes exactly what the call did. Any other function is called as before. The op's source stays the
one place that defines it. ``program.build`` inlines, so a first call (the trace) pays nothing for it.
"""

from __future__ import annotations

import ast
import builtins
import inspect
import re
import textwrap
import types
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

_SCOPES = (ast.Lambda, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp, ast.NamedExpr, ast.Yield)
_SCOPES += (ast.YieldFrom, ast.Await, ast.Starred)


@dataclass
class Template:
    """A function ready to inline: its statements before the return and the returned expression as source
    with holes (``__P0__`` the first parameter, ``__L0__`` the first local, ``__G0__`` the first global
    object), how often each parameter is read, and which are compared with ``is`` (a literal there would
    warn, so it gets a name). Made once per function; each call site only fills the holes."""

    params: list[str]
    lines: list[str]
    result: str
    local: list[str]
    globals: list[Any]
    uses: dict[str, int]
    identity: set[str]


_TEMPLATES: dict[Any, Template | None] = {}


def template(fn: Any) -> Template | None:
    """``fn``'s template, or None when it cannot be inlined (see the module's docstring); once per fn."""
    if fn in _TEMPLATES:
        return _TEMPLATES[fn]
    made = _TEMPLATES[fn] = _make(fn)
    return made


def _make(fn: Any) -> Template | None:
    if type(fn) is not types.FunctionType or fn.__closure__ or fn.__defaults__ or fn.__kwdefaults__:
        return None
    if hasattr(fn, "__wrapped__"):  # getsource would give the wrapped function's source, not this one's
        return None
    code = fn.__code__
    if code.co_flags & (inspect.CO_VARARGS | inspect.CO_VARKEYWORDS) or code.co_kwonlyargcount:
        return None
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(fn)))
    except (OSError, TypeError, SyntaxError):
        return None
    func = tree.body[0] if len(tree.body) == 1 else None
    params = list(code.co_varnames[: code.co_argcount])
    if not isinstance(func, ast.FunctionDef) or func.name != fn.__name__:
        return None
    if [a.arg for a in func.args.args] != params or func.args.posonlyargs:  # the source is not this code's
        return None
    body = func.body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]  # the docstring
    if not body or not isinstance(body[-1], ast.Return) or body[-1].value is None:
        return None
    if not all(isinstance(s, ast.Assign) for s in body[:-1]):
        return None
    local: list[str] = []
    uses: dict[str, int] = dict.fromkeys(params, 0)
    names: list[str] = []
    identity: set[str] = set()
    for stmt in body:
        for node in ast.walk(stmt):
            if isinstance(node, _SCOPES):
                return None
            if isinstance(node, ast.Compare) and any(isinstance(o, (ast.Is, ast.IsNot)) for o in node.ops):
                identity.update(n.id for n in [node.left, *node.comparators] if isinstance(n, ast.Name))
            if isinstance(node, ast.Name):
                if isinstance(node.ctx, ast.Store):
                    if node.id in params:
                        return None  # a parameter assigned: its argument expression cannot stand for it
                    local.append(node.id)
                else:
                    names.append(node.id)
    found: dict[str, Any] = {}
    for name in names:
        if name in uses:
            uses[name] += 1
        elif name not in local:
            if name in fn.__globals__:
                found[name] = fn.__globals__[name]
            elif hasattr(builtins, name):
                found[name] = getattr(builtins, name)
            else:
                return None
    local = list(dict.fromkeys(local))
    holes = {name: f"__P{i}__" for i, name in enumerate(params)}
    holes.update({name: f"__L{i}__" for i, name in enumerate(local)})
    holes.update({name: f"__G{i}__" for i, name in enumerate(found)})
    swap = _Swap(holes)
    lines = [ast.unparse(swap.visit(stmt)) for stmt in body[:-1]]
    result = ast.unparse(swap.visit(body[-1].value))
    return Template(params, lines, result, local, list(found.values()), uses, identity)


def inline(
    t: Template, args: list[str], target: str, prefix: str, bind: Callable[[Any], str]
) -> list[str] | None:
    """The lines that compute what ``fn(*args)`` returns into ``target`` (``args``: argument expressions);
    ``prefix`` makes the locals' names unique, ``bind`` names a global's object in the program's namespace.
    None when the arguments do not fit the parameters."""
    if len(args) != len(t.params):
        return None
    lines: list[str] = []
    temps: list[str] = []
    fill: dict[str, str] = {}
    for i, (param, arg) in enumerate(zip(t.params, args, strict=True)):
        plain = _NAME.fullmatch(arg) is not None  # a name, an attribute of one (the same object each time)
        literal = not plain and _FLOAT.fullmatch(arg) is not None  # or 0.25: no parentheses needed
        if param in t.identity and not plain or t.uses[param] > 1 and not (plain or literal):  # as the call
            name = f"{prefix}{param}"
            lines.append(f"{name} = {arg}")
            temps.append(name)
            arg, plain = name, True
        fill[f"P{i}"] = arg if plain or literal else f"({arg})"
    fill.update({f"L{i}": f"{prefix}{name}" for i, name in enumerate(t.local)})
    fill.update({f"G{i}": bind(obj) for i, obj in enumerate(t.globals)})

    def hole(m: re.Match[str]) -> str:
        return fill[m.group(1)]

    lines += [_HOLE.sub(hole, line) for line in t.lines]
    lines.append(f"{target} = {_HOLE.sub(hole, t.result)}")
    dead = temps + [fill[f"L{i}"] for i in range(len(t.local))]
    if dead:
        lines.append(f"del {', '.join(dead)}")
    return lines


_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*")
_FLOAT = re.compile(r"[0-9]+\.[0-9]*(e[+-]?[0-9]+)?")
_HOLE = re.compile(r"__([PLG][0-9]+)__")


class _Swap(ast.NodeTransformer):
    """Each parameter, local and global to its hole."""

    def __init__(self, holes: dict[str, str]) -> None:
        self.holes = holes

    def visit_Name(self, node: ast.Name) -> Any:  # noqa: N802 - ast's name
        hole = self.holes.get(node.id)
        return node if hole is None else ast.copy_location(ast.Name(hole, node.ctx), node)
