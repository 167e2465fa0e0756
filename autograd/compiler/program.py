"""``Program``: a recording made into one straight-line Python function.

The steps become the body of ``_replay(A)`` (``A``: the call's tensors); every object it refers to (the ops'
``forward``/``backward``, the ctx of each op, constants, parameters, optimizers) is passed in its namespace
under a name the tracer made, so the source text holds only those names, numbers and the runtime helpers:
nothing of the user's is ever turned into code. Steps whose results nothing reads are dropped, and each
local is deleted after its last use, so a replay holds no more arrays than the eager step did.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from . import runtime
from .inline import inline, template
from .trace import Recording, Step, Tracer


@dataclass
class Program:
    """A compiled recording: ``run(tensors)`` replays it; the rest describes it (``explain``)."""

    run: Callable[[list[Any]], Any]
    source: str
    steps: list[Step]
    dropped: int

    def counts(self) -> Counter[str]:
        """How many steps of each kind (forward, backward, gather, grad, write, call, ...)."""
        return Counter(step.kind for step in self.steps)

    def buffers(self) -> int:
        """How many arrays a replay makes (its locals)."""
        return len({name for step in self.steps for name in step.writes if name.startswith("v")})


def build(rec: Recording, n_args: int, label: str) -> Program:
    """Drops the dead steps of ``rec`` and compiles the rest into ``_replay``."""
    needed = set(Tracer._locals(rec.output))
    kept: list[Step] = []
    for step in reversed(rec.steps):
        if step.pure and not needed.intersection(step.writes):
            continue
        kept.append(step)
        needed.update(step.reads)
    kept.reverse()
    last: dict[str, int] = {}
    for i, step in enumerate(kept):
        for name in step.reads:
            last[name] = i
    out = set(Tracer._locals(rec.output))
    bound = _inline(kept)
    body, names = _registers(kept, last, out)
    output = _VALUE.sub(lambda m: names[m.group()], rec.output)
    lines = [f"def _replay(A):  # {label}"]
    if n_args:
        lines.append("    " + "".join(f"A{i}, " for i in range(n_args)) + "= A")
    indent = "    "
    if rec.quiet:  # numpy's edges quiet, as in the eager backward pass
        lines += ["    _token = _quiet()", "    try:"]
        indent = "        "
    lines.extend(indent + line for line in body or ["pass"])
    if rec.quiet:
        lines += ["    finally:", "        _settle(_token)"]
    lines.append(f"    return {output}")
    source = "\n".join(lines) + "\n"
    namespace: dict[str, Any] = {**runtime.NAMES, **rec.names, **bound}
    code = compile(source, f"<autograd.compile: {label}>", "exec")
    exec(code, namespace)  # noqa: S102 - our own generated source: names, numbers and helpers only
    return Program(namespace["_replay"], source, kept, len(rec.steps) - len(kept))


def _inline(kept: list[Step]) -> dict[str, Any]:
    """Each op step's call replaced by the function's statements where it is straight-line code
    (``inline.py``); returns the globals those read, by the names the lines use."""
    bound: dict[str, Any] = {}
    names: dict[int, str] = {}

    def bind(obj: Any) -> str:
        name = names.get(id(obj))
        if name is None:
            name = names[id(obj)] = f"_g{len(names)}"
            bound[name] = obj
        return name

    for i, step in enumerate(kept):
        if step.call is not None:
            fn, args, target = step.call
            plan = template(fn)
            lines = None if plan is None else inline(plan, args, target, f"_i{i}_", bind)
            if lines is not None:
                step.lines = lines + step.lines[1:]
    return bound


_VALUE = re.compile(r"\bv[0-9]+\b")  # a recording's names of arrays


def _registers(kept: list[Step], last: dict[str, int], out: set[str]) -> tuple[list[str], dict[str, str]]:
    """The body's lines with the recording's array names (one per array) mapped onto a few locals, each
    reused once its array is dead (the old array is freed when the local is assigned again), and each op's
    ctx that no backward reads emptied after its forward; also the mapping, for the output."""
    names: dict[str, str] = {}
    free: list[str] = []
    body: list[str] = []
    for i, step in enumerate(kept):
        for name in step.writes:
            if name.startswith("v") and name not in last and name not in out:
                names[name] = "_"  # nothing reads it (an op's result only its backward needs, a gradient
            elif name.startswith("v"):  # of an input without grad)
                if not free:
                    free.append(f"r{len(names)}")  # a new local (numbered apart from the reused ones)
                names[name] = free.pop()
        body.extend(_VALUE.sub(lambda m: names[m.group()], line) for line in step.lines)
        if step.free and step.writes[1] not in last:  # a ctx no backward reads: free it
            body.append(step.free)
        dead = [n for n in step.reads if last.get(n) == i and n.startswith("v") and n not in out]
        free.extend(dict.fromkeys(names[n] for n in dead))
    return body, names
