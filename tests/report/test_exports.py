"""``reviewkit export ris | bibtex | csv | xlsx | revman``: each export read back by the library its audience uses
(rispy, bibtexparser, pandas), robvis's columns exactly; bad formats and paths refused, the review left unchanged."""
from __future__ import annotations

import hashlib
import shutil

import bibtexparser
import pandas as pd
import pytest
import rispy
from conftest import ROOT
from two_rounds import RIS_NEW_RECORD, make_two_round_review

from reviewkit.report.exports import export
from reviewkit.workbook.cli import main

EXCLUDED = "001_196e19df0f4e6c1c"  # excluded at full text: no_primary_clinical_data
INCLUDED = "002_57e1d13fb9b03d75"


@pytest.fixture
def trials_review(tmp_path):
    shutil.copytree(ROOT / "tests" / "fixtures" / "trials_review", tmp_path / "trials")
    return tmp_path / "trials" / "review"


def _hashes(folder):
    return {p.relative_to(folder): hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.rglob("*") if p.is_file()}


def test_ris_holds_each_decision_and_reason_in_n1_and_kw(seed_review):
    assert main(["export", "ris", "--review", str(seed_review)]) == 0
    path = seed_review / "build" / "exports" / "records.ris"
    entries = {e["id"]: e for e in rispy.loads(path.read_text(encoding="utf-8"))}
    assert len(entries) == 5
    excluded = entries[EXCLUDED]
    assert excluded["notes"][0] == "ASReview_relevant"  # passed title/abstract, as ASReview labels it
    assert "reviewkit_full_text: exclude (no_primary_clinical_data)" in excluded["notes"]
    assert {"reviewkit: excluded", "reviewkit exclusion reason: no_primary_clinical_data"} <= set(excluded["keywords"])
    assert entries[INCLUDED]["keywords"] == ["reviewkit: included"]
    assert entries[INCLUDED]["title"].startswith("The safety, feasibility")


def test_bibtex_holds_each_decision_and_reason_in_note_and_keywords(seed_review, tmp_path):
    out = tmp_path / "out" / "records.bib"
    assert export(seed_review, "bibtex", out) == [out]
    library = bibtexparser.parse_file(str(out))
    assert not library.failed_blocks
    entries = {e.key: e for e in library.entries}
    assert len(entries) == 5
    assert "reviewkit_full_text: exclude (no_primary_clinical_data)" in entries[EXCLUDED]["note"]
    assert "reviewkit exclusion reason: no_primary_clinical_data" in entries[EXCLUDED]["keywords"]
    assert entries[INCLUDED]["keywords"] == "reviewkit: included"


def test_csv_has_records_with_decisions_studies_with_values_and_quotes_and_robvis_tables(seed_review, tmp_path):
    written = export(seed_review, "csv", tmp_path / "csv")
    names = {p.stem for p in written}
    assert {"records", "studies", "rob_domains", "rob_jbi_case_series"} <= names
    records = pd.read_csv(tmp_path / "csv" / "records.csv", keep_default_na=False).set_index("record_id")
    assert records.loc[EXCLUDED, ["screening", "excluded_at", "exclusion_reason"]].tolist() == [
        "excluded", "full_text", "no_primary_clinical_data"]
    assert records.loc[INCLUDED, "screening"] == "included"
    studies = pd.read_csv(tmp_path / "csv" / "studies.csv", keep_default_na=False).set_index("study_id")
    assert set(studies.index) == {"genchi-2023", "hirota-2024", "honmou-2021", "msc-cm-chronic-fatigue-2025"}
    assert studies.loc["hirota-2024", "n_participants"] == 7
    assert studies.loc["hirota-2024", "n_participants_quote"] == "was administered to seven patients with chronic SCI"
    rob = pd.read_csv(tmp_path / "csv" / "rob_jbi_case_series.csv")
    assert list(rob.columns) == ["Study", *(f"D{i}" for i in range(1, 11)), "Overall", "Weight"]
    assert rob.set_index("Study").loc["hirota-2024", "Weight"] == 7


def test_xlsx_sheets_read_back_with_pandas(seed_review, tmp_path):
    [path] = export(seed_review, "xlsx", tmp_path / "review.xlsx")
    sheets = pd.read_excel(path, sheet_name=None, keep_default_na=False)
    assert {"records", "studies", "rob_domains", "rob_minors"} <= set(sheets)
    assert sheets["records"].set_index("record_id").loc[EXCLUDED, "exclusion_reason"] == "no_primary_clinical_data"
    assert sheets["studies"].set_index("study_id").loc["hirota-2024", "n_participants"] == 7
    assert list(sheets["rob_minors"].columns) == ["Study", *(f"D{i}" for i in range(1, 9)), "Overall", "Weight"]


def test_robvis_layout_of_a_rob2_review_matches_robvis_columns(trials_review, tmp_path):
    export(trials_review, "csv", tmp_path / "csv")
    rob = pd.read_csv(tmp_path / "csv" / "rob_rob2.csv")
    assert list(rob.columns) == ["Study", "D1", "D2", "D3", "D4", "D5", "Overall", "Weight"]  # as robvis's data_rob2
    assert len(rob) == 12
    assert set(rob["Overall"]) <= {"Low", "Some concerns", "High"}
    assert rob.set_index("Study").loc["castillo-2012", "Overall"] == "High"


