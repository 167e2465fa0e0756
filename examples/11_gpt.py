"""11. A small GPT: a character-level transformer that writes Python documentation.

The text is the Python reference documentation that ships with the standard library
(``pydoc_data.topics``, the pages ``help("assert")`` shows): no download. The model is GPT's recipe at toy
size: token + position embeddings (``nn.Embedding``), blocks of pre-LayerNorm causal self-attention
(``nn.MultiheadAttention`` with a causal ``attn_mask``) and a GELU MLP, each with a residual connection, a
final LayerNorm and a linear head to the characters; AdamW trains it. A bigram model (a table of
next-character logits, ``nn.Embedding(vocab, vocab)``) trained the same way is the baseline it must beat:
attention lets each character look at the 32 before it instead of only one.

Run: python examples/11_gpt.py [--steps 1500]   (the full run takes a few minutes on 2 cores)
"""

from __future__ import annotations

import argparse
import pydoc_data.topics
from typing import Any

import numpy as np
from plots import figure, save

import autograd
import nn
from nn import functional as F  # noqa: N812 (torch's spelling)


def corpus(n_chars: int = 200_000) -> str:
    """The first ``n_chars`` characters of the stdlib's reference topics, in a fixed (sorted) order."""
    topics = pydoc_data.topics.topics
    return "".join(topics[k] for k in sorted(topics))[:n_chars]


class Block(nn.Module):
    """x + attn(ln1(x)), then x + mlp(ln2(x)): pre-norm transformer block with causal self-attention."""

    def __init__(self, n_embd: int, n_head: int, dtype: Any = None) -> None:
        super().__init__()
        self.ln1 = nn.LayerNorm(n_embd, dtype=dtype)
        self.attn = nn.MultiheadAttention(n_embd, n_head, batch_first=True, dtype=dtype)
        self.ln2 = nn.LayerNorm(n_embd, dtype=dtype)
        self.fc = nn.Linear(n_embd, 4 * n_embd, dtype=dtype)
        self.proj = nn.Linear(4 * n_embd, n_embd, dtype=dtype)

    def forward(self, x: autograd.Tensor, mask: autograd.Tensor) -> autograd.Tensor:
        h = self.ln1(x)
        x = x + self.attn(h, h, h, need_weights=False, attn_mask=mask, is_causal=True)[0]
        return x + self.proj(F.gelu(self.fc(self.ln2(x))))


