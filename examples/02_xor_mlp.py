"""2. XOR learned by a multilayer network through backpropagation (curriculum items 4 and 7).

A hidden layer bends the input space so that XOR becomes separable. The training loop is written out in
full -- forward, loss, backward, step -- the four lines every later example repeats.

Run: python examples/02_xor_mlp.py
"""

from __future__ import annotations

import numpy as np
from plots import decision_regions, figure, save

import autograd
import nn


def main(out_dir: str = "out") -> dict:
    # The four corners of XOR's truth table; targets as a (4, 1) column of 0/1 for the binary loss.
    X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    y = np.array([0, 1, 1, 0])
    inputs = autograd.tensor(X, dtype=autograd.float32)
    targets = autograd.tensor(y[:, None], dtype=autograd.float32)

    # 2 inputs -> 4 tanh hidden units -> 1 output logit. The sigmoid lives inside the loss
    # (BCEWithLogitsLoss = sigmoid + binary cross-entropy, computed stably).
    model = nn.Sequential(
        nn.Linear(2, 4, generator=np.random.default_rng(0)),
        nn.Tanh(),
        nn.Linear(4, 1, generator=np.random.default_rng(1)),
    )
    loss_fn = nn.BCEWithLogitsLoss()
    optimizer = nn.optim.Adam(model.parameters(), lr=0.05)

    losses = []
    for _ in range(300):  # 300 epochs of one batch: the four points
        optimizer.zero_grad()  # .grad accumulates, so clear it first
        loss = loss_fn(model(inputs), targets)  # forward pass and loss
        loss.backward()  # backpropagation: d loss / d every parameter
        optimizer.step()  # move each parameter against its gradient
        losses.append(loss.item())

    def predict(points: np.ndarray) -> np.ndarray:
        """Class 1 where the logit is positive (sigmoid > 0.5)."""
        with autograd.no_grad():
            logits = model(autograd.tensor(points, dtype=autograd.float32))
        return (logits.numpy()[:, 0] > 0).astype(int)

    predictions = predict(X)
    accuracy = float(np.mean(predictions == y))
    print(f"final loss {losses[-1]:.4f}, predictions {predictions.tolist()}, accuracy {accuracy:.0%}")

    fig, (ax_loss, ax_regions) = figure(ncols=2)
    ax_loss.plot(losses)
    ax_loss.set(xlabel="epoch", ylabel="binary cross-entropy", yscale="log", title="training loss")
    decision_regions(ax_regions, predict, X, y, title="XOR: decision regions of the MLP")
    path = save(fig, out_dir, "02_xor_mlp")
    return {"accuracy": accuracy, "losses": losses, "predictions": predictions.tolist(), "files": [path]}


if __name__ == "__main__":
    main()
