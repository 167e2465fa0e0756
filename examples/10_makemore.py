"""10. makemore: a character-level MLP that invents names (Bengio et al. 2003, as in Karpathy's lesson).

Each name becomes examples "3 previous characters -> next character" ('.' marks start and end). The three
characters are looked up in an embedding table ``C`` (``nn.Embedding``), concatenated and passed through
Linear -> BatchNorm1d -> tanh twice, then a Linear to 27 logits; cross-entropy trains it with SGD. New names
are sampled one character at a time with ``autograd.multinomial`` and a seeded ``autograd.Generator``.

The "is my net healthy" plots (out/makemore_health.svg): the tanh outputs' histograms (how many units sit
in the flat +-1 tails, where no gradient flows), the gradients' histograms at those outputs, and the
update-to-data ratio log10(lr * std(grad) / std(param)) per weight over the steps (about -3 is healthy).

Run: python examples/10_makemore.py [--steps 6000]   (the full run takes about 15 s)
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import numpy as np
from plots import figure, save

import autograd
import nn
from nn import functional as F  # noqa: N812 (torch's spelling)

NAMES = Path(__file__).resolve().parent / "data" / "names.txt"
BLOCK = 3  # characters of context


def dataset(words: list[str], block: int = BLOCK) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Context windows X (n, block) and next characters Y (n,) as ints; index 0 is '.', then a..z."""
    chars = ["."] + sorted(set("".join(words)))
    index = {c: i for i, c in enumerate(chars)}
    xs, ys = [], []
    for word in words:
        context = [0] * block
        for ch in word + ".":
            xs.append(context)
            ys.append(index[ch])
            context = context[1:] + [index[ch]]
    return np.array(xs, dtype=np.int64), np.array(ys, dtype=np.int64), chars


class MLP(nn.Module):
    """Embedding C, then (Linear without bias -> BatchNorm1d -> tanh) x 2, then Linear to the vocabulary."""

    def __init__(
        self, vocab: int, n_embd: int = 10, hidden: int = 100, block: int = BLOCK, dtype: Any = None
    ):
        super().__init__()
        self.C = nn.Embedding(vocab, n_embd, dtype=dtype)
        self.fc1 = nn.Linear(block * n_embd, hidden, bias=False, dtype=dtype)
        self.bn1 = nn.BatchNorm1d(hidden, dtype=dtype)
        self.fc2 = nn.Linear(hidden, hidden, bias=False, dtype=dtype)
        self.bn2 = nn.BatchNorm1d(hidden, dtype=dtype)
        self.out = nn.Linear(hidden, vocab, dtype=dtype)
        with autograd.no_grad():
            self.out.weight.mul_(0.1)  # a less confident start: first loss near log(27), not far above it
        self.acts: list[autograd.Tensor] = []

    def forward(self, x: autograd.Tensor) -> autograd.Tensor:
        h = self.C(x).view(x.shape[0], -1)
        self.acts = []  # the tanh outputs, kept for the health plots
        for fc, bn in ((self.fc1, self.bn1), (self.fc2, self.bn2)):
            h = bn(fc(h)).tanh()
            self.acts.append(h)
        return self.out(h)


def train(
    model: nn.Module,
    X: np.ndarray,
    Y: np.ndarray,
    steps: int,
    batch: int,
    lr: float,
    seed: int = 0,
    track: bool = False,
) -> dict[str, Any]:
    """Minibatch SGD (lr divided by 10 for the last quarter); batches drawn by a numpy rng seeded ``seed``.
    Returns the losses and, with ``track``, the update-to-data ratios per weight and step and the last
    batch's tanh outputs (with their gradients)."""
    rng = np.random.default_rng(seed)
    opt = nn.optim.SGD(model.parameters(), lr=lr)
    losses, ratios, acts = [], [], []
    weights = {n: p for n, p in model.named_parameters() if p.ndim == 2}
    for step in range(steps):
        ix = rng.integers(0, len(X), batch)
        logits = model(autograd.tensor(X[ix]))
        if track:
            acts = list(model.acts)
            for a in acts:
                a.retain_grad()
        loss = F.cross_entropy(logits, autograd.tensor(Y[ix]))
        opt.zero_grad()
        loss.backward()
        step_lr = lr if step < 0.75 * steps else lr / 10
        opt.param_groups[0]["lr"] = step_lr
        opt.step()
        losses.append(loss.item())
        if track:
            ratios.append(
                {n: np.log10(step_lr * p.grad.numpy().std() / p.numpy().std()) for n, p in weights.items()}
            )
    return {"losses": losses, "ratios": ratios, "acts": acts}


