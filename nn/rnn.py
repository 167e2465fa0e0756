"""Recurrent layers as torch.nn has them: ``RNNCell``, ``LSTMCell``, ``GRUCell`` and the sequence layers
``RNN``, ``LSTM``, ``GRU`` (num_layers, bidirectional, batch_first, dropout between layers, initial states,
unbatched inputs), with torch's parameter names, shapes, gate orders and initialisation, so a torch
``state_dict`` loads unchanged.

The cells are one step of tensor ops (``nn.recurrence``); a layer computes the input's share of every gate,
``x @ W_ih^T + b_ih``, as one matrix product over all time steps, then runs the recurrence over the sequence
as one node (``nn.recurrence.Recurrence``), one per layer and direction.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

import autograd
from autograd import Tensor, dtypes

from . import functional as F  # noqa: N812 - torch's alias
from . import init
from .module import Module, Parameter
from .recurrence import GATES, STEPS, State, hidden_of, run_layer

_NONLINEARITY = {"tanh": "RNN_TANH", "relu": "RNN_RELU"}


# ----- shared parameters ------------------------------------------------------------------------------
def _check_size(name: str, value: Any) -> None:
    """A positive int, with torch's errors."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} should be of type int, got: {type(value).__name__}")
    if value <= 0:
        raise ValueError(f"{name} must be greater than zero")


def _uniform_parameters(module: Module, hidden_size: int, generator: np.random.Generator | None) -> None:
    """torch's reset_parameters: every weight and bias from U(-1/sqrt(hidden_size), 1/sqrt(hidden_size))."""
    bound = 1.0 / math.sqrt(hidden_size)
    for param in module.parameters():
        init.uniform_(param, -bound, bound, generator)


def _add_weights(
    module: Module, suffix: str, gates: int, in_size: int, hidden: int, bias: bool, dtype: Any
) -> None:
    """weight_ih / weight_hh (gates * hidden rows) and, with ``bias``, bias_ih / bias_hh under ``suffix``."""
    module.register_parameter(f"weight_ih{suffix}", Parameter(np.zeros((gates * hidden, in_size), dtype)))
    module.register_parameter(f"weight_hh{suffix}", Parameter(np.zeros((gates * hidden, hidden), dtype)))
    for name in (f"bias_ih{suffix}", f"bias_hh{suffix}"):
        module.register_parameter(name, Parameter(np.zeros(gates * hidden, dtype)) if bias else None)


# ----- cells -----------------------------------------------------------------------------------------
class RNNCellBase(Module):
    """The parameters and checks the three cells share: ``weight_ih`` (gates * hidden, input),
    ``weight_hh`` (gates * hidden, hidden), ``bias_ih`` and ``bias_hh`` (gates * hidden)."""

    def __init__(
        self,
        mode: str,
        input_size: int,
        hidden_size: int,
        bias: bool,
        dtype: Any = None,
        generator: np.random.Generator | None = None,
    ) -> None:
        super().__init__()
        _check_size("input_size", input_size)
        _check_size("hidden_size", hidden_size)
        self.mode, self.input_size, self.hidden_size, self.bias = mode, input_size, hidden_size, bias
        dtype = dtypes.as_dtype(dtype or dtypes.float32)
        _add_weights(self, "", GATES[mode], input_size, hidden_size, bias, dtype)
        _uniform_parameters(self, hidden_size, generator)

    def _step(self, input: Tensor, hx: State | None) -> State:
        """Checks shapes as torch, runs one step on a batch (an unbatched input gets a batch of one)."""
        name = type(self).__name__
        if input.ndim not in (1, 2):
            raise ValueError(f"{name}: Expected input to be 1D or 2D, got {input.ndim}D instead")
        batched = input.ndim == 2
        x = input if batched else input.unsqueeze(0)
        if x.shape[1] != self.input_size:
            raise RuntimeError(
                f"input has inconsistent input_size: got {x.shape[1]} expected {self.input_size}"
            )
        if hx is None:
            zeros = autograd.zeros(x.shape[0], self.hidden_size, dtype=x.dtype)
            state: State = (zeros, zeros) if self.mode == "LSTM" else zeros
        else:
            state = (
                tuple(s if batched else s.unsqueeze(0) for s in hx)
                if isinstance(hx, tuple)
                else (hx if batched else hx.unsqueeze(0))
            )
            for index, s in enumerate(state if isinstance(state, tuple) else (state,)):
                if s.shape[0] != x.shape[0]:
                    raise RuntimeError(
                        f"Input batch size {x.shape[0]} doesn't match hidden{index} batch size {s.shape[0]}"
                    )
                if s.shape[1] != self.hidden_size:
                    raise RuntimeError(
                        f"hidden{index} has inconsistent hidden_size: got {s.shape[1]}, "
                        f"expected {self.hidden_size}"
                    )
        x_part = F.linear(x, self.weight_ih, self.bias_ih)
        out = STEPS[self.mode](x_part, state, self.weight_hh, self.bias_hh)
        if batched:
            return out
        return tuple(o.squeeze(0) for o in out) if isinstance(out, tuple) else out.squeeze(0)

    def extra_repr(self) -> str:
        text = f"{self.input_size}, {self.hidden_size}"
        if not self.bias:
            text += ", bias=False"
        if self.mode == "RNN_RELU":
            text += ", nonlinearity=relu"
        return text


