"""Stage notebooks run through papermill on the seed review, alone or after an import, and what they wrote."""
from __future__ import annotations

import pandas as pd
import pytest
from conftest import ROOT

from reviewkit.core.plot_style import save_figure
from reviewkit.core.tables import read_table
from reviewkit.records.imports import add_import
from reviewkit.report.prisma import check_prisma, count, prisma_counts, reason_counts
from reviewkit.report.prisma_plot import plot_prisma
from reviewkit.workbook.pipeline import run

pytestmark = pytest.mark.slow
FIXTURES = ROOT / "tests" / "fixtures" / "import"


def test_records_and_screening_notebooks_show_imports_and_duplicates(seed_review, tmp_path):
    add_import(seed_review, FIXTURES / "pubmed.nbib", name="MEDLINE via PubMed")
    add_import(seed_review, FIXTURES / "embase.ris", name="Embase via Ovid")
    out = tmp_path / "build"
    for stage in ("records", "screening"):
        run(seed_review, out, only=stage, report=lambda line: None)
    records = pd.read_csv(out / "tables" / "records.csv", dtype=str, keep_default_na=False).set_index("record_id")
    assert records.loc["embase:2024815531", "duplicate_of"] == "pubmed:38000001"
    sources = pd.read_csv(out / "tables" / "sources.csv").set_index("source")
    assert (sources.loc["embase", "records"], sources.loc["embase", "after_dedup"]) == (2, 1)
    screening = pd.read_csv(out / "tables" / "screening.csv", dtype=str, keep_default_na=False)
    assert "embase:2024815531" not in set(screening["record_id"]) and len(set(screening["record_id"])) == 8
    shown = (out / "notebooks" / "01_records.ipynb").read_text(encoding="utf-8")
    assert "MEDLINE" in shown and "1 duplicate group(s); 1 record(s) removed; 8 left to screen" in shown


def test_counts_of_the_seed_review_agree_with_the_screening_stage(seed_review, tmp_path):
    out = tmp_path / "build"
    for stage in ("records", "screening", "extraction"):
        run(seed_review, out, only=stage, report=lambda line: None)
    counts = prisma_counts(seed_review, out)
    screening = read_table(out, "prisma_screening").astype({"count": int}).set_index(["stage", "measure", "reason"])["count"]
    assert count(counts, "identified", "other_methods") == 5
    assert count(counts, "identified", "databases_registers") == 0
    assert count(counts, "screened") == screening["title_abstract", "to_screen", ""]
    assert count(counts, "excluded_screening") == screening["title_abstract", "excluded", ""]
    assert count(counts, "assessed") == screening["full_text", "to_screen", ""]
    excluded = reason_counts(counts, "excluded_full_text").query("count > 0")
    assert dict(zip(excluded["reason"], excluded["count"])) == {
        reason: n for (stage, measure, reason), n in screening.items() if stage == "full_text" and measure == "excluded" and reason}
    assert count(counts, "included_full_text") == screening["overall", "included", ""]
    assert count(counts, "studies_included") == len(read_table(out, "included_studies"))
    assert check_prisma(counts) == []
    assert [p.name for p in save_figure(plot_prisma(counts), out, "prisma")] == ["prisma.png", "prisma.svg"]
