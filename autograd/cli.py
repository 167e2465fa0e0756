"""``tracegrad-render`` / ``python -m autograd render``: an expression in, its value, gradients and graph out.

The expression is parsed with ``ast`` and checked against a whitelist before anything is computed:
numbers, variable names, ``+ - * / **``, unary minus, parentheses and calls to the engine's functions.
It is then computed by walking the tree with ``Value`` ops; nothing is ever passed to eval or exec.
"""

from __future__ import annotations

import argparse
import ast
import math
import sys
from collections.abc import Callable, Sequence

from .value import Value

# name -> (the op on a Value, how many extra number arguments it takes at most)
FUNCTIONS: dict[str, tuple[Callable[..., Value], int]] = {
    "tanh": (Value.tanh, 0),
    "relu": (Value.relu, 0),
    "exp": (Value.exp, 0),
    "log": (Value.log, 0),
    "sigmoid": (Value.sigmoid, 0),
    "abs": (Value.__abs__, 0),
    "leaky_relu": (Value.leaky_relu, 1),
    "elu": (Value.elu, 1),
}
BINARY: dict[type[ast.operator], Callable[[Value, Value], Value]] = {
    ast.Add: Value.__add__,
    ast.Sub: Value.__sub__,
    ast.Mult: Value.__mul__,
    ast.Div: Value.__truediv__,
    ast.Pow: Value.__pow__,
}
_NAMES = {
    ast.Attribute: "attribute access",
    ast.Subscript: "subscript",
    ast.Lambda: "lambda",
    ast.ListComp: "list comprehension",
    ast.SetComp: "set comprehension",
    ast.DictComp: "dict comprehension",
    ast.GeneratorExp: "generator expression",
    ast.Compare: "comparison",
    ast.BoolOp: "boolean operator",
    ast.IfExp: "conditional expression",
    ast.NamedExpr: "assignment (:=)",
    ast.JoinedStr: "f-string",
    ast.Starred: "starred argument",
    ast.Await: "await",
}


ALLOWED = "allowed: numbers, names, + - * / **, unary minus, calls to engine functions"


class ExpressionError(ValueError):
    """The expression uses something outside the whitelist, or its variables do not match ``--set``."""


def _construct(node: ast.AST) -> str:
    if isinstance(node, ast.Constant):
        return f"constant {node.value!r}"
    if isinstance(node, (ast.BinOp, ast.UnaryOp)):
        return f"operator {type(node.op).__name__}"
    return _NAMES.get(type(node), type(node).__name__)


def parse(expression: str) -> ast.expr:
    """The checked syntax tree of ``expression``; ``ExpressionError`` names the first refused construct."""
    try:
        tree = ast.parse(expression.strip(), mode="eval").body
    except SyntaxError as error:
        if "integer string conversion" in str(error.msg):  # a decimal literal past Python's digit limit
            raise ExpressionError("a number literal is too large for a float") from None
        raise ExpressionError(f"cannot parse the expression: {error.msg} at column {error.offset}") from None
    except (RecursionError, MemoryError):
        raise ExpressionError("the expression is nested too deeply for Python's parser") from None
    stack: list[ast.AST] = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Constant):
            if isinstance(node.value, bool) or not isinstance(node.value, (int, float)):
                raise ExpressionError(f"only numbers are allowed as constants, not {_construct(node)}")
            _fits(node.value)
        elif isinstance(node, ast.Name):
            if node.id.startswith("__"):
                raise ExpressionError(f"dunder name {node.id!r} is not allowed")
            if node.id in FUNCTIONS:
                raise ExpressionError(f"function {node.id!r} must be called, as in {node.id}(x)")
        elif isinstance(node, ast.BinOp) and type(node.op) in BINARY:
            stack += [node.left, node.right]
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            stack.append(node.operand)
        elif isinstance(node, ast.Call):
            stack += _check_call(node)
        else:
            raise ExpressionError(f"{_construct(node)} is not allowed ({ALLOWED})")
    return tree