@autograd.no_grad()
def split_loss(model: nn.Module, X: np.ndarray, Y: np.ndarray) -> float:
    """Mean cross-entropy over a whole split, in eval mode (BatchNorm uses its running statistics)."""
    model.eval()
    loss = F.cross_entropy(model(autograd.tensor(X)), autograd.tensor(Y)).item()
    model.train()
    return loss


@autograd.no_grad()
def sample(model: nn.Module, chars: list[str], n: int, seed: int = 2147483647) -> list[str]:
    """``n`` new names: start from '...', sample the next character from softmax(logits) until '.'."""
    g = autograd.Generator().manual_seed(seed)
    model.eval()
    names = []
    for _ in range(n):
        context, out = [0] * BLOCK, []
        while len(out) < 30:
            probs = F.softmax(model(autograd.tensor([context])), dim=1)
            ix = int(autograd.multinomial(probs, 1, generator=g).item())
            if ix == 0:
                break
            out.append(chars[ix])
            context = context[1:] + [ix]
        names.append("".join(out))
    model.train()
    return names


def health_plot(acts: list[autograd.Tensor], ratios: list[dict[str, float]], out_dir: str) -> Path:
    """Histograms of the tanh outputs and of their gradients per layer, and update/data ratios over steps."""
    fig, axes = figure(3, 1, size=(5.0, 3.8))
    for i, a in enumerate(acts):
        t = a.detach().numpy().ravel()
        sat = 100 * np.mean(np.abs(t) > 0.97)
        axes[0].hist(
            t,
            bins=50,
            histtype="step",
            label=f"tanh {i + 1}: mean {t.mean():+.2f}, std {t.std():.2f}, saturated {sat:.1f}%",
        )
        g = a.grad.numpy().ravel()
        axes[1].hist(g, bins=50, histtype="step", label=f"tanh {i + 1}: std {g.std():.2e}")
    axes[0].set_title("activations (tanh outputs), last batch")
    axes[0].set_xlabel("value (|t| > 0.97 counts as saturated)")
    axes[1].set_title("gradients at the tanh outputs, last batch")
    axes[1].set_xlabel("dloss/dt")
    for name in ratios[0]:
        axes[2].plot([r[name] for r in ratios], label=name, lw=0.8)
    axes[2].axhline(-3, color="k", ls="--", lw=0.8, label="1e-3 (rule of thumb)")
    axes[2].set_title("update-to-data ratio per weight")
    axes[2].set_xlabel("step")
    axes[2].set_ylabel("log10(lr * std(grad) / std(param))")
    for ax in axes:
        ax.legend(fontsize=7)
    return save(fig, out_dir, "makemore_health")


def main(out_dir: str = "out", steps: int = 300, batch: int = 32, lr: float = 0.1) -> dict[str, Any]:
    """Trains on 80% of the names, reports train/dev loss against the uniform guess, samples 10 names."""
    words = NAMES.read_text().split()
    np.random.default_rng(42).shuffle(words)
    cut = int(0.8 * len(words))
    Xtr, Ytr, chars = dataset(words[:cut])
    Xdev, Ydev, _ = dataset(words[cut:])
    autograd.manual_seed(0)
    model = MLP(len(chars))
    n_params = sum(p.numel() for p in model.parameters())
    print(f"{len(words)} names, {len(Xtr)} training examples, {n_params} parameters")
    result = train(model, Xtr, Ytr, steps, batch, lr, track=True)
    train_loss, dev_loss = split_loss(model, Xtr, Ytr), split_loss(model, Xdev, Ydev)
    uniform = float(np.log(len(chars)))
    print(
        f"after {steps} steps: train loss {train_loss:.4f}, dev loss {dev_loss:.4f} "
        f"(uniform guess {uniform:.4f})"
    )
    names = sample(model, chars, 10)
    print("sampled names:", ", ".join(names))
    path = health_plot(result["acts"], result["ratios"], out_dir)
    return {
        "files": [path],
        "train_loss": train_loss,
        "dev_loss": dev_loss,
        "uniform": uniform,
        "samples": names,
        "losses": result["losses"],
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=6000)
    parser.add_argument("--out", default="out")
    main(args.out, args.steps) if (args := parser.parse_args()) else None
