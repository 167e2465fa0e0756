"""Edges of a domain give inf/nan as in IEEE arithmetic and PyTorch, without numpy's RuntimeWarnings.

Run in a fresh interpreter with ``-W error::RuntimeWarning``, and again inside ``catch_warnings`` with
every warning an error: nothing may escape, whatever filters are installed. (Overflow in ``+`` and ``*``
gives numpy's warning under the default filters, printed once: those ops are too hot to switch numpy's
error state around; where warnings are errors they give inf all the same.)
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

EDGES = textwrap.dedent(
    """
    import numpy as np
    import autograd, nn
    from nn import functional as F

    t = lambda v: autograd.tensor(np.asarray(v, dtype=np.float64), requires_grad=True)
    results = []
    for name, make in [
        ("log(0)", lambda: t([0.0, 1.0]).log()),
        ("x / 0", lambda: t([1.0, 0.0]) / t([0.0, 0.0])),
        ("exp(1000)", lambda: t([1000.0]).exp()),
        ("inf - inf where gradients meet", lambda: (lambda x: x.sqrt() - x.sqrt())(t([0.0, 1.0]))),
        ("sqrt(0)", lambda: t([0.0, 4.0]).sqrt()),
        ("0 ** -1", lambda: t([0.0]) ** -1.0),
        ("amax with nan", lambda: t([np.nan, 1.0]).amax(0)),
        ("log_softmax of -inf", lambda: t([-np.inf, -np.inf]).log_softmax(0)),
        ("logsumexp of -inf", lambda: t([-np.inf, -np.inf]).logsumexp(0)),
        ("sigmoid of nan", lambda: t([np.nan, -1e4, 1e4]).sigmoid()),
        ("bce with logits at 1e4", lambda: F.binary_cross_entropy_with_logits(t([1e4, -1e4]), t([0.0, 1.0]))),
        ("overflow in *", lambda: t([1e308]) * 10.0),
        ("overflow in +", lambda: t([1e308]) + t([1e308])),
    ]:
        out = make()
        out.sum().backward()
        results.append(name)
    assert np.isinf((t([1e308]) * 10.0).numpy()).all()
    print(len(results), "edges computed quietly")
    """
)
STRICT = "import warnings\nwarnings.simplefilter('error')\n"
RUN = EDGES.replace("for name, make in", STRICT + "for name, make in", 1)


@pytest.mark.parametrize("script", [EDGES, RUN], ids=["-W error", "simplefilter error"])
def test_no_runtime_warning_escapes_at_the_edges_of_domains(script: str):
    command = [sys.executable, "-W", "error::RuntimeWarning", "-c", script]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "13 edges computed quietly" in done.stdout


def test_the_quiet_state_keeps_the_callers_other_settings_and_is_left_as_found():
    """Backward, an op at an edge and an in-place write quiet divide/invalid/over only while they run, keep
    the caller's ``under``, and restore the caller's state, after an error too."""
    import numpy as np

    import autograd

    seen = []
    with np.errstate(divide="raise", invalid="raise", over="warn", under="raise"):
        before = np.geterr()
        x = autograd.tensor([0.0, 1.0], dtype=autograd.float64, requires_grad=True)
        y = x.log()  # forward at an edge: -inf, no FloatingPointError
        assert np.geterr() == before
        y.register_hook(lambda g: seen.append(np.geterr()))
        y.sum().backward()  # backward at an edge: 1 / 0
        assert np.isinf(x.grad.numpy()[0]) and np.geterr() == before
        assert seen == [{**before, "divide": "ignore", "invalid": "ignore", "over": "ignore"}]
        autograd.tensor([0.0]).log_()
        assert np.geterr() == before
        z = (x * 2).sum()
        z.backward()
        with pytest.raises(RuntimeError, match="second time"):
            z.backward()
        assert np.geterr() == before
