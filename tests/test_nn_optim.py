"""Optimiser trajectories against torch.optim: same model, same data, 20 steps, float64, 1e-10."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import autograd
import nn
from nn.optim import SGD, Adam

pytestmark = pytest.mark.usefixtures("torch_float64")  # torch.nn builds float64 weights here
TOL = 1e-10  # both sides float64: the trajectories agree to rounding


CONFIGS = [
    (SGD, torch.optim.SGD, {"lr": 0.1}),
    (SGD, torch.optim.SGD, {"lr": 0.05, "momentum": 0.9}),
    (SGD, torch.optim.SGD, {"lr": 0.05, "momentum": 0.9, "dampening": 0.3}),
    (SGD, torch.optim.SGD, {"lr": 0.05, "momentum": 0.9, "nesterov": True}),
    (SGD, torch.optim.SGD, {"lr": 0.05, "momentum": 0.5, "weight_decay": 0.01, "nesterov": True}),
    (SGD, torch.optim.SGD, {"lr": 0.1, "weight_decay": 0.1}),
    (Adam, torch.optim.Adam, {"lr": 0.01}),
    (Adam, torch.optim.Adam, {"lr": 0.05, "betas": (0.8, 0.99), "eps": 1e-6, "weight_decay": 0.01}),
]


def twin_models(seed=0):
    ours = nn.Sequential(
        nn.Linear(2, 8, dtype=autograd.float64, generator=np.random.default_rng(seed)),
        nn.Tanh(),
        nn.Linear(8, 1, dtype=autograd.float64, generator=np.random.default_rng(seed + 1)),
    )
    theirs = torch.nn.Sequential(torch.nn.Linear(2, 8), torch.nn.Tanh(), torch.nn.Linear(8, 1))
    with torch.no_grad():
        for (_, p), (_, q) in zip(ours.named_parameters(), theirs.named_parameters(), strict=True):
            q.copy_(torch.from_numpy(p.numpy()))
    return ours, theirs


@pytest.mark.parametrize(("ours_cls", "torch_cls", "kwargs"), CONFIGS, ids=lambda c: str(c))
def test_trajectory_matches_torch(ours_cls, torch_cls, kwargs):
    X, y = nn.data.make_moons(40, noise=0.1, seed=0)
    y = y.astype(np.float64).reshape(-1, 1)
    ours, theirs = twin_models()
    assert all(p.dtype == autograd.float64 for p in ours.parameters())
    assert all(q.dtype == torch.float64 for q in theirs.parameters())
    opt, ref = ours_cls(ours.parameters(), **kwargs), torch_cls(theirs.parameters(), **kwargs)
    xs, ys, xt, yt = autograd.tensor(X), autograd.tensor(y), torch.tensor(X), torch.tensor(y)
    for _ in range(20):
        opt.zero_grad()
        ref.zero_grad()
        nn.BCEWithLogitsLoss()(ours(xs), ys).backward()
        torch.nn.BCEWithLogitsLoss()(theirs(xt), yt).backward()
        opt.step()
        ref.step()
        for (name, p), (_, q) in zip(ours.named_parameters(), theirs.named_parameters(), strict=True):
            np.testing.assert_allclose(p.numpy(), q.detach().numpy(), rtol=0, atol=TOL, err_msg=name)
    # the trajectory moved, so the comparison was not trivially of the initial weights
    assert not np.allclose(ours[0].weight.numpy(), twin_models()[0][0].weight.numpy())


def test_parameters_without_grad_are_skipped_and_zero_grad_clears():
    a, b = nn.Parameter(np.ones(2)), nn.Parameter(np.ones(2))
    opt = SGD([a, b], lr=0.5, momentum=0.9)
    (a * a).sum().backward()
    opt.step()
    np.testing.assert_allclose(a.numpy(), [0.0, 0.0])
    np.testing.assert_array_equal(b.numpy(), [1.0, 1.0])
    opt.zero_grad()
    assert a.grad is None


def test_param_groups_and_state_dict():
    a, b = nn.Parameter(np.ones(2)), nn.Parameter(np.ones(3))
    opt = Adam([{"params": [a]}, {"params": [b], "lr": 0.5}], lr=0.1)
    assert [g["lr"] for g in opt.param_groups] == [0.1, 0.5]
    (a.sum() + b.sum()).backward()
    opt.step()
    state = opt.state_dict()
    assert state["param_groups"][1]["params"] == [1]
    assert state["state"][0]["step"] == 1
    np.testing.assert_allclose(a.numpy(), [0.9, 0.9])
    np.testing.assert_allclose(b.numpy(), [0.5, 0.5, 0.5])


def test_optimizer_errors():
    p = nn.Parameter(np.ones(1))
    with pytest.raises(ValueError, match="Invalid learning rate: -1"):
        SGD([p], lr=-1)
    with pytest.raises(ValueError, match="Nesterov"):
        SGD([p], lr=0.1, nesterov=True)
    with pytest.raises(ValueError, match="beta"):
        Adam([p], betas=(1.0, 0.9))
    with pytest.raises(ValueError, match="empty"):
        SGD([], lr=0.1)
    with pytest.raises(TypeError, match="Tensors"):
        SGD([np.ones(2)], lr=0.1)
    with pytest.raises(ValueError, match="more than one"):
        SGD([{"params": [p]}, {"params": [p]}], lr=0.1)


def test_optimisers_take_what_torch_takes_and_refuse_what_it_refuses():
    """Frozen parameters are accepted and skipped, groups keep keys of the user's, named parameters and a
    closure work; a lone tensor (its rows would be the 'parameters') and a non-leaf are refused."""
    ours, theirs = [], []
    for lib, opt_cls, out in ((autograd, SGD, ours), (torch, torch.optim.SGD, theirs)):
        lin = (nn.Linear if lib is autograd else torch.nn.Linear)(2, 1)
        with lib.no_grad():
            lin.weight.copy_(lib.tensor([[0.5, -0.5]]))
            lin.bias.copy_(lib.tensor([0.1]))
        lin.bias.requires_grad_(False)  # frozen
        opt = opt_cls([{"params": list(lin.named_parameters()), "name": "head"}], lr=0.1)
        x = lib.tensor([[1.0, 2.0]])

        def closure(opt: object = opt, lin: object = lin, x: object = x) -> object:
            opt.zero_grad()
            loss = (lin(x) ** 2).sum()
            loss.backward()
            return loss

        loss = opt.step(closure)
        out += [loss.item(), lin.weight.tolist(), lin.bias.tolist(), opt.param_groups[0]["name"]]
        out.append(opt.param_groups[0]["param_names"])
        with pytest.raises(TypeError):
            opt_cls(lin.weight, lr=0.1)
        with pytest.raises(ValueError, match="non-leaf"):
            opt_cls([lin.weight * 2], lr=0.1)
    assert ours[0] == pytest.approx(theirs[0])
    np.testing.assert_allclose(ours[1], theirs[1], rtol=1e-6)
    np.testing.assert_allclose(ours[2], theirs[2], rtol=1e-6)  # frozen: unchanged
    assert ours[3:] == theirs[3:]
