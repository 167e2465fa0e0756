"""The ``onnx`` package (an optional extra) and the limits a file must keep before anything is allocated."""

from __future__ import annotations

from types import ModuleType


class OnnxError(RuntimeError):
    """A model that cannot be exported, or a file that cannot (or must not) be loaded."""


def require_onnx() -> ModuleType:
    """The ``onnx`` package, or an ImportError that says how to install it."""
    try:
        import onnx
    except ImportError as error:
        raise ImportError(
            "autograd.onnx needs the onnx package: pip install tracegrad[onnx] (or pip install onnx)"
        ) from error
    return onnx
