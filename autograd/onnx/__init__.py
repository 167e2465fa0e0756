"""``autograd.onnx``: leave tracegrad (or arrive) through ONNX, the exchange format of deep learning.

``export(model, args, f)`` runs the model once and writes the ops it ran as an ONNX graph (torch.onnx.export's
signature); ``load(f)`` reads an ONNX file (ours, torch's) into an ``nn.Module`` whose forward runs tracegrad
ops, so it can be evaluated, drawn and fine-tuned. Both need the ``onnx`` package: ``pip install
tracegrad[onnx]``.
"""

from __future__ import annotations

from typing import Any

from .checks import OnnxError, require_onnx


def export(
    model: Any,
    args: Any,
    f: Any,
    input_names: list[str] | None = None,
    output_names: list[str] | None = None,
    dynamic_axes: dict[str, Any] | None = None,
    opset_version: int | None = None,
) -> Any:
    """Writes ``model(*args)`` as an ONNX model to ``f`` (a path or a binary file) and returns the
    ModelProto; see ``autograd.onnx.exporter.export``."""
    from .exporter import export as _export

    return _export(model, args, f, input_names, output_names, dynamic_axes, opset_version)


def load(f: Any) -> Any:
    """An ONNX model file (a path or bytes) as an ``nn.Module`` running tracegrad ops; see
    ``autograd.onnx.load.load``."""
    from .loader import load as _load

    return _load(f)


__all__ = ["OnnxError", "export", "load", "require_onnx"]
