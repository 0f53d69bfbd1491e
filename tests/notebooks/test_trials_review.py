"""A review of two-arm randomised trials (tests/fixtures/trials_review: documents written for the tests) through
every notebook into the review PDF: effects pooled as metafor pools them, forest plots with risk of bias, funnel
plots from 10 studies, sensitivity analyses, the absolute effect per 1,000; bad arm data refused before a run."""
from __future__ import annotations

import shutil

import pytest
from conftest import ROOT
from pypdf import PdfReader

from reviewkit.core.tables import read_table
from reviewkit.synthesis.comparative import pool_binary, pool_continuous
from reviewkit.workbook.pipeline import run
from reviewkit.workbook.validate import validate_review

FIXTURE = ROOT / "tests" / "fixtures" / "trials_review"


@pytest.fixture
def trials_review(tmp_path):
    shutil.copytree(FIXTURE, tmp_path / "trials")
    return tmp_path / "trials" / "review"


@pytest.mark.slow
def test_the_trials_review_runs_into_the_pdf_with_comparative_syntheses(trials_review, tmp_path):
    out = tmp_path / "build"
    assert validate_review(trials_review) == []
    run(trials_review, out, report=lambda line: None)
    effects = read_table(out, "effects").set_index(["outcome", "group"])
    arms = read_table(out, "extraction").pivot(index="study_id", columns="field", values="value")
    counts = arms[["relapse_events_t", "relapse_total_t", "relapse_events_c", "relapse_total_c"]].astype(int)
    expected = pool_binary(*(counts[c].tolist() for c in counts), measure="RR", method="REML", test="knha")
    relapse = effects.loc[("relapse", "all studies")]
    assert (int(relapse["k"]), relapse["measure"], relapse["method"], relapse["test"]) == (12, "RR", "REML", "knha")
    assert float(relapse["estimate"]) == pytest.approx(expected.estimate, rel=1e-9)
    assert float(relapse["pi_low"]) == pytest.approx(expected.pi_low, rel=1e-9)
    assert relapse["subgroup_p"] != ""  # grouped by setting: the test for subgroup differences
    means = arms[[f"fatigue_{v}_{a}" for a in "tc" for v in ("mean", "sd", "n")]].astype(float)
    fatigue = pool_continuous(*(means[c].tolist() for c in means), measure="MD", method="REML", test="knha")
    assert float(effects.loc[("fatigue", "all studies"), "estimate"]) == pytest.approx(fatigue.estimate, rel=1e-9)

    for name in ("forest_relapse", "forest_fatigue", "funnel_relapse", "funnel_fatigue"):
        assert (out / "figures" / f"{name}.png").stat().st_size > 10_000, name
    small = read_table(out, "small_studies").set_index("outcome")
    assert small.loc["relapse", "egger_p"] != "" and int(small.loc["relapse", "k"]) == 12
    sensitivity = read_table(out, "effect_sensitivity")
    assert list(sensitivity[sensitivity["outcome"] == "relapse"]["analysis"]) == ["main", "low_risk_of_bias",
                                                                                  "common_effect"]
    assert len(read_table(out, "leave_one_out")) == 24
    assert set(read_table(out, "meta_regression")["term"]) == {"intercept", "publication_year"}
    sof = read_table(out, "sof").set_index("outcome")
    assert sof.loc["relapse", "risk_control"].endswith("per 1,000") and sof.loc["relapse", "estimate"].startswith("RR ")
    assert sof.loc["fatigue", "risk_control"] == ""

    text = " ".join(page.extract_text() for page in PdfReader(out / "review.pdf").pages)
    for expected_text in ("Results of comparative syntheses", "Forest plot with risk of bias", "Funnel plot with",
                          "test for subgroup differences", "Hartung–Knapp–Sidik–Jonkman", "per 1,000",
                          "only studies at low risk of bias overall", "Leave-one-out (relapse)", "Egger's test t(10) ="):
        assert expected_text in text, expected_text


@pytest.mark.parametrize("field, value, message", [
    ("relapse_events_t", 30, "30 events is more than the total of 24 (relapse_total_t)"),
    ("fatigue_sd_c", 0, "sd c of outcome 'fatigue' must be positive, not 0"),
    ("relapse_total_c", 0, "total c of outcome 'relapse' must be positive, not 0"),
])
def test_bad_arm_data_is_refused_naming_the_file_line_and_field(trials_review, field, value, message):
    form = trials_review / "extraction" / "alder-2009.yml"
    lines = form.read_text(encoding="utf-8").splitlines()
    at = lines.index(f"{field}:") + 1
    lines[at] = f"  value: {value}"
    form.write_text("\n".join(lines) + "\n", encoding="utf-8")
    problems = [str(p) for p in validate_review(trials_review)]
    assert any(f"alder-2009.yml, line {at + 1}" in p and f"field '{field}'" in p and message in p for p in problems), problems