class RNNCell(RNNCellBase):
    """h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh) (or relu), one step of an Elman network."""

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        bias: bool = True,
        nonlinearity: str = "tanh",
        dtype: Any = None,
        generator: np.random.Generator | None = None,
    ) -> None:
        if nonlinearity not in _NONLINEARITY:
            raise ValueError(f"Unknown nonlinearity: {nonlinearity}")
        super().__init__(_NONLINEARITY[nonlinearity], input_size, hidden_size, bias, dtype, generator)
        self.nonlinearity = nonlinearity

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        """The next hidden state (N, hidden) or (hidden,); ``hx`` defaults to zeros."""
        return self._step(input, hx)  # type: ignore[return-value]


class LSTMCell(RNNCellBase):
    """One LSTM step: (h', c') from x and (h, c), gates i, f, g, o stacked in that order in the weights."""

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        bias: bool = True,
        dtype: Any = None,
        generator: np.random.Generator | None = None,
    ) -> None:
        super().__init__("LSTM", input_size, hidden_size, bias, dtype, generator)

    def forward(self, input: Tensor, hx: tuple[Tensor, Tensor] | None = None) -> tuple[Tensor, Tensor]:
        """(h', c'); ``hx`` = (h, c) defaults to zeros."""
        return self._step(input, hx)  # type: ignore[return-value]


class GRUCell(RNNCellBase):
    """One GRU step, gates r, z, n stacked in that order in the weights."""

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        bias: bool = True,
        dtype: Any = None,
        generator: np.random.Generator | None = None,
    ) -> None:
        super().__init__("GRU", input_size, hidden_size, bias, dtype, generator)

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        """The next hidden state; ``hx`` defaults to zeros."""
        return self._step(input, hx)  # type: ignore[return-value]


