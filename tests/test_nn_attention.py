"""scaled_dot_product_attention, MultiheadAttention and the transformer encoder against torch (float64, eval
mode): outputs, attention weights, and the gradients of the inputs and every parameter, over drawn shapes,
masks (bool and float attn_mask, key_padding_mask, is_causal) and options; state_dict both ways."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

import autograd
from autograd.ops import dropout as dropout_op
from nn import functional as F  # noqa: N812
from nn.attention import MultiheadAttention
from nn.transformer import TransformerEncoder, TransformerEncoderLayer

pytestmark = [
    pytest.mark.usefixtures("torch_float64"),
    pytest.mark.filterwarnings("ignore:Support for mismatched"),  # torch on a bool mask beside a float one
]

TOL = {"rtol": 1e-9, "atol": 1e-11}


def close(ours, theirs) -> None:
    """Equal values (nan where torch has nan)."""
    theirs = theirs.detach().numpy() if isinstance(theirs, torch.Tensor) else theirs
    np.testing.assert_allclose(ours.numpy(), theirs, **TOL)


def pair(array: np.ndarray) -> tuple[autograd.Tensor, torch.Tensor]:
    return autograd.tensor(array, requires_grad=True), torch.tensor(array, requires_grad=True)


def share_weights(ours, theirs, torch_to_ours: bool) -> None:
    assert [(n, tuple(p.shape)) for n, p in ours.named_parameters()] == [
        (n, tuple(p.shape)) for n, p in theirs.named_parameters()
    ]
    if torch_to_ours:
        ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    else:
        theirs.load_state_dict({k: torch.from_numpy(v.numpy().copy()) for k, v in ours.state_dict().items()})


def backward_both(pairs, rng) -> None:
    """Random upstream gradients, the same for both libraries, on every (ours, torch) output pair."""
    ours_loss = theirs_loss = 0
    for ours, theirs in pairs:
        close(ours, theirs)
        g = rng.normal(size=tuple(theirs.shape))
        ours_loss = ours_loss + (ours * autograd.tensor(g)).sum()
        theirs_loss = theirs_loss + (theirs * torch.tensor(g)).sum()
    ours_loss.backward()
    theirs_loss.backward()


def compare_parameter_grads(ours, theirs) -> None:
    mine = dict(ours.named_parameters())
    for name, param in theirs.named_parameters():
        close(mine[name].grad, param.grad)


def mask_pair(rng, shape, kind: str):
    """A mask of ``kind`` ("bool", "float" with some -inf, or "none") for both libraries."""
    if kind == "none":
        return None, None
    masked = rng.random(shape) < 0.3
    if kind == "bool":
        return autograd.tensor(masked), torch.tensor(masked)
    values = np.where(masked, -np.inf, rng.normal(size=shape))
    return autograd.tensor(values), torch.tensor(values)


# ----- scaled_dot_product_attention -------------------------------------------------------------------
@given(
    st.lists(st.integers(1, 3), max_size=2),
    st.integers(1, 4),
    st.integers(1, 4),
    st.integers(1, 4),
    st.integers(1, 4),
    st.sampled_from(["none", "bool", "float", "causal"]),
    st.booleans(),
    st.one_of(st.none(), st.floats(0.1, 2.0)),
    st.integers(0, 2**16),
)
def test_sdpa_matches_torch(batch, length, source, embed, value_dim, mask, full_mask, scale, seed):
    rng = np.random.default_rng(seed)
    q, qt = pair(rng.normal(size=(*batch, length, embed)))
    k, kt = pair(rng.normal(size=(*batch, source, embed)))
    v, vt = pair(rng.normal(size=(*batch, source, value_dim)))
    mask_shape = (*batch, length, source) if full_mask else (length, source)
    m, mt = mask_pair(rng, mask_shape, "none" if mask == "causal" else mask)
    causal = mask == "causal"
    out = F.scaled_dot_product_attention(q, k, v, attn_mask=m, is_causal=causal, scale=scale)
    reference = torch.nn.functional.scaled_dot_product_attention(
        qt, kt, vt, attn_mask=mt, is_causal=causal, scale=scale
    )
    backward_both([(out, reference)], rng)
    for ours, theirs in ((q, qt), (k, kt), (v, vt)):
        close(ours.grad, theirs.grad)


def test_sdpa_fully_masked_rows_give_zeros_and_finite_gradients_as_torch():
    rng = np.random.default_rng(1)
    q, qt = pair(rng.normal(size=(2, 3, 4)))
    k, kt = pair(rng.normal(size=(2, 5, 4)))
    mask = np.ones((3, 5), bool)
    mask[1] = False
    out = F.scaled_dot_product_attention(q, k, k, attn_mask=autograd.tensor(mask))
    reference = torch.nn.functional.scaled_dot_product_attention(qt, kt, kt, attn_mask=torch.tensor(mask))
    assert np.all(out.numpy()[:, 1] == 0)
    backward_both([(out, reference)], rng)
    assert np.isfinite(q.grad.numpy()).all()
    close(q.grad, qt.grad)
    close(k.grad, kt.grad)


def errors(fn):
    try:
        fn()
    except Exception as error:  # noqa: BLE001 - the type (and message where torch's is readable) is compared
        return type(error), str(error)
    return None


def test_sdpa_errors():
    q = autograd.zeros(2, 3, 4)
    assert errors(
        lambda: F.scaled_dot_product_attention(q, q, q, attn_mask=autograd.ones(3, 3), is_causal=True)
    ) == (
        RuntimeError,
        "_scaled_dot_product_attention: Explicit attn_mask should not be set when is_causal=True",
    )
    for call in (
        lambda: F.scaled_dot_product_attention(q, autograd.zeros(2, 3, 5), q),
        lambda: F.scaled_dot_product_attention(q, q, autograd.zeros(2, 2, 4)),
        lambda: F.scaled_dot_product_attention(q, q, q, attn_mask=autograd.ones(3, 2, dtype=autograd.bool_)),
        lambda: F.scaled_dot_product_attention(q, q, q, attn_mask=autograd.ones(3, 3, dtype=autograd.int64)),
    ):
        assert errors(call)[0] is RuntimeError


# ----- MultiheadAttention ----------------------------------------------------------------------------------
@st.composite
def mha_case(draw):
    heads, head_dim = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    options = {
        "bias": draw(st.booleans()),
        "batch_first": draw(st.booleans()),
        "kdim": draw(st.sampled_from([None, 2, 3])),
        "vdim": draw(st.sampled_from([None, 2, 4])),
    }
    shapes = draw(st.one_of(st.none(), st.integers(1, 3))), draw(st.integers(1, 4)), draw(st.integers(1, 4))
    masks = (
        draw(st.sampled_from(["none", "bool", "float", "bool3d", "causal"])),
        draw(st.sampled_from(["none", "bool", "float"])),
    )
    flags = draw(st.booleans()), draw(st.booleans()), draw(st.booleans()), draw(st.booleans())
    return heads, head_dim, options, shapes, masks, flags, draw(st.integers(0, 2**16))


@given(mha_case())
def test_multihead_attention_matches_torch(case):
    heads, head_dim, options, (batch, length, source), (attn, padding), flags, seed = case
    need_weights, average, self_attention, torch_to_ours = flags
    rng = np.random.default_rng(seed)
    torch.manual_seed(seed)
    embed = heads * head_dim
    if self_attention:
        options["kdim"] = options["vdim"] = None
        source = length
    ours = MultiheadAttention(embed, heads, dtype=autograd.float64, generator=rng, **options).eval()
    theirs = torch.nn.MultiheadAttention(embed, heads, **options).eval()
    share_weights(ours, theirs, torch_to_ours)

    def shape(n: int, features: int) -> tuple[int, ...]:
        if batch is None:
            return (n, features)
        return (batch, n, features) if options["batch_first"] else (n, batch, features)

    q, qt = pair(rng.normal(size=shape(length, embed)))
    if self_attention:
        (k, kt), (v, vt) = (q, qt), (q, qt)
    else:
        k, kt = pair(rng.normal(size=shape(source, options["kdim"] or embed)))
        v, vt = pair(rng.normal(size=shape(source, options["vdim"] or embed)))
    causal = attn == "causal"
    if causal:
        m = np.triu(np.ones((length, source), bool), 1)
        am, amt = autograd.tensor(m), torch.tensor(m)
    elif attn == "bool3d":
        am, amt = mask_pair(rng, ((batch or 1) * heads, length, source), "bool")
    else:
        am, amt = mask_pair(rng, (length, source), attn)
    kpm, kpmt = mask_pair(rng, (source,) if batch is None else (batch, source), padding)
    kwargs = {"need_weights": need_weights, "average_attn_weights": average, "is_causal": causal}
    out, weights = ours(q, k, v, key_padding_mask=kpm, attn_mask=am, **kwargs)
    out_t, weights_t = theirs(qt, kt, vt, key_padding_mask=kpmt, attn_mask=amt, **kwargs)
    assert (weights is None) == (weights_t is None)
    pairs = [(out, out_t)] + ([] if weights is None else [(weights, weights_t)])
    assert [tuple(a.shape) for a, _ in pairs] == [tuple(b.shape) for _, b in pairs]
    backward_both(pairs, rng)
    for ours_in, theirs_in in {id(a): (a, b) for a, b in ((q, qt), (k, kt), (v, vt))}.values():
        close(ours_in.grad, theirs_in.grad)
    compare_parameter_grads(ours, theirs)


def test_multihead_attention_names_and_init_follow_torch():
    for options in ({}, {"kdim": 3, "vdim": 5}, {"bias": False}):
        ours, theirs = MultiheadAttention(4, 2, **options), torch.nn.MultiheadAttention(4, 2, **options)
        assert list(ours.state_dict()) == list(theirs.state_dict())
        assert [tuple(p.shape) for p in ours.parameters()] == [tuple(p.shape) for p in theirs.parameters()]
    ours = MultiheadAttention(8, 2)
    assert np.all(ours.in_proj_bias.numpy() == 0) and np.all(ours.out_proj.bias.numpy() == 0)
    assert np.abs(ours.in_proj_weight.numpy()).max() <= np.sqrt(6 / (8 + 24))  # xavier_uniform_


@pytest.mark.parametrize(
    "call",
    [
        lambda lib, m, x, kv: m(x, kv, kv, is_causal=True),
        lambda lib, m, x, kv: m(x, kv, kv, attn_mask=lib.zeros(3, 4)),
        lambda lib, m, x, kv: m(x, kv, kv, attn_mask=lib.zeros(5, 3, 5)),
        lambda lib, m, x, kv: m(x[..., :3], kv, kv),
        lambda lib, m, x, kv: m(x, kv[:4], kv),
        lambda lib, m, x, kv: m(x[:, 0], kv, kv),
    ],
)
def test_multihead_attention_errors_match_torch(call):
    rng = np.random.default_rng(0)
    x, kv = rng.normal(size=(3, 2, 4)), rng.normal(size=(5, 2, 4))
    ours = errors(lambda: call(autograd, MultiheadAttention(4, 2), autograd.tensor(x), autograd.tensor(kv)))
    theirs = errors(lambda: call(torch, torch.nn.MultiheadAttention(4, 2), torch.tensor(x), torch.tensor(kv)))
    assert ours is not None and theirs is not None and ours[0] is theirs[0]


def test_multihead_attention_checks_arguments():
    with pytest.raises(AssertionError, match="divisible"):
        MultiheadAttention(5, 2)
    m = MultiheadAttention(4, 2)
    x = autograd.zeros(3, 2, 4)
    with pytest.raises(AssertionError, match="key_padding_mask"):
        m(x, x, x, key_padding_mask=autograd.zeros(2, 3, dtype=autograd.int64))


# ----- transformer encoder ------------------------------------------------------------------------------
@given(
    st.integers(1, 2),
    st.integers(1, 3),
    st.integers(1, 5),
    st.sampled_from(["relu", "tanh"]),
    st.booleans(),
    st.booleans(),
    st.booleans(),
    st.one_of(st.none(), st.integers(1, 3)),
    st.integers(1, 4),
    st.sampled_from(["none", "bool", "float", "causal"]),
    st.booleans(),
    st.integers(0, 2**16),
)
def test_encoder_layer_matches_torch(
    heads,
    head_dim,
    feedforward,
    activation,
    norm_first,
    batch_first,
    bias,
    batch,
    length,
    mask,
    padding,
    seed,
):
    rng = np.random.default_rng(seed)
    torch.manual_seed(seed)
    d_model = heads * head_dim
    options = {
        "dim_feedforward": feedforward,
        "norm_first": norm_first,
        "batch_first": batch_first,
        "bias": bias,
    }
    ours = TransformerEncoderLayer(
        d_model,
        heads,
        activation=autograd.tanh if activation == "tanh" else "relu",
        dtype=autograd.float64,
        generator=rng,
        **options,
    ).eval()
    theirs = torch.nn.TransformerEncoderLayer(
        d_model, heads, activation=torch.tanh if activation == "tanh" else "relu", **options
    ).eval()
    share_weights(ours, theirs, torch_to_ours=seed % 2 == 0)
    lead = () if batch is None else ((batch, length) if batch_first else (length, batch))
    x, xt = pair(rng.normal(size=(*lead, d_model) if lead else (length, d_model)))
    causal = mask == "causal"
    if causal:
        m = np.triu(np.ones((length, length), bool), 1)
        am, amt = autograd.tensor(m), torch.tensor(m)
    else:
        am, amt = mask_pair(rng, (length, length), mask)
    kpm, kpmt = mask_pair(rng, (length,) if batch is None else (batch, length), "bool" if padding else "none")
    out = ours(x, src_mask=am, src_key_padding_mask=kpm, is_causal=causal)
    reference = theirs(xt, src_mask=amt, src_key_padding_mask=kpmt, is_causal=causal)
    backward_both([(out, reference)], rng)
    close(x.grad, xt.grad)
    compare_parameter_grads(ours, theirs)


def test_encoder_stack_matches_torch():
    rng = np.random.default_rng(3)
    layer = TransformerEncoderLayer(8, 2, dim_feedforward=16, dtype=autograd.float64, generator=rng)
    ours = TransformerEncoder(layer, 2).eval()
    theirs = torch.nn.TransformerEncoder(
        torch.nn.TransformerEncoderLayer(8, 2, dim_feedforward=16), 2, enable_nested_tensor=False
    ).eval()
    with torch.no_grad():  # the layers are copies: make them differ, so each must load its own weights
        for param in theirs.layers[1].parameters():
            param.add_(torch.randn_like(param))
    share_weights(ours, theirs, torch_to_ours=True)
    x, xt = pair(rng.normal(size=(5, 3, 8)))
    backward_both([(ours(x), theirs(xt))], rng)
    close(x.grad, xt.grad)
    compare_parameter_grads(ours, theirs)


def test_encoder_layer_rejects_unknown_activation_as_torch():
    for lib in (torch.nn, None):
        make = TransformerEncoderLayer if lib is None else lib.TransformerEncoderLayer
        with pytest.raises(RuntimeError, match="activation should be relu/gelu, not swish"):
            make(4, 2, activation="swish")


def test_dropout_hook_points_in_training(monkeypatch):
    """Dropout (every mask is drawn in nn.dropout) on the attention weights, the feed-forward hidden layer
    and both residual branches, as torch's layer; none in evaluation."""
    calls = []

    def draw_mask(shape, p):
        calls.append((tuple(shape), p))
        return np.ones(shape, bool)

    monkeypatch.setattr(dropout_op, "_draw_mask", draw_mask)
    layer = TransformerEncoderLayer(4, 2, dim_feedforward=6, dropout=0.2)
    layer(autograd.ones(3, 2, 4))
    assert calls == [
        ((4, 3, 3), 0.2),
        ((3, 2, 4), 0.2),
        ((3, 2, 6), 0.2),
        ((3, 2, 4), 0.2),
    ]  # heads folded into N
    calls.clear()
    layer.eval()(autograd.ones(3, 2, 4))
    assert calls == []
