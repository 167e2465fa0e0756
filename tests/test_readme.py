"""The README's Python examples run as written (each in a fresh interpreter, from the repository root)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BLOCKS = re.findall(r"```python\n(.*?)```", (ROOT / "README.md").read_text(), flags=re.S)
# What each example promises, checked after it runs.
PROMISES = [
    "assert abs(x1.grad + 1.5) < 1e-9 and abs(w1.grad - 1.0) < 1e-9 and abs(o.data - 0.7071) < 1e-4",
    "assert loss.item() < 0.05 and nn.accuracy(model(inputs).squeeze(1), y) >= 0.97",
]


def test_the_readme_has_the_python_examples_checked_here():
    assert len(BLOCKS) == len(PROMISES)


@pytest.mark.parametrize(("block", "promise"), list(zip(BLOCKS, PROMISES, strict=False)), ids=["value", "nn"])
def test_readme_example_runs_and_keeps_its_promise(block: str, promise: str, tmp_path: Path):
    script = tmp_path / "example.py"
    script.write_text(f"{block}\n{promise}\n")
    command = [sys.executable, str(script)]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