def test_revman_has_study_information_arms_and_per_arm_outcome_data(trials_review, tmp_path):
    written = export(trials_review, "revman", tmp_path / "revman")
    assert [p.name for p in written] == ["study_information.csv", "study_arms.csv", "study_results.csv"]
    info = pd.read_csv(written[0], keep_default_na=False).set_index("Study")
    assert info.loc["alder-2009", "Char: country"] == "United Kingdom"
    assert "Char: relapse_events_t" not in info.columns  # outcome data go in the results, not the characteristics
    arms = pd.read_csv(written[1])
    assert set(arms.loc[arms["Study"] == "alder-2009", "Arm"]) == {"exercise", "usual care"}
    results = pd.read_csv(written[2]).set_index(["Study", "Outcome type", "Arm"])
    relapse = results.loc[("alder-2009", "Dichotomous", "usual care")]
    assert (relapse["Events"], relapse["Total"]) == (10, 23)
    assert results.loc[("castillo-2012", "Dichotomous", "exercise"), "Events"] == 0
    fatigue = results.loc[("alder-2009", "Continuous", "exercise")]
    assert fatigue["Mean"] > 0 and fatigue["SD"] > 0 and fatigue["Total"] > 0


def test_an_unknown_format_is_refused_naming_the_known_ones(seed_review, capsys):
    before = _hashes(seed_review)
    with pytest.raises(SystemExit) as exc:
        main(["export", "endnote", "--review", str(seed_review)])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "invalid choice: 'endnote'" in err and all(f in err for f in ("ris", "bibtex", "csv", "xlsx", "revman"))
    with pytest.raises(ValueError, match="choose one of ris, bibtex, csv, xlsx, revman"):
        export(seed_review, "endnote")
    assert _hashes(seed_review) == before


@pytest.mark.parametrize("fmt, target", [("ris", "protocol.yml"), ("csv", "extraction"), ("xlsx", "rob/new.xlsx"),
                                         ("revman", ".")])
def test_an_out_path_among_the_reviewer_files_is_refused_and_nothing_changes(seed_review, capsys, fmt, target):
    before = _hashes(seed_review)
    assert main(["export", fmt, "--review", str(seed_review), "--out", str(seed_review / target)]) == 1
    assert "inside the review folder" in capsys.readouterr().err
    assert _hashes(seed_review) == before
    assert not (seed_review / "build").exists()


RIS = """TY  - JOUR
ID  - smith2020
TI  - Stem cells in chronic stroke {a trial}
AU  - Smith, Ann
AU  - Jones, Bo
PY  - 2020
JO  - Journal of Tests
VL  - 3
SP  - 10
EP  - 19
DO  - 10.1234/abc
KW  - stroke
ER  - 
"""


def test_an_imported_record_keeps_its_bibliographic_fields_beside_a_pending_decision(new_review, tmp_path):
    from reviewkit.records.imports import add_import

    review = new_review({"a.txt": "A note on stem cells in chronic fatigue."})
    (tmp_path / "search.ris").write_text(RIS, encoding="utf-8")
    add_import(review, tmp_path / "search.ris", source="medline")
    [path] = export(review, "ris", tmp_path / "r.ris")
    entry = next(e for e in rispy.loads(path.read_text(encoding="utf-8")) if e["id"] == "medline:smith2020")
    assert (entry["authors"], entry["doi"], entry["start_page"], entry["end_page"]) == (
        ["Smith, Ann", "Jones, Bo"], "10.1234/abc", "10", "19")
    assert entry["keywords"] == ["stroke", "reviewkit: pending"] and entry["notes"][0] == "ASReview_not_seen"
    [bib] = export(review, "bibtex", tmp_path / "r.bib")
    library = bibtexparser.parse_file(str(bib))
    assert not library.failed_blocks
    article = next(e for e in library.entries if e.key == "medline:smith2020")
    assert (article.entry_type, article["author"], article["pages"]) == ("article", "Smith, Ann and Jones, Bo", "10--19")
    assert article["title"] == "Stem cells in chronic stroke (a trial)"  # braces of the text would unbalance BibTeX's


def test_exports_of_an_updated_review_name_each_records_round(tmp_path):
    review = make_two_round_review(tmp_path)
    path = export(review, "ris", tmp_path / "records.ris")[0]
    entries = {e["id"]: e for e in rispy.loads(path.read_text(encoding="utf-8"))}
    assert "reviewkit_round: update-2025" in entries[RIS_NEW_RECORD]["notes"]
    assert "reviewkit_round: initial" in entries["search-2020:1"]["notes"]
    assert "update-2025:1" not in entries  # the round's copy of search-2020:1, removed as a duplicate
    folder = export(review, "csv", tmp_path / "csv")[0].parent
    records = pd.read_csv(folder / "records.csv", dtype=str, keep_default_na=False).set_index("record_id")
    assert records.loc["010_jansen_2019", "round"] == "update-2025" and records.loc["000_alder_2009", "round"] == "initial"
