"""Recurrent cells and layers against torch.nn with the same weights (float64): outputs, final states, and
the gradients of the input, the initial states and every parameter, over drawn shapes and options."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

import autograd
from nn.rnn import GRU, LSTM, RNN, GRUCell, LSTMCell, RNNCell

pytestmark = pytest.mark.usefixtures("torch_float64")

TOL = {"rtol": 1e-10, "atol": 1e-12}
LAYERS = {"RNN": (RNN, torch.nn.RNN), "LSTM": (LSTM, torch.nn.LSTM), "GRU": (GRU, torch.nn.GRU)}
CELLS = {
    "RNN": (RNNCell, torch.nn.RNNCell),
    "LSTM": (LSTMCell, torch.nn.LSTMCell),
    "GRU": (GRUCell, torch.nn.GRUCell),
}


def share_weights(ours, theirs, torch_to_ours: bool) -> None:
    """One module's state_dict loaded into the other, unchanged (torch's names and shapes)."""
    assert list(ours.state_dict()) == list(theirs.state_dict())
    if torch_to_ours:
        ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    else:
        theirs.load_state_dict({k: torch.from_numpy(v.numpy().copy()) for k, v in ours.state_dict().items()})


def pair(array: np.ndarray) -> tuple[autograd.Tensor, torch.Tensor]:
    return autograd.tensor(array, requires_grad=True), torch.tensor(array, requires_grad=True)


def close(ours, theirs) -> None:
    np.testing.assert_allclose(ours.numpy(), theirs.detach().numpy(), **TOL)


def flat(result):
    """(output, h) or (output, (h, c)) as a flat list."""
    out = []
    for item in result if isinstance(result, tuple) else (result,):
        out.extend(flat(item) if isinstance(item, tuple) else [item])
    return out


def backward_both(ours_out, theirs_out, rng: np.random.Generator) -> None:
    """Random upstream gradients on every output, the same for both libraries."""
    ours_loss, theirs_loss = 0, 0
    for o, t in zip(flat(ours_out), flat(theirs_out), strict=True):
        close(o, t)
        g = rng.normal(size=tuple(t.shape))
        ours_loss = ours_loss + (o * autograd.tensor(g)).sum()
        theirs_loss = theirs_loss + (t * torch.tensor(g)).sum()
    ours_loss.backward()
    theirs_loss.backward()


def compare_parameter_grads(ours, theirs) -> None:
    mine = dict(ours.named_parameters())
    for name, param in theirs.named_parameters():
        close(mine[name].grad, param.grad)


@st.composite
def layer_case(draw):
    mode = draw(st.sampled_from(["RNN_tanh", "RNN_relu", "LSTM", "GRU"]))
    kind, _, nonlinearity = mode.partition("_")
    options = {
        "num_layers": draw(st.integers(1, 3)),
        "bias": draw(st.booleans()),
        "batch_first": draw(st.booleans()),
        "bidirectional": draw(st.booleans()),
    }
    if nonlinearity:
        options["nonlinearity"] = nonlinearity
    sizes = draw(st.integers(1, 4)), draw(st.integers(1, 4)), draw(st.integers(1, 4))  # length, input, hidden
    batch = draw(st.one_of(st.none(), st.integers(1, 3)))
    return kind, options, sizes, batch, draw(st.booleans()), draw(st.booleans()), draw(st.integers(0, 2**16))


@given(layer_case())
def test_layers_match_torch(case):
    kind, options, (length, input_size, hidden), batch, with_state, torch_to_ours, seed = case
    rng = np.random.default_rng(seed)
    torch.manual_seed(seed)
    ours_cls, torch_cls = LAYERS[kind]
    ours = ours_cls(input_size, hidden, dtype=autograd.float64, generator=rng, **options)
    theirs = torch_cls(input_size, hidden, **options)
    share_weights(ours, theirs, torch_to_ours)
    shape = (
        (length, input_size)
        if batch is None
        else ((batch, length, input_size) if options["batch_first"] else (length, batch, input_size))
    )
    x, xt = pair(rng.normal(size=shape))
    state_shape = (options["num_layers"] * (2 if options["bidirectional"] else 1),)
    state_shape += (hidden,) if batch is None else (batch, hidden)
    states = (
        [pair(rng.normal(size=state_shape)) for _ in range(2 if kind == "LSTM" else 1)] if with_state else []
    )
    if not states:
        ours_out, theirs_out = ours(x), theirs(xt)
    elif kind == "LSTM":
        ours_out = ours(x, (states[0][0], states[1][0]))
        theirs_out = theirs(xt, (states[0][1], states[1][1]))
    else:
        ours_out, theirs_out = ours(x, states[0][0]), theirs(xt, states[0][1])
    assert [tuple(o.shape) for o in flat(ours_out)] == [tuple(t.shape) for t in flat(theirs_out)]
    backward_both(ours_out, theirs_out, rng)
    close(x.grad, xt.grad)
    for mine, reference in states:
        close(mine.grad, reference.grad)
    compare_parameter_grads(ours, theirs)


@given(
    st.sampled_from(["RNN_tanh", "RNN_relu", "LSTM", "GRU"]),
    st.booleans(),
    st.one_of(st.none(), st.integers(1, 3)),
    st.integers(1, 4),
    st.integers(1, 4),
    st.booleans(),
    st.integers(0, 2**16),
)
def test_cells_match_torch(mode, bias, batch, input_size, hidden, with_state, seed):
    kind, _, nonlinearity = mode.partition("_")
    options = {"bias": bias, **({"nonlinearity": nonlinearity} if nonlinearity else {})}
    rng = np.random.default_rng(seed)
    ours_cls, torch_cls = CELLS[kind]
    ours, theirs = ours_cls(input_size, hidden, dtype=autograd.float64, generator=rng, **options), None
    theirs = torch_cls(input_size, hidden, **options)
    share_weights(ours, theirs, torch_to_ours=seed % 2 == 0)
    lead = () if batch is None else (batch,)
    x, xt = pair(rng.normal(size=(*lead, input_size)))
    states = (
        [pair(rng.normal(size=(*lead, hidden))) for _ in range(2 if kind == "LSTM" else 1)]
        if with_state
        else []
    )
    if not states:
        ours_out, theirs_out = ours(x), theirs(xt)
    elif kind == "LSTM":
        ours_out, theirs_out = ours(x, (states[0][0], states[1][0])), theirs(xt, (states[0][1], states[1][1]))
    else:
        ours_out, theirs_out = ours(x, states[0][0]), theirs(xt, states[0][1])
    backward_both(ours_out, theirs_out, rng)
    close(x.grad, xt.grad)
    for mine, reference in states:
        close(mine.grad, reference.grad)
    compare_parameter_grads(ours, theirs)


@pytest.mark.parametrize("kind", ["RNN", "LSTM", "GRU"])
def test_second_derivative_matches_torch(kind):
    """Gradients of gradients (create_graph) through the recurrence, as torch's double backward."""
    rng = np.random.default_rng(0)
    ours_cls, torch_cls = LAYERS[kind]
    ours = ours_cls(2, 3, 2, bidirectional=True, dtype=autograd.float64, generator=rng)
    theirs = torch_cls(2, 3, 2, bidirectional=True)
    share_weights(ours, theirs, torch_to_ours=False)
    x, xt = pair(rng.normal(size=(3, 2, 2)))
    (g,) = autograd.grad((ours(x)[0] ** 2).sum(), [x], create_graph=True)
    (gt,) = torch.autograd.grad((theirs(xt)[0] ** 2).sum(), [xt], create_graph=True)
    close(g, gt)
    (g * g).sum().backward()
    (gt * gt).sum().backward()
    close(x.grad, xt.grad)
    compare_parameter_grads(ours, theirs)


