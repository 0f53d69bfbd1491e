"""Decision files: recording, validation of bad input, resolution, tables and counts."""
from __future__ import annotations

from pathlib import Path

import pytest

from reviewkit.core.errors import ReviewInputError, ReviewInputErrors
from reviewkit.core.protocol import load_protocol
from reviewkit.records.sources import load_records
from reviewkit.screening.decisions import (
    COLUMNS,
    decision_file,
    load_decisions,
    prisma_screening_counts,
    record_decision,
    resolve,
    screening_table,
    stage_status,
    validate,
)

HEADER = ",".join(COLUMNS) + "\n"
STAMP = "2025-03-01T10:00:00Z"
DOCS = {
    "a1": "Stem cells for chronic stroke\nIn a phase 1 trial, 10 patients with chronic stroke received stromal cells. No serious adverse events.",
    "b2": "Exosomes for mice\nThe study used mice with spinal cord injury; the mice that were treated recovered.",
    "c3": "A clinic page\nWe offer stem cell therapy for many conditions.",
}


@pytest.fixture
def review(new_review) -> Path:
    return new_review({f"{name}.txt": text for name, text in DOCS.items()})


@pytest.fixture
def protocol(review):
    return load_protocol(review)


@pytest.fixture
def records(review, protocol):
    return load_records(review, protocol)


def write(review: Path, stage: str, name: str, rows: list[str]) -> Path:
    path = decision_file(review, stage, name)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(HEADER + "".join(r + "\n" for r in rows), encoding="utf-8")
    return path


def record(review, protocol, records, **kwargs):
    defaults = {"stage": "title_abstract", "reviewer": "ann", "timestamp": STAMP}
    return record_decision(review, protocol, records, **{**defaults, **kwargs})


# recording


def test_record_decision_appends_and_replaces_without_losing_rows(review, protocol, records):
    path = record(review, protocol, records, record_id="a1", decision="include", note="a trial")
    record(review, protocol, records, record_id="b2", decision="exclude", exclusion_reason="non_human")
    record(review, protocol, records, record_id="a1", decision="unsure", note="second look, chronic?", timestamp=None)
    rows = load_decisions(review, protocol, records)
    assert rows[["record_id", "decision", "exclusion_reason"]].values.tolist() == [
        ["a1", "unsure", ""],
        ["b2", "exclude", "non_human"],
    ]
    assert rows.iloc[0]["note"] == "second look, chronic?" and rows.iloc[0]["timestamp"].endswith("Z")
    assert path.read_text(encoding="utf-8").splitlines()[0] == ",".join(COLUMNS)


def test_a_note_with_commas_quotes_and_newlines_survives(review, protocol, records):
    note = 'says "chronic", but\nno dates'
    record(review, protocol, records, record_id="a1", decision="include", note=note)
    record(review, protocol, records, record_id="c3", decision="exclude", exclusion_reason="no_primary_clinical_data")
    rows = load_decisions(review, protocol, records)
    assert rows.iloc[0]["note"] == note
    assert rows.iloc[1]["line"] == 4  # the note spans lines 2 and 3


@pytest.mark.parametrize(
    "kwargs, field",
    [
        ({"record_id": "zz9", "decision": "include"}, "record_id"),
        ({"record_id": "a1", "decision": "exclude"}, "exclusion_reason"),
        ({"record_id": "a1", "decision": "exclude", "exclusion_reason": "too_boring"}, "exclusion_reason"),
        ({"record_id": "a1", "decision": "maybe"}, "decision"),
        ({"record_id": "a1", "decision": "include", "timestamp": "2025-03-01 10:00"}, "timestamp"),
    ],
)
def test_record_decision_refuses_bad_input_and_leaves_the_file(review, protocol, records, kwargs, field):
    path = record(review, protocol, records, record_id="c3", decision="include")
    before = path.read_bytes()
    with pytest.raises(ReviewInputError) as caught:
        record(review, protocol, records, **kwargs)
    assert caught.value.field == field and caught.value.path == str(path) and caught.value.line == 3
    assert path.read_bytes() == before