# ----- sequence layers -------------------------------------------------------------------------------------
class RNNBase(Module):
    """A stack of ``num_layers`` recurrent layers over a sequence, each one or two directions; parameters
    ``weight_ih_l{k}``, ``weight_hh_l{k}``, ``bias_ih_l{k}``, ``bias_hh_l{k}`` (+ ``_reverse``) as torch."""

    def __init__(
        self,
        mode: str,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        dtype: Any = None,
        generator: np.random.Generator | None = None,
    ) -> None:
        super().__init__()
        if isinstance(dropout, bool) or not isinstance(dropout, (int, float)) or not 0 <= dropout <= 1:
            raise ValueError(
                "dropout should be a number in range [0, 1] representing the probability of an "
                "element being zeroed"
            )
        if dropout > 0 and num_layers == 1:
            warnings.warn(
                "dropout option adds dropout after all but last recurrent layer, so non-zero dropout "
                f"expects num_layers greater than 1, but got dropout={dropout} and "
                f"num_layers={num_layers}",
                stacklevel=2,
            )
        _check_size("input_size", input_size)
        _check_size("hidden_size", hidden_size)
        _check_size("num_layers", num_layers)
        self.mode, self.input_size, self.hidden_size, self.num_layers = (
            mode,
            input_size,
            hidden_size,
            num_layers,
        )
        self.bias, self.batch_first, self.dropout = bias, batch_first, float(dropout)
        self.bidirectional = bidirectional
        dtype = dtypes.as_dtype(dtype or dtypes.float32)
        directions = 2 if bidirectional else 1
        for layer in range(num_layers):
            in_size = input_size if layer == 0 else hidden_size * directions
            for suffix in self._suffixes(layer):
                _add_weights(self, suffix, GATES[mode], in_size, hidden_size, bias, dtype)
        _uniform_parameters(self, hidden_size, generator)

    def _suffixes(self, layer: int) -> tuple[str, ...]:
        """The parameter name suffixes of ``layer``'s directions: ``_l0`` and ``_l0_reverse``."""
        return (f"_l{layer}", f"_l{layer}_reverse") if self.bidirectional else (f"_l{layer}",)

    @property
    def all_weights(self) -> list[list[Parameter]]:
        """Per layer and direction: [weight_ih, weight_hh, bias_ih, bias_hh] (biases only with ``bias``)."""
        names = ("weight_ih", "weight_hh", "bias_ih", "bias_hh") if self.bias else ("weight_ih", "weight_hh")
        return [
            [getattr(self, name + suffix) for name in names]
            for layer in range(self.num_layers)
            for suffix in self._suffixes(layer)
        ]

    def flatten_parameters(self) -> None:
        """torch packs the weights for cuDNN here; numpy needs nothing (calls written for torch still run)."""

    def _dropout(self, x: Tensor) -> Tensor:
        """Dropout between layers, in training only: the one place it is applied."""
        if not self.training or self.dropout == 0:
            return x
        return F.dropout(x, self.dropout, True)

    def _check_state(self, hx: Tensor, expected: tuple[int, ...], name: str) -> None:
        if tuple(hx.shape) != expected:
            raise RuntimeError(f"Expected {name} size {expected}, got {list(hx.shape)}")

    def _run(self, input: Tensor, hx: State | None) -> tuple[Tensor, State]:
        """The output sequence and the final states for any mode: input (L, N, H_in) or batch_first or
        unbatched (L, H_in), as torch."""
        name = type(self).__name__
        lstm = self.mode == "LSTM"
        if input.ndim not in (2, 3):
            raise ValueError(f"{name}: Expected input to be 2D or 3D, got {input.ndim}D instead")
        batched = input.ndim == 3
        if hx is not None:
            states = hx if isinstance(hx, tuple) else (hx,)
            want = 3 if batched else 2
            if any(s.ndim != want for s in states):
                kind = "batched 3-D" if batched else "unbatched 2-D"
                dims = ", ".join(f"{s.ndim}-D" for s in states)
                what = (
                    f"hx and cx should also be {want}-D but got ({dims}) tensors"
                    if lstm
                    else (f"hx should also be {want}-D but got {dims} tensor")
                )
                raise RuntimeError(f"For {kind} input, {what}")
        x = input if batched else input.unsqueeze(1)
        if batched and self.batch_first:
            x = x.transpose(0, 1)
        if x.shape[-1] != self.input_size:
            raise RuntimeError(
                f"input.size(-1) must be equal to input_size. Expected {self.input_size}, got {x.shape[-1]}"
            )
        if x.shape[0] == 0:
            raise RuntimeError("Expected sequence length to be larger than 0 in RNN")
        directions = 2 if self.bidirectional else 1
        expected = (self.num_layers * directions, x.shape[1], self.hidden_size)
        if hx is None:
            zeros = autograd.zeros(*expected, dtype=x.dtype)
            h0, c0 = zeros, zeros
        else:
            h0, c0 = hx if isinstance(hx, tuple) else (hx, hx)
            if not batched:
                h0, c0 = h0.unsqueeze(1), c0.unsqueeze(1)
            self._check_state(h0, expected, "hidden[0]" if lstm else "hidden")
            if lstm:
                self._check_state(c0, expected, "hidden[1]")
        finals: list[State] = []
        for layer in range(self.num_layers):
            if layer:
                x = self._dropout(x)
            outputs = []
            for direction, suffix in enumerate(self._suffixes(layer)):
                k = layer * directions + direction
                state: State = (h0[k], c0[k]) if lstm else h0[k]
                out, state = self._layer(x, state, suffix, reverse=direction == 1)
                outputs.append(out)
                finals.append(state)
            x = outputs[0] if directions == 1 else autograd.cat(outputs, -1)
        if batched and self.batch_first:
            x = x.transpose(0, 1)
        h_n = autograd.stack([hidden_of(s) for s in finals])
        final: State = (h_n, autograd.stack([s[1] for s in finals])) if lstm else h_n  # type: ignore[index]
        if not batched:
            x = x.squeeze(1)
            final = tuple(s.squeeze(1) for s in final) if lstm else h_n.squeeze(1)  # type: ignore[union-attr]
        return x, final

    def _layer(self, x: Tensor, state: State, suffix: str, reverse: bool) -> tuple[Tensor, State]:
        """One direction of one layer over x (L, N, H_in): the outputs (L, N, H) and the last state."""
        x_parts = F.linear(x, getattr(self, "weight_ih" + suffix), getattr(self, "bias_ih" + suffix))
        w_hh, b_hh = getattr(self, "weight_hh" + suffix), getattr(self, "bias_hh" + suffix)
        return run_layer(self.mode, x_parts, state, w_hh, b_hh, reverse)

    def extra_repr(self) -> str:
        text = f"{self.input_size}, {self.hidden_size}"
        if self.num_layers != 1:
            text += f", num_layers={self.num_layers}"
        if not self.bias:
            text += ", bias=False"
        if self.batch_first:
            text += ", batch_first=True"
        if self.dropout:
            text += f", dropout={self.dropout}"
        if self.bidirectional:
            text += ", bidirectional=True"
        return text


