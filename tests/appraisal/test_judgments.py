"""Risk-of-bias judgment files: validation of bad input, the table, the writer, and the seed review's appraisals."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from reviewkit.appraisal.judgments import load_appraisals, record_judgment, rob_path, study_design, validate
from reviewkit.appraisal.plan import stage_status
from reviewkit.appraisal.tables import rob_table
from reviewkit.appraisal.tools import read_tools
from reviewkit.core.protocol import load_protocol
from reviewkit.records.sources import load_records
from reviewkit.records.studies import load_studies

DOCS = {
    "cs1": "Stem cells in chronic stroke\nWe report a case series of seven patients with chronic stroke treated at "
           "one hospital. Inclusion required a stroke at least one year earlier. No serious adverse events occurred.",
    "pr2": "Our company announces results\nIn this trial, 12 patients received our cells. The results are promising.",
}
JBI_ITEMS = "\n".join(f"      Q{i}:\n        answer: unclear\n        note: Not reported." for i in range(3, 11))
CASE_SERIES = f"""\
# Reviewer's header comment.
appraisals:
  - tool: jbi_case_series
    items:
      Q1:
        answer: yes
        quote: Inclusion required a stroke at least one year earlier.
      Q2:
        answer: no
        note: No standard measure of stroke severity is described.
{JBI_ITEMS}
    overall:
      judgment: include
      note: Small, but clearly reported.
"""


@pytest.fixture
def review(new_review) -> Path:
    review_dir = new_review({f"{name}.txt": text for name, text in DOCS.items()})
    (review_dir / "extraction").mkdir()
    for study, design in (("cs1", "case series"), ("pr2", "single-arm trial")):
        (review_dir / "extraction" / f"{study}.yml").write_text(
            f"design:\n  value: {design}\n  note: As the report says.\n"
        )
    (review_dir / "rob").mkdir()
    return review_dir


def write(review: Path, study: str, text: str) -> Path:
    path = rob_path(review, study)
    path.write_text(text)
    return path


def problems(review: Path) -> list[str]:
    protocol = load_protocol(review)
    return [str(e) for e in validate(review, protocol, load_records(review, protocol))]


def test_a_valid_appraisal_passes_and_makes_the_table(review: Path):
    write(review, "cs1", CASE_SERIES)
    assert problems(review) == []
    protocol = load_protocol(review)
    records = load_records(review, protocol)
    _, appraisals, _ = load_appraisals(review, protocol, records)
    table = rob_table(appraisals["cs1"])
    assert list(table.columns) == ["study_id", "record_id", "source_type", "tool", "item", "judgment", "level", "support"]
    assert list(table["item"]) == [f"Q{i}" for i in range(1, 11)] + ["overall"]
    q1 = table[table["item"] == "Q1"].iloc[0]
    assert (q1["judgment"], q1["level"]) == ("yes", "low")  # bare YAML yes is read as the answer "yes"
    assert "Inclusion required a stroke" in q1["support"]
    overall = table[table["item"] == "overall"].iloc[0]
    assert (overall["judgment"], overall["level"]) == ("include", "low")
    assert stage_status(review, protocol, records).state == "pending"  # pr2 has no appraisal yet


@pytest.mark.parametrize("old, new, expected", [
    ("tool: jbi_case_series", "tool: jbi_case_reports", "unknown tool 'jbi_case_reports'"),
    ("      Q2:\n", "      Q11:\n", "unknown item 'Q11' of tool 'jbi_case_series'"),
    ("answer: no\n", "answer: maybe\n", "item Q2: answer 'maybe' is not allowed by jbi_case_series"),
    ("    overall:\n      judgment: include\n", "    overall:\n", "jbi_case_series has no overall rule: state the overall judgment"),
    ("quote: Inclusion required a stroke at least one year earlier.", "quote: Inclusion required a stroke within a week.",
     "quote not found in the text of record 'cs1'"),
    ("        note: No standard measure of stroke severity is described.\n", "", "item Q2: give the verbatim quote"),
    ("judgment: include", "judgment: accept", "overall judgment 'accept' is not one of"),
    ("tool: jbi_case_series", "tool: minors", "design 'case series' calls for tool 'jbi_case_series', not 'minors'"),
])
def test_bad_input_is_an_error_naming_file_and_item(review: Path, old, new, expected):
    assert old in CASE_SERIES
    write(review, "cs1", CASE_SERIES.replace(old, new, 1))
    found = problems(review)
    assert any(expected in p for p in found), found
    assert all("cs1.yml" in p and "study 'cs1'" in p for p in found)


def test_quote_not_found_names_the_item_line_and_closest_passage(review: Path):
    write(review, "cs1", CASE_SERIES.replace("at least one year earlier", "at least two years earlier"))
    [problem] = problems(review)
    assert "line 6" in problem and "appraisals[0].items.Q1" in problem
    assert "closest passage: 'Inclusion required a stroke at least one year earlier." in problem


def test_every_problem_is_reported_not_only_the_first(review: Path):
    bad = (CASE_SERIES.replace("answer: no\n", "answer: maybe\n").replace("      Q3:\n", "      Q30:\n")
           .replace("    overall:\n      judgment: include\n", "    overall:\n"))
    write(review, "cs1", bad)
    write(review, "pr2", "appraisals:\n  - tool: nonsense\n")
    found = problems(review)
    assert len(found) == 3, found  # answer, unknown item, unknown tool (the overall waits for the items)
    assert sum("pr2.yml" in p for p in found) == 1


def test_an_item_answered_twice_is_an_error(review: Path):
    write(review, "cs1", CASE_SERIES.replace("      Q3:\n", "      Q1:\n"))
    assert any("'Q1' is given twice" in p for p in problems(review))


def test_a_missing_item_leaves_the_appraisal_pending(review: Path):
    write(review, "cs1", CASE_SERIES.replace("      Q10:\n        answer: unclear\n        note: Not reported.\n", ""))
    assert problems(review) == []
    protocol = load_protocol(review)
    _, appraisals, _ = load_appraisals(review, protocol, load_records(review, protocol))
    [appraisal] = appraisals["cs1"]
    assert appraisal.missing == ["Q10"] and appraisal.overall is None
    table = rob_table([appraisal])
    assert table.set_index("item").loc[["Q10", "overall"], "judgment"].tolist() == ["pending", "pending"]


MINORS = """\
appraisals:
  - tool: minors
    items:
{items}
    overall:
      judgment: {total}
