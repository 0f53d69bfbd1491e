"""An updated review for the tests: the trials fixture (tests/fixtures/trials_review) split into two search rounds.

Round 1 (``initial``, the source ``trials``): documents 000–007, 009 and 013, with their decisions, forms and
judgments (but none yet for haddad-2017, whose form quotes its full report, 008, found in round 2); committed to a
git repository as the previous version of the review. In it, R1 and R2 were still unsure
of the narrative review 013 at title/abstract, and the form of alder-2009 had no ``country`` yet.

Round 1 also has the RIS export ``search-2020.ris``: three records off the topic, excluded at title/abstract.
Round 2 (``update-2025``) adds two sources: the RIS export ``update-2025.ris`` (imported with
``add_import(round=...)``) with copies of two round-1 records of ``search-2020`` (one found by its DOI, one by
title, authors, year and journal) and one new record off the topic, and the folder ``documents_update`` with 008 (the full report of the HEX trial, a previous study), 010–012
(three new trials) and 014 (pupils, excluded at full text). R1 and R2 decide on the new records; 013 is excluded;
alder-2009 gets its country. What a test then expects: 8 records identified in round 2, 2 duplicates of round-1
records removed, 6 screened, 1 excluded at title/abstract, 5 assessed, 1 excluded at full text, 3 new studies with
3 reports, 1 new report of a previous study; 9 previous studies with 9 reports; 12 studies, 13 reports in all.
"""
from __future__ import annotations

import datetime
import shutil
import subprocess
from pathlib import Path

import yaml
from conftest import ROOT

from reviewkit.records.imports import add_import

FIXTURE = ROOT / "tests" / "fixtures" / "trials_review"
ROUND_2_DOCUMENTS = ("008_haddad_2017", "010_jansen_2019", "011_kowalski_2021", "012_lindqvist_2023", "014_novak_2022")
NEW_STUDIES = ("jansen-2019", "kowalski-2021", "lindqvist-2023")
ROUND_2_DATE = datetime.date(2025, 6, 1)
FIRST_RIS = """TY  - JOUR
T1  - Yoga for chronic low back pain: a randomised trial
A1  - Smith, A.
A1  - Jones, B.
PY  - 2018
JF  - Fictional Journal of Spine Care
DO  - 10.5555/fict.spine.2018.7
ER  - 

TY  - JOUR
T1  - Cognitive behavioural therapy for insomnia in older adults: a randomised trial
A1  - Lee, C.
A1  - Park, D.
PY  - 2019
JF  - Fictional Journal of Sleep Medicine
VL  - 12
SP  - 40
EP  - 48
ER  - 

TY  - JOUR
T1  - Diet and fatigue in endurance athletes: a cohort study
A1  - Ortiz, E.
PY  - 2017
JF  - Fictional Journal of Sports Nutrition
ER  - 
"""
UPDATE_RIS = """TY  - JOUR
T1  - Yoga for chronic low back pain: a randomised trial.
A1  - Smith, A
A1  - Jones, B
PY  - 2018
JF  - Fict J Spine Care
DO  - https://doi.org/10.5555/FICT.SPINE.2018.7
ER  - 

""" + FIRST_RIS.split("\n\n")[1] + """

TY  - JOUR
T1  - Soil microbes of alpine meadows: a survey
A1  - Berg, K.
PY  - 2023
JF  - Fictional Journal of Soil Ecology
AB  - A survey of soil microbial communities in alpine meadows; no human participants.
ER  - 
"""  # a copy of the first search's first record (other case, DOI as a link), its second as it was, and a new one
FIRST_RECORDS = {"search-2020:1": "wrong_population", "search-2020:2": "wrong_population",
                 "search-2020:3": "wrong_intervention"}
RIS_NEW_RECORD = "update-2025:3"


def _git(folder: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=folder, check=True, capture_output=True,
                   env={"GIT_AUTHOR_NAME": "R1", "GIT_AUTHOR_EMAIL": "r1@example.org", "GIT_COMMITTER_NAME": "R1",
                        "GIT_COMMITTER_EMAIL": "r1@example.org", "PATH": "/usr/bin:/bin", "HOME": str(folder)})


def _csv_without(path: Path, records: tuple[str, ...]) -> None:
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text("".join(line for line in lines if not line.startswith(records)), encoding="utf-8")


