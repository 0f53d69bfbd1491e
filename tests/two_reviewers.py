"""A review whose data were extracted by two reviewers independently, for the tests: the trials fixture
(tests/fixtures/trials_review) with ``independent_reviewers: {extraction: 2}`` in its protocol, where three studies
have a form by R1 and one by R2 (``extraction/<study>/<reviewer>.yml``); the other nine keep their form of one reviewer.

Where R2 differs from R1 (R1's form is the fixture's):
- alder-2009: ``n_randomised`` 48 (R1 47), a conflict that ``consensus.yml`` settles as 47;
- brennan-2011: ``setting`` community (R1 hospital), a conflict left open; R2 has no ``funding`` yet (waiting);
- castillo-2012: ``population`` in other case and spacing (agreed after normalisation) and ``intervention`` in other
  words (text that differs, for a person to read); its quotes of ``comparator`` point elsewhere in the report.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import yaml
from conftest import ROOT

FIXTURE = ROOT / "tests" / "fixtures" / "trials_review"
TEAM_STUDIES = ("alder-2009", "brennan-2011", "castillo-2012")


def _dump(path: Path, data: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=4096), encoding="utf-8")


def fixture_with_reviewers(tmp_path: Path, stage: str) -> Path:
    """A copy of the trials fixture in ``tmp_path/trials`` whose protocol asks for two independent reviewers at
    ``stage`` (extraction, risk_of_bias); returns its review folder."""
    shutil.copytree(FIXTURE, tmp_path / "trials")
    review = tmp_path / "trials" / "review"
    text = (review / "protocol.yml").read_text(encoding="utf-8")
    (review / "protocol.yml").write_text(text.replace("\ncertainty:", f"\nindependent_reviewers:\n  {stage}: 2\n"
                                                                      "certainty:", 1), encoding="utf-8")
    return review


def second_rob_reviewer(review: Path, study: str, change) -> None:
    """Move a study's risk-of-bias file to ``rob/<study>/R1.yml`` and write R2's, a copy with ``change`` applied to
    its (first) appraisal."""
    rob = review / "rob"
    (rob / study).mkdir()
    shutil.move(rob / f"{study}.yml", rob / study / "R1.yml")
    data = yaml.safe_load((rob / study / "R1.yml").read_text(encoding="utf-8"))
    change(data["appraisals"][0])
    _dump(rob / study / "R2.yml", data)


def make_two_reviewer_review(tmp_path: Path, *, consensus: bool = True) -> Path:
    """The review in ``tmp_path/trials``; returns its review folder."""
    review = fixture_with_reviewers(tmp_path, "extraction")
    forms = {}
    for study in TEAM_STUDIES:
        single = review / "extraction" / f"{study}.yml"
        forms[study] = yaml.safe_load(single.read_text(encoding="utf-8"))
        (review / "extraction" / study).mkdir()
        shutil.move(single, review / "extraction" / study / "R1.yml")
    alder, brennan, castillo = (dict(forms[s]) for s in TEAM_STUDIES)
    alder["n_randomised"] = {**alder["n_randomised"], "value": 48}
    brennan["setting"] = {**brennan["setting"], "value": "community"}
    del brennan["funding"]
    castillo["population"] = {**castillo["population"], "value": "adults aged 18 to 65 years  with chronic FATIGUE "
                                                                 "lasting at least six months"}
    castillo["intervention"] = {**castillo["intervention"], "value": "group circuit training twice weekly, 12 weeks"}
    castillo["comparator"] = {**castillo["comparator"], "quote": "Community exercise groups for adults with chronic fatigue"}
    for study, form in zip(TEAM_STUDIES, (alder, brennan, castillo)):
        _dump(review / "extraction" / study / "R2.yml", form)
    if consensus:
        _dump(review / "extraction" / "alder-2009" / "consensus.yml",
              {"n_randomised": {**forms["alder-2009"]["n_randomised"], "note": "R2 misread the number randomised."}})
    return review
