"""ModuleList, ModuleDict, ParameterList and buffers against torch: the same structure gives the same
state_dict keys (in torch's order), named_buffers, parameters, and the list and dict methods behave as
torch's."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import autograd
import nn


def build(m, lib_tensor):
    """One structure written against ``m`` (nn or torch.nn): every container and a buffer."""

    class Net(m.Module):
        def __init__(self):
            super().__init__()
            self.blocks = m.ModuleList([m.Linear(2, 3), m.BatchNorm1d(3)])
            self.blocks.append(m.Linear(3, 2))
            self.blocks.insert(1, m.ReLU())
            self.heads = m.ModuleDict({"a": m.Linear(2, 1), "b": m.LayerNorm(2)})
            self.heads["c"] = m.Embedding(4, 2)
            self.scales = m.ParameterList([m.Parameter(lib_tensor(np.ones(2))), lib_tensor(np.zeros(3))])
            self.register_buffer("step", lib_tensor(np.array(0)))
            self.register_buffer("cache", lib_tensor(np.zeros(2)), persistent=False)

    return Net()


def test_containers_state_dict_keys_equal_torchs():
    ours, theirs = build(nn, autograd.tensor), build(torch.nn, torch.tensor)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    assert [n for n, _ in ours.named_buffers()] == [n for n, _ in theirs.named_buffers()]
    assert [n for n, _ in ours.named_modules()] == [n for n, _ in theirs.named_modules()]
    assert [type(c).__name__ for c in ours.children()] == [type(c).__name__ for c in theirs.children()]
    assert all(isinstance(p, nn.Parameter) for p in ours.scales)
    # their state loads into ours and ours into theirs
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    theirs.load_state_dict({k: torch.from_numpy(np.array(v.numpy())) for k, v in ours.state_dict().items()})
    with pytest.raises(KeyError, match="missing keys"):
        ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items() if k != "step"})


def test_module_list_methods_follow_torch():
    for m in (nn, torch.nn):
        layers = m.ModuleList([m.ReLU(), m.Tanh()])
        layers += [m.Sigmoid()]
        layers.extend([m.Identity()])
        layers.insert(0, m.ELU())
        layers[1] = m.LeakyReLU()
        del layers[2]
        names = [type(x).__name__ for x in layers]
        assert names == ["ELU", "LeakyReLU", "Sigmoid", "Identity"], m
        assert [n for n, _ in layers.named_children()] == ["0", "1", "2", "3"]
        assert type(layers[-1]).__name__ == "Identity" and len(layers[1:3]) == 2
        assert isinstance(layers[1:3], m.ModuleList)
        with pytest.raises(IndexError):
            layers[4]
        with pytest.raises(TypeError):
            layers.extend(m.ReLU())


def test_module_dict_methods_follow_torch():
    for m in (nn, torch.nn):
        heads = m.ModuleDict([("x", m.ReLU()), ("y", m.Tanh())])
        heads.update({"z": m.Sigmoid()})
        assert list(heads) == list(heads.keys()) == ["x", "y", "z"]
        assert [type(v).__name__ for v in heads.values()] == ["ReLU", "Tanh", "Sigmoid"]
        assert [k for k, _ in heads.items()] == ["x", "y", "z"]
        assert "y" in heads and len(heads) == 3
        assert type(heads.pop("y")).__name__ == "Tanh" and "y" not in heads
        del heads["x"]
        assert list(heads) == ["z"]
        heads.clear()
        assert len(heads) == 0
        with pytest.raises(KeyError):
            heads["nope"]


def test_parameter_list_follows_torch():
    ours = nn.ParameterList([nn.Parameter(np.ones(2))])
    ours.append(autograd.tensor(np.zeros(3)))
    ours.extend([nn.Parameter(np.ones(1))])
    assert len(ours) == 3 and [tuple(p.shape) for p in ours] == [(2,), (3,), (1,)]
    assert [n for n, _ in ours.named_parameters()] == ["0", "1", "2"]
    assert ours[-1] is list(ours.parameters())[-1] and ours[1].requires_grad
    ours[0] = nn.Parameter(np.full(2, 5.0))
    assert ours[0].numpy().tolist() == [5.0, 5.0]


def test_buffers_follow_torch():
    for m, tensor in ((nn, autograd.tensor), (torch.nn, torch.tensor)):
        layer = m.Linear(2, 2)
        layer.register_buffer("mask", tensor(np.ones(2)))
        assert "mask" in layer.state_dict() and all(p.requires_grad for p in layer.parameters())
        assert [n for n, _ in layer.named_buffers()] == ["mask"]
        layer.mask = tensor(np.zeros(2))  # assigning a tensor replaces the buffer
        assert list(layer.buffers())[0].numpy().tolist() == [0.0, 0.0]
        with pytest.raises(TypeError):
            layer.mask = 3
        with pytest.raises(KeyError, match="already exists"):
            layer.register_buffer("weight", tensor(np.ones(2)))
        layer.register_buffer("gone", None)
        assert "gone" not in layer.state_dict()
    model = nn.Sequential(nn.BatchNorm1d(2)).double()
    assert model[0].running_mean.dtype == autograd.float64
    assert model[0].num_batches_tracked.dtype == autograd.int64


def test_apply_and_train_eval_reach_every_module():
    model = nn.Sequential(nn.ModuleList([nn.Dropout(), nn.BatchNorm1d(2)]), nn.Linear(2, 2))
    model.eval()
    assert not any(m.training for m in model.modules())
    seen = []
    model.apply(lambda module: seen.append(type(module).__name__))
    assert seen == ["Dropout", "BatchNorm1d", "ModuleList", "Linear", "Sequential"]
