"""The Discussion (interpretation, limitations of the evidence and of the review) and Other information."""
from __future__ import annotations

from collections import Counter
from importlib import metadata

import pandas as pd

from reviewkit.core.numbers import EMPTY, fmt_count
from reviewkit.report.blocks import _table_figure, pending
from reviewkit.report.facts import JOURNAL, _certainty_sentence, _designs, _grey_only, _overall_rob, _reviewers, _sof_sentences
from reviewkit.report.inputs import Build
from reviewkit.report.references import References
from reviewkit.report.typst import Markup, bullets, escape, heading, paragraph
from reviewkit.report.wording import _counted, _plural, _words


def _interpretation(build: Build) -> Markup:
    out = heading("Interpretation", 2, label="interpretation")
    findings = _sof_sentences(build)
    if not findings:
        return out + pending("tables/sof.csv", what="summary of findings")
    return out + paragraph("Main results: ") + bullets(findings) + paragraph(_certainty_sentence(build))


def _limitations(build: Build, refs: References) -> Markup:
    out = heading("Limitations of the evidence", 2, label="limitations")
    points = []
    designs = _designs(build)
    if designs:
        controlled = sum(n for d, n in designs.items() if "controlled" in d)
        points.append(f"Designs: {_counted(designs)}; " + (f"{fmt_count(controlled)} controlled." if controlled
                                                          else "none was a controlled study (randomised or not)."))
    overall = _overall_rob(build)
    if not overall.empty:
        bad = overall[overall["level"].isin(["high", "critical", "no information", "some concerns"])]
        points.append(f"Risk of bias and credibility: {fmt_count(len(bad))} of {_plural(len(overall), 'appraisal')} "
                      f"ended at a level other than low ({_counted(Counter(bad['judgment']))}).")
    grey, kinds = _grey_only(build)
    if not build.records.empty and not build.studies.empty:
        reports = [r for s in build.studies["study_id"] for r in build.study_records(s)]
        types = Counter(str(build.record(r)["source_type_suggested"]) for r in reports if build.record(r) is not None)
        points.append(f"Grey literature: {fmt_count(sum(n for t, n in types.items() if t != JOURNAL))} of "
                      f"{_plural(len(reports), 'report')} of the included studies are not journal articles ({_counted(types)}); "
                      f"{fmt_count(len(grey))} of {_plural(len(build.studies), 'study', 'studies')} are known only from "
                      "such reports.")
    extraction = build.table("extraction")
    if extraction is not None and not extraction.empty:
        not_reported = (extraction["status"] == "not reported").sum()
        points.append(f"Missing information: {fmt_count(not_reported)} of {_plural(len(extraction), 'form value')} "
                      "were not reported by the studies' reports.")
    discrepancies = build.table("extraction_discrepancies")
    if discrepancies is not None and not discrepancies.empty:
        points.append(f"Discrepancies: {_plural(len(discrepancies), 'place')} where reports misstate or contradict their "
                      f"study, in {_plural(discrepancies['study_id'].nunique(), 'study', 'studies')} (table below).")
    out += bullets(points) if points else pending("tables/characteristics.csv", "tables/rob.csv",
                                                  what="extraction and risk of bias")
    if discrepancies is not None and not discrepancies.empty:
        frame = pd.DataFrame([{"Study": Markup(escape(r.study_id) + refs.cite(f"study:{r.study_id}")),
                               "Discrepancy": r.note, "Quote": Markup(f"#quoted[{escape(r.quote)}]") if r.quote else EMPTY}
                              for r in discrepancies.itertuples()])
        out += _table_figure("Discrepancies found in the reports.", frame, "tab-discrepancies", size="7.5pt")
    return out


def _limitations_review(build: Build) -> Markup:
    points = []
    for stage, label in (("title_abstract", "title and abstract"), ("full_text", "full text")):
        names = _reviewers(build, stage)
        if len(names) == 1:
            points.append(f"Screening at {label} was done by a single reviewer ({names[0]}), "
                          "without an independent second reviewer.")
        elif names:
            points.append(f"Screening at {label} was done by {len(names)} reviewers ({_words(names)}).")
    kinds = {s.kind for s in build.protocol.sources}
    if "databases_registers" not in kinds:
        points.append("No bibliographic database or register was searched; the records come from "
                      + _words([s.name for s in build.protocol.sources]) + ".")
    return heading("Limitations of the review process", 2, label="limitations-review") + (
        bullets(points) if points else pending("tables/screening.csv", what="screening"))


def _discussion(build: Build, refs: References) -> Markup:
    return heading("Discussion", 1) + _interpretation(build) + _limitations(build, refs) + _limitations_review(build)


def _other_information(build: Build) -> Markup:
    try:
        version = metadata.version("reviewkit")
    except metadata.PackageNotFoundError:
        version = "unknown"
    protocol = build.protocol
    files = ("the protocol, the studies and their reports, screening decisions, extraction forms and risk-of-bias "
             "judgments are the files of the review folder (protocol.yml, studies.yml, screening/, extraction/, rob/); "
             "every table of this review is a CSV file in the build folder (tables/), with the figures (figures/) and "
             f"the executed notebooks (notebooks/); the analysis code is reviewkit {version}.")
    return heading("Other information", 1, label="other-information") + bullets([
        f"Support: {protocol.support or 'not stated in the protocol (its field support).'}",
        f"Competing interests: {protocol.competing_interests or 'not stated in the protocol (its field competing_interests).'}",
        "Availability of data, code and other materials: " + (f"{protocol.availability} In the review: {files}"
                                                              if protocol.availability else files),
    ])
