"""3. The chain rule by hand, checked against backward() (curriculum item 7).

micrograd's neuron o = tanh(x1*w1 + x2*w2 + b). Backpropagation is the chain rule: the derivative of o with
respect to any input is the product of the local derivatives along the path from that input to o (summed
over paths when there are several). We compute each local derivative by hand, multiply them, and compare
with what ``o.backward()`` finds. Then the graph is drawn with its gradients, and once per backward step.

Run: python examples/03_chain_rule.py
"""

from __future__ import annotations

import math
from pathlib import Path

from autograd import Value
from autograd.viz import backprop_steps, render


def main(out_dir: str = "out") -> dict:
    # -- Forward pass, naming every intermediate value so the picture can show it.
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")  # chosen so that n = 0.8814 and o = tanh(n) = 1/sqrt(2)
    x1w1 = x1 * w1
    x1w1.label = "x1*w1"
    x2w2 = x2 * w2
    x2w2.label = "x2*w2"
    s = x1w1 + x2w2
    s.label = "x1*w1 + x2*w2"
    n = s + b
    n.label = "n"
    o = n.tanh()
    o.label = "o"

    # -- Backward pass by hand: one local derivative per edge, then products along each path.
    do_dn = 1 - math.tanh(n.data) ** 2  # tanh'(n) = 1 - tanh(n)^2
    dn_ds = dn_db = ds_dx1w1 = ds_dx2w2 = 1.0  # a sum passes the gradient on unchanged
    by_hand = {
        "n": do_dn,
        "b": do_dn * dn_db,
        "x1": do_dn * dn_ds * ds_dx1w1 * w1.data,  # d(x1*w1)/dx1 = w1
        "w1": do_dn * dn_ds * ds_dx1w1 * x1.data,  # d(x1*w1)/dw1 = x1
        "x2": do_dn * dn_ds * ds_dx2w2 * w2.data,
        "w2": do_dn * dn_ds * ds_dx2w2 * x2.data,
    }

    # -- The same by autograd: backward() seeds do/do = 1 and walks the graph in reverse.
    o.backward()
    nodes = {"n": n, "b": b, "x1": x1, "w1": w1, "x2": x2, "w2": w2}
    by_autograd = {name: node.grad for name, node in nodes.items()}
    print(f"o = {o.data:.4f}")
    for name in by_hand:
        print(f"do/d{name:<3} by hand {by_hand[name]: .6f}   by backward() {by_autograd[name]: .6f}")

    # -- Pictures: the whole graph with data and grad, and one SVG per backward step.
    graph = render(o, Path(out_dir) / "03_neuron.svg")
    print(f"wrote {graph}")
    steps = backprop_steps(o, Path(out_dir) / "03_backprop_steps")
    print(f"wrote {len(steps)} steps to {steps[0].parent}")
    return {"output": o.data, "by_hand": by_hand, "by_autograd": by_autograd, "files": [graph, *steps]}


if __name__ == "__main__":
    main()