def _decide(review: Path, excluded: dict[str, str], when: str) -> None:
    """R1 and R2 exclude ``excluded`` (record id → reason) at title/abstract."""
    for reviewer in ("R1", "R2"):
        with (review / "screening" / "title_abstract" / f"{reviewer}.csv").open("a", encoding="utf-8") as file:
            file.writelines(f"{record},exclude,{reason},Off the topic.,{reviewer},{when}\n"
                            for record, reason in excluded.items())


def _round_one(review: Path) -> None:
    """Turn the copied fixture into its first round (the previous version)."""
    for folder in ("title_abstract", "full_text"):
        for path in (review / "screening" / folder).glob("*.csv"):
            _csv_without(path, ROUND_2_DOCUMENTS)
            text = path.read_text(encoding="utf-8")
            path.write_text(text.replace("013_morland_2020,exclude,wrong_design", "013_morland_2020,unsure,"),
                            encoding="utf-8")
    for study in (*NEW_STUDIES, "haddad-2017"):  # the HEX trial's form and judgments quote its full report (round 2)
        (review / "extraction" / f"{study}.yml").unlink()
        (review / "rob" / f"{study}.yml").unlink()
    studies = yaml.safe_load((review / "studies.yml").read_text(encoding="utf-8"))
    for study in NEW_STUDIES:
        del studies[study]
    studies["haddad-2017"].update(records=["007_haddad_2016_abstract"], primary_record="007_haddad_2016_abstract")
    (review / "studies.yml").write_text(yaml.safe_dump(studies, sort_keys=False, allow_unicode=True), encoding="utf-8")
    form = yaml.safe_load((review / "extraction" / "alder-2009.yml").read_text(encoding="utf-8"))
    del form["country"]
    (review / "extraction" / "alder-2009.yml").write_text(yaml.safe_dump(form, sort_keys=False, allow_unicode=True),
                                                         encoding="utf-8")


def _round_two_source(review: Path) -> None:
    """The round's folder of documents, listed in the protocol as a source of the round."""
    text = (review / "protocol.yml").read_text(encoding="utf-8")
    entry = ("  - id: trials-update\n    name: Fictional trial reports found by the update search\n"
             "    kind: databases_registers\n    path: ../documents_update\n    format: text\n    round: update-2025\n")
    anchor = "rounds:\n"
    assert text.count(anchor) == 1
    (review / "protocol.yml").write_text(text.replace(anchor, entry + anchor), encoding="utf-8")


def make_two_round_review(tmp_path: Path, *, commit_round_two: bool = False, decide_round_two: bool = True) -> Path:
    """The updated review in ``tmp_path/trials`` (a git repository); returns its review folder."""
    root = tmp_path / "trials"
    shutil.copytree(FIXTURE, root)
    review = root / "review"
    later = root / "later"  # the round-2 state of the fixture's files, put back after the first commit
    shutil.copytree(review, later)
    (root / "documents_update").mkdir()
    for name in ROUND_2_DOCUMENTS:
        shutil.move(root / "documents" / f"{name}.txt", root / "documents_update" / f"{name}.txt")
    _round_one(review)
    first = tmp_path / "search-2020.ris"
    first.write_text(FIRST_RIS, encoding="utf-8")
    add_import(review, first, source="search-2020", name="Fictional trials register, first search")
    _decide(review, FIRST_RECORDS, "2025-03-04T08:00:00Z")
    _git(root, "init", "-q")
    _git(root, "add", "review", "documents")
    _git(root, "commit", "-q", "-m", "Review, first search")

    ris = tmp_path / "update-2025.ris"
    ris.write_text(UPDATE_RIS, encoding="utf-8")
    add_import(review, ris, source="update-2025", name="Fictional trials register, update search",
               round="update-2025", round_date=ROUND_2_DATE)
    _round_two_source(review)
    if decide_round_two:
        for folder in ("screening", "extraction", "rob"):
            shutil.rmtree(review / folder)
            shutil.copytree(later / folder, review / folder)
        shutil.copy(later / "studies.yml", review / "studies.yml")
        _decide(review, FIRST_RECORDS, "2025-03-04T08:00:00Z")
        _decide(review, {RIS_NEW_RECORD: "wrong_population"}, "2025-06-05T09:00:00Z")
    else:
        for folder in ("title_abstract", "full_text"):
            for path in (review / "screening" / folder).glob("*.csv"):
                path.write_text(path.read_text(encoding="utf-8").replace("013_morland_2020,unsure,",
                                                                         "013_morland_2020,exclude,wrong_design"),
                                encoding="utf-8")
    shutil.rmtree(later)
    if commit_round_two:
        _git(root, "add", "-A")
        _git(root, "commit", "-q", "-m", "Update search, round update-2025")
    return review
