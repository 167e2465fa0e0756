"""The recurrences behind ``nn.rnn``: one step of each cell written with tensor ops, and ``Recurrence``, one
direction of one layer over a whole sequence as a single graph node.

A step (for the cells, and for derivatives of derivatives), gates in torch's order:

- LSTM (i, f, g, o): c' = f * c + i * g, h' = o * tanh(c'), with i, f, o = sigmoid(.), g = tanh(.);
- GRU (r, z, n): n = tanh(x_n + r * (h @ W_hn^T + b_hn)), h' = (1 - z) * n + z * h (torch's n: the reset
  gate scales the hidden share *after* its bias);
- RNN: h' = tanh (or relu) of (x @ W_ih^T + b_ih + h @ W_hh^T + b_hh).

``Recurrence`` runs the same formulas on arrays in one loop and backpropagates through time in one loop
(the weights' gradients are one matrix product over all steps at the end), instead of a dozen nodes per
step: the engine's per-node cost is what made a composed LSTM 3x slower than torch. Under
``create_graph`` its backward rebuilds the composed steps from its inputs and differentiates those, so the
gradient is differentiable again.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

import autograd
from autograd import Tensor
from autograd.ops.function import Op

from . import functional as F  # noqa: N812 - torch's alias

State = Tensor | tuple[Tensor, Tensor]
GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}


# ----- one step, with tensor ops ---------------------------------------------------------------------------
def _rnn_step(act: Callable[[Tensor], Tensor]) -> Callable[..., Tensor]:
    """An Elman step h' = act(x_part + h @ W_hh^T + b_hh)."""

    def step(x_part: Tensor, h: Tensor, w_hh: Tensor, b_hh: Tensor | None) -> Tensor:
        return act(x_part + F.linear(h, w_hh, b_hh))

    return step


def _lstm_step(
    x_part: Tensor, state: tuple[Tensor, Tensor], w_hh: Tensor, b_hh: Tensor | None
) -> tuple[Tensor, Tensor]:
    """One LSTM step on (h, c), gates i, f, g, o as torch."""
    h, c = state
    gates = x_part + F.linear(h, w_hh, b_hh)
    size = h.shape[-1]
    ifo = gates.sigmoid()  # g's sigmoid is not used: one node for three gates costs less than three
    i, f, o = ifo[..., :size], ifo[..., size : 2 * size], ifo[..., 3 * size :]
    g = gates[..., 2 * size : 3 * size].tanh()
    c = f * c + i * g
    return o * c.tanh(), c


def _gru_step(x_part: Tensor, h: Tensor, w_hh: Tensor, b_hh: Tensor | None) -> Tensor:
    """One GRU step, gates r, z, n as torch: n = tanh(x_n + r * (h @ W_hn^T + b_hn))."""
    size = h.shape[-1]
    h_part = F.linear(h, w_hh, b_hh)
    rz = (x_part[..., : 2 * size] + h_part[..., : 2 * size]).sigmoid()
    r, z = rz[..., :size], rz[..., size:]
    n = (x_part[..., 2 * size :] + r * h_part[..., 2 * size :]).tanh()
    return n + z * (h - n)


STEPS: dict[str, Callable[..., Any]] = {
    "RNN_TANH": _rnn_step(autograd.tanh),
    "RNN_RELU": _rnn_step(autograd.relu),
    "LSTM": _lstm_step,
    "GRU": _gru_step,
}


def hidden_of(state: State) -> Tensor:
    """The hidden state h of a step's state (an LSTM's is (h, c))."""
    return state[0] if isinstance(state, tuple) else state


def _composed(
    mode: str,
    x_parts: Tensor,
    h0: Tensor,
    c0: Tensor | None,
    w_hh: Tensor,
    b_hh: Tensor | None,
    reverse: bool,
) -> Tensor:
    """``Recurrence``'s result built from tensor ops step by step (its derivative is differentiable)."""
    state: State = (h0, c0) if mode == "LSTM" else h0  # type: ignore[assignment]
    steps = range(x_parts.shape[0])
    outputs: list[Tensor] = [None] * len(steps)  # type: ignore[list-item]
    for t in reversed(steps) if reverse else steps:
        state = STEPS[mode](x_parts[t], state, w_hh, b_hh)
        outputs[t] = hidden_of(state)
    if mode == "LSTM":
        outputs.append(state[1])  # type: ignore[index]
    return autograd.stack(outputs)


