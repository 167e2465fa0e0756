"""Shapes, views and indexing, compared with torch (the seed's examples: view(-1), squeeze, unsqueeze, cat,
stack)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import autograd as ag

DATA = np.arange(24, dtype=np.float32).reshape(2, 3, 4)


def pair():
    return ag.tensor(DATA), torch.tensor(DATA)


def same(ours, theirs):
    assert ours.shape == tuple(theirs.shape)
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


@pytest.mark.parametrize(
    "f",
    [
        lambda t: t.view(-1),
        lambda t: t.view(4, -1),
        lambda t: t.reshape(6, 4),
        lambda t: t.reshape((-1, 2)),
        lambda t: t.flatten(),
        lambda t: t.flatten(1),
        lambda t: t.flatten(0, 1),
        lambda t: t.unsqueeze(0),
        lambda t: t.unsqueeze(-1),
        lambda t: t.unsqueeze(1).squeeze(),
        lambda t: t[:, :1].squeeze(1),
        lambda t: t[:, :1].squeeze(0),
        lambda t: t.transpose(0, 2),
        lambda t: t.permute(1, 2, 0),
        lambda t: t[0].T,
        lambda t: t.mT,
        lambda t: t[:, :1].expand(2, 3, 4),
        lambda t: t[0, 0].expand(3, -1),
        lambda t: t[0].view_as(t[1]),
        lambda t: t[..., 1],
        lambda t: t[None, 1, ::2],
        lambda t: t[:, [0, 2]],
        lambda t: t[t > 10],
        lambda t: t[1, -1, -1],
    ],
)
def test_shape_ops_match_torch(f):
    ours, theirs = pair()
    same(f(ours), f(theirs))


def test_cat_stack_split_chunk_match_torch():
    (a, at), (b, bt) = pair(), pair()
    same(ag.cat([a, b]), torch.cat([at, bt]))
    same(ag.cat([a, b], dim=-1), torch.cat([at, bt], dim=-1))
    same(ag.stack([a, b]), torch.stack([at, bt]))
    same(ag.stack([a, b], dim=2), torch.stack([at, bt], dim=2))
    for ours, theirs in zip(a.split(3, dim=2), at.split(3, dim=2), strict=True):
        same(ours, theirs)
    for ours, theirs in zip(a.split([1, 2], dim=1), at.split([1, 2], dim=1), strict=True):
        same(ours, theirs)
    for ours, theirs in zip(a.chunk(3, dim=2), at.chunk(3, dim=2), strict=True):
        same(ours, theirs)


def test_impossible_view_names_both_shapes():
    with pytest.raises(RuntimeError, match=r"\[5, -1\].*size 24.*\[2, 3, 4\]"):
        ag.tensor(DATA).view(5, -1)
    with pytest.raises(RuntimeError, match=r"\[5, 5\].*size 24"):
        ag.tensor(DATA).reshape(5, 5)
    with pytest.raises(RuntimeError, match="only one dimension can be inferred"):
        ag.tensor(DATA).view(-1, -1)


def test_view_of_a_non_contiguous_tensor_asks_for_reshape():
    t = ag.tensor(DATA).transpose(0, 2)
    with pytest.raises(RuntimeError, match="reshape"):
        t.view(-1)
    same(t.reshape(-1), torch.tensor(DATA).transpose(0, 2).reshape(-1))


def test_cat_and_stack_errors_name_the_shapes():
    with pytest.raises(RuntimeError, match="stack expects each tensor to be equal size"):
        ag.stack([ag.zeros(2), ag.zeros(3)])
    with pytest.raises(RuntimeError, match=r"cat: .*\(2, 3\)"):
        ag.cat([ag.zeros(2, 3), ag.zeros(3, 3)], dim=1)
    with pytest.raises(IndexError, match="Dimension out of range"):
        ag.zeros(2, 3).sum(2)


def test_views_share_memory_and_version_counter_with_their_base():
    base = ag.zeros(2, 3)
    for view in (base.view(-1), base[0], base.T, base.unsqueeze(0), base.reshape(3, 2), base.detach()):
        assert np.shares_memory(view.numpy(), base.numpy())
    row = base[1]
    row.fill_(7.0)
    np.testing.assert_array_equal(base.numpy()[1], [7, 7, 7])
    assert base._version == row._version == 1
    copy = base[[0, 1]]
    assert not np.shares_memory(copy.numpy(), base.numpy())


def test_setitem_matches_torch_and_is_differentiable():
    x, xt = ag.zeros(2, 3), torch.zeros(2, 3)
    for t in (x, xt):
        t[0, 1] = 5.0
        t[1] = 2.0
        t[:, 2] = t[:, 0] + 1
    same(x, xt)
    w, wt = ag.tensor([1.0, 2.0], requires_grad=True), torch.tensor([1.0, 2.0], requires_grad=True)
    y, yt = ag.zeros(3), torch.zeros(3)
    y[1:] = w * w
    yt[1:] = wt * wt
    (y * ag.tensor([1.0, 2.0, 3.0])).sum().backward()
    (yt * torch.tensor([1.0, 2.0, 3.0])).sum().backward()
    np.testing.assert_allclose(w.grad.numpy(), wt.grad.numpy())


def test_repeated_integer_indices_accumulate_in_backward():
    x, xt = ag.tensor([1.0, 2.0, 3.0], requires_grad=True), torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    index = [0, 2, 0, 0]
    x[index].sum().backward()
    xt[index].sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [3.0, 0.0, 1.0])
    np.testing.assert_array_equal(x.grad.numpy(), xt.grad.numpy())
    m = ag.tensor(DATA, requires_grad=True)
    rows, cols = ag.tensor([0, 1, 1]), ag.tensor([2, 0, 2])
    m[rows, cols].sum().backward()
    mt = torch.tensor(DATA, requires_grad=True)
    mt[torch.tensor([0, 1, 1]), torch.tensor([2, 0, 2])].sum().backward()
    np.testing.assert_array_equal(m.grad.numpy(), mt.grad.numpy())


def test_iteration_and_len():
    x = ag.tensor([[1.0, 2.0], [3.0, 4.0]])
    rows = list(x)
    assert len(x) == 2 and len(rows) == 2
    np.testing.assert_array_equal(rows[1].numpy(), [3.0, 4.0])
