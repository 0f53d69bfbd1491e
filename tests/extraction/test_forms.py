"""Extraction forms: checks against the protocol and the reports' text, tables, and writing values."""
from pathlib import Path

import pandas as pd
import pytest

from reviewkit.core.errors import ReviewInputError, ReviewInputErrors
from reviewkit.core.protocol import load_protocol
from reviewkit.extraction.agreement import agreement_rate, agreement_table
from reviewkit.extraction.forms import NOT_REPORTED, load_forms, read_forms, record_value, stage_status, validate
from reviewkit.extraction.tables import characteristics_table, extraction_table, included_record_ids, included_studies
from reviewkit.records.sources import load_records

ARTICLE = (
    "Smith J, Lee K. Neurol Open. 2021;4:55. doi: 10.5555/no.2021.055.\n"
    "In this open-label pilot study, eight patients with chronic spinal cord injury received a single "
    "intrathecal injection of autologous bone marrow MSCs. No serious adverse events occurred. "
    "Walking improved in 3 of 8 patients at 12 months.\n"
)
NEWS = "A “breakthrough” — doctors at a clinic say stem cells let paralysed people walk again; 8 patients took part.\n"


@pytest.fixture
def small_review(new_review) -> Path:
    """A review of two records (an article and a news item on it) linked as one study."""
    review = new_review({"art.txt": ARTICLE, "news.txt": NEWS})
    (review / "studies.yml").write_text("smith-2021:\n  records: [art, news]\n  primary_record: art\n", encoding="utf-8")
    (review / "extraction").mkdir()
    return review


def _form(review: Path, text: str) -> Path:
    path = review / "extraction" / "smith-2021.yml"
    path.write_text(text, encoding="utf-8")
    return path


def _errors(review: Path) -> list[ReviewInputError]:
    protocol = load_protocol(review)
    return validate(review, protocol, load_records(review, protocol))


GOOD = """\
n_participants:
  value: 8
  quote: eight patients with chronic spinal cord injury
  record: art
route:
  value: intrathecal
  quote: A SINGLE intrathecal
    injection
  record: art
follow_up:
  value: not reported
  note: only one time point
discrepancies:
  - records: [art, news]
    record: news
    note: The news item calls a pilot study a breakthrough.
    quote: A "breakthrough" - doctors
"""


def test_valid_form_reads_values_quotes_and_discrepancies(small_review):
    _form(small_review, GOOD)
    protocol = load_protocol(small_review)
    records = load_records(small_review, protocol)
    studies, forms = load_forms(small_review, protocol, records)
    form = forms["smith-2021"]
    assert form.entries["n_participants"].value == 8
    evidence = form.entries["route"].evidence[0]
    assert ARTICLE[evidence.span[0]:evidence.span[1]] == "a single intrathecal injection"
    assert form.status("follow_up") == NOT_REPORTED and form.status("donor") == "pending"
    assert form.discrepancies[0].evidence[0].record == "news"
    table = extraction_table([form], protocol)
    assert len(table) == len(protocol.extraction_form)
    assert table.set_index("field").loc["route", "record_id"] == "art"
    assert table.set_index("field").loc["donor", "status"] == "pending"
    row = characteristics_table([form], protocol).iloc[0]
    assert row["n_participants"] == "8" and row["follow_up"] == NOT_REPORTED and row["donor"] == "pending"


def test_every_problem_is_reported_with_study_field_and_closest_passage(small_review):
    _form(small_review, """\
n_participants:
  value: eight
  quote: eight patients
  record: art
donor:
  value: xenogeneic
  quote: autologous bone marrow
  record: art
route:
  value: intrathecal
  quote: a single intravenous injection
  record: art
design:
  value: case series
  quote: open-label pilot study
schedule:
  value: once
  quote: a single
  record: ghost
sample_size:
  value: 8
follow_up:
  value: 12 months
""")
    errors = _errors(small_review)
    by_field = {e.field: str(e) for e in errors}
    assert "expected a whole number" in by_field["n_participants"]
    assert "expected one of ['autologous', 'allogeneic', 'mixed']" in by_field["donor"]
    assert "quote not found" in by_field["route"] and "'smith-2021'" in by_field["route"]
    assert "closest passage: 'a single intrathecal injection'" in by_field["route"]
    assert "say which report" in by_field["design"]  # two reports: the record must be named
    assert "'ghost' is not a report of study 'smith-2021'" in by_field["schedule"]
    assert "unknown field" in by_field["sample_size"]
    assert "needs the verbatim quote" in by_field["follow_up"]
    assert next(e for e in errors if e.field == "route").line == 11  # the quote's line
    assert next(e for e in errors if e.field == "n_participants").line == 2  # the value's line


def test_malformed_yaml_names_file_and_line(small_review):
    path = _form(small_review, "route:\n  value: intrathecal\n  quote: [unclosed\n")
    (error,) = _errors(small_review)
    assert error.path == str(path) and error.line is not None and "malformed YAML" in error.message


def test_list_and_text_types_are_checked(small_review):
    _form(small_review, """\
outcome_measures:
  value: walking
  quote: Walking improved
  record: art
condition:
  value: [chronic SCI]
  quote: chronic spinal cord injury
  record: art
""")
    by_field = {e.field: e.message for e in _errors(small_review)}
    assert "expected a list of texts" in by_field["outcome_measures"]
    assert "expected text" in by_field["condition"]