def test_record_decision_refuses_to_touch_an_invalid_file(review, protocol, records):
    path = write(review, "title_abstract", "ann", [f"a1,include,,,ann,{STAMP}", f"a1,exclude,,,ann,{STAMP}"])
    before = path.read_bytes()
    with pytest.raises(ReviewInputErrors) as caught:
        record(review, protocol, records, record_id="c3", decision="include")
    assert {(e.line, e.field) for e in caught.value.errors} == {(3, "record_id"), (3, "exclusion_reason")}
    assert path.read_bytes() == before


def test_no_full_text_decision_for_a_record_excluded_at_title_abstract(review, protocol, records):
    record(review, protocol, records, record_id="b2", decision="exclude", exclusion_reason="non_human")
    with pytest.raises(ReviewInputError, match="excluded at title/abstract"):
        record(review, protocol, records, stage="full_text", record_id="b2", decision="include")
    assert not decision_file(review, "full_text", "ann").exists()
    record(review, protocol, records, stage="full_text", record_id="a1", decision="include")
    with pytest.raises(ReviewInputError, match="excluded at title/abstract"):
        record(review, protocol, records, record_id="a1", decision="exclude", exclusion_reason="wrong_population")


# validation of files written by hand


def test_validate_reports_every_problem_with_file_line_and_field(review, protocol, records):
    path = write(
        review,
        "title_abstract",
        "ann",
        [
            f"zz9,include,,,ann,{STAMP}",
            f"a1,exclude,,,ann,{STAMP}",
            f"b2,exclude,made_up,,ann,{STAMP}",
            f"c3,include,,,bob,{STAMP}",
            "c3,include,,,ann,yesterday",
        ],
    )
    found = sorted((e.line, e.field) for e in validate(review, protocol, records))
    assert found == [
        (2, "record_id"),
        (3, "exclusion_reason"),
        (4, "exclusion_reason"),
        (5, "reviewer"),
        (6, "record_id"),
        (6, "timestamp"),
    ]
    errors = validate(review, protocol, records)
    assert all(e.path == str(path) for e in errors)
    assert f"{path}, line 6, record 'c3', field 'timestamp'" in [str(e).split(":")[0] for e in errors]


@pytest.mark.parametrize(
    "text, line, field, message",
    [
        (HEADER + f"a1,include,,,ann,{STAMP},extra\n", 2, None, "7 fields"),
        (HEADER + 'a1,include,,"unterminated note\n', 2, None, "malformed CSV"),
        ("record_id,decision,note,reviewer,timestamp\n", 1, "exclusion_reason", "missing"),
        (HEADER.strip() + ",score\n", 1, "score", "unknown column"),
        ("", 1, None, "empty file"),
    ],
)
def test_malformed_csv_is_a_clear_error(review, protocol, records, text, line, field, message):
    path = decision_file(review, "title_abstract", "ann")
    path.parent.mkdir(parents=True)
    path.write_text(text, encoding="utf-8")
    errors = validate(review, protocol, records)
    assert len(errors) == 1
    assert (errors[0].path, errors[0].line, errors[0].field) == (str(path), line, field)
    assert message in str(errors[0])
    with pytest.raises(ReviewInputError):
        load_decisions(review, protocol, records)


def test_files_that_do_not_belong_are_reported(review, protocol, records):
    (review / "screening" / "abstracts").mkdir(parents=True)
    (review / "screening" / "full_text").mkdir()
    (review / "screening" / "full_text" / "ann.xlsx").write_text("x")
    assert len(validate(review, protocol, records)) == 2


# resolution


def test_resolution_single_unanimous_conflict_consensus_pending(review, protocol, records):
    write(review, "title_abstract", "ann", [f"a1,include,,,ann,{STAMP}", f"b2,exclude,non_human,,ann,{STAMP}", f"c3,include,,,ann,{STAMP}"])
    write(review, "title_abstract", "bob", [f"a1,include,,,bob,{STAMP}", f"b2,include,,,bob,{STAMP}"])
    table = resolve(load_decisions(review, protocol, records), ["a1", "b2", "c3"])
    ta = table[table["stage"] == "title_abstract"].set_index("record_id")
    assert ta.loc["a1", "decision"] == "include" and ta.loc["a1", "decided_by"] == "unanimous"
    assert ta.loc["b2", "decision"] == "conflict"
    assert ta.loc["c3", "decision"] == "pending"  # bob has not screened it

    write(review, "title_abstract", "consensus", [f"b2,exclude,non_human,talked it over,ann+bob,{STAMP}"])
    table = resolve(load_decisions(review, protocol, records), ["a1", "b2", "c3"])
    ta = table[table["stage"] == "title_abstract"].set_index("record_id")
    assert (ta.loc["b2", "decision"], ta.loc["b2", "exclusion_reason"]) == ("exclude", "non_human")
    assert ta.loc["b2", "decided_by"] == "consensus (ann+bob)"
    assert set(table[table["stage"] == "full_text"]["record_id"]) == {"a1", "c3"}


