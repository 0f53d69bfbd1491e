"""What changed since the previous version of an updated review (report.changes.changes_table): compared with the
review folder in git history, committed or not, or told from the screening timestamps where there is no history."""
from __future__ import annotations

import shutil

import pandas as pd
import yaml
from two_rounds import make_two_round_review

from reviewkit.report.changes import changes_table
from reviewkit.workbook import open_review


def _changes(review, tmp_path):
    opened = open_review(review, tmp_path / "build")
    listed = yaml.safe_load((review / "studies.yml").read_text(encoding="utf-8"))
    studies = pd.DataFrame([{"study_id": s.id, "records": " | ".join(s.records)} for s in opened.studies if s.id in listed])
    return changes_table(review, opened.protocol, opened.records, studies)


def _rows(changes: pd.DataFrame) -> dict:
    return {(r.kind, r.id, r.field): (r.before, r.after) for r in changes.itertuples()}


EXPECTED = {
    ("new_report", "008_haddad_2017", "haddad-2017"): ("", "included"),
    ("new_study", "jansen-2019", ""): ("", "010_jansen_2019"),
    ("new_study", "kowalski-2021", ""): ("", "011_kowalski_2021"),
    ("new_study", "lindqvist-2023", ""): ("", "012_lindqvist_2023"),
    ("decision", "013_morland_2020", "title_abstract"): ("unsure", "exclude (wrong_design)"),
    ("extraction", "alder-2009", "country"): ("pending", "United Kingdom"),
    ("extraction", "haddad-2017", ""): ("no form", "22 field(s) extracted"),
    ("risk_of_bias", "haddad-2017", ""): ("not appraised", "rob2: overall low"),
}


def test_changes_are_read_against_the_previous_version_in_git(tmp_path):
    changes = _changes(make_two_round_review(tmp_path), tmp_path)
    assert _rows(changes) == EXPECTED and len(changes) == len(EXPECTED)
    assert changes["basis"].str.fullmatch(r"git [0-9a-f]{10}").all()


def test_a_committed_round_is_compared_with_the_commit_before_it(tmp_path):
    changes = _changes(make_two_round_review(tmp_path, commit_round_two=True), tmp_path)
    assert _rows(changes) == EXPECTED


def test_without_history_decisions_since_the_rounds_date_are_listed_from_their_timestamps(tmp_path):
    review = make_two_round_review(tmp_path)
    shutil.rmtree(review.parent / ".git")
    for path in (review / "screening" / "title_abstract").glob("R*.csv"):
        lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
        path.write_text("".join(line.replace("2025-03-03", "2025-07-01").replace("2025-03-04", "2025-07-01")
                                if line.startswith("013_morland_2020") else line for line in lines), encoding="utf-8")
    changes = _changes(review, tmp_path)
    assert set(changes["basis"]) == {"timestamps"}
    assert changes[changes["kind"] == "note"]["after"].str.contains("no git history").any()
    decided = changes[changes["kind"] == "decision"]
    assert decided["id"].tolist() == ["013_morland_2020", "013_morland_2020"]  # R1's row and R2's
    assert set(decided["after"]) == {"exclude (wrong_design)"}
    assert {k[1] for k in _rows(changes) if k[0] == "new_study"} == {"jansen-2019", "kowalski-2021", "lindqvist-2023"}


def test_a_review_of_one_round_has_no_changes(seed_review, tmp_path):
    opened = open_review(seed_review, tmp_path / "build")
    assert changes_table(seed_review, opened.protocol, opened.records, None).empty