# ----- the whole sequence, as one node ---------------------------------------------------------------------
def _sigmoid(a: np.ndarray) -> None:
    """sigmoid in place, as (1 + tanh(a / 2)) / 2: no overflow for any a."""
    a *= 0.5
    np.tanh(a, out=a)
    a *= 0.5
    a += 0.5


def _previous(first: np.ndarray, seq: np.ndarray, reverse: bool) -> np.ndarray:
    """The state each step started from: ``first`` then ``seq`` shifted one step along the direction."""
    if reverse:
        return np.concatenate([seq[1:], first[None]])
    return np.concatenate([first[None], seq[:-1]])


class Recurrence(Op):
    """One direction of one recurrent layer over a sequence, from the inputs' share of the gates
    ``x_parts`` (L, N, gates * H): outputs h_t stacked (L, N, H), an LSTM's last cell state appended as row L.
    Backward through time: per step the gates' gradient d_a (from d_h, d_c and the saved activations) and
    d_h_prev = d_a @ W_hh; then d_W_hh = sum_t d_a_t^T h_{t-1} in one product, d_b_hh = d_a (summed by the
    node), d_x_parts = d_a (for the GRU, the n gate's hidden share is d_a_n * r)."""

    __slots__ = ()

    @staticmethod
    def forward(
        ctx: Any, x_parts: Any, h0: Any, c0: Any, w_hh: Any, b_hh: Any, mode: str, reverse: bool
    ) -> Any:
        length, size = x_parts.shape[0], h0.shape[-1]
        dtype = np.result_type(x_parts, h0, w_hh)
        lstm = mode == "LSTM"
        out = np.empty((length + lstm, *h0.shape), dtype)
        acts = np.empty((length, *x_parts.shape[1:]), dtype)  # the gates after their nonlinearity
        extra = np.empty((length, *h0.shape), dtype) if mode in ("LSTM", "GRU") else None  # tanh(c) or h_n
        cells = np.empty((length, *h0.shape), dtype) if lstm else None
        w_t = w_hh.T
        h, c = h0, c0
        for t in range(length - 1, -1, -1) if reverse else range(length):
            a = acts[t]
            if mode == "GRU":
                gh = h @ w_t if b_hh is None else h @ w_t + b_hh
                np.add(x_parts[t, :, : 2 * size], gh[:, : 2 * size], out=a[:, : 2 * size])
                _sigmoid(a[:, : 2 * size])
                r, z = a[:, :size], a[:, size : 2 * size]
                extra[t] = gh[:, 2 * size :]  # type: ignore[index]
                n = a[:, 2 * size :]
                np.tanh(x_parts[t, :, 2 * size :] + r * gh[:, 2 * size :], out=n)
                h = n + z * (h - n)
            else:
                np.matmul(h, w_t, out=a)
                a += x_parts[t]
                if b_hh is not None:
                    a += b_hh
                if lstm:
                    np.tanh(a[:, 2 * size : 3 * size], out=a[:, 2 * size : 3 * size])
                    _sigmoid(a[:, : 2 * size])
                    _sigmoid(a[:, 3 * size :])
                    c = a[:, size : 2 * size] * c + a[:, :size] * a[:, 2 * size : 3 * size]
                    cells[t] = c  # type: ignore[index]
                    tanh_c = np.tanh(c, out=extra[t])  # type: ignore[index]
                    h = a[:, 3 * size :] * tanh_c
                elif mode == "RNN_TANH":
                    h = np.tanh(a, out=a)
                else:
                    h = np.maximum(a, 0, out=a)
            out[t] = h
        if lstm:
            out[length] = c
        ctx._saved = (x_parts, h0, c0, w_hh, b_hh, mode, reverse, acts, extra, cells)
        return out

    @staticmethod
    def backward(ctx: Any, g: Any) -> tuple[Any, ...]:
        if isinstance(g, Tensor):  # create_graph: differentiate the composed steps instead
            return _twice(ctx, g)
        x_parts, h0, c0, w_hh, b_hh, mode, reverse, acts, extra, cells = ctx._saved
        out = ctx._data
        length, size = x_parts.shape[0], h0.shape[-1]
        lstm, gru = mode == "LSTM", mode == "GRU"
        d_a = np.empty_like(acts)
        d_gh = np.empty_like(acts) if gru else d_a  # the gradient of h @ W_hh^T + b_hh
        d_h = np.zeros_like(h0)
        d_c = g[length].copy() if lstm else None
        for t in range(length) if reverse else range(length - 1, -1, -1):
            d_h += g[t]
            a, da = acts[t], d_a[t]
            first = t == (length - 1 if reverse else 0)
            h_prev = h0 if first else out[t + 1 if reverse else t - 1]
            if lstm:
                i, f, gg, o = (a[:, k * size : (k + 1) * size] for k in range(4))
                tanh_c = extra[t]
                c_prev = c0 if first else cells[t + 1 if reverse else t - 1]
                d_c += d_h * o * (1 - tanh_c * tanh_c)
                da[:, :size] = d_c * gg * i * (1 - i)
                da[:, size : 2 * size] = d_c * c_prev * f * (1 - f)
                da[:, 2 * size : 3 * size] = d_c * i * (1 - gg * gg)
                da[:, 3 * size :] = d_h * tanh_c * o * (1 - o)
                d_c *= f
                d_h = da @ w_hh
            elif gru:
                r, z, n = a[:, :size], a[:, size : 2 * size], a[:, 2 * size :]
                d_n = d_h * (1 - z) * (1 - n * n)
                da[:, :size] = d_n * extra[t] * r * (1 - r)
                da[:, size : 2 * size] = d_h * (h_prev - n) * z * (1 - z)
                da[:, 2 * size :] = d_n
                d_gh[t, :, : 2 * size] = da[:, : 2 * size]
                d_gh[t, :, 2 * size :] = d_n * r
                d_h = d_h * z + d_gh[t] @ w_hh
            else:
                h = out[t]
                da[...] = d_h * (1 - h * h) if mode == "RNN_TANH" else d_h * (h > 0)
                d_h = da @ w_hh
        needs = ctx._needs
        d_w = None
        if needs[3]:
            hs = _previous(h0, out[:length], reverse)
            d_w = d_gh.reshape(-1, d_gh.shape[-1]).T @ hs.reshape(-1, size)
        return d_a, d_h, d_c, d_w, d_gh if needs[4] else None, None, None


