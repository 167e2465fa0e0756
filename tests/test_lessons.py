"""The lessons of examples/09_cnn_digits.py, 10_makemore.py and 11_gpt.py against torch: the same architecture
built in torch, our initial state_dict loaded into it, the same batches fed; the loss curves agree to 1e-9
over 50 steps in float64 (float32 differences are measured and bounded loosely, not hidden)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from test_examples import load
from torch.nn import functional as TF  # noqa: N812

import autograd

makemore = load("10_makemore")
STEPS = 50


def to_torch(module: object, theirs: torch.nn.Module, dtype: torch.dtype) -> torch.nn.Module:
    """``theirs`` in ``dtype`` with our state_dict (parameters and buffers) loaded."""
    theirs = theirs.to(dtype)
    theirs.load_state_dict({k: torch.from_numpy(v.numpy().copy()) for k, v in module.state_dict().items()})
    return theirs


class TorchMLP(torch.nn.Module):
    """examples/10_makemore.py's MLP in torch, same attribute names (so the state_dict keys match)."""

    def __init__(self, vocab: int, n_embd: int = 10, hidden: int = 100, block: int = 3) -> None:
        super().__init__()
        self.C = torch.nn.Embedding(vocab, n_embd)
        self.fc1 = torch.nn.Linear(block * n_embd, hidden, bias=False)
        self.bn1 = torch.nn.BatchNorm1d(hidden)
        self.fc2 = torch.nn.Linear(hidden, hidden, bias=False)
        self.bn2 = torch.nn.BatchNorm1d(hidden)
        self.out = torch.nn.Linear(hidden, vocab)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.C(x).view(x.shape[0], -1)
        h = torch.tanh(self.bn1(self.fc1(h)))
        h = torch.tanh(self.bn2(self.fc2(h)))
        return self.out(h)


def torch_makemore_losses(model: torch.nn.Module, X: np.ndarray, Y: np.ndarray, lr: float) -> list[float]:
    """The example's training loop in torch: same rng for the batches, same lr drop at 3/4 of the steps."""
    rng = np.random.default_rng(0)
    opt = torch.optim.SGD(model.parameters(), lr=lr)
    losses = []
    for step in range(STEPS):
        ix = rng.integers(0, len(X), 32)
        loss = TF.cross_entropy(model(torch.from_numpy(X[ix])), torch.from_numpy(Y[ix]))
        opt.zero_grad()
        loss.backward()
        opt.param_groups[0]["lr"] = lr if step < 0.75 * STEPS else lr / 10
        opt.step()
        losses.append(loss.item())
    return losses


@pytest.mark.parametrize(("dtype", "tol"), [("float64", 1e-9), ("float32", 1e-4)])
def test_makemore_follows_torch_loss_curve_over_50_steps(dtype, tol):
    words = makemore.NAMES.read_text().split()[:300]
    X, Y, chars = makemore.dataset(words)
    autograd.manual_seed(1)
    ours = makemore.MLP(len(chars), dtype=getattr(autograd, dtype))
    theirs = to_torch(ours, TorchMLP(len(chars)), getattr(torch, dtype))
    expected = torch_makemore_losses(theirs, X, Y, lr=0.1)
    got = makemore.train(ours, X, Y, STEPS, 32, 0.1)["losses"]
    diff = np.abs(np.array(got) - np.array(expected)).max()
    print(f"makemore {dtype}: max |loss - torch loss| over {STEPS} steps = {diff:.3e}")
    assert diff < tol
    assert expected[-1] < expected[0] - 0.3  # it learns: the comparison is not between two flat lines
    for name, p in theirs.state_dict().items():  # running statistics and weights end where torch's do
        np.testing.assert_allclose(ours.state_dict()[name].numpy(), p.numpy(), rtol=tol, atol=tol)


gpt = load("11_gpt")


class TorchBlock(torch.nn.Module):
    """examples/11_gpt.py's Block in torch, same attribute names."""

    def __init__(self, n_embd: int, n_head: int) -> None:
        super().__init__()
        self.ln1 = torch.nn.LayerNorm(n_embd)
        self.attn = torch.nn.MultiheadAttention(n_embd, n_head, batch_first=True)
        self.ln2 = torch.nn.LayerNorm(n_embd)
        self.fc = torch.nn.Linear(n_embd, 4 * n_embd)
        self.proj = torch.nn.Linear(4 * n_embd, n_embd)

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        h = self.ln1(x)
        x = x + self.attn(h, h, h, need_weights=False, attn_mask=mask, is_causal=True)[0]
        return x + self.proj(TF.gelu(self.fc(self.ln2(x))))