def _check_call(node: ast.Call) -> list[ast.AST]:
    if not isinstance(node.func, ast.Name):
        raise ExpressionError(f"only engine functions can be called, not a {_construct(node.func)}")
    name = node.func.id
    if name.startswith("__"):
        raise ExpressionError(f"dunder name {name!r} is not allowed")
    if name not in FUNCTIONS:
        raise ExpressionError(f"unknown function {name!r}: use one of {', '.join(sorted(FUNCTIONS))}")
    if node.keywords:
        raise ExpressionError(f"{name}(): keyword arguments are not allowed")
    extra = FUNCTIONS[name][1]
    if not 1 <= len(node.args) <= 1 + extra:
        allowed = f"1 to {1 + extra} arguments" if extra else "exactly 1 argument"
        raise ExpressionError(f"{name}() takes {allowed}, got {len(node.args)}")
    for arg in node.args[1:]:
        if _number(arg) is None:
            raise ExpressionError(f"{name}(): its extra argument must be a number")
    return [node.args[0]]


def _number(node: ast.AST) -> float | None:
    """A literal number, possibly negated, or None."""
    sign = 1.0
    while isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        sign = -sign if isinstance(node.op, ast.USub) else sign
        node = node.operand
    if isinstance(node, ast.Constant) and type(node.value) in (int, float):
        return sign * _fits(node.value)
    return None


def _fits(number: float) -> float:
    """``number`` if a float can hold it (a Python int can be any size); else an ExpressionError."""
    if isinstance(number, int) and abs(number) > sys.float_info.max:  # no str(): huge ints refuse it
        raise ExpressionError(f"a number of {number.bit_length()} bits is too large for a float")
    return number


def variables(tree: ast.expr) -> list[str]:
    """The variable names ``tree`` uses, in first-use order."""
    names = (n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and n.id not in FUNCTIONS)
    return list(dict.fromkeys(names))


def compute(tree: ast.expr, inputs: dict[str, Value]) -> Value:
    """``tree`` computed with Value ops, iteratively (a post-order walk with an explicit stack)."""
    results: list[Value] = []
    stack: list[tuple[ast.AST, bool]] = [(tree, False)]
    while stack:
        node, ready = stack.pop()
        if isinstance(node, ast.Constant):
            results.append(Value(node.value))
        elif isinstance(node, ast.Name):
            results.append(inputs[node.id])
        elif not ready:
            stack.append((node, True))
            children = _children(node)
            stack += [(c, False) for c in reversed(children)]
        elif isinstance(node, ast.BinOp):
            right, left = results.pop(), results.pop()
            results.append(BINARY[type(node.op)](left, right))
        elif isinstance(node, ast.UnaryOp):
            operand = results.pop()
            results.append(-operand if isinstance(node.op, ast.USub) else operand)
        else:
            assert isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
            fn = FUNCTIONS[node.func.id][0]
            extra = [_number(a) for a in node.args[1:]]
            results.append(fn(results.pop(), *extra))
    return results.pop()


def _children(node: ast.AST) -> list[ast.AST]:
    if isinstance(node, ast.BinOp):
        return [node.left, node.right]
    if isinstance(node, ast.UnaryOp):
        return [node.operand]
    assert isinstance(node, ast.Call)
    return [node.args[0]]


def parse_assignments(items: Sequence[str]) -> dict[str, float]:
    """``["x1=2", "w1=-3"]`` -> ``{"x1": 2.0, "w1": -3.0}``, refusing bad names, numbers and repeats."""
    values: dict[str, float] = {}
    for item in items:
        name, sep, text = item.partition("=")
        name = name.strip()
        if not sep or not name.isidentifier() or name.startswith("__") or name in FUNCTIONS:
            raise ExpressionError(f"--set takes NAME=NUMBER with a plain variable name, got {item!r}")
        if name in values:
            raise ExpressionError(f"--set gives {name!r} twice")
        try:
            values[name] = float(text)
        except ValueError:
            raise ExpressionError(f"--set {name}: {text!r} is not a number") from None
    return values


def evaluate(expression: str, assignments: dict[str, float]) -> tuple[Value, dict[str, Value]]:
    """Checks, then computes ``expression`` and runs backward: ``(output, {name: input Value})``."""
    tree = parse(expression)
    used = variables(tree)
    undefined = [n for n in used if n not in assignments]
    if undefined:
        raise ExpressionError(f"undefined variable(s) {', '.join(undefined)}: set with --set NAME=VALUE")
    unused = [n for n in assignments if n not in used]
    if unused:
        raise ExpressionError(f"--set variable(s) {', '.join(unused)} not used by the expression")
    inputs = {name: Value(assignments[name], name) for name in assignments}
    out = compute(tree, inputs)
    if out in inputs.values():  # the expression is a bare variable: draw it as its own output
        out = out * 1.0
    out.backward()
    return out, inputs