class RNN(RNNBase):
    """An Elman network: h_t = tanh(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh) (or relu), stacked."""

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        nonlinearity: str = "tanh",
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        dtype: Any = None,
        generator: np.random.Generator | None = None,
    ) -> None:
        if nonlinearity not in _NONLINEARITY:
            raise ValueError(f"Unknown nonlinearity '{nonlinearity}'. Select from 'tanh' or 'relu'.")
        super().__init__(
            _NONLINEARITY[nonlinearity],
            input_size,
            hidden_size,
            num_layers,
            bias,
            batch_first,
            dropout,
            bidirectional,
            dtype,
            generator,
        )
        self.nonlinearity = nonlinearity

    def forward(self, input: Tensor, hx: Tensor | None = None) -> tuple[Tensor, Tensor]:
        """(output, h_n): output (L, N, D * hidden) (or batch first), h_n (D * num_layers, N, hidden)."""
        return self._run(input, hx)  # type: ignore[return-value]


class _Gated(RNNBase):
    """LSTM and GRU: torch's constructor without a nonlinearity; ``MODE`` names the cell."""

    MODE = ""

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        dtype: Any = None,
        generator: np.random.Generator | None = None,
    ) -> None:
        super().__init__(
            self.MODE, input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional, dtype,
            generator,
        )  # fmt: skip


class LSTM(_Gated):
    """Long short-term memory layers (gates i, f, g, o as torch), stacked."""

    MODE = "LSTM"

    def forward(
        self, input: Tensor, hx: tuple[Tensor, Tensor] | None = None
    ) -> tuple[Tensor, tuple[Tensor, Tensor]]:
        """(output, (h_n, c_n)); ``hx`` = (h_0, c_0) defaults to zeros."""
        return self._run(input, hx)  # type: ignore[return-value]


class GRU(_Gated):
    """Gated recurrent unit layers (gates r, z, n as torch), stacked."""

    MODE = "GRU"

    def forward(self, input: Tensor, hx: Tensor | None = None) -> tuple[Tensor, Tensor]:
        """(output, h_n); ``hx`` defaults to zeros."""
        return self._run(input, hx)  # type: ignore[return-value]


__all__ = ["GRU", "LSTM", "RNN", "GRUCell", "LSTMCell", "RNNBase", "RNNCell", "RNNCellBase"]
