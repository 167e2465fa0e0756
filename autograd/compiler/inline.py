"""Inlining an op's ``forward`` or ``backward`` into a program: the function's own statements, its names
renamed, instead of a call (a Python call costs as much as numpy's ufunc on a few elements).

Only straight-line functions are inlined: assignments, then one ``return`` (``return a + b``; ``b, a =
ctx._saved`` then ``return g * b, g * a``), with no branch statement, loop, ``with``, comprehension or
lambda, and no parameter assigned. Parameters become the call's argument expressions, locals get names of
their own (deleted after, so no array lives longer than the call's would), and the globals the function reads
are put in the program's namespace under new names: the program computes exactly what the call did. Any
other function is called as before. The op's source stays the one place that defines it.
"""

from __future__ import annotations

import ast
import builtins
import copy
import inspect
import textwrap
import types
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

_SCOPES = (ast.Lambda, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp, ast.NamedExpr, ast.Yield)
_SCOPES += (ast.YieldFrom, ast.Await, ast.Starred)


@dataclass
class Template:
    """A function ready to inline: its parameters, statements before the return, the returned expression,
    its locals and the globals it reads (name -> object)."""

    params: list[str]
    body: list[ast.stmt]
    result: ast.expr
    local: list[str]
    globals: dict[str, Any]
    uses: dict[str, int]
    identity: set[str]  # the parameters compared with ``is``: a literal there would warn, so it gets a name


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
    code = fn.__code__
    if code.co_flags & (inspect.CO_VARARGS | inspect.CO_VARKEYWORDS) or code.co_kwonlyargcount:
        return None
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(fn)))
    except (OSError, TypeError, SyntaxError):
        return None
    func = tree.body[0] if len(tree.body) == 1 else None
    if not isinstance(func, ast.FunctionDef):
        return None
    body = func.body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]  # the docstring
    if not body or not isinstance(body[-1], ast.Return) or body[-1].value is None:
        return None
    if not all(isinstance(s, ast.Assign) for s in body[:-1]):
        return None
    params = list(code.co_varnames[: code.co_argcount])
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
    result = body[-1].value
    assert result is not None
    return Template(params, body[:-1], result, list(dict.fromkeys(local)), found, uses, identity)


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
    mapping: dict[str, ast.expr] = {}
    for param, arg in zip(t.params, args, strict=True):
        expr = ast.parse(arg, mode="eval").body
        literal = isinstance(expr, ast.Constant) and not any(expr.value is v for v in (None, True, False))
        if t.uses[param] > 1 and not _plain(expr) or literal and param in t.identity:  # as the call would
            name = f"{prefix}{param}"
            lines.append(f"{name} = {arg}")
            temps.append(name)
            expr = ast.Name(name, ast.Load())
        mapping[param] = expr
    rename = {name: f"{prefix}{name}" for name in t.local}
    rename.update({name: bind(obj) for name, obj in t.globals.items()})
    swap = _Swap(mapping, rename)
    for stmt in t.body:
        lines.append(ast.unparse(swap.visit(copy.deepcopy(stmt))))
    lines.append(f"{target} = {ast.unparse(swap.visit(copy.deepcopy(t.result)))}")
    dead = temps + [rename[name] for name in t.local]
    if dead:
        lines.append(f"del {', '.join(dead)}")
    return lines


def _plain(expr: ast.expr) -> bool:
    """A name, a constant or an attribute of one: cheap, and the same object each time it is evaluated."""
    while isinstance(expr, ast.Attribute):
        expr = expr.value
    return isinstance(expr, (ast.Name, ast.Constant))


class _Swap(ast.NodeTransformer):
    """Parameters to their argument expressions, locals and globals to their new names."""

    def __init__(self, mapping: dict[str, ast.expr], rename: dict[str, str]) -> None:
        self.mapping, self.rename = mapping, rename

    def visit_Name(self, node: ast.Name) -> Any:  # noqa: N802 - ast's name
        if node.id in self.mapping:
            return self.mapping[node.id]
        if node.id in self.rename:
            return ast.copy_location(ast.Name(self.rename[node.id], node.ctx), node)
        return node
