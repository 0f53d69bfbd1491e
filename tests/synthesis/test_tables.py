"""Outcome data from the extraction forms, pooled per outcome and group, and the narrative (SWiM) table."""
from __future__ import annotations

import pandas as pd
import pytest

from reviewkit.core.errors import ReviewInputError
from reviewkit.core.protocol import MetaAnalysis, load_protocol
from reviewkit.extraction.forms import load_forms
from reviewkit.records.sources import load_records
from reviewkit.synthesis.outcomes import UNGROUPED, outcome_table
from reviewkit.synthesis.tables import ALL, direction_counts, narrative_table, sensitivity_table, synthesis_tables
from reviewkit.workbook.validate import validate_review


def _outcomes(review) -> pd.DataFrame:
    protocol = load_protocol(review)
    _, forms = load_forms(review, protocol, load_records(review, protocol))
    return outcome_table(list(forms.values()), protocol, {"hirota-2024": "low"})


def _table(rows: list[tuple]) -> pd.DataFrame:
    """Hand-made outcome rows: (group, study, events, total, reason)."""
    table = pd.DataFrame([
        {"outcome": "sae", "outcome_label": "SAE", "type": "proportion", "group": g, "study_id": s, "label": s, "design": "case series",
         "participants": str(t or 10), "events": e, "total": t, "poolable": e is not None, "reason": r,
         "finding": "", "direction": "favourable", "risk_of_bias": "low"}
        for g, s, e, t, r in rows
    ])
    return table.astype({"events": "Int64", "total": "Int64"})


def test_seed_counts_are_read_from_the_forms_and_vague_reports_are_left_out_with_the_reviewers_reason(seed_review):
    outcomes = _outcomes(seed_review).set_index(["outcome", "study_id"])
    sae = outcomes.loc["serious_adverse_events"]
    assert (sae.loc["msc-cm-chronic-fatigue-2025", "events"], sae.loc["msc-cm-chronic-fatigue-2025", "total"]) == (0, 19)
    assert (sae.loc["hirota-2024", "events"], sae.loc["hirota-2024", "total"]) == (0, 7)
    improved = outcomes.loc["improvement"]
    assert not improved.loc["honmou-2021", "poolable"]
    assert "More than half" in improved.loc["honmou-2021", "reason"]
    assert improved.loc["honmou-2021", "group"] == "spinal cord injury"
    assert sae.loc["hirota-2024", "risk_of_bias"] == "low" and sae.loc["genchi-2023", "risk_of_bias"] == "pending"


def test_events_above_the_total_in_a_form_name_the_file_and_field(seed_review):
    form = seed_review / "extraction" / "hirota-2024.yml"
    text = form.read_text(encoding="utf-8")
    edited = text.replace("sae_events:\n  value: 0", "sae_events:\n  value: 8")
    form.write_text(edited, encoding="utf-8")
    with pytest.raises(ReviewInputError, match=r"hirota-2024.yml, line \d+, field 'sae_events': 8 events is more than"):
        _outcomes(seed_review)
    assert form.read_text(encoding="utf-8") == edited  # the reviewer's file is reported, not rewritten
    problems = [str(p) for p in validate_review(seed_review)]  # and validate finds it before any run
    assert any("hirota-2024.yml" in p and "8 events is more than the total of 7" in p for p in problems)


def test_a_total_of_zero_is_refused_naming_the_file(seed_review):
    form = seed_review / "extraction" / "hirota-2024.yml"
    text = form.read_text(encoding="utf-8")
    start = text.index("sae_total:\n  value: 7")
    form.write_text(text[:start] + "sae_total:\n  value: 0" + text[start + len("sae_total:\n  value: 7"):], encoding="utf-8")
    problems = [str(p) for p in validate_review(seed_review)]
    assert any("hirota-2024.yml" in p and "field 'sae_total'" in p and "positive" in p for p in problems)


