"""``jupyter nbconvert --to reviewkit_pdf NOTEBOOK``: an executed notebook as a PDF, code hidden (``export.py``)."""
from __future__ import annotations

from typing import Any

from nbconvert.exporters import Exporter
from nbformat import NotebookNode

from reviewkit.report.notebook_pdf import notebook_pdf


class ReviewPDFExporter(Exporter):
    """A notebook's markdown and outputs, code hidden, typeset with Typst (no LaTeX, no browser)."""

    export_from_notebook = "PDF via Typst (reviewkit)"
    output_mimetype = "application/pdf"

    def _file_extension_default(self) -> str:
        return ".pdf"

    def from_notebook_node(self, nb: NotebookNode, resources: dict[str, Any] | None = None, **kw: Any) -> tuple[bytes, dict[str, Any]]:
        nb, resources = super().from_notebook_node(nb, resources, **kw)
        meta = resources.get("metadata", {})
        name = f"{meta.get('name') or 'notebook'}.ipynb"
        path = f"{meta['path']}/{name}" if meta.get("path") else name
        resources["output_extension"] = ".pdf"
        return notebook_pdf(nb, name=name, path=path), resources
