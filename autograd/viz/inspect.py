"""Reading a rendered SVG back (``xml.etree``): nodes, edges and their texts, for tests and notebooks that
check a drawing's structure (bytes differ between Graphviz versions; structure does not)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass

_SVG = "{http://www.w3.org/2000/svg}"


@dataclass
class Drawing:
    """``nodes``: DOT node id -> the texts it shows; ``fills``: node id -> its fill colour;
    ``edges``: ``"tail->head"`` titles, one per edge."""

    nodes: dict[str, list[str]]
    fills: dict[str, str]
    edges: list[str]

    def texts(self) -> list[str]:
        """Every node text, in node order."""
        return [t for texts in self.nodes.values() for t in texts]


def read_svg(svg: str | bytes) -> Drawing:
    """The nodes and edges of a Graphviz SVG; raises ``xml.etree.ElementTree.ParseError`` if it is not XML."""
    root = ET.fromstring(svg)
    nodes: dict[str, list[str]] = {}
    fills: dict[str, str] = {}
    edges: list[str] = []
    for group in root.iter(f"{_SVG}g"):
        kind = group.get("class")
        title = group.findtext(f"{_SVG}title", default="")
        if kind == "node":
            nodes[title] = ["".join(t.itertext()) for t in group.iter(f"{_SVG}text")]
            shapes = (e.get("fill") for e in group.iter() if e.tag in (f"{_SVG}polygon", f"{_SVG}ellipse"))
            fills[title] = next((f for f in shapes if f and f != "none"), "none")
        elif kind == "edge":
            edges.append(title)
    return Drawing(nodes, fills, edges)


__all__ = ["Drawing", "read_svg"]
