"""micrograd's ``nn`` on ``autograd.Value``: same classes, same parameter order, same random draws.

``random.seed(s); MLP(2, [16, 16, 1])`` gives the weights micrograd gives for the same seed, and a
neuron is one fused ``relu(w . x + b)`` node instead of micrograd's 2n + 2 nodes.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

from autograd import Value
from autograd.value import Operand


class ScalarModule:
    """micrograd's ``Module``: a bag of ``Value`` parameters."""

    def zero_grad(self) -> None:
        """Sets every parameter's ``.grad`` back to 0 (``backward`` adds into it)."""
        for p in self.parameters():
            p.grad = 0.0

    def parameters(self) -> list[Value]:
        return []


class Neuron(ScalarModule):
    """``relu(w . x + b)`` (or linear with ``nonlin=False``); weights uniform in [-1, 1], bias 0."""

    def __init__(self, nin: int, nonlin: bool = True) -> None:
        self.w = [Value(random.uniform(-1, 1)) for _ in range(nin)]
        self.b = Value(0.0)
        self.nonlin = nonlin

    def __call__(self, x: Sequence[Operand]) -> Value:
        return Value.dot(self.w, x, self.b, "relu" if self.nonlin else None)

    def parameters(self) -> list[Value]:
        return [*self.w, self.b]

    def __repr__(self) -> str:
        return f"{'ReLU' if self.nonlin else 'Linear'}Neuron({len(self.w)})"


class Layer(ScalarModule):
    """``nout`` neurons reading the same inputs; one output is returned bare, as in micrograd."""

    def __init__(self, nin: int, nout: int, nonlin: bool = True) -> None:
        self.neurons = [Neuron(nin, nonlin=nonlin) for _ in range(nout)]

    def __call__(self, x: Sequence[Operand]) -> Value | list[Value]:
        out = [n(x) for n in self.neurons]
        return out[0] if len(out) == 1 else out

    def parameters(self) -> list[Value]:
        return [p for n in self.neurons for p in n.parameters()]

    def __repr__(self) -> str:
        return f"Layer of [{', '.join(str(n) for n in self.neurons)}]"


class MLP(ScalarModule):
    """Layers of sizes ``[nin, *nouts]``: ReLU everywhere but the last, which is linear."""

    def __init__(self, nin: int, nouts: Sequence[int]) -> None:
        sizes = [nin, *nouts]
        self.layers = [Layer(sizes[i], sizes[i + 1], nonlin=i != len(nouts) - 1) for i in range(len(nouts))]

    def __call__(self, x: Sequence[Operand]) -> Value | list[Value]:
        out: Sequence[Operand] | Value = x
        for layer in self.layers:
            out = layer(out if isinstance(out, list | tuple) else [out])  # type: ignore[list-item]
        return out  # type: ignore[return-value]

    def parameters(self) -> list[Value]:
        return [p for layer in self.layers for p in layer.parameters()]

    def __repr__(self) -> str:
        return f"MLP of [{', '.join(str(layer) for layer in self.layers)}]"