class GPT(nn.Module):
    """Token and position embeddings, ``n_layer`` blocks, a final LayerNorm and the head to the vocabulary."""

    def __init__(
        self,
        vocab: int,
        block: int = 32,
        n_embd: int = 64,
        n_head: int = 4,
        n_layer: int = 2,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        self.block = block
        self.tok = nn.Embedding(vocab, n_embd, dtype=dtype)
        self.pos = nn.Embedding(block, n_embd, dtype=dtype)
        self.blocks = nn.ModuleList([Block(n_embd, n_head, dtype) for _ in range(n_layer)])
        self.ln_f = nn.LayerNorm(n_embd, dtype=dtype)
        self.head = nn.Linear(n_embd, vocab, dtype=dtype)

    def forward(self, idx: autograd.Tensor) -> autograd.Tensor:
        t = idx.shape[1]
        mask = autograd.ones(t, t, dtype=autograd.bool_).triu(1)  # True: may not look (the future)
        x = self.tok(idx) + self.pos(autograd.arange(t))
        for blk in self.blocks:
            x = blk(x, mask)
        return self.head(self.ln_f(x))


class Bigram(nn.Module):
    """The baseline: the next character's logits depend on the current character only."""

    def __init__(self, vocab: int, dtype: Any = None) -> None:
        super().__init__()
        self.table = nn.Embedding(vocab, vocab, dtype=dtype)

    def forward(self, idx: autograd.Tensor) -> autograd.Tensor:
        return self.table(idx)


def batches(data: np.ndarray, block: int, batch: int, seed: int) -> Any:
    """Endless (x, y) int64 arrays (batch, block): random windows and the same windows shifted by one."""
    rng = np.random.default_rng(seed)
    while True:
        ix = rng.integers(0, len(data) - block - 1, batch)
        yield np.stack([data[i : i + block] for i in ix]), np.stack([data[i + 1 : i + block + 1] for i in ix])


def lm_loss(model: nn.Module, x: np.ndarray, y: np.ndarray) -> autograd.Tensor:
    """Mean next-character cross-entropy of ``model`` on (x, y)."""
    logits = model(autograd.tensor(x))
    return F.cross_entropy(logits.view(-1, logits.shape[-1]), autograd.tensor(y).view(-1))


def train(model: nn.Module, data: np.ndarray, steps: int, block: int, batch: int, lr: float) -> list[float]:
    """AdamW on random windows of ``data`` (seeded); returns the loss of every step."""
    opt = nn.optim.AdamW(model.parameters(), lr=lr)
    losses = []
    for _, (x, y) in zip(range(steps), batches(data, block, batch, seed=0), strict=False):
        loss = lm_loss(model, x, y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return losses


@autograd.no_grad()
def evaluate(model: nn.Module, data: np.ndarray, block: int, n_batches: int = 20) -> float:
    """Mean loss over ``n_batches`` fixed random batches of 32 windows."""
    windows = batches(data, block, 32, seed=1)
    return float(np.mean([lm_loss(model, *next(windows)).item() for _ in range(n_batches)]))


@autograd.no_grad()
def generate(model: GPT, prompt: list[int], n: int, seed: int = 0) -> list[int]:
    """Extends ``prompt`` by ``n`` characters sampled from the softmax of the last position's logits."""
    g = autograd.Generator().manual_seed(seed)
    out = list(prompt)
    for _ in range(n):
        logits = model(autograd.tensor([out[-model.block :]]))[0, -1]
        out.append(int(autograd.multinomial(F.softmax(logits, dim=-1), 1, generator=g).item()))
    return out


def main(
    out_dir: str = "out", steps: int = 60, bigram_steps: int = 300, n_chars: int = 200_000
) -> dict[str, Any]:
    """Trains the bigram baseline and the GPT on 90% of the text, compares their held-out losses, samples."""
    text = corpus(n_chars)
    chars = sorted(set(text))
    index = {c: i for i, c in enumerate(chars)}
    data = np.array([index[c] for c in text], dtype=np.int64)
    cut = int(0.9 * len(data))
    train_data, val_data = data[:cut], data[cut:]
    block = 32
    autograd.manual_seed(0)
    bigram = Bigram(len(chars))
    bigram_losses = train(bigram, train_data, bigram_steps, block, 32, lr=0.1)
    bigram_val = evaluate(bigram, val_data, block)
    gpt = GPT(len(chars), block=block)
    n_params = sum(p.numel() for p in gpt.parameters())
    print(f"{len(text)} characters, {len(chars)} distinct; GPT with {n_params} parameters")
    gpt_losses = train(gpt, train_data, steps, block, 32, lr=3e-3)
    gpt_val = evaluate(gpt, val_data, block)
    print(
        f"held-out loss: bigram {bigram_val:.4f} after {bigram_steps} steps, "
        f"GPT {gpt_val:.4f} after {steps} steps "
        f"(uniform guess {np.log(len(chars)):.4f})"
    )
    sample = "".join(chars[i] for i in generate(gpt, [index[c] for c in "The "], 300))
    print("GPT sample:\n" + sample)
    fig, axes = figure(1, 1, size=(7.0, 4.0))
    axes[0].plot(bigram_losses, label=f"bigram (held-out {bigram_val:.3f})", lw=0.8)
    axes[0].plot(gpt_losses, label=f"GPT (held-out {gpt_val:.3f})", lw=0.8)
    axes[0].set_xlabel("step (batch of 32 windows of 32 characters)")
    axes[0].set_ylabel("training loss (cross-entropy, nats)")
    axes[0].set_title("a bigram table against a small GPT on Python's reference docs")
    axes[0].legend()
    path = save(fig, out_dir, "gpt_loss")
    return {
        "files": [path],
        "bigram_val": bigram_val,
        "gpt_val": gpt_val,
        "sample": sample,
        "uniform": float(np.log(len(chars))),
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=1500)
    parser.add_argument("--out", default="out")
    args = parser.parse_args()
    main(args.out, args.steps, bigram_steps=1500)
