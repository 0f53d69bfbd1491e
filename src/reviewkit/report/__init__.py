"""The report stage: the review PDF (Typst) from the build's tables and figures, the PRISMA 2020 flow counts and
diagram, executed notebooks as PDFs, and the exports of the review's data (RIS, BibTeX, CSV, XLSX, RevMan).

The review PDF is written by ``build`` from the sections of ``methods``, ``results``, ``discussion`` and
``appendices``, which read the build through ``inputs.Build``; the submodules import each other, never this
package.
"""
from reviewkit.core.exports import lazy_exports

__all__, __getattr__ = lazy_exports(__name__, {
    "build": ["build_review_pdf", "review_source"],
    "inputs": ["Build"],
    "appendices": ["load_checklist"],
    "results": ["prisma_counts_table"],
    "changes": ["changes_table"],
    "prisma": ["check_prisma", "prisma_counts", "write_prisma_table"],
    "prisma_plot": ["plot_prisma"],
    "notebook_pdf": ["export_notebook"],
    "exports": ["export", "FORMATS"],
})
