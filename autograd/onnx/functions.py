"""Functions that ``export`` records as a whole, as torch's exporter does: ``batch_norm`` in eval mode (one
BatchNormalization reading the running statistics by their names), ``layer_norm`` (LayerNormalization),
``embedding`` (Gather). Their own ops are not recorded; where a function does not ``accept`` its arguments
(batch_norm in training), its ops are.

``FUNCTION_RULES`` names each function by its defining module (the tracer patches every reference to it
in tracegrad's modules while tracing) with a test of its arguments; ``RULES`` are the node writers, by the
function's name, in the same form as ``symbolic.SYMBOLIC``'s.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from .values import Var
from .windows import FUNCTION_RULES as WINDOW_FUNCTIONS
from .windows import RULES as WINDOW_RULES

if TYPE_CHECKING:
    from .exporter import Graph


def _batch_norm(
    g: Graph, x: Var, mean: Any, var: Any, weight: Any, bias: Any, training: bool, momentum: float, eps: float
) -> str:
    dtype = g.out.dtype
    channels = x.shape[1]
    scale = g.value(weight, dtype) if weight is not None else g.const(np.ones(channels, dtype))
    shift = g.value(bias, dtype) if bias is not None else g.const(np.zeros(channels, dtype))
    inputs = [g.value(x, dtype), scale, shift, g.value(mean, dtype), g.value(var, dtype)]
    return g.node("BatchNormalization", inputs, epsilon=float(eps), momentum=1.0 - float(momentum))


def _layer_norm(g: Graph, x: Var, normalized_shape: Any, weight: Any, bias: Any, eps: float) -> str:
    dtype = g.out.dtype
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    scale = g.value(weight, dtype) if weight is not None else g.const(np.ones(shape, dtype))
    return g.node(
        "LayerNormalization",
        [g.value(x, dtype), scale, g.value(bias, dtype)],
        axis=-len(shape),
        epsilon=float(eps),
    )


def _embedding(g: Graph, indices: Any, weight: Any, padding_idx: Any, max_norm: Any) -> str:
    return g.node("Gather", [g.value(weight), g.value(indices, np.int64)], axis=0)


FUNCTION_RULES: dict[str, Callable[..., bool]] = {
    "nn.batchnorm.batch_norm": lambda x, mean, var, w, b, training, *_: not training and mean is not None,
    "nn.normalization.layer_norm": lambda *_: True,
    "nn.sparse.embedding": lambda *_: True,
}
RULES: dict[str, Callable[..., str]] = {
    "batch_norm": _batch_norm,
    "layer_norm": _layer_norm,
    "embedding": _embedding,
}
FUNCTION_RULES.update(WINDOW_FUNCTIONS)  # pooling, recorded as a whole (windows.py)
RULES.update(WINDOW_RULES)