"""


def minors_file(scores: list[int], total: str) -> str:
    items = "\n".join(f"      M{i}:\n        answer: {s}\n        note: Scored from the report." for i, s in enumerate(scores, 1))
    return MINORS.format(items=items, total=total)


def test_a_stated_overall_that_contradicts_the_rule_is_an_error(review: Path):
    write(review, "pr2", minors_file([2, 0, 2, 1, 1, 2, 1, 0], "9/16"))
    assert problems(review) == []
    write(review, "pr2", minors_file([2, 0, 2, 1, 1, 2, 1, 0], "12"))
    [problem] = problems(review)
    assert "pr2.yml" in problem and "appraisals[0].overall" in problem and "stated overall '12' contradicts" in problem


def test_override_needs_a_reason_and_changes_the_tool(review: Path):
    text = CASE_SERIES.replace("tool: jbi_case_series", "tool: minors", 1)
    write(review, "cs1", "override:\n  tool: minors\n" + text)
    assert any("'override' needs 'tool' and a 'reason'" in p for p in problems(review))
    scored = minors_file([2] * 8, "16")
    write(review, "cs1", "override:\n  tool: minors\n  reason: Prospective with a protocol.\n" + scored)
    assert problems(review) == []


def test_a_report_appraisal_uses_the_tool_of_its_source_type(review: Path):
    aacods = """\
appraisals:
  - tool: jbi_case_series
    record: pr2
    source_type: press release
    items: {}
