"""The review PDF: a journal-style systematic review, typeset with Typst from the build's tables and figures.

Every sentence with a number in it is derived from the protocol or a table of the build; nothing is
typed about the studies. A review in progress gives a draft: "DRAFT" in the header and across the
pages, a status table up front, and each section whose inputs are missing says what is pending.
The Typst source is kept beside the PDF (``review.typ``), so the PDF can be rebuilt or restyled.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from reviewkit.core.errors import ReviewInputError
from reviewkit.core.numbers import fmt_count
from reviewkit.core.protocol import load_protocol
from reviewkit.core.storage import atomic_write_text
from reviewkit.report.appendices import _appendix_checklist, _appendix_studies, load_checklist
from reviewkit.report.discussion import _discussion, _other_information
from reviewkit.report.facts import _certainty_sentence, _designs, _grey_only, _selection_sentence, _sof_sentences, _tools_used
from reviewkit.report.inputs import Build
from reviewkit.report.methods import _methods
from reviewkit.report.references import _references, references
from reviewkit.report.results import _results
from reviewkit.report.typst import Markup, bullets, compile_pdf, escape, heading, paragraph, string, table, template, write_pdf
from reviewkit.report.wording import _plural, _words

PDF_NAME = "review.pdf"
SOURCE_NAME = "review.typ"


def _abstract(build: Build) -> Markup:
    p = build.protocol
    sources = _words([s.name for s in p.sources])
    tools = [build.tools[t].name.split(",")[0] for t in _tools_used(build) if t in build.tools]
    methods = (f"Sources: {sources}. Eligibility: {_words([c.label.lower() for c in p.eligibility])}. "
               + (f"Risk of bias and credibility: {_words(tools)}. " if tools else "")
               + f"Synthesis: {p.synthesis} Certainty: {p.certainty}")
    results = _selection_sentence(build) or "Pending: no table of records or screening yet."
    grey, kinds = _grey_only(build)
    if grey:
        results += (f" {fmt_count(len(grey))} of {_plural(len(build.studies), 'study', 'studies')} are known only from "
                    f"grey literature ({_words(sorted(kinds))}).")
    findings = _sof_sentences(build)
    missing = "tables/sof.csv missing" if build.table("sof") is None else "no outcome data yet"
    results += " " + (" ".join(findings) if findings else f"Outcome results: pending ({missing}).")
    conclusions = _certainty_sentence(build) or f"Certainty of the evidence: pending ({missing})."
    designs = _designs(build)
    if designs and not any("controlled" in d for d in designs):
        conclusions += " No included study was a controlled study."
    if len(grey) * 2 > len(build.studies):
        conclusions += " Most included studies are known only from reports that are not peer-reviewed."
    parts = [("Objectives", p.review_question), ("Methods", methods), ("Results", results), ("Conclusions", conclusions),
             ("Registration", p.registration)]
    body = "".join(f"#abstract-part({string(name)})[{escape(text)}]\n" for name, text in parts)
    return Markup(f"#heading(numbering: none, outlined: false)[Abstract] <abstract>\n#abstract[\n{body}]\n")


def _status(build: Build) -> Markup:
    rows = build.status.rename(columns={"stage": "Stage", "state": "State", "summary": "Summary"})
    absent = [f"{stage}: {why}" for stage, why in build.pending_stages.items()]
    return (Markup("\n#heading(numbering: none)[Status of this draft] <status>\n")
            + paragraph("This review is in progress: the sections marked pending wait for these stages.")
            + table(rows[["Stage", "State", "Summary"]]) + bullets(absent))


def _objectives(build: Build) -> Markup:
    return heading("Introduction", 1) + heading("Objectives", 2, label="objectives") + paragraph(build.protocol.review_question)


def review_source(review_dir: str | Path, out_dir: str | Path, *, today: dt.date | None = None) -> str:
    """The Typst source of the review PDF (template and body), from the review folder and its build."""
    review_dir, out_dir = Path(review_dir), Path(out_dir)
    build = Build(review_dir, out_dir, load_protocol(review_dir))
    citation, checklist = load_checklist()
    refs = references(build, citation)
    pending_stages = build.pending_stages
    draft = ("pending: " + ", ".join(pending_stages)) if pending_stages else None
    day = today or dt.date.today()
    date = f"{day.day} {day:%B %Y}"
    body = Markup("#metadata(\"title\") <title>\n") + _abstract(build)
    if draft:
        body += _status(build)
    body += (_objectives(build) + _methods(build) + _results(build, refs)
             + _discussion(build, refs) + _other_information(build) + _references(refs) + _appendix_studies(build, refs))
    body += _appendix_checklist(checklist, body, refs)
    authors = "(" + "".join(f"{string(a)}, " for a in build.protocol.authors) + ")"
    opening = (f"#show: review.with(title: {string(build.protocol.title)}, authors: {authors}, "
               f"date: {string(date)}, draft: {string(draft) if draft else 'none'})\n")
    return "\n".join([template("base"), template("review"), opening, body])


def build_review_pdf(review_dir: str | Path, out_dir: str | Path, *, today: dt.date | None = None) -> Path:
    """Write ``out_dir/review.pdf`` (and its Typst source ``review.typ``) atomically; return the PDF's path.

    A missing protocol or an unreadable file raises ``ReviewInputError``; missing build tables make a draft.
    """
    out_dir = Path(out_dir)
    if not out_dir.is_dir():
        raise ReviewInputError(out_dir, "the build folder does not exist: run the review first (reviewkit run)")
    source = review_source(review_dir, out_dir, today=today)
    atomic_write_text(out_dir / SOURCE_NAME, source)
    pdf = compile_pdf(source, out_dir)
    return write_pdf(out_dir / PDF_NAME, pdf)
