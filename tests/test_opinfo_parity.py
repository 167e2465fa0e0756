"""torch's own OpInfo sample inputs agree with tracegrad: every float64 CPU sample of every vocabulary op
(values, dtypes, shapes, and gradients for a random upstream gradient), except the short list below."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import pytest
from opinfo_sweep import check_sample, samples

# (OpInfo name[.variant], sample index) -> why tracegrad differs; each entry must still differ (fix -> delete)
KNOWN: dict[tuple[str, int], str] = {}

_BY_OP: dict[str, list[tuple[int, str, Any]]] = defaultdict(list)
for _name, _label, _index, _sample in samples():
    _BY_OP[_label].append((_index, _name, _sample))


def test_the_sweep_covers_the_vocabulary():
    assert len(_BY_OP) > 150 and sum(map(len, _BY_OP.values())) > 3000


@pytest.mark.parametrize("label", sorted(_BY_OP))
def test_opinfo_samples_agree_with_torch(label):
    wrong = {}
    for index, name, sample in _BY_OP[label]:
        why = check_sample(name, sample, seed=index)
        if (why is None) != ((label, index) not in KNOWN):
            wrong[index] = why or "agrees now: delete it from KNOWN"
    assert not wrong, f"{label}: {wrong}"