"""
    write(review, "pr2", aacods)
    assert any("source type 'press release' calls for tool 'aacods', not 'jbi_case_series'" in p for p in problems(review))
    write(review, "pr2", aacods.replace("tool: jbi_case_series", "tool: aacods").replace("source_type: press release", "source_type: podcast"))
    assert any("source type 'podcast' is not mapped to a tool" in p for p in problems(review))


def test_a_file_not_named_after_a_study_is_an_error(review: Path):
    write(review, "nobody", CASE_SERIES)
    assert any("nobody.yml" in p and "after a study" in p for p in problems(review))


def test_no_rob_files_is_pending_not_an_error(review: Path):
    protocol = load_protocol(review)
    records = load_records(review, protocol)
    assert validate(review, protocol, records) == []
    status = stage_status(review, protocol, records)
    assert (status.state, status.summary) == ("pending", "no risk-of-bias judgments yet")


def test_record_judgment_writes_one_item_and_keeps_everything_else(review: Path):
    path = write(review, "cs1", CASE_SERIES.replace("      Q10:\n        answer: unclear\n        note: Not reported.\n", ""))
    protocol = load_protocol(review)
    records = load_records(review, protocol)
    before = yaml.safe_load(path.read_text())
    record_judgment(review, "cs1", "jbi_case_series", "Q10", "no", protocol=protocol, records=records,
                    note="No statistics are reported.")
    after = yaml.safe_load(path.read_text())
    assert path.read_text().startswith("# Reviewer's header comment.\n")
    assert after["appraisals"][0]["items"]["Q10"] == {"answer": "no", "note": "No statistics are reported."}
    del after["appraisals"][0]["items"]["Q10"]
    assert after == before
    assert validate(review, protocol, records) == []


def test_record_judgment_rejects_bad_input_and_leaves_the_file_alone(review: Path):
    path = write(review, "cs1", CASE_SERIES)
    protocol = load_protocol(review)
    records = load_records(review, protocol)
    original = path.read_bytes()
    with pytest.raises(ValueError, match="quote not found"):
        record_judgment(review, "cs1", "jbi_case_series", "Q3", "yes", protocol=protocol, records=records,
                        quote="A quote that is not there")
    with pytest.raises(ValueError, match="not allowed"):
        record_judgment(review, "cs1", "jbi_case_series", "Q3", "perhaps", protocol=protocol, records=records, note="x")
    with pytest.raises(ValueError, match="unknown item"):
        record_judgment(review, "cs1", "jbi_case_series", "Q99", "yes", protocol=protocol, records=records, note="x")
    assert path.read_bytes() == original


def test_record_judgment_starts_a_report_appraisal(review: Path):
    protocol = load_protocol(review)
    records = load_records(review, protocol)
    record_judgment(review, "pr2", "aacods", "A4", "no", protocol=protocol, records=records, record="pr2",
                    source_type="press release", quote="our cells")
    _, appraisals, _ = load_appraisals(review, protocol, records)
    [appraisal] = appraisals["pr2"]
    assert (appraisal.tool.id, appraisal.source_type, list(appraisal.items)) == ("aacods", "press release", ["A4"])


# The seed review: every included study is appraised with the tool its design calls for, and every
# grey-literature report with the credibility appraisal.

def test_seed_review_appraisals_are_valid_and_complete(seed_review: Path):
    protocol = load_protocol(seed_review)
    records = load_records(seed_review, protocol)
    assert validate(seed_review, protocol, records) == []
    studies, appraisals, _ = load_appraisals(seed_review, protocol, records)
    included = ["msc-cm-chronic-fatigue-2025", "hirota-2024", "honmou-2021", "genchi-2023"]
    assert {s.id for s in studies} >= set(included)
    for study in included:
        design_tool = protocol.risk_of_bias_tools[study_design(seed_review, study)]
        found = {(a.tool.id, a.source_type) for a in appraisals[study]}
        assert (design_tool, None) in found
        assert all(not a.missing and a.overall is not None for a in appraisals[study])
    grey = {(a.record, a.source_type) for v in appraisals.values() for a in v if a.source_type}
    assert grey == {("000_ce438576644deecb", "press release"), ("003_50e99ab7af3fb43d", "blog"),
                    ("004_9b513498cdacdf32", "news article")}
    assert {a.tool.id for v in appraisals.values() for a in v if a.source_type} == {"aacods"}
    assert stage_status(seed_review, protocol, records).state == "done"
    assert read_tools(seed_review)[1] == []
    assert load_studies(seed_review, [r.id for r in records])