def main(argv: Sequence[str] | None = None) -> int:
    """``tracegrad-render [render] EXPR --set ... -o FILE`` and ``python -m autograd render EXPR ...``.

    The command word ``render`` is optional for the console script. Returns the exit status.
    """
    words = list(sys.argv[1:] if argv is None else argv)
    if words[:1] == ["render"]:
        words = words[1:]
    if words and words[0].lower().endswith(".onnx"):  # tracegrad-render model.onnx -o model.svg
        return _render_onnx(words)
    if words and _looks_like_expression(words[0]):  # "-x*2": a leading space keeps argparse off it
        words[0] = " " + words[0]
    cmd = argparse.ArgumentParser(
        prog="tracegrad-render", description="Compute an expression, print its gradients, draw its graph."
    )
    cmd.add_argument("expression", help='e.g. "tanh(x1*w1 + x2*w2 + b)"')
    cmd.add_argument("--set", nargs="*", default=[], metavar="NAME=NUMBER", help="the variables' values")
    cmd.add_argument("-o", "--output", help="write the graph here (.svg, .png, .pdf or .dot)")
    cmd.add_argument("--name", default="o", help="the output's name (default o)")
    cmd.add_argument("--rankdir", default="LR", choices=["LR", "RL", "TB", "BT"])
    cmd.add_argument("--backward-order", action="store_true", help="number nodes in backward's order")
    return _render(cmd.parse_args(words))


_OPTIONS = ("--set", "--output", "--name", "--rankdir", "--backward-order", "--help")


def _looks_like_expression(word: str) -> bool:
    """A first word starting with '-' that is none of the options (or an abbreviation argparse accepts):
    an expression such as ``-x*2``."""
    if not word.startswith("-") or word in ("-o", "-h") or word.startswith("-o"):
        return False
    option = word.split("=", 1)[0]
    return not (option.startswith("--") and any(o.startswith(option) for o in _OPTIONS))


def _render(args: argparse.Namespace) -> int:
    from .viz import GraphvizUnavailableError, RenderError, render
    from .viz.backends import format_of

    try:
        if args.output:
            format_of(args.output)  # an unknown extension is refused before anything runs
        out, inputs = evaluate(args.expression, parse_assignments(args.set))
    except ValueError as error:  # an ExpressionError or an unknown output format
        print(f"tracegrad-render: error: {error}", file=sys.stderr)
        return 2
    out.label = args.name
    print(f"{args.name} = {_show(out.data)}")
    for name, leaf in inputs.items():
        print(f"d{args.name}/d{name} = {_show(leaf.grad)}")
    if args.output:
        try:
            path = render(out, args.output, rankdir=args.rankdir, backward_order=args.backward_order)
        except (GraphvizUnavailableError, RenderError, ValueError) as error:
            print(f"tracegrad-render: error: {error}", file=sys.stderr)
            return 1
        except OSError as error:
            print(f"tracegrad-render: error: cannot write {args.output!r}: {error.strerror}", file=sys.stderr)
            return 1
        print(f"wrote {path}")
    return 0


def _render_onnx(words: list[str]) -> int:
    """``tracegrad-render model.onnx -o model.svg``: any ONNX model's graph (autograd.onnx.draw)."""
    cmd = argparse.ArgumentParser(prog="tracegrad-render", description="Draw an ONNX model's graph.")
    cmd.add_argument("model", help="an .onnx file")
    cmd.add_argument("-o", "--output", required=True, help="write the graph here (.svg, .png, .pdf or .dot)")
    cmd.add_argument("--rankdir", default="TB", choices=["LR", "RL", "TB", "BT"])
    args = cmd.parse_args(words)
    from .onnx import OnnxError
    from .onnx.draw import render_onnx
    from .viz import GraphvizUnavailableError, RenderError

    try:
        path = render_onnx(args.model, args.output, args.rankdir)
    except (OnnxError, GraphvizUnavailableError, RenderError, ValueError, ImportError) as error:
        print(f"tracegrad-render: error: {error}", file=sys.stderr)
        return 1
    except OSError as error:
        print(f"tracegrad-render: error: cannot write {args.output!r}: {error.strerror}", file=sys.stderr)
        return 1
    print(f"wrote {path}")
    return 0


def _show(x: float) -> str:
    return f"{x:.4f}" if math.isfinite(x) else str(x)


__all__ = ["ExpressionError", "FUNCTIONS", "evaluate", "main", "parse"]
