"""``tracegrad-render`` / ``python -m autograd render``: whitelist parsing (no eval), gradients, the SVG."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from autograd import cli
from autograd.cli import ExpressionError, evaluate, main
from autograd.viz.inspect import read_svg

NEURON = ["tanh(x1*w1 + x2*w2 + b)", "--set", "x1=2", "x2=0", "w1=-3", "w2=1", "b=6.8813735870195432"]
BIN = Path(sys.executable).parent


@pytest.fixture
def no_eval(monkeypatch):
    """eval, exec or compile called from the CLI module fails the test (ruff's S102/S307 guard the text)."""

    def refuse(*args, **kwargs):
        raise AssertionError("eval/exec/compile called by autograd.cli")

    for name in ("eval", "exec", "compile"):
        monkeypatch.setattr(cli, name, refuse, raising=False)


def test_neuron_prints_output_and_gradients_and_writes_the_svg(tmp_path, capsys, no_eval):
    out = tmp_path / "neuron.svg"
    assert main(["render", *NEURON, "-o", str(out)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[:6] == [
        "o = 0.7071",
        "do/dx1 = -1.5000",
        "do/dx2 = 0.5000",
        "do/dw1 = 1.0000",
        "do/dw2 = 0.0000",
        "do/db = 0.5000",
    ]
    assert lines[6] == f"wrote {out}"
    drawing = read_svg(out.read_bytes())
    assert (len(drawing.nodes), len(drawing.edges)) == (15, 14)
    assert ["x1", "data 2.0000", "grad -1.5000"] in drawing.nodes.values()
    assert ["o", "data 0.7071", "grad 1.0000"] in drawing.nodes.values()


@pytest.mark.parametrize(
    ("expression", "named"),
    [
        ("x.real", "attribute"),
        ("x[0]", "subscript"),
        ("(lambda: x)()", "lambda"),
        ("[x for y in x]", "comprehension"),
        ("sum(x for _ in 'ab')", "unknown function 'sum'"),
        ("__import__('os').system('false')", "attribute"),
        ("__import__('os')", "dunder name '__import__'"),
        ("x + __builtins__", "dunder name '__builtins__'"),
        ("open(x)", "unknown function 'open'"),
        ("x.__class__", "attribute"),
        ("x if x else x", "conditional"),
        ("x < 1", "comparison"),
        ("'text' * x", "constant 'text'"),
        ("x % 2", "operator Mod"),
        ("~x", "operator Invert"),
        ("tanh(x, 1)", "tanh() takes exactly 1 argument"),
        ("leaky_relu(x, x)", "must be a number"),
        ("tanh(x=x)", "keyword"),
        ("tanh", "must be called"),
        ("x + y", "undefined variable(s) y"),
        ("x +", "cannot parse"),
        ("True + x", "constant True"),
        ("f'{x}'", "f-string"),
        ("1" + "0" * 400 + " * x", "too large for a float"),
        ("leaky_relu(x, " + "9" * 400 + ")", "too large for a float"),
    ],
)
def test_refused_constructs_are_named_and_nothing_runs(expression, named, tmp_path, capsys, no_eval):
    out = tmp_path / "never.svg"
    assert main(["render", expression, "--set", "x=1", "-o", str(out)]) == 2
    captured = capsys.readouterr()
    assert named in captured.err
    assert captured.out == "" and not out.exists()


@pytest.mark.parametrize(
    ("assignments", "named"),
    [
        (["x=1", "z=2"], "z not used"),
        (["x=1", "x=2"], "'x' twice"),
        (["x=one"], "not a number"),
        (["x"], "NAME=NUMBER"),
        (["__x=1"], "NAME=NUMBER"),
        (["tanh=1"], "NAME=NUMBER"),
    ],
)
def test_bad_assignments_are_refused(assignments, named, capsys):
    assert main(["render", "x * 2", "--set", *assignments]) == 2
    assert named in capsys.readouterr().err


def test_all_engine_functions_and_operators_compute_like_value():
    expression = "-x ** 2 / y - (sigmoid(x) + exp(y) * log(y)) + abs(-x) + relu(x) + leaky_relu(-x, 0.1)"
    out, inputs = evaluate(expression + " + elu(-x, -0.5)", {"x": 1.5, "y": 2.0})
    from autograd import Value

    x, y = Value(1.5), Value(2.0)
    ref = (
        -(x**2) / y
        - (x.sigmoid() + y.exp() * y.log())
        + abs(-x)
        + x.relu()
        + (-x).leaky_relu(0.1)
        + (-x).elu(-0.5)
    )
    ref.backward()
    assert out.data == pytest.approx(ref.data)
    assert inputs["x"].grad == pytest.approx(x.grad) and inputs["y"].grad == pytest.approx(y.grad)


def test_a_variable_used_twice_is_one_leaf_with_two_edges(tmp_path, capsys):
    out = str(tmp_path / "g.svg")
    assert main(["a + a", "--set", "a=3", "-o", out, "--backward-order", "--name", "y"]) == 0
    assert capsys.readouterr().out.splitlines()[:2] == ["y = 6.0000", "dy/da = 2.0000"]
    drawing = read_svg((tmp_path / "g.svg").read_bytes())
    assert drawing.edges.count("n0->n1op") == 2
    assert ["#1 y", "data 6.0000", "grad 1.0000"] in drawing.nodes.values()


def test_deep_expression_is_walked_without_recursion():
    out, inputs = evaluate("x" + " + x" * 1000, {"x": 1.0})
    assert out.data == 1001.0 and inputs["x"].grad == 1001.0
    with pytest.raises(ExpressionError, match="nested too deeply"):
        evaluate("x" + " + x" * 100_000, {"x": 1.0})


def test_png_without_dot_is_a_clear_error(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    assert main(["render", *NEURON, "-o", str(tmp_path / "n.png")]) == 1
    err = capsys.readouterr().err
    assert "PNG output needs the Graphviz `dot` program" in err and "Traceback" not in err


def test_module_and_console_script_run(tmp_path):
    out = tmp_path / "neuron.svg"
    for command in ([sys.executable, "-m", "autograd", "render"], [str(BIN / "tracegrad-render")]):
        done = subprocess.run([*command, *NEURON, "-o", str(out)], capture_output=True, text=True, check=True)
        assert done.stdout.splitlines()[0] == "o = 0.7071" and "do/dx1 = -1.5000" in done.stdout
        assert len(read_svg(out.read_bytes()).nodes) == 15
        out.unlink()


def test_an_unknown_output_extension_is_refused_before_anything_runs(tmp_path, capsys):
    assert main(["render", *NEURON, "-o", str(tmp_path / "n.txt")]) == 2
    captured = capsys.readouterr()
    assert "cannot tell the format" in captured.err and captured.out == ""
    assert not (tmp_path / "n.txt").exists()


def test_an_unwritable_output_is_a_clear_error(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("")
    assert main(["render", *NEURON, "-o", str(blocker / "n.svg")]) == 1
    err = capsys.readouterr().err
    assert "cannot write" in err and "Traceback" not in err


@pytest.mark.parametrize(("expression", "value"), [("-x*2", "-6.0000"), ("-x", "-3.0000"), ("--x", "3.0000")])
def test_an_expression_starting_with_minus_is_not_taken_for_an_option(expression, value, capsys):
    assert main([expression, "--set", "x=3"]) == 0
    assert capsys.readouterr().out.splitlines()[0] == f"o = {value}"


@pytest.mark.parametrize("literal", ["0x" + "f" * 5000, "9" * 5000])
def test_huge_number_literals_are_too_large_not_a_traceback(literal, capsys):
    assert main([literal]) != 0
    assert "too large for a float" in capsys.readouterr().err
