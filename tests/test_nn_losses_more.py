"""Losses against torch (float64) over every reduction and option: L1, SmoothL1, Huber, KLDiv, and
cross_entropy / nll_loss with weight, ignore_index, label_smoothing, (N, C, d1, ...) inputs and class
probabilities, BCE with weight, BCEWithLogits with weight and pos_weight. Values and the gradients of the
input (and of a float target and the weights) are compared."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from oracle import assert_close

import autograd
import nn
from nn import functional as F  # noqa: N812

pytestmark = pytest.mark.usefixtures("torch_float64")
REDUCTIONS = st.sampled_from(["mean", "sum", "none"])


def pair(a: np.ndarray | None, grad: bool = True) -> tuple[Any, Any]:
    if a is None:
        return None, None
    a = np.asarray(a)
    needs = grad and a.dtype.kind == "f"
    return autograd.tensor(a.copy(), requires_grad=needs), torch.tensor(a.copy(), requires_grad=needs)


def check(
    ours: Any, theirs: Any, arrays: list[np.ndarray | None], seed: int, constant: tuple[int, ...] = ()
) -> None:
    """``ours(*tensors)`` against ``theirs(*torch tensors)``: the value, then the gradient of every float
    argument (but those at ``constant``) for a random upstream gradient."""
    pairs = [pair(a, grad=i not in constant) for i, a in enumerate(arrays)]
    out = ours(*[p[0] for p in pairs])
    ref = theirs(*[p[1] for p in pairs])
    assert tuple(out.shape) == tuple(ref.shape)
    assert_close(out, ref, "loss", rtol=1e-10, atol=1e-12)
    g = np.random.default_rng(seed).standard_normal(tuple(ref.shape))
    (out * autograd.tensor(g)).sum().backward()
    (ref * torch.from_numpy(g)).sum().backward()
    for i, (o, t) in enumerate(pairs):
        if t is not None and t.requires_grad:
            assert_close(o.grad, t.grad, f"gradient of argument {i}", rtol=1e-9, atol=1e-11)


def floats(rng: np.random.Generator, shape: tuple[int, ...], scale: float = 2.0) -> np.ndarray:
    return rng.standard_normal(shape) * scale


@given(reduction=REDUCTIONS, shape=st.lists(st.integers(1, 3), max_size=3).map(tuple),
       kind=st.sampled_from(["l1", "smooth", "huber"]), size=st.sampled_from([0.0, 0.5, 1.0, 2.0]),
       seed=st.integers(0, 2**32 - 1))  # fmt: skip
def test_regression_losses_match_torch(reduction, shape, kind, size, seed):
    rng = np.random.default_rng(seed)
    x, t = floats(rng, shape), floats(rng, shape)
    if kind == "l1":
        pairs = (nn.L1Loss(reduction=reduction), torch.nn.L1Loss(reduction=reduction))
    elif kind == "smooth":
        pairs = (
            nn.SmoothL1Loss(reduction=reduction, beta=size),
            torch.nn.SmoothL1Loss(reduction=reduction, beta=size),
        )
    else:
        size = size or 1.0
        pairs = (nn.HuberLoss(reduction, delta=size), torch.nn.HuberLoss(reduction, delta=size))
    check(*pairs, [x, t], seed)
    check(*pairs, [x, x.copy()], seed)  # d = 0: the gradient there is 0, as torch's


@pytest.mark.filterwarnings("ignore:reduction. 'mean' divides the total loss")  # torch's advice: batchmean
@given(reduction=st.sampled_from(["mean", "sum", "none", "batchmean"]), log_target=st.booleans(),
       shape=st.lists(st.integers(1, 3), min_size=1, max_size=3).map(tuple), zeros=st.booleans(),
       seed=st.integers(0, 2**32 - 1))  # fmt: skip
def test_kl_div_matches_torch(reduction, log_target, shape, zeros, seed):
    rng = np.random.default_rng(seed)
    x = np.log(rng.uniform(0.05, 1.0, shape))
    t = rng.uniform(0.05, 1.0, shape)
    if log_target:
        t = np.log(t)
    elif zeros:
        t[rng.random(shape) < 0.3] = 0.0  # 0 log 0 = 0
    ours = nn.KLDivLoss(reduction=reduction, log_target=log_target)
    check(ours, torch.nn.KLDivLoss(reduction=reduction, log_target=log_target), [x, t], seed)


@st.composite
def classification(draw: Any, probabilities: bool = False) -> dict[str, Any]:
    """Logits (C,), (N, C) or (N, C, d1, ...) with targets (class indices with a few ignored ones, or
    probabilities), a class weight or none, an ignore_index, a label_smoothing and a reduction."""
    c = draw(st.integers(1, 4))
    extra = draw(st.lists(st.integers(1, 3), max_size=2))
    shape = draw(st.sampled_from([(c,), (draw(st.integers(1, 3)), c, *extra)]))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    target_shape = () if len(shape) == 1 else (shape[0], *shape[2:])
    ignore = draw(st.sampled_from([-100, 0, c - 1]))
    if probabilities:
        target = rng.dirichlet(np.ones(c), size=target_shape)
        target = np.moveaxis(target, -1, 1) if len(shape) > 1 else target
        ignore = -100
    else:
        target = rng.integers(0, c, size=target_shape)
    weight = draw(st.sampled_from([None, rng.uniform(0.2, 2.0, c)]))
    smoothing = draw(st.sampled_from([0.0, 0.25]))
    return {"x": floats(rng, shape, 3.0), "target": target, "weight": weight, "ignore_index": ignore,
            "label_smoothing": smoothing, "reduction": draw(REDUCTIONS), "seed": seed}  # fmt: skip


def _cross_entropy(case: dict[str, Any]) -> None:
    kw = {"ignore_index": case["ignore_index"], "reduction": case["reduction"],
          "label_smoothing": case["label_smoothing"]}  # fmt: skip
    ours = lambda x, t, w: F.cross_entropy(x, t, w, **kw)  # noqa: E731
    theirs = lambda x, t, w: torch.nn.functional.cross_entropy(x, t, w, **kw)  # noqa: E731
    constant = () if case["target"].dtype.kind == "f" else (2,)  # torch: no gradient for a class weight
    check(ours, theirs, [case["x"], case["target"], case["weight"]], case["seed"], constant)


@given(case=classification())
def test_cross_entropy_with_indices_matches_torch(case):
    _cross_entropy(case)


@given(case=classification(probabilities=True))
def test_cross_entropy_with_probabilities_matches_torch(case):
    _cross_entropy(case)


@given(case=classification())
def test_nll_loss_matches_torch(case):
    kw = {"ignore_index": case["ignore_index"], "reduction": case["reduction"]}
    x = torch.log_softmax(torch.from_numpy(case["x"]), 0 if case["x"].ndim == 1 else 1).numpy()
    ours = nn.NLLLoss(None if case["weight"] is None else autograd.tensor(case["weight"]), **kw)
    theirs = torch.nn.NLLLoss(None if case["weight"] is None else torch.from_numpy(case["weight"]), **kw)
    check(ours, theirs, [x, case["target"]], case["seed"])
    assert list(ours.state_dict()) == list(theirs.state_dict())


def test_cross_entropy_modules_keep_torchs_arguments_and_buffers():
    w = np.array([1.0, 2.0, 0.5])
    ours = nn.CrossEntropyLoss(autograd.tensor(w), ignore_index=1, label_smoothing=0.1).double()
    theirs = torch.nn.CrossEntropyLoss(torch.from_numpy(w), ignore_index=1, label_smoothing=0.1)
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ["weight"]
    rng = np.random.default_rng(3)
    check(ours, theirs, [floats(rng, (4, 3, 2)), rng.integers(0, 3, (4, 2))], 3)
    with pytest.raises(ValueError, match="label_smoothing"):
        F.cross_entropy(autograd.zeros(2, 3), autograd.tensor([0, 1]), label_smoothing=1.5)
    with pytest.raises(RuntimeError, match="weight tensor should be defined"):
        F.cross_entropy(autograd.zeros(2, 3), autograd.tensor([0, 1]), autograd.ones(2))
    with pytest.raises(IndexError):
        F.nll_loss(autograd.zeros(2, 3), autograd.tensor([0, 3]))
    with pytest.raises(ValueError):
        F.cross_entropy(autograd.zeros(2, 3, 4), autograd.tensor([0, 1]))
    all_ignored = F.cross_entropy(autograd.zeros(2, 3), autograd.tensor([-100, -100]))
    reference = torch.nn.functional.cross_entropy(torch.zeros(2, 3), torch.tensor([-100, -100]))
    assert np.isnan(all_ignored.item()) and torch.isnan(reference)


@given(reduction=REDUCTIONS, shape=st.lists(st.integers(1, 3), min_size=1, max_size=3).map(tuple),
       weighted=st.booleans(), positive=st.booleans(), seed=st.integers(0, 2**32 - 1))  # fmt: skip
def test_bce_with_logits_weight_and_pos_weight_match_torch(reduction, shape, weighted, positive, seed):
    rng = np.random.default_rng(seed)
    x, t = floats(rng, shape, 10.0), rng.uniform(0, 1, shape)
    weight = rng.uniform(0.1, 2, shape[-1:]) if weighted else None
    pos = rng.uniform(0.1, 3, shape[-1:]) if positive else None
    ours = lambda x, t, w, p: F.binary_cross_entropy_with_logits(x, t, w, reduction=reduction, pos_weight=p)  # noqa: E731
    theirs = lambda x, t, w, p: torch.nn.functional.binary_cross_entropy_with_logits(  # noqa: E731
        x, t, w, reduction=reduction, pos_weight=p
    )
    check(ours, theirs, [x, t, weight, pos], seed, constant=(2, 3))


@given(reduction=REDUCTIONS, shape=st.lists(st.integers(1, 3), min_size=1, max_size=3).map(tuple),
       weighted=st.booleans(), seed=st.integers(0, 2**32 - 1))  # fmt: skip
def test_bce_weight_matches_torch(reduction, shape, weighted, seed):
    rng = np.random.default_rng(seed)
    p, t = rng.uniform(0.02, 0.98, shape), rng.uniform(0, 1, shape)
    weight = rng.uniform(0.1, 2, shape) if weighted else None
    ours = nn.BCELoss(None if weight is None else autograd.tensor(weight), reduction=reduction)
    theirs = torch.nn.BCELoss(None if weight is None else torch.from_numpy(weight), reduction=reduction)
    check(ours, theirs, [p, t], seed)


def test_bce_rejects_inputs_outside_0_1_as_torch():
    x, t = [1.5, -0.5], [1.0, 0.0]
    with pytest.raises(RuntimeError, match="between 0 and 1"):
        torch.nn.BCELoss()(torch.tensor(x), torch.tensor(t))
    with pytest.raises(RuntimeError, match="between 0 and 1"):
        nn.BCELoss()(autograd.tensor(x), autograd.tensor(t))


def test_bce_with_logits_module_buffers_and_second_derivative():
    pos = np.array([2.0, 0.5])
    ours = nn.BCEWithLogitsLoss(pos_weight=autograd.tensor(pos))
    theirs = torch.nn.BCEWithLogitsLoss(pos_weight=torch.from_numpy(pos))
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ["pos_weight"]
    x = np.array([[0.3, -2.0], [4.0, 0.0]])
    t = np.array([[1.0, 0.0], [0.5, 1.0]])
    xo, xt = pair(x)
    (go,) = autograd.grad(ours(xo, autograd.tensor(t)), [xo], create_graph=True)
    (gt,) = torch.autograd.grad(theirs(xt, torch.from_numpy(t)), [xt], create_graph=True)
    assert_close(go, gt, "gradient")
    assert_close(
        autograd.grad(go.sum(), [xo])[0], torch.autograd.grad(gt.sum(), [xt])[0], "second derivative"
    )


def test_legacy_size_average_and_reduce_pick_torchs_reduction():
    x, t = np.array([1.0, -2.0, 3.0]), np.array([0.0, 0.0, 1.0])
    for size_average, reduce in [(None, False), (False, None), (True, True), (False, True)]:
        ours = nn.L1Loss(size_average, reduce)(autograd.tensor(x), autograd.tensor(t))
        with pytest.warns(UserWarning):
            theirs = torch.nn.L1Loss(size_average, reduce)(torch.from_numpy(x), torch.from_numpy(t))
        assert_close(ours, theirs, f"size_average={size_average}, reduce={reduce}")
