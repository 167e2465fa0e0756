"""Executes examples/tour.ipynb in a real IPython kernel (nbclient) and checks what its cells displayed."""

from __future__ import annotations

import base64
import xml.etree.ElementTree as ET
from pathlib import Path

import nbformat
from ipykernel.kernelspec import write_kernel_spec
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import KernelManager
from nbclient import NotebookClient

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
NOTEBOOK = EXAMPLES / "tour.ipynb"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def kernel_manager(tmp_path: Path) -> KernelManager:
    """A ``python3`` kernel running this interpreter (the .venv's): its spec is written to ``tmp_path`` and
    only that folder is searched, so kernels installed elsewhere on the machine play no part."""
    kernels = tmp_path / "kernels"
    write_kernel_spec(kernels / "python3")
    specs = KernelSpecManager(kernel_dirs=[str(kernels)], ensure_native_kernel=False)
    return KernelManager(kernel_name="python3", kernel_spec_manager=specs)


def tagged(nb: nbformat.NotebookNode, tag: str) -> nbformat.NotebookNode:
    (cell,) = [c for c in nb.cells if tag in c.metadata.get("tags", [])]
    return cell


def displayed(cell: nbformat.NotebookNode, mime: str) -> list:
    return [o["data"][mime] for o in cell.outputs if mime in o.get("data", {})]


def test_the_notebook_is_stored_without_outputs():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(nb)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code and all(c.outputs == [] and c.execution_count is None for c in code)


def test_the_tour_runs_and_shows_the_graph_and_the_plot_inline(tmp_path):
    nb = nbformat.read(NOTEBOOK, as_version=4)
    client = NotebookClient(
        nb, km=kernel_manager(tmp_path), timeout=300, resources={"metadata": {"path": str(EXAMPLES)}}
    )
    client.execute()  # raises CellExecutionError, with the traceback, if any cell fails

    (svg,) = displayed(tagged(nb, "graph"), "image/svg+xml")
    root = ET.fromstring(svg)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    texts = {t.text for t in root.iter("{http://www.w3.org/2000/svg}text")}
    assert {"x1", "w1", "o", "grad -1.5000", "data 0.7071"} <= texts

    train = tagged(nb, "train")
    printed = "".join(o.get("text", "") for o in train.outputs if o.output_type == "stream")
    assert "training accuracy" in printed

    (png,) = displayed(tagged(nb, "plot"), "image/png")
    assert base64.b64decode(png).startswith(PNG_MAGIC)
