"""Neural networks on tracegrad: micrograd's scalar ``Neuron``/``Layer``/``MLP`` and torch-style layers."""

from .micro import MLP, Layer, Neuron, ScalarModule

__all__ = ["MLP", "Layer", "Neuron", "ScalarModule"]
