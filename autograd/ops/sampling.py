"""Random draws from tensors (torch's "random sampling" ops that take a tensor): ``multinomial``,
``bernoulli``, and the in-place fills ``normal_``, ``uniform_``, ``bernoulli_``, ``random_``.

Each takes ``generator=`` (``autograd.Generator``, a numpy Generator, or None for the default generator
that ``autograd.manual_seed`` seeds). A draw whose distribution's parameters are tensors that require grad
is recorded with a zero gradient, as torch's (the values do not vary smoothly with the parameters); the
in-place fills go through ``copy_``, so they keep the version-counter checks of every in-place op.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .. import dtypes
from ..random import numpy_generator
from ..tensor import Tensor, _wrap
from .function import Op, zeros
from .registry import register


class Sample(Op):
    """``draw(*parameters)``: a random draw from a distribution with tensor parameters (normal's mean and
    std, bernoulli's p). d/d parameter = 0, as torch's (a sample is not a smooth function of them)."""

    __slots__ = ()
    _promotes = False  # the draw makes the dtype it was asked for

    @staticmethod
    def forward(ctx: Any, *args: Any) -> Any:
        *parameters, draw = args
        return draw(*parameters)

    @staticmethod
    def backward(ctx: Any, g: Any) -> tuple[Any, ...]:
        return tuple(zeros(g) if need else None for need in ctx._needs)


class Bernoulli(Op):
    """1 with probability ``x`` (or the number ``chance`` for every element, when given) else 0, in x's dtype,
    drawn in forward from ``generator`` (None: the default one), as dropout draws its mask: a compiled replay
    calls it again, so it draws what eager draws. d/dx = 0, as torch's."""

    __slots__ = ()
    _operands = 1
    _promotes = False
    _random = True  # forward draws: a compiled replay calls it again and never drops it as dead work

    @staticmethod
    def forward(ctx: Any, x: Any, chance: float | None, generator: Any) -> Any:
        draws = numpy_generator(generator).random(np.shape(x))
        return (draws < (x if chance is None else chance)).astype(x.dtype)

    @staticmethod
    def backward(ctx: Any, g: Any) -> tuple[Any, ...]:
        return zeros(g), None, None


def floats(rng: np.random.Generator, kind: str, shape: tuple[int, ...], dtype: np.dtype) -> np.ndarray:
    """``shape`` draws of ``kind`` ("random": U[0, 1), "standard_normal") in the floating ``dtype``, made
    in float32 or float64 directly (numpy draws float16 through float32)."""
    wide = dtype if dtype in (dtypes.float32, dtypes.float64) else dtypes.float32
    return getattr(rng, kind)(shape, dtype=wide).astype(dtype, copy=False)


def need_floating(dtype: np.dtype, name: str) -> None:
    """torch's NotImplementedError for a floating-only draw into integers or bools."""
    if not dtypes.is_floating(dtype):
        raise NotImplementedError(f"{name}: not implemented for dtype {dtype} (it draws floating values)")


@register
def multinomial(
    input: Tensor,
    num_samples: int,
    replacement: bool = False,
    *,
    generator: Any = None,  # noqa: A002
) -> Tensor:
    """``num_samples`` category indices per row of ``input`` (1-d or 2-d, nonnegative weights, not
    necessarily summing to 1), int64. Without replacement each index appears once per row (drawn in
    proportion to the weights of those not drawn yet); categories of weight 0 come only once the others
    are used up, as torch's."""
    p = input._data
    if not dtypes.is_floating(p.dtype):
        raise RuntimeError(f"multinomial only supports floating-point dtypes for input, got: {input.dtype}")
    if p.ndim not in (1, 2):
        raise RuntimeError(f"prob_dist must be 1 or 2 dim, got {p.ndim}")
    if isinstance(num_samples, bool) or not isinstance(num_samples, (int, np.integer)) or num_samples <= 0:
        raise RuntimeError(f"cannot sample n_sample <= 0 samples (got {num_samples!r})")
    if not replacement and num_samples > p.shape[-1]:
        raise RuntimeError("cannot sample n_sample > prob_dist.size(-1) samples without replacement")
    rows = np.asarray(p, dtype=np.float64).reshape(-1, p.shape[-1])
    if not np.isfinite(rows).all() or (rows < 0).any():
        raise RuntimeError("probability tensor contains either `inf`, `nan` or element < 0")
    totals = rows.sum(axis=1)
    if (totals <= 0).any():
        raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
    rng = numpy_generator(generator)
    if replacement:
        weights = rows / totals[:, None]
        picks = np.stack([rng.choice(len(row), num_samples, p=row) for row in weights])
    else:  # the exponential race: the num_samples largest p / Exp(1) are a draw without replacement
        keys = rows / rng.exponential(size=rows.shape)
        picks = np.argsort(-keys, axis=1, kind="stable")[:, :num_samples]
    return _wrap(picks.astype(dtypes.int64).reshape((*p.shape[:-1], num_samples)))


def _probability(p: float, name: str) -> float:
    if not 0 <= p <= 1:
        raise RuntimeError(f"{name} expects p to be in [0, 1], but got p={p}")
    return p


@register
def bernoulli(input: Tensor, p: float | None = None, *, generator: Any = None) -> Tensor:  # noqa: A002
    """0/1 draws in ``input``'s shape and dtype: 1 with probability ``input`` (floats in [0, 1]), or with
    probability ``p`` for every element when it is given."""
    if p is None:
        data = input._data
        need_floating(data.dtype, "bernoulli")
        if not ((data >= 0) & (data <= 1)).all():
            raise RuntimeError(f"bernoulli: every probability must be in [0, 1], got {input}")
        return Bernoulli.apply(input, None, generator)
    return Bernoulli.apply(input, _probability(p, "bernoulli"), generator)


Draw = Callable[[np.random.Generator, tuple[int, ...]], np.ndarray]


def _fill(tensor: Tensor, draw: Draw, rng: Any) -> Tensor:
    """Writes ``draw(generator, shape)`` into ``tensor`` through ``copy_`` (the in-place machinery)."""
    return tensor.copy_(draw(numpy_generator(rng), tensor.shape))


@register(function=False)
def normal_(self: Tensor, mean: float = 0.0, std: float = 1.0, *, generator: Any = None) -> Tensor:
    """Fills with draws from N(mean, std^2), in place (drawn in float64: ``nn.init``'s streams)."""
    need_floating(self.dtype, "normal_")
    if std < 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {std}")
    return _fill(self, lambda rng, shape: rng.normal(mean, std, shape), generator)


@register(function=False)
def uniform_(self: Tensor, a: float = 0.0, b: float = 1.0, *, generator: Any = None) -> Tensor:
    """Fills with draws from U[a, b), in place (torch's ``from`` and ``to`` are ``a`` and ``b`` here)."""
    need_floating(self.dtype, "uniform_")
    if a > b:
        raise RuntimeError(f"uniform_ expects to return a [from, to) range, but found from={a} > to={b}")
    return _fill(self, lambda rng, shape: rng.uniform(a, b, shape), generator)


@register(function=False)
def bernoulli_(self: Tensor, p: Any = 0.5, *, generator: Any = None) -> Tensor:
    """Fills with 1 (probability ``p``: a number, or a tensor broadcast to this shape) or 0, in place; drawn
    by ``Bernoulli`` (a compiled step draws again at each replay), whose result ``copy_`` writes."""
    if isinstance(p, Tensor):
        draws = Bernoulli.apply(p.detach().expand(self.shape), None, generator)
    else:
        draws = Bernoulli.apply(self.detach(), _probability(p, "bernoulli_"), generator)
    return self.copy_(draws)


@register(function=False)
def random_(
    self: Tensor, low: int | None = None, high: int | None = None, *, generator: Any = None
) -> Tensor:
    """Fills with integers drawn uniformly from [low, high): ``random_(high)`` from [0, high), and
    ``random_()`` from 0 up to what the dtype holds exactly (2**24 for float32, the maximum for ints)."""
    if high is None:
        low, high = (0, low) if low is not None else (0, None)
    if high is None:
        dtype = self.dtype
        if dtype == dtypes.bool_:
            top = 1
        elif dtypes.is_floating(dtype):
            top = 2 ** (np.finfo(dtype).nmant + 1)  # the largest integer up to which all are exact
        else:
            top = int(np.iinfo(dtype).max)
        return _fill(self, lambda rng, shape: rng.integers(0, top, shape, endpoint=True), generator)
    if low >= high:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low} >= to={high}")
    return _fill(self, lambda rng, shape: rng.integers(low, high, shape), generator)
