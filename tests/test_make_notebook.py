"""``make notebook`` (the README's command for learners) starts a Jupyter server on the tour notebook."""

from __future__ import annotations

import os
import re
import selectors
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_make_notebook_starts_a_jupyter_server_on_the_tour(tmp_path):
    env = dict(os.environ, JUPYTER_RUNTIME_DIR=str(tmp_path), JUPYTER_CONFIG_DIR=str(tmp_path))
    args = f"--no-browser --ServerApp.port=0 --ServerApp.root_dir={ROOT}"
    make = subprocess.Popen(
        # -o: the install steps count as done (this interpreter has the notebook extra): the test starts the
        # server and never reinstalls the environment it runs in
        ["make", "--no-print-directory", "-o", ".venv/.notebook", "-o", ".venv/.runtime", "notebook",
         f"PY={sys.executable}", f"NOTEBOOK_ARGS={args}"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    seen, deadline = "", time.monotonic() + 120
    selector = selectors.DefaultSelector()
    selector.register(make.stdout, selectors.EVENT_READ)
    try:
        while time.monotonic() < deadline and make.poll() is None:
            if selector.select(timeout=1):
                line = make.stdout.readline().decode(errors="replace")
                seen += line
                if re.search(r"http://(localhost|127\.0\.0\.1):\d+/", seen):
                    break
    finally:
        if make.poll() is None:
            os.killpg(make.pid, signal.SIGTERM)
        make.wait(30)
    assert re.search(r"http://(localhost|127\.0\.0\.1):\d+/", seen), seen[-2000:]  # the server is up
    assert "examples/tour.ipynb" in seen.splitlines()[0]  # on the tour notebook