def test_a_model_that_cannot_be_fitted_says_why_and_keeps_the_studies():
    table = _table([(UNGROUPED, "a", 0, 19, ""), (UNGROUPED, "b", 0, 7, "")])
    synthesis, studies = synthesis_tables(table, MetaAnalysis(method="GLMM"))
    assert synthesis.loc[0, "method"] == "" and "not pooled: the GLMM cannot be fitted" in synthesis.loc[0, "note"]
    assert studies["proportion"].tolist() == [0, 0] and not studies["pooled"].any()
    assert studies["weight"].isna().all()


def test_a_form_field_not_yet_extracted_keeps_the_study_out_as_pending(seed_review):
    form = seed_review / "extraction" / "hirota-2024.yml"
    text = form.read_text(encoding="utf-8")
    start = text.index("sae_total:")
    end = text.index("\n", text.index("record:", start))
    form.write_text(text[:start] + text[end + 1:], encoding="utf-8")
    row = _outcomes(seed_review).set_index(["outcome", "study_id"]).loc[("serious_adverse_events", "hirota-2024")]
    assert not row["poolable"] and "pending" in row["reason"]


def test_pooled_overall_and_by_group_single_study_shown_not_pooled():
    table = _table([("A", "a1", 2, 50, ""), ("A", "a2", 15, 40, ""), ("B", "b1", 30, 60, ""),
                    ("B", "b2", None, None, "counts not reported: vague")])
    synthesis, studies = synthesis_tables(table, MetaAnalysis())
    rows = synthesis.set_index("group")
    assert rows.loc[ALL, "k"] == 3 and rows.loc[ALL, "method"] == "REML" and rows.loc[ALL, "participants"] == 150
    assert "1 study without counts" in rows.loc[ALL, "note"]
    assert rows.loc["A", "k"] == 2 and rows.loc["A", "method"] == "REML"
    assert rows.loc["B", "method"] == "" and rows.loc["B", "estimate"] == pytest.approx(0.5)
    assert "one study" in rows.loc["B", "note"]
    by_study = studies.set_index("study_id")
    assert by_study.loc[["a1", "a2", "b1"], "weight"].sum() == pytest.approx(100)
    assert not by_study.loc["b2", "pooled"] and by_study.loc["b2", "reason"].startswith("counts not reported")


def test_fewer_studies_than_min_studies_are_not_pooled():
    table = _table([(UNGROUPED, "a", 1, 10, ""), (UNGROUPED, "b", 2, 10, "")])
    synthesis, studies = synthesis_tables(table, MetaAnalysis(min_studies=3))
    assert synthesis["group"].tolist() == [ALL]  # one group: no subgroup rows
    assert synthesis.loc[0, "method"] == "" and pd.isna(synthesis.loc[0, "estimate"])
    assert "fewer than the 3 the protocol needs" in synthesis.loc[0, "note"] and not studies["pooled"].any()


def test_no_counts_at_all_gives_a_narrative_only_row():
    table = _table([("A", "a", None, None, "counts not reported"), ("A", "b", None, None, "counts not reported")])
    synthesis, _ = synthesis_tables(table, MetaAnalysis())
    assert synthesis.loc[0, "k"] == 0 and "narrative synthesis only" in synthesis.loc[0, "note"]
    narrative = narrative_table(table)
    assert narrative["reason_not_pooled"].tolist() == ["counts not reported"] * 2
    assert direction_counts(narrative)["studies"].tolist() == [2]


def test_sensitivity_covers_every_transform_and_model_and_says_why_one_fails():
    table = _table([(UNGROUPED, "a", 0, 19, ""), (UNGROUPED, "b", 0, 7, "")])
    sensitivity = sensitivity_table(table, MetaAnalysis())
    assert len(sensitivity) == 13  # 4 transforms x 3 models + the GLMM
    glmm = sensitivity[sensitivity["method"] == "GLMM"].iloc[0]
    assert "no events" in glmm["note"] and pd.isna(glmm["estimate"])
