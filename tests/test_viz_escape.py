"""Every label that reaches DOT is escaped: arbitrary text can never change the graph's structure."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd import Value
from autograd.viz import draw_dot
from autograd.viz.escape import escape_field, escape_text, record_label
from autograd.viz.inspect import read_svg

NASTY = [
    '"',
    '\\"',
    "\\",
    "\\\\",
    "ends with \\",
    '"]; evil [label="pwned"]; x -> y; z [label="',
    "{ a | b }",
    "}|{",
    "<f0> port",
    "<b>html</b>",
    "<<b>x</b>>",
    "line\nbreak\r\n",
    "\\N \\G \\E \\T \\H \\L \\l \\r \\n",
    "&amp; &lt; &#38; &",
    "tab\there",
    "  padded  ",
    "a  b   c",
    "\x00\x07\x1b\x7f\u2028\ufeff\ufffe",
    "graph node edge digraph subgraph strict",
    "",
]


def visible(text: str) -> str:
    """What the drawing should show for ``text``, whitespace ignored (Graphviz pads and wraps)."""
    shown = "".join(
        ch if ch.isprintable() else ch.encode("unicode_escape", "backslashreplace").decode() for ch in text
    )
    return "".join(shown.split())


def drawn(labels: list[str]) -> tuple[dict[str, list[str]], list[str]]:
    """``a * b -> c`` with the three labels, rendered and read back."""
    a, b = Value(1.5, labels[0]), Value(-2.0, labels[1])
    c = a * b
    c.label = labels[2]
    c.backward()
    drawing = read_svg(draw_dot(c).pipe(format="svg"))
    return drawing.nodes, drawing.edges


def check(labels: list[str]) -> None:
    nodes, edges = drawn(labels)
    assert sorted(nodes) == ["n0", "n1", "n2", "n2op"]  # three records and the op node, nothing more
    assert sorted(edges) == ["n0->n2op", "n1->n2op", "n2op->n2"]
    assert nodes["n2op"] == ["*"]
    expected = {"n0": ("1.5000", "-2.0000"), "n1": ("-2.0000", "1.5000"), "n2": ("-3.0000", "1.0000")}
    for (key, (data, grad)), label in zip(expected.items(), labels, strict=True):
        texts = [t.strip() for t in nodes[key]]  # Graphviz pads fields with a space when others have escapes
        assert texts[-2:] == [f"data {data}", f"grad {grad}"]
        assert "".join("".join(texts[:-2]).split()) == visible(label)


@pytest.mark.parametrize("label", NASTY)
def test_nasty_labels_keep_the_structure_and_show_their_text(label):
    check([label, label[::-1], label + "|"])


@given(st.lists(st.text(max_size=40), min_size=3, max_size=3))
def test_arbitrary_label_text_renders_to_the_expected_nodes(labels):
    check(labels)


@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=30))
def test_escaped_text_never_ends_in_an_odd_backslash_or_raw_quote(text):
    """The escapes that DOT strings rely on: quotes and backslashes always come escaped."""
    for escaped in (escape_text(text), escape_field(text)):
        stripped = escaped.replace("\\\\", "")
        assert '"' not in stripped.replace('\\"', "")
        assert not stripped.endswith("\\")
        assert "\n" not in escaped and "\r" not in escaped


def test_record_label_escapes_record_syntax():
    assert record_label(["a|b", "{c}", "<d>"]) == "{ a\\|b | \\{c\\} | \\<d\\> }"
    assert record_label([" x "]) == "{ \\ x\\  }"


@pytest.mark.parametrize("text", NASTY)
def test_nasty_op_names_stay_one_plain_node(text):
    a = Value(1.0, "a")
    b = -a
    b._op = text  # as a Tensor's grad_fn string would arrive
    drawing = read_svg(draw_dot(b).pipe())
    assert sorted(drawing.nodes) == ["n0", "n1", "n1op"] and len(drawing.edges) == 2
    assert "".join("".join(drawing.nodes["n1op"]).split()) == (visible(text) or "?")


@pytest.mark.parametrize("size", ["1\\", "1\x00", '8,8"];x[label="', "big", "8,8,8"])
def test_a_size_that_is_not_inches_never_reaches_the_dot_file(size: str):
    from autograd import Value
    from autograd.viz import draw_dot

    with pytest.raises(ValueError, match="size must be inches"):
        draw_dot(Value(2.0) * 3, size=size)
    assert "size" in draw_dot(Value(2.0) * 3, size="8.5,3!").source