def test_same_decision_different_reasons_is_a_conflict(review, protocol, records):
    write(review, "title_abstract", "ann", [f"b2,exclude,non_human,,ann,{STAMP}"])
    write(review, "title_abstract", "bob", [f"b2,exclude,wrong_population,,bob,{STAMP}"])
    table = resolve(load_decisions(review, protocol, records), ["b2"])
    assert table.iloc[0]["decision"] == "conflict"


def test_screening_table_without_decisions_is_all_pending_with_suggestions(review, protocol, records):
    table = screening_table(review, protocol, records)
    assert {"record_id", "stage", "decision", "exclusion_reason", "suggested_decision"} <= set(table.columns)
    assert set(table["decision"]) == {"pending"}
    assert len(table) == 2 * len(records)
    suggested = table[table["stage"] == "title_abstract"].set_index("record_id")["suggested_decision"]
    assert suggested["a1"] == "include" and suggested["b2"] == "exclude"
    assert stage_status(review, protocol, records).state == "pending"


def test_counts_and_inclusion(review, protocol, records):
    write(review, "title_abstract", "ann", [f"a1,include,,,ann,{STAMP}", f"b2,exclude,non_human,,ann,{STAMP}", f"c3,unsure,,,ann,{STAMP}"])
    write(review, "full_text", "ann", [f"a1,include,,,ann,{STAMP}", f"c3,exclude,no_primary_clinical_data,,ann,{STAMP}"])
    table = screening_table(review, protocol, records)
    assert table[table["included"]]["record_id"].unique().tolist() == ["a1"]
    counts = {(s, m, r): n for s, m, r, n in prisma_screening_counts(table).itertuples(index=False)}
    assert counts[("title_abstract", "screened", "")] == 3
    assert counts[("title_abstract", "excluded", "non_human")] == 1
    assert counts[("full_text", "to_screen", "")] == 2
    assert counts[("full_text", "excluded", "no_primary_clinical_data")] == 1
    assert counts[("overall", "included", "")] == 1
    status = stage_status(review, protocol, records)
    assert status.state == "done"
    assert status.summary.startswith("3 records screened at title/abstract, 2 at full text; 0 conflicts; 2 excluded")


def test_status_reports_problems_instead_of_failing(review, protocol, records):
    write(review, "title_abstract", "ann", [f"zz9,include,,,ann,{STAMP}"])
    status = stage_status(review, protocol, records)
    assert status.state == "pending" and "1 problem" in status.summary


def test_record_consensus_names_who_resolved(review, protocol, records):
    write(review, "title_abstract", "ann", [f"a1,include,,,ann,{STAMP}"])
    write(review, "title_abstract", "bob", [f"a1,unsure,,,bob,{STAMP}"])
    path = record(review, protocol, records, record_id="a1", decision="include", reviewer="ann and bob", consensus=True)
    assert path.name == "consensus.csv"
    table = resolve(load_decisions(review, protocol, records), ["a1"])
    assert table.iloc[0][["decision", "decided_by"]].tolist() == ["include", "consensus (ann and bob)"]


def test_status_reads_the_decisions_without_judging_every_record(review, protocol, records, monkeypatch):
    """``reviewkit status`` answers from the decisions: the protocol's rules are not run over every record (at
    10,000 records that took most of a minute)."""
    import reviewkit.screening.decisions as decisions

    def refuse(*args, **kwargs):
        raise AssertionError("suggestions computed for a status")

    monkeypatch.setattr(decisions, "suggestions", refuse)
    state = decisions.stage_status(review, protocol, records)
    assert "records screened at title/abstract" in state.summary