class TorchGPT(torch.nn.Module):
    """examples/11_gpt.py's GPT in torch, same attribute names."""

    def __init__(self, vocab: int, block: int, n_embd: int, n_head: int, n_layer: int) -> None:
        super().__init__()
        self.tok = torch.nn.Embedding(vocab, n_embd)
        self.pos = torch.nn.Embedding(block, n_embd)
        self.blocks = torch.nn.ModuleList([TorchBlock(n_embd, n_head) for _ in range(n_layer)])
        self.ln_f = torch.nn.LayerNorm(n_embd)
        self.head = torch.nn.Linear(n_embd, vocab)

    def forward(self, idx: torch.Tensor) -> torch.Tensor:
        t = idx.shape[1]
        mask = torch.ones(t, t, dtype=torch.bool).triu(1)
        x = self.tok(idx) + self.pos(torch.arange(t))
        for blk in self.blocks:
            x = blk(x, mask)
        return self.head(self.ln_f(x))


@pytest.mark.parametrize(("dtype", "tol"), [("float64", 1e-9), ("float32", 1e-4)])
def test_gpt_follows_torch_loss_curve_over_50_steps(dtype, tol):
    text = gpt.corpus(5000)
    chars = sorted(set(text))
    data = np.array([chars.index(c) for c in text], dtype=np.int64)
    shape = {"block": 8, "n_embd": 16, "n_head": 2, "n_layer": 2}
    autograd.manual_seed(2)
    ours = gpt.GPT(len(chars), dtype=getattr(autograd, dtype), **shape)
    theirs = to_torch(ours, TorchGPT(len(chars), **shape), getattr(torch, dtype))
    opt = torch.optim.AdamW(theirs.parameters(), lr=3e-3)
    expected = []
    for _, (x, y) in zip(range(STEPS), gpt.batches(data, 8, 8, seed=0), strict=False):
        logits = theirs(torch.from_numpy(x))
        loss = TF.cross_entropy(logits.view(-1, logits.shape[-1]), torch.from_numpy(y).view(-1))
        opt.zero_grad()
        loss.backward()
        opt.step()
        expected.append(loss.item())
    got = gpt.train(ours, data, STEPS, 8, 8, 3e-3)
    diff = np.abs(np.array(got) - np.array(expected)).max()
    print(f"gpt {dtype}: max |loss - torch loss| over {STEPS} steps = {diff:.3e}")
    assert diff < tol
    assert expected[-1] < expected[0] - 0.5


cnn = load("09_cnn_digits")


def torch_cnn() -> torch.nn.Sequential:
    """examples/09_cnn_digits.py's network in torch (the same layer indices, so the state_dict keys match)."""
    nn_ = torch.nn
    return nn_.Sequential(
        nn_.Conv2d(1, 8, 3, padding=1), nn_.ReLU(), nn_.MaxPool2d(2),
        nn_.Conv2d(8, 16, 3, padding=1), nn_.ReLU(), nn_.MaxPool2d(2),
        nn_.Flatten(), nn_.Linear(16 * 2 * 2, 10),
    )  # fmt: skip


@pytest.mark.parametrize(("dtype", "tol"), [("float64", 1e-9), ("float32", 1e-4)])
def test_cnn_follows_torch_loss_curve_over_50_steps(dtype, tol):
    Xtr, ytr, _, _ = cnn.data()
    X, y = Xtr[: 50 * 16].astype(dtype), ytr[: 50 * 16]  # 50 steps of 16 images
    autograd.manual_seed(0)
    ours = cnn.build(getattr(autograd, dtype))
    theirs = to_torch(ours, torch_cnn(), getattr(torch, dtype))
    got = cnn.train(ours, X, y, epochs=1, batch=16)
    opt = torch.optim.Adam(theirs.parameters(), lr=1e-2)
    order = np.random.default_rng(0).permutation(len(X))  # the example's batches
    expected = []
    for i in range(0, len(X), 16):
        ix = order[i : i + 16]
        loss = TF.cross_entropy(theirs(torch.from_numpy(X[ix])), torch.from_numpy(y[ix]))
        opt.zero_grad()
        loss.backward()
        opt.step()
        expected.append(loss.item())
    assert len(got) == len(expected) == STEPS
    diff = np.abs(np.array(got) - np.array(expected)).max()
    print(f"cnn {dtype}: max |loss - torch loss| over {STEPS} steps = {diff:.3e}")
    assert diff < tol
    assert expected[-1] < expected[0] - 0.5  # it learns