def test_names_shapes_and_repr_follow_torch():
    for kind, (ours_cls, torch_cls) in LAYERS.items():
        ours, theirs = (
            ours_cls(3, 5, 2, bidirectional=True, bias=False),
            torch_cls(3, 5, 2, bidirectional=True, bias=False),
        )
        assert [(n, tuple(p.shape)) for n, p in ours.named_parameters()] == [
            (n, tuple(p.shape)) for n, p in theirs.named_parameters()
        ], kind
        assert repr(ours) == repr(theirs)
        assert len(ours.all_weights) == len(theirs.all_weights) == 4
    assert repr(RNN(3, 4, nonlinearity="relu", batch_first=True)) == repr(
        torch.nn.RNN(3, 4, nonlinearity="relu", batch_first=True)
    )
    for kind, (ours_cls, torch_cls) in CELLS.items():
        assert [(n, tuple(p.shape)) for n, p in ours_cls(3, 5).named_parameters()] == [
            (n, tuple(p.shape)) for n, p in torch_cls(3, 5).named_parameters()
        ], kind
    assert repr(RNNCell(3, 4, bias=False, nonlinearity="relu")) == repr(
        torch.nn.RNNCell(3, 4, bias=False, nonlinearity="relu")
    )


def test_initial_weights_lie_in_torchs_range():
    params = np.concatenate([p.numpy().ravel() for p in LSTM(4, 16, 2).parameters()])
    assert params.dtype == np.float32
    assert np.abs(params).max() <= 0.25 and params.std() > 0.1  # U(-1/sqrt(16), 1/sqrt(16))


