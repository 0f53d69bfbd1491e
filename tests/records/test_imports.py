"""Database exports beside the seeds: `reviewkit import`, record-level duplicates, and `reviewkit dedup`."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from conftest import ROOT

from reviewkit.core.errors import ReviewInputError
from reviewkit.core.protocol import load_protocol
from reviewkit.records.dedup.review import record_duplicates, unique_records
from reviewkit.records.imports import add_import
from reviewkit.records.sources import load_records, load_sources
from reviewkit.screening.decisions import screening_table
from reviewkit.workbook.cli import main
from reviewkit.workbook.validate import validate_review

FIXTURES = ROOT / "tests" / "fixtures" / "import"


def _import_both(review: Path) -> None:
    add_import(review, FIXTURES / "pubmed.nbib", name="MEDLINE via PubMed")
    add_import(review, FIXTURES / "embase.ris", name="Embase via Ovid")


def test_import_adds_a_source_keeps_the_protocols_comments_and_copies_the_file(seed_review, capsys):
    before = (seed_review / "protocol.yml").read_text(encoding="utf-8")
    assert main(["import", str(FIXTURES / "pubmed.nbib"), "--review", str(seed_review), "--name", "MEDLINE via PubMed",
                 "--searched", "2024-05-01: title/abstract terms"]) == 0
    out = capsys.readouterr().out
    assert "pubmed.nbib (MEDLINE, utf-8): 2 records read, 0 skipped, 2 kept" in out
    after = (seed_review / "protocol.yml").read_text(encoding="utf-8")
    assert after.startswith(before[: before.index("exclusion_reasons:")])  # comments and layout kept
    assert "  - id: pubmed\n    name: MEDLINE via PubMed\n    kind: databases_registers\n    format: export" in after
    assert (seed_review / "imports" / "pubmed.nbib").read_bytes() == (FIXTURES / "pubmed.nbib").read_bytes()
    protocol = load_protocol(seed_review)
    records, imports = load_sources(seed_review, protocol)
    assert [r.id for r in records if r.source == "pubmed"] == ["pubmed:38000001", "pubmed:37000002"]
    assert imports[0].kept == 2 and validate_review(seed_review) == []


def test_import_counts_skipped_records_and_names_them(seed_review, capsys):
    assert main(["import", str(FIXTURES / "malformed.ris"), "--review", str(seed_review)]) == 0
    captured = capsys.readouterr()
    assert "7 records read, 4 skipped, 3 kept" in captured.out
    assert "1 record(s) reuse an id" in captured.err
    assert "malformed.ris, line 7, record '#2 a2', field 'ER'" in captured.err


def test_a_failed_import_changes_nothing(seed_review):
    protocol_text = (seed_review / "protocol.yml").read_text(encoding="utf-8")
    with pytest.raises(ReviewInputError, match=r"malformed.ris, line 7"):
        add_import(seed_review, FIXTURES / "malformed.ris", on_error="stop")
    assert (seed_review / "protocol.yml").read_text(encoding="utf-8") == protocol_text
    assert not (seed_review / "imports").exists()
    add_import(seed_review, FIXTURES / "pubmed.nbib")
    with pytest.raises(ReviewInputError, match="a source 'pubmed' is already listed"):
        add_import(seed_review, FIXTURES / "pubmed.nbib")
    with pytest.raises(ReviewInputError, match="already imported"):
        add_import(seed_review, FIXTURES / "pubmed.nbib", source="pubmed-again")


def test_duplicates_across_exports_are_grouped_and_not_screened(seed_review):
    _import_both(seed_review)
    protocol = load_protocol(seed_review)
    records = load_records(seed_review, protocol)
    groups = record_duplicates(seed_review, records)
    assert groups["merged_ids"].tolist() == ["pubmed:38000001;embase:2024815531"]
    assert groups.loc[0, "kept"] == "pubmed:38000001" and "doi" in groups.loc[0, "evidence"]
    kept = {r.id for r in unique_records(seed_review, records)}
    assert "embase:2024815531" not in kept and len(kept) == len(records) - 1
    screened = set(screening_table(seed_review, protocol, records)["record_id"])
    assert "embase:2024815531" not in screened and "pubmed:38000001" in screened


def test_a_reviewers_split_survives_a_rerun(seed_review):
    _import_both(seed_review)
    (seed_review / "dedup.csv").write_text(
        "ids,decision,note\npubmed:38000001;embase:2024815531,split,checked: different trial reports\n", encoding="utf-8")
    records = load_records(seed_review, load_protocol(seed_review))
    assert record_duplicates(seed_review, records).empty
    assert len(unique_records(seed_review, records)) == len(records)


def test_confirming_a_wrong_group_that_would_drop_a_studys_report_is_refused(seed_review):
    (seed_review / "dedup.csv").write_text("ids,decision,note\n000_ce438576644deecb;002_57e1d13fb9b03d75,confirm,\n",
                                           encoding="utf-8")
    problems = [str(p) for p in validate_review(seed_review)]
    assert any("studies.yml" in p and "report 002_57e1d13fb9b03d75 of study 'hirota-2024' is removed as a duplicate"
               in p for p in problems), problems


def test_a_bad_dedup_file_is_reported_with_line_and_field(seed_review):
    (seed_review / "dedup.csv").write_text("ids,decision,note\nonly-one,confirm,\na;b,maybe,\n", encoding="utf-8")
    problems = [str(p) for p in validate_review(seed_review)]
    assert any("dedup.csv, line 2, field 'ids'" in p for p in problems)
    assert any("dedup.csv, line 3, field 'decision'" in p for p in problems)


def test_dedup_command_writes_groups_with_the_records_own_ids(tmp_path, capsys):
    out = tmp_path / "groups.csv"
    files = [FIXTURES / name for name in ("pubmed.nbib", "embase.ris", "scopus.ris", "covidence.csv")]
    assert main(["dedup", *map(str, files), "--out", str(out)]) == 0
    summary = capsys.readouterr().out.splitlines()[-1]
    assert summary.startswith("10 records read; 3 duplicate groups; 6 records left after merging;")
    groups = pd.read_csv(out, dtype=str)
    assert set(groups["merged_ids"]) == {"38000001;2024815531;#102", "2024815977;#103", "scopus:1;#101"}


def test_dedup_refuses_to_write_over_an_input(tmp_path, capsys):
    source = tmp_path / "pubmed.nbib"
    source.write_bytes((FIXTURES / "pubmed.nbib").read_bytes())
    assert main(["dedup", str(source), "--out", str(source)]) == 1
    assert "is one of the input files" in capsys.readouterr().err
    assert source.read_bytes() == (FIXTURES / "pubmed.nbib").read_bytes()


