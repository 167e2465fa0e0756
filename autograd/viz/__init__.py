"""Computation graphs as pictures: ``draw_dot`` (micrograd's call, a ``graphviz.Digraph``), ``render`` to
SVG/PNG/PDF/DOT with or without a system Graphviz, and ``backprop_steps`` (one SVG per backward step)."""

from .backends import GraphvizUnavailableError, RenderError
from .compiled import draw_compiled
from .draw import Diagram, draw_dot, render
from .steps import all_gradients, backprop_steps

__all__ = [
    "Diagram",
    "GraphvizUnavailableError",
    "RenderError",
    "all_gradients",
    "backprop_steps",
    "draw_compiled",
    "draw_dot",
    "render",
]