def test_empty_batch_follows_torch():
    out, h = GRU(3, 4, 2)(autograd.zeros(5, 0, 3))
    assert tuple(out.shape) == (5, 0, 4) and tuple(h.shape) == (2, 0, 4)


def errors(fn):
    try:
        fn()
    except Exception as error:  # noqa: BLE001 - the type and message are what is compared
        return type(error), str(error)
    return None


@pytest.mark.parametrize(
    "call",
    [
        lambda lib, m: m(lib.zeros(5, 2, 3, 2)),
        lambda lib, m: m(lib.zeros(5, 2, 2)),
        lambda lib, m: m(lib.zeros(0, 2, 3)),
        lambda lib, m: m(lib.zeros(5, 2, 3), (lib.zeros(1, 2, 4), lib.zeros(2, 2, 4))),
        lambda lib, m: m(lib.zeros(5, 2, 3), (lib.zeros(2, 2, 4), lib.zeros(1, 2, 4))),
        lambda lib, m: m(lib.zeros(5, 3), (lib.zeros(2, 2, 4), lib.zeros(2, 2, 4))),
        lambda lib, m: m(lib.zeros(5, 2, 3), (lib.zeros(2, 4), lib.zeros(2, 4))),
    ],
)
def test_lstm_errors_match_torch(call):
    assert errors(lambda: call(autograd, LSTM(3, 4, 2))) == errors(
        lambda: call(torch, torch.nn.LSTM(3, 4, 2))
    )


@pytest.mark.parametrize(
    "call",
    [
        lambda lib, m: m(lib.zeros(5, 2, 3), lib.zeros(1, 2, 4)),
        lambda lib, m: m(lib.zeros(5, 3), lib.zeros(1, 2, 4)),
        lambda lib, m: m(lib.zeros(5, 2, 3), lib.zeros(2, 4)),
    ],
)
def test_gru_errors_match_torch(call):
    assert errors(lambda: call(autograd, GRU(3, 4, 2))) == errors(lambda: call(torch, torch.nn.GRU(3, 4, 2)))


@pytest.mark.parametrize(
    "call",
    [
        lambda lib, m: m(lib.zeros(2, 2, 3)),
        lambda lib, m: m(lib.zeros(2, 5)),
        lambda lib, m: m(lib.zeros(2, 3), (lib.zeros(4), lib.zeros(4))),
        lambda lib, m: m(lib.zeros(3), (lib.zeros(2, 4), lib.zeros(2, 4))),
    ],
)
def test_cell_errors_match_torch(call):
    assert errors(lambda: call(autograd, LSTMCell(3, 4))) == errors(
        lambda: call(torch, torch.nn.LSTMCell(3, 4))
    )


@pytest.mark.parametrize(
    "make",
    [
        lambda nn: nn.RNN(3, 4, nonlinearity="sig"),
        lambda nn: nn.RNN(3, 0),
        lambda nn: nn.LSTM(3, 4, 0),
        lambda nn: nn.GRU(3, 4.0),
        lambda nn: nn.LSTM(3, 4, dropout=2),
    ],
)
def test_constructor_errors_match_torch(make):
    import nn.rnn as ours

    assert errors(lambda: make(ours)) == errors(lambda: make(torch.nn))


def test_dropout_with_one_layer_warns_as_torch():
    with pytest.warns(UserWarning, match="non-zero dropout expects num_layers greater than 1"):
        LSTM(3, 4, dropout=0.5)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        LSTM(3, 4, 2, dropout=0.5).eval()(autograd.zeros(2, 1, 3))  # eval: no dropout between layers


def test_dropout_between_layers_only_in_training(monkeypatch):
    """The one hook point: nn.functional.dropout on every layer's output but the last, in training only."""
    from nn import functional as F  # noqa: N812

    calls = []

    def dropout(x, p, training):
        calls.append((tuple(x.shape), p, training))
        return x * 0.0

    monkeypatch.setattr(F, "dropout", dropout, raising=False)
    model = GRU(3, 4, 3, dropout=0.25, bidirectional=True)
    out, h = model(autograd.ones(2, 5, 3))
    assert calls == [((2, 5, 8), 0.25, True)] * 2
    assert np.abs(h.numpy()[2:]).max() > 0  # layers after a dropped-out input still add their biases
    calls.clear()
    model.eval()(autograd.ones(2, 5, 3))
    assert calls == []
