"""Attention as torch has it: ``scaled_dot_product_attention`` (nn.functional) and ``MultiheadAttention``.

softmax(q k^T * scale + bias) v, with the mask folded into an additive ``bias`` tensor (no gradient: masks
carry none), made with tensor ops so that a compiled step (``autograd.compile``) makes it at every replay.
The two libraries' mask conventions differ, as torch's: for ``scaled_dot_product_attention`` a bool
``attn_mask`` says which positions *take part* (True), for ``MultiheadAttention`` a bool ``attn_mask`` or
``key_padding_mask`` says which are *masked out* (True). Float masks are added in both. A query row with
every key masked gives zeros from ``scaled_dot_product_attention`` (torch's safe softmax) and nan from
``MultiheadAttention`` with ``need_weights=True`` (its explicit softmax), as torch.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

import autograd
from autograd import Tensor, dtypes

from . import functional as F  # noqa: N812 - torch's alias
from . import init
from .layers import Linear
from .module import Module, Parameter


def _dropout(x: Tensor, p: float) -> Tensor:
    """Dropout of the attention weights (the one place it is applied; nn.functional.dropout does it)."""
    return x if p == 0 else F.dropout(x, p, True)


def _float_mask(mask: Tensor | np.ndarray, dtype: np.dtype, masked_when: bool) -> Tensor:
    """A mask as an additive float tensor: a bool mask gives -inf where it equals ``masked_when``, 0
    elsewhere; a float mask is itself (in ``dtype``, without its gradient)."""
    mask = mask.detach() if isinstance(mask, Tensor) else autograd.as_tensor(mask)
    if mask.dtype == np.bool_:
        return autograd.where(mask if masked_when else ~mask, -math.inf, 0.0).to(dtype)
    return mask.to(dtype)


def _attend(
    query: Tensor,
    key: Tensor,
    value: Tensor,
    bias: Tensor | None,
    scale: float,
    dropout_p: float,
    safe: bool,
) -> tuple[Tensor, Tensor]:
    """(softmax(q k^T * scale + bias) v, the weights after dropout, as torch returns them). With ``safe``
    a row whose bias is -inf everywhere gets weights 0 (torch's safe softmax, also without a test of the
    values first) and no nan either way; without it, nan as softmax gives."""
    scores = query.matmul(key.transpose(-2, -1)) * scale
    dead = None
    if bias is not None:
        if safe:
            dead = bias.amax(-1, keepdim=True) == -math.inf
            bias = autograd.where(dead, 0.0, bias)
        scores = scores + bias
    weights = scores.softmax(-1)
    if dead is not None:
        weights = autograd.where(dead, 0.0, weights)
    weights = _dropout(weights, dropout_p)
    return weights.matmul(value), weights


def scaled_dot_product_attention(
    query: Tensor,
    key: Tensor,
    value: Tensor,
    attn_mask: Tensor | None = None,
    dropout_p: float = 0.0,
    is_causal: bool = False,
    scale: float | None = None,
) -> Tensor:
    """softmax(q k^T / sqrt(E) + mask) v over the last two dimensions: (..., L, E), (..., S, E) and
    (..., S, Ev) give (..., L, Ev), batch dimensions broadcast. A bool ``attn_mask`` marks with True the
    pairs that take part, a float one is added; ``is_causal`` lets query i see keys 0..i; ``dropout_p``
    drops weights (always, as torch's: pass 0 in evaluation)."""
    name = "scaled_dot_product_attention"
    if min(query.ndim, key.ndim, value.ndim) < 2:
        raise RuntimeError(
            f"{name}: query, key and value need at least 2 dimensions, got shapes "
            f"{tuple(query.shape)}, {tuple(key.shape)} and {tuple(value.shape)}"
        )
    if query.shape[-1] != key.shape[-1] or key.shape[-2] != value.shape[-2]:
        raise RuntimeError(
            f"{name}: query (..., L, E), key (..., S, E) and value (..., S, Ev) do not fit, got "
            f"shapes {tuple(query.shape)}, {tuple(key.shape)} and {tuple(value.shape)}"
        )
    length, source = query.shape[-2], key.shape[-2]
    dtype = np.result_type(query.dtype, key.dtype)
    bias = None
    if is_causal:
        if attn_mask is not None:
            raise RuntimeError(
                "_scaled_dot_product_attention: Explicit attn_mask should not be set when is_causal=True"
            )
        causal = autograd.ones(length, source, dtype=np.bool_).tril()
        bias = _float_mask(causal, dtype, masked_when=False)
    elif attn_mask is not None:
        if attn_mask.dtype != np.bool_ and attn_mask.dtype.kind != "f":
            raise RuntimeError(
                "Expected attn_mask dtype to be bool or float or to match query dtype, but got "
                f"attn_mask.dtype: {attn_mask.dtype} and  query.dtype: {query.dtype} instead."
            )
        bias = _float_mask(attn_mask, dtype, masked_when=False)
        try:
            np.broadcast_shapes(bias.shape, (length, source))
        except ValueError:
            raise RuntimeError(
                f"{name}: attn_mask of shape {bias.shape} does not broadcast to the scores' "
                f"(..., {length}, {source})"
            ) from None
    if not 0 <= dropout_p <= 1:
        raise ValueError(f"{name}: dropout_p must be in [0, 1], got {dropout_p}")
    factor = 1.0 / math.sqrt(query.shape[-1]) if scale is None else scale
    return _attend(query, key, value, bias, factor, dropout_p, safe=True)[0]


def _each_once(fn: Callable[[Tensor], Tensor], *tensors: Tensor) -> list[Tensor]:
    """``fn`` of each tensor, computed once per distinct tensor, so self-attention's query, key and value stay
    one tensor (and one input projection)."""
    done: dict[int, Tensor] = {}
    for t in tensors:
        if id(t) not in done:
            done[id(t)] = fn(t)
    return [done[id(t)] for t in tensors]


class MultiheadAttention(Module):
    """Attention with ``num_heads`` heads of embed_dim / num_heads features each, as torch's: the inputs are
    projected by ``in_proj_weight`` (3 * embed_dim, embed_dim) and ``in_proj_bias`` (or ``q_proj_weight``,
    ``k_proj_weight``, ``v_proj_weight`` when ``kdim``/``vdim`` differ), the heads' outputs joined and
    projected by ``out_proj``. Inputs are (L, N, E), (N, L, E) with ``batch_first``, or unbatched (L, E)."""

    def __init__(
        self,
        embed_dim: int,
        num_heads: int,
        dropout: float = 0.0,
        bias: bool = True,
        batch_first: bool = False,
        kdim: int | None = None,
        vdim: int | None = None,
        dtype: Any = None,
        generator: np.random.Generator | None = None,
    ) -> None:
        super().__init__()
        if embed_dim <= 0 or num_heads <= 0:
            raise ValueError(
                f"embed_dim and num_heads must be greater than 0, got embed_dim={embed_dim} and "
                f"num_heads={num_heads} instead"
            )
        if embed_dim % num_heads:
            raise AssertionError("embed_dim must be divisible by num_heads")
        self.embed_dim, self.num_heads, self.dropout, self.batch_first = (
            embed_dim,
            num_heads,
            dropout,
            batch_first,
        )
        self.kdim = embed_dim if kdim is None else kdim
        self.vdim = embed_dim if vdim is None else vdim
        self._qkv_same_embed_dim = self.kdim == embed_dim and self.vdim == embed_dim
        self.head_dim = embed_dim // num_heads
        dtype = dtypes.as_dtype(dtype or dtypes.float32)
        names = ("q_proj_weight", "k_proj_weight", "v_proj_weight")
        if self._qkv_same_embed_dim:
            self.in_proj_weight = Parameter(np.zeros((3 * embed_dim, embed_dim), dtype))
            init.xavier_uniform_(self.in_proj_weight, generator=generator)
            for name in names:
                self.register_parameter(name, None)
        else:
            for name, size in zip(names, (embed_dim, self.kdim, self.vdim), strict=True):
                self.register_parameter(name, Parameter(np.zeros((embed_dim, size), dtype)))
                init.xavier_uniform_(getattr(self, name), generator=generator)
            self.register_parameter("in_proj_weight", None)
        if bias:
            self.in_proj_bias = Parameter(np.zeros(3 * embed_dim, dtype))
        else:
            self.register_parameter("in_proj_bias", None)
        self.out_proj = Linear(embed_dim, embed_dim, bias=bias, dtype=dtype, generator=generator)
        if bias:
            init.zeros_(self.out_proj.bias)

    def _project(self, query: Tensor, key: Tensor, value: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        """q, k, v from the inputs: one product when they are the same tensor (self-attention)."""
        b = self.in_proj_bias
        bq, bk, bv = (None, None, None) if b is None else b.chunk(3)
        if self._qkv_same_embed_dim:
            if query is key and key is value:
                return F.linear(query, self.in_proj_weight, b).chunk(3, -1)  # type: ignore[return-value]
            wq, wk, wv = self.in_proj_weight.chunk(3)
        else:
            wq, wk, wv = self.q_proj_weight, self.k_proj_weight, self.v_proj_weight
        return F.linear(query, wq, bq), F.linear(key, wk, bk), F.linear(value, wv, bv)

    def _check(self, query: Tensor, key: Tensor, value: Tensor, key_padding_mask: Tensor | None) -> bool:
        """torch's shape checks; whether the input is batched."""
        batched = query.ndim == 3
        if query.ndim not in (2, 3):
            raise AssertionError(
                f"query should be unbatched 2D or batched 3D tensor but received {query.ndim}-D query tensor"
            )
        if key.ndim != query.ndim or value.ndim != query.ndim:
            kind = "batched (3-D)" if batched else "unbatched (2-D)"
            raise AssertionError(
                f"For {kind} `query`, expected `key` and `value` to be {query.ndim}-D but found "
                f"{key.ndim}-D and {value.ndim}-D tensors respectively"
            )
        if key_padding_mask is not None and key_padding_mask.ndim != query.ndim - 1:
            raise AssertionError(
                f"For {'batched (3-D)' if batched else 'unbatched (2-D)'} `query`, expected "
                f"`key_padding_mask` to be `None` or {query.ndim - 1}-D but found "
                f"{key_padding_mask.ndim}-D tensor instead"
            )
        if query.shape[-1] != self.embed_dim:
            raise AssertionError(
                f"was expecting embedding dimension of {self.embed_dim}, but got {query.shape[-1]}"
            )
        if self._qkv_same_embed_dim and tuple(key.shape) != tuple(value.shape):
            raise AssertionError(
                f"key shape {tuple(key.shape)} does not match value shape {tuple(value.shape)}"
            )
        if tuple(key.shape[:-1]) != tuple(value.shape[:-1]):
            raise AssertionError(
                f"key's sequence and batch dims {tuple(key.shape[:-1])} do not match value's "
                f"{tuple(value.shape[:-1])}"
            )
        return batched

    def _bias(
        self,
        attn_mask: Tensor | None,
        key_padding_mask: Tensor | None,
        batch: int,
        length: int,
        source: int,
        dtype: np.dtype,
    ) -> Tensor | None:
        """attn_mask and key_padding_mask merged into one additive tensor, (L, S) or (N or 1, heads or 1, L,
        S) (True = masked)."""
        bias = None
        if attn_mask is not None:
            if attn_mask.dtype != np.bool_ and attn_mask.dtype.kind != "f":
                raise AssertionError("only bool and floating types of attn_mask are supported")
            bias = _float_mask(attn_mask, dtype, masked_when=True)
            if bias.ndim == 2:
                if tuple(bias.shape) != (length, source):
                    raise RuntimeError(
                        f"The shape of the 2D attn_mask is {list(bias.shape)}, but should be "
                        f"{(length, source)}."
                    )
            elif bias.ndim == 3:
                if tuple(bias.shape) != (batch * self.num_heads, length, source):
                    raise RuntimeError(
                        f"The shape of the 3D attn_mask is {list(bias.shape)}, but should be "
                        f"{(batch * self.num_heads, length, source)}."
                    )
                bias = bias.reshape(batch, self.num_heads, length, source)
            else:
                raise RuntimeError(f"attn_mask's dimension {bias.ndim} is not supported")
        if key_padding_mask is not None:
            if key_padding_mask.dtype != np.bool_ and key_padding_mask.dtype.kind != "f":
                raise AssertionError("only bool and floating types of key_padding_mask are supported")
            if tuple(key_padding_mask.shape) != (batch, source):
                raise AssertionError(
                    f"expected key_padding_mask of shape {(batch, source)}, but got "
                    f"{tuple(key_padding_mask.shape)}"
                )
            padding = _float_mask(key_padding_mask, dtype, masked_when=True).reshape(batch, 1, 1, source)
            bias = padding if bias is None else bias + padding
        return bias

    def forward(
        self,
        query: Tensor,
        key: Tensor,
        value: Tensor,
        key_padding_mask: Tensor | None = None,
        need_weights: bool = True,
        attn_mask: Tensor | None = None,
        average_attn_weights: bool = True,
        is_causal: bool = False,
    ) -> tuple[Tensor, Tensor | None]:
        """(output like query, weights (N, L, S) averaged over heads, or (N, heads, L, S), or None when not
        ``need_weights``). ``is_causal`` is a hint, as torch's: ``attn_mask`` must hold the causal mask."""
        batched = self._check(query, key, value, key_padding_mask)
        if is_causal and attn_mask is None:
            raise RuntimeError(
                "Need attn_mask if specifying the is_causal hint. You may use the Transformer "
                "module method `generate_square_subsequent_mask` to create this mask."
            )
        if not batched:
            query, key, value = _each_once(lambda t: t.unsqueeze(1), query, key, value)
            key_padding_mask = None if key_padding_mask is None else key_padding_mask.unsqueeze(0)
        elif self.batch_first:
            query, key, value = _each_once(lambda t: t.transpose(0, 1), query, key, value)
        length, batch, _ = query.shape
        source = key.shape[0]
        q, k, v = self._project(query, key, value)
        bias = self._bias(attn_mask, key_padding_mask, batch, length, source, np.dtype(q.dtype))
        heads, size = self.num_heads, self.head_dim
        q = q.reshape(length, batch * heads, size).transpose(0, 1)  # (N * heads, L, head_dim)
        k = k.reshape(source, batch * heads, size).transpose(0, 1)
        v = v.reshape(source, batch * heads, size).transpose(0, 1)
        if bias is not None and bias.ndim > 2:  # per sample (or head): one (L, S) bias per folded matrix
            bias = bias.expand(batch, heads, length, source).reshape(batch * heads, length, source)
        p = self.dropout if self.training else 0.0
        out, weights = _attend(q, k, v, bias, 1.0 / math.sqrt(size), p, safe=not need_weights)
        out = out.transpose(0, 1).reshape(length * batch, self.embed_dim)
        out = self.out_proj(out).reshape(length, batch, self.embed_dim)
        if batched and self.batch_first:
            out = out.transpose(0, 1)
        if not need_weights:
            return (out if batched else out.squeeze(1)), None
        weights = weights.reshape(batch, heads, length, source)
        if average_attn_weights:
            weights = weights.mean(1)
        return (out, weights) if batched else (out.squeeze(1), weights.squeeze(0))


__all__ = ["MultiheadAttention", "scaled_dot_product_attention"]