def test_form_of_unknown_study_and_study_without_reports_are_errors(small_review):
    (small_review / "extraction" / "nobody-1999.yml").write_text("design:\n  value: not reported\n", encoding="utf-8")
    (small_review / "studies.yml").write_text(
        "smith-2021:\n  records: [art, news]\nempty-2020:\n  records: []\n", encoding="utf-8"
    )
    messages = [str(e) for e in _errors(small_review)]
    assert any("nobody-1999.yml" in m and "no study has this id" in m for m in messages)
    assert any("empty-2020" in m and "non-empty list 'records'" in m for m in messages)


def test_record_value_writes_a_valid_value_atomically(small_review):
    _form(small_review, GOOD)
    entry = record_value(small_review, "smith-2021", "donor", "autologous", "autologous bone marrow MSCs", "art")
    assert entry.value == "autologous"
    assert _errors(small_review) == []
    protocol = load_protocol(small_review)
    forms = load_forms(small_review, protocol, load_records(small_review, protocol))[1]
    assert forms["smith-2021"].entries["donor"].evidence[0].record == "art"
    assert forms["smith-2021"].entries["n_participants"].value == 8  # other fields kept


def test_record_value_refuses_bad_value_and_leaves_file_as_is(small_review):
    path = _form(small_review, GOOD)
    before = path.read_bytes()
    with pytest.raises(ReviewInputError, match="closest passage"):
        record_value(small_review, "smith-2021", "donor", "autologous", "allogeneic donor cells", "art")
    with pytest.raises(ReviewInputError, match="expected one of"):
        record_value(small_review, "smith-2021", "route", "spinal", "intrathecal injection", "art")
    assert path.read_bytes() == before


def test_record_value_never_rewrites_an_invalid_file(small_review):
    path = _form(small_review, "route:\n  value: into the spine\n  quote: intrathecal\n  record: art\n")
    before = path.read_bytes()
    with pytest.raises((ReviewInputError, ReviewInputErrors)):
        record_value(small_review, "smith-2021", "donor", "autologous", "autologous", "art")
    assert path.read_bytes() == before


def test_included_studies_from_screening_table(small_review, tmp_path):
    out = tmp_path / "build"
    assert included_record_ids(out) is None
    (out / "tables").mkdir(parents=True)
    pd.DataFrame(
        {"record_id": ["art", "news", "art", "news"],
         "stage": ["title_abstract", "title_abstract", "full_text", "full_text"],
         "decision": ["include", "include", "include", "pending"],
         "included": [True, False, True, False]}
    ).to_csv(out / "tables" / "screening.csv", index=False)
    assert included_record_ids(out) == {"art"}
    protocol = load_protocol(small_review)
    studies, _ = load_forms(small_review, protocol, load_records(small_review, protocol))
    assert [s.id for s in included_studies(studies, {"art"})] == ["smith-2021"]
    assert included_studies(studies, None) == []


def test_agreement_between_suggestions_and_reviewer(small_review):
    _form(small_review, GOOD)
    protocol = load_protocol(small_review)
    records = load_records(small_review, protocol)
    forms = load_forms(small_review, protocol, records)[1]
    suggestions = pd.DataFrame(
        [
            {"record_id": "news", "field": "n_participants", "value": 8, "quote": "8 patients"},
            {"record_id": "art", "field": "route", "value": "intravenous", "quote": "x"},
            {"record_id": "art", "field": "follow_up", "value": "12 months", "quote": "at 12 months"},
        ]
    )
    table = agreement_table([forms["smith-2021"]], suggestions, protocol).set_index("field")
    assert table.loc["n_participants", "agreement"] == "agree"
    assert table.loc["route", "agreement"] == "disagree"
    assert table.loc["follow_up", "agreement"] == "disagree"  # reviewer: not reported
    assert table.loc["donor", "agreement"] == "pending"
    assert agreement_rate(table.reset_index()) == pytest.approx(1 / 3)


def test_seed_review_included_studies_fully_extracted_with_verified_quotes(seed_review):
    protocol = load_protocol(seed_review)
    records = load_records(seed_review, protocol)
    studies, forms, errors = read_forms(seed_review, protocol, records)
    assert errors == []
    texts = {r.id: r.text for r in records}
    for study_id in ["msc-cm-chronic-fatigue-2025", "hirota-2024", "honmou-2021", "genchi-2023"]:
        form = forms[study_id]
        assert [form.status(f.key) for f in protocol.extraction_form].count("pending") == 0, study_id
        for entry in form.entries.values():
            assert entry.evidence or entry.value == NOT_REPORTED
            for evidence in entry.evidence:
                assert texts[evidence.record][evidence.span[0]:evidence.span[1]].strip()
    assert forms["msc-cm-chronic-fatigue-2025"].entries["improved_events"].value == 10
    assert len(forms["genchi-2023"].discrepancies) >= 2 and len(forms["honmou-2021"].discrepancies) >= 2
    status = stage_status(seed_review, protocol, records)
    assert status.state == "done"


def test_status_is_pending_without_forms_and_on_bad_files(small_review):
    protocol = load_protocol(small_review)
    records = load_records(small_review, protocol)
    assert stage_status(small_review, protocol, records).summary == "no extraction forms yet"
    _form(small_review, "n_participants:\n  value: many\n")
    assert "problem" in stage_status(small_review, protocol, records).summary