def _twice(ctx: Any, g: Tensor) -> tuple[Any, ...]:
    """``Recurrence``'s gradients as a graph (create_graph): the composed steps rebuilt from the inputs (the
    live tensors in ``ctx._saved``) and differentiated with ``create_graph``."""
    x_parts, h0, c0, w_hh, b_hh, mode, reverse = ctx._saved[:7]
    inputs = [
        v if isinstance(v, Tensor) or v is None else autograd.tensor(v) for v in (x_parts, h0, c0, w_hh, b_hh)
    ]
    with autograd.enable_grad():
        out = _composed(mode, *inputs, reverse)  # type: ignore[arg-type]
    wanted = [t for t, need in zip(inputs, ctx._needs, strict=False) if need]
    grads = iter(autograd.grad([out], wanted, [g], create_graph=True))
    return tuple(next(grads) if need else None for need in ctx._needs)


def run_layer(
    mode: str, x_parts: Tensor, state: State, w_hh: Tensor, b_hh: Tensor | None, reverse: bool
) -> tuple[Tensor, State]:
    """One direction of one layer: the outputs (L, N, H) and the final state (h or (h, c))."""
    h0, c0 = state if isinstance(state, tuple) else (state, None)
    out = Recurrence.apply(x_parts, h0, c0, w_hh, b_hh, mode, reverse)
    length = x_parts.shape[0]
    h_n = out[0 if reverse else length - 1]
    if mode == "LSTM":
        return out[:length], (h_n, out[length])
    return out, h_n


__all__ = ["GATES", "STEPS", "Recurrence", "hidden_of", "run_layer"]
