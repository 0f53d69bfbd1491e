"""Search rounds of an updated review: `reviewkit import --round`, the protocol's rounds, records of earlier rounds
recognised as duplicates and not screened again, and the bad inputs of rounds."""
from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest
import yaml
from conftest import ROOT
from two_rounds import RIS_NEW_RECORD, make_two_round_review

from reviewkit.core.errors import ReviewInputError, ReviewInputErrors
from reviewkit.core.protocol import load_protocol
from reviewkit.records.dedup.review import record_duplicates
from reviewkit.records.imports import add_import
from reviewkit.records.sources import load_records
from reviewkit.screening.decisions import resolved_table
from reviewkit.screening.prioritise import review_labels, screening_order
from reviewkit.workbook import open_review
from reviewkit.workbook.cli import main
from reviewkit.workbook.validate import validate_review

FIXTURES = ROOT / "tests" / "fixtures" / "import"


def _hashes(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file() and not p.name.endswith(".lock")}


def test_import_round_lists_the_round_and_recognises_records_already_in_the_review(seed_review, tmp_path, capsys):
    add_import(seed_review, FIXTURES / "pubmed.nbib", name="MEDLINE via PubMed")
    update = tmp_path / "embase-2025.ris"
    shutil.copy(FIXTURES / "embase.ris", update)
    assert main(["import", str(update), "--review", str(seed_review), "--round", "update-2025", "--round-date",
                 "2025-06-01", "--name", "Embase via Ovid"]) == 0
    out = capsys.readouterr().out
    assert "round 'update-2025': 1 record(s) duplicate records already in the review and will not be screened again; " \
           "1 new" in out
    data = yaml.safe_load((seed_review / "protocol.yml").read_text(encoding="utf-8"))
    assert data["rounds"] == [{"id": "initial", "label": "First search"},
                              {"id": "update-2025", "date": __import__("datetime").date(2025, 6, 1)}]
    assert data["sources"][-1]["round"] == "update-2025" and "round" not in data["sources"][0]
    protocol = load_protocol(seed_review)
    assert [protocol.round_number(s) for s in protocol.sources] == [1, 1, 2]
    records = load_records(seed_review, protocol)
    groups = record_duplicates(seed_review, records)
    assert groups["kept"].tolist() == ["pubmed:38000001"]  # the earlier round's record is the one kept
    assert groups["removed"].tolist() == ["embase-2025:2024815531"]
    assert validate_review(seed_review) == []


def test_only_the_new_rounds_new_records_wait_for_screening_and_earlier_decisions_stay(tmp_path):
    review = make_two_round_review(tmp_path, decide_round_two=False)
    opened = open_review(review, tmp_path / "build")
    screened = {r.id for r in opened.to_screen}
    assert {"update-2025:1", "update-2025:2"}.isdisjoint(screened)  # copies of round-1 records
    resolved = resolved_table(review, opened.protocol, opened.records, opened.to_screen)
    title = resolved[resolved["stage"] == "title_abstract"].set_index("record_id")["decision"]
    pending = set(title[title == "pending"].index)
    assert pending == {RIS_NEW_RECORD, "008_haddad_2017", "010_jansen_2019", "011_kowalski_2021", "012_lindqvist_2023",
                       "014_novak_2022"}
    assert title["search-2020:1"] == "exclude" and title["000_alder_2009"] == "include"  # round 1's decisions stand
    labels = review_labels(resolved, opened.to_screen)  # the ranking learns from every earlier round's decision
    assert len(labels) == len(opened.to_screen) - len(pending) == 13
    order, ranked = screening_order(resolved, opened.to_screen, cache=tmp_path / "cache")
    assert set(ranked["record_id"]) == pending and set(order[:len(pending)]) == pending


def test_a_round_with_no_new_record_is_refused_and_changes_nothing(seed_review, tmp_path):
    add_import(seed_review, FIXTURES / "scopus.ris", name="Scopus")
    again = tmp_path / "scopus-rerun.ris"
    again.write_bytes((FIXTURES / "scopus.ris").read_bytes() + b"\n")  # the same records, other bytes
    before = _hashes(seed_review)
    with pytest.raises(Exception, match=r"scopus-rerun.ris: round 'update' adds no new record: all 3 records kept "
                                        r"duplicate records already in the review \(the first, scopus-rerun:"):
        add_import(seed_review, again, round="update")
    assert _hashes(seed_review) == before


def test_a_file_imported_before_is_refused_whatever_its_name(seed_review, tmp_path):
    add_import(seed_review, FIXTURES / "embase.ris")
    renamed = tmp_path / "embase-copy.ris"
    shutil.copy(FIXTURES / "embase.ris", renamed)
    before = _hashes(seed_review)
    with pytest.raises(Exception, match=r"embase-copy.ris: this file was already imported, as source 'embase'"):
        add_import(seed_review, renamed, round="update-2025")
    assert _hashes(seed_review) == before


def test_the_first_round_name_is_kept_for_the_first_search(seed_review):
    before = _hashes(seed_review)
    with pytest.raises(Exception, match=r"protocol.yml, field 'rounds': round 'initial' names the review's first search"):
        add_import(seed_review, FIXTURES / "embase.ris", round="initial")
    assert _hashes(seed_review) == before


def test_rounds_in_the_protocol_are_checked_with_file_line_and_field(seed_review):
    path = seed_review / "protocol.yml"
    text = path.read_text(encoding="utf-8")
    text = text.replace("    searched: Documents collected by the review team; no date limits.\n",
                        "    searched: Documents collected by the review team; no date limits.\n    round: later\n")
    text = text.replace("exclusion_reasons:\n", "rounds:\n  - id: first\n    date: 2025-05-01\n"
                                                "  - id: second\n    date: 2024-01-01\n  - id: bad id\nexclusion_reasons:\n", 1)
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ReviewInputError) as caught:
        load_protocol(seed_review)
    messages = [str(caught.value)]
    assert any("field 'rounds.2.id'" in m and "should match pattern" in m for m in messages), messages
    text = text.replace("  - id: bad id\n", "")
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ReviewInputErrors) as caught:
        load_protocol(seed_review)
    messages = [str(e) for e in caught.value.errors]
    line = text.splitlines().index("    round: later") + 1
    assert any(m.endswith(f"protocol.yml, line {line}, field 'sources.0.round': source 'seeds' names round 'later', "
                          "which is not in rounds (first, second)") for m in messages), messages
    assert any("field 'rounds.1.date'" in m and "round 'second' is dated 2024-01-01, before round 'first'" in m
               for m in messages), messages
