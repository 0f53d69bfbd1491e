"""The review PDF: sections, tables, studies, PRISMA counts and numbers read back from the PDF; drafts; Typst markup."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
from conftest import ROOT
from pypdf import PdfReader

from reviewkit.appraisal.judgments import read_appraisals
from reviewkit.appraisal.plots import plot_tools
from reviewkit.appraisal.tables import rob_table
from reviewkit.core.errors import ReviewInputError
from reviewkit.core.numbers import fmt_count, fmt_decimal, fmt_interval, fmt_percent
from reviewkit.core.protocol import load_protocol
from reviewkit.core.tables import write_table
from reviewkit.extraction.forms import read_forms
from reviewkit.extraction.tables import (
    characteristics_table,
    discrepancies_table,
    extraction_table,
    included_record_ids,
    included_studies,
)
from reviewkit.records.sources import load_records, records_table
from reviewkit.records.studies import studies_table
from reviewkit.report import Build, build_review_pdf, load_checklist, prisma_counts_table
from reviewkit.report.typst import Markup, compile_pdf, escape, string, table, template
from reviewkit.screening.agreement import agreement_summary, rater_pairs
from reviewkit.screening.criteria import suggestions
from reviewkit.screening.decisions import load_decisions, prisma_screening_counts, screening_table
from reviewkit.screening.prioritise.models import DEFAULT_MODEL, describe

STUDY_LABELS = {
    "msc-cm-chronic-fatigue-2025": "MSC conditioned medium in chronic fatigue",
    "hirota-2024": "Hirota et al. 2024, autologous MSCs in chronic spinal cord injury",
    "honmou-2021": "Honmou et al. 2021, autologous MSCs in spinal cord injury",
    "genchi-2023": "Human fetal neural precursor cells in progressive multiple sclerosis",
}


def normal(text: str) -> str:
    """Text as compared here: soft breaks and hyphens dropped (Typst hyphenates), whitespace collapsed."""
    text = re.sub(r"[\u00ad-]\s*\n", "", text.replace("\u200b", ""))
    return re.sub(r"\s+", " ", text.replace("\u00ad", "").replace("-", "")).strip()


def pdf_pages(path: Path) -> list[str]:
    return [normal(p.extract_text()) for p in PdfReader(path).pages]


def has(text: str, phrase: str) -> bool:
    return normal(phrase) in text


def _stage_tables(review: Path, out: Path) -> None:
    """The tables and figures stages 1–4 write, made with the same calls as their notebooks."""
    protocol = load_protocol(review)
    records = load_records(review, protocol)
    records_frame = records_table(records)
    write_table(records_frame, out, "records")
    write_table(pd.DataFrame([{"source": s.id, "name": s.name, "prisma_column": s.kind,
                               "records": int((records_frame["source"] == s.id).sum())} for s in protocol.sources]),
                out, "sources")
    screening = screening_table(review, protocol, records)
    write_table(screening, out, "screening")
    write_table(prisma_screening_counts(screening), out, "prisma_screening")
    decisions = load_decisions(review, protocol, records)
    write_table(agreement_summary(rater_pairs(decisions, suggestions(protocol, records))), out, "screening_agreement")
    studies, forms, _ = read_forms(review, protocol, records)
    selected = included_studies(studies, included_record_ids(out))
    write_table(studies_table(selected), out, "included_studies")
    chosen_forms = [forms[s.id] for s in selected]
    write_table(extraction_table(chosen_forms, protocol), out, "extraction")
    write_table(characteristics_table(chosen_forms, protocol), out, "characteristics")
    write_table(discrepancies_table(chosen_forms), out, "extraction_discrepancies")
    _, appraisals, tools, _ = read_appraisals(review, protocol, records)
    chosen = [a for s in selected for a in appraisals[s.id]]
    write_table(rob_table(chosen), out, "rob")
    plot_tools(chosen, tools, out)


# Tables of the synthesis and PRISMA stages, in their schemas, with numbers made for these tests.
SYNTHESIS = pd.DataFrame([
    {"outcome": "serious_adverse_events", "outcome_label": "Participants with serious adverse events", "group": "all",
     "k": 2, "events": 0, "participants": 26, "estimate": 0.0367882, "ci_low": 0.0052091, "ci_high": 0.2187513,
     "tau2": 0.0, "i2": 0.0, "transform": "logit", "method": "REML", "studies": "msc-cm-chronic-fatigue-2025 | hirota-2024",
     "note": ""},
    {"outcome": "improvement", "outcome_label": "Participants who improved", "group": "all", "k": 1, "events": 10,
     "participants": 19, "estimate": "", "ci_low": "", "ci_high": "", "tau2": "", "i2": "", "transform": "logit",
     "method": "REML", "studies": "msc-cm-chronic-fatigue-2025", "note": "not pooled: fewer than 2 studies report counts"},
])
SYNTHESIS_STUDIES = pd.DataFrame([
    {"outcome": "serious_adverse_events", "group": "all", "study_id": "hirota-2024", "label": STUDY_LABELS["hirota-2024"],
     "events": 0, "total": 7, "proportion": 0.0, "ci_low": 0.0, "ci_high": 0.4096291, "weight": 32.79, "pooled": True, "reason": ""},
    {"outcome": "serious_adverse_events", "group": "all", "study_id": "honmou-2021", "label": STUDY_LABELS["honmou-2021"],
     "events": "", "total": "", "proportion": "", "ci_low": "", "ci_high": "", "weight": "", "pooled": False,
     "reason": "counts not reported"},
])
NARRATIVE = pd.DataFrame([
    {"outcome": "improvement", "outcome_label": "Participants who improved", "group": "all", "study_id": "genchi-2023",
     "label": STUDY_LABELS["genchi-2023"], "design": "single-arm trial", "participants": 12,
     "finding": "Less grey-matter loss at the highest dose", "direction": "mixed or unclear", "risk_of_bias": "9/16",
     "reason_not_pooled": "counts not reported"},
])
SOF = pd.DataFrame([
    {"outcome": "serious_adverse_events", "outcome_label": "Participants with serious adverse events", "studies": 4,
     "participants": 51, "estimate": "3.7% (0.5% to 21.9%), 2 studies pooled", "certainty": "very low",
     "comments": "Downgraded for imprecision"},
])
GRADE = pd.DataFrame([{"outcome": "serious_adverse_events", "domain": "imprecision", "change": "-2",
                       "reason": "26 participants with counts"}])
PRISMA = pd.DataFrame(
    [{"column": c, "box": b, "source": s, "reason": r, "label": label, "count": n} for c, b, s, r, label, n in [
        ("other_methods", "identified", "seeds", "", "Websites, organisations and news", 1234),
        ("other_methods", "identified", "", "", "Records identified", 1234),
        ("other_methods", "duplicates_removed", "", "", "Duplicate records removed", 17),
        ("other_methods", "screened", "", "", "Records screened", 1217),
        ("total", "identified", "", "", "Records identified", 1234),
        ("total", "duplicates_removed", "", "", "Duplicate records removed", 17),
        ("total", "screened", "", "", "Records screened", 1217),
        ("total", "studies_included", "", "", "Studies included in review", 4),
    ]])
DONE = pd.DataFrame([{"stage": s, "state": "done", "summary": "done"}
                     for s in ("records", "screening", "extraction", "risk of bias", "synthesis", "PRISMA")])


@pytest.fixture(scope="module")
def stages(tmp_path_factory) -> tuple[Path, Path]:
    """The seed review (a copy) and a build folder with the tables of stages 1–4."""
    root = tmp_path_factory.mktemp("stages")
    shutil.copytree(ROOT / "seeds", root / "seeds")
    shutil.copytree(ROOT / "review", root / "review", ignore=shutil.ignore_patterns("build"))
    _stage_tables(root / "review", root / "build")
    for svg in (root / "build" / "figures").glob("*.svg"):  # the PNGs stand in: vector plots are slow to read back
        svg.unlink()
    return root / "review", root / "build"


def _copy_build(stages: tuple[Path, Path], tmp_path: Path) -> tuple[Path, Path]:
    review, build = stages
    out = tmp_path / "build"
    shutil.copytree(build, out)
    return review, out


@pytest.fixture(scope="module")
def full(stages, tmp_path_factory) -> tuple[Path, list[str]]:
    """A complete build (synthesis and PRISMA tables added) and its review PDF's pages."""
    review, out = _copy_build(stages, tmp_path_factory.mktemp("full"))
    for name, frame in (("synthesis", SYNTHESIS), ("synthesis_studies", SYNTHESIS_STUDIES), ("narrative", NARRATIVE),
                        ("sof", SOF), ("grade", GRADE), ("prisma", PRISMA), ("status", DONE)):
        write_table(frame, out, name)
    for name in ("prisma", "forest_serious_adverse_events"):  # any figure will do
        shutil.copy(out / "figures" / "rob_summary_aacods.png", out / "figures" / f"{name}.png")
    pdf = build_review_pdf(review, out)
    return pdf, pdf_pages(pdf)


def test_review_pdf_has_the_sections_of_a_systematic_review(full):
    pdf, pages = full
    text = " ".join(pages)
    assert pdf.name == "review.pdf" and pages[0].startswith("SYSTEMATIC REVIEW")
    for section in ("Abstract", "OBJECTIVES", "METHODS", "RESULTS", "CONCLUSIONS", "1 Introduction", "2 Methods",
                    "Eligibility criteria", "Information sources and search", "Selection process", "Synthesis methods",
                    "3 Results", "Study selection", "Study characteristics", "Risk of bias in studies",
                    "Results of individual studies", "Results of syntheses", "Narrative synthesis (SWiM)",
                    "Certainty of evidence", "4 Discussion", "Limitations of the evidence", "Other information",
                    "References", "Appendix A. Extraction forms and risk-of-bias judgments", "Appendix B. PRISMA 2020 checklist"):
        assert has(text, section), section
    assert "DRAFT" not in text and "Pending" not in text


def test_abstract_and_results_are_derived_from_the_tables(full):
    _, pages = full
    text = " ".join(pages)
    # 5 seed records, 1 excluded at full text, 4 studies with 19 + 7 + 13 + 12 participants
    assert has(pages[0], "5 records were identified from 1 source.")
    assert has(text, "4 studies (4 reports) with 51 participants were included: 2 case series")
    assert has(text, "3 of 4 studies are known only from grey literature")
    assert has(text, "Participants with serious adverse events: 3.7% (0.5% to 21.9%), 2 studies pooled (4 studies, 51 participants; very low certainty).")
    assert has(text, "The certainty of the evidence is very low for participants with serious adverse events.")


def test_tables_show_studies_risk_of_bias_and_synthesis(full):
    _, pages = full
    text = " ".join(pages)
    for label in STUDY_LABELS.values():
        assert has(text, label), label
    assert has(text, "Characteristics of the included studies")
    assert has(text, "intrathecal") and has(text, "180 days (six months) after infusion")  # characteristics cells
    assert has(text, "Credibility of grey literature (after AACODS): credibility low (3), of 3 appraisals")
    assert has(text, "9/16")  # the MINORS total of genchi-2023
    assert has(text, "0/7 0.0% (0.0% to 41.0%) 32.8% yes")  # a row of the individual results
    assert has(text, "0/26 3.7% (0.5% to 21.9%) 0.000 0% REML, logit")  # the pooled row
    assert has(text, "not pooled: fewer than 2 studies report counts")
    assert has(text, "Less grey-matter loss at the highest dose")
    assert not re.search(r"\b(nan|NaN)\b", text)


def test_prisma_counts_come_from_the_prisma_table(full):
    _, pages = full
    text = " ".join(pages)
    assert has(text, "PRISMA 2020 flow diagram")
    assert has(text, "Records identified 1,234 1,234")
    assert has(text, "Websites, organisations and news 1,234 —")  # per source, no total row for it
    assert has(text, "Duplicate records removed 17 17")
    assert has(text, "Records screened 1,217 1,217")
    assert has(text, "Studies included in review — 4")


def test_limitations_and_appendix_follow_from_the_data(full):
    _, pages = full
    text = " ".join(pages)
    assert has(text, "Designs: 2 case series, 1 observational study, 1 singlearm trial; none was a controlled study")
    assert has(text, "Discrepancies: 7 places where reports misstate or contradict their study, in 2 studies")
    assert has(text, "Screening at full text was done by a single reviewer (R1)")
    appendix = " ".join(pages[next(i for i, p in enumerate(pages) if has(p, "Appendix A. Extraction forms")):])
    assert has(appendix, "A.2 Hirota et al. 2024") and has(appendix, "No serious adverse events occurred.")
    assert has(appendix, "Q1 Inclusion criteria")  # each risk-of-bias item named, not only its id


def test_references_come_from_the_records_without_duplicates(full):
    _, pages = full
    text = " ".join(pages)
    references = text[text.index("References Included studies"):text.index("Appendix A. Extraction forms")]
    assert has(references, "Honmou O et al. Intravenous administration of auto serum-expanded autologous mesenchymal stem cells in stroke")
    assert has(references, "ScienceDaily. Scientists repair injured spinal cord")
    assert has(references, "doi: 10.3390/jcm13206072")
    assert references.count(normal("Clin Neurol Neurosurg. 2021 Feb 18;203:106565")) == 1  # primary citation, also cited in 003
    assert has(references, "Page MJ, McKenzie JE, Bossuyt PM")


def test_works_cited_come_only_from_the_reports_read_in_full(stages, tmp_path):
    """A record the searches found but no one read in full (here: one screened out) adds nothing to the references,
    so a review of thousands of records does not list every DOI they mention."""
    from reviewkit.report.references import references

    review, out = _copy_build(stages, tmp_path)
    records = pd.read_csv(out / "tables" / "records.csv", dtype=str, keep_default_na=False)
    extra = records.iloc[[0]].assign(record_id="export:1", dois="10.9999/not.read", citations="Unread R. A work. 2020.")
    write_table(pd.concat([records, extra], ignore_index=True), out, "records")
    text = " ".join(str(t) for entries in references(Build(review, out, load_protocol(review)), "PRISMA").groups.values()
                    for t in entries)
    assert "10.9999/not.read" not in text and "Unread R." not in text
    assert "10.3390/jcm13206072" in text  # a DOI in a report of an included study


def test_checklist_has_27_items_and_gives_the_page_of_each(full):
    citation, items = load_checklist()
    assert "PRISMA 2020" in citation
    assert sorted({int(re.match(r"\d+", i.id).group()) for i in items}) == list(range(1, 28))
    assert all(i.reported_in or i.not_reported for i in items)
    _, pages = full
    eligibility_page = next(n for n, p in enumerate(pages, start=1) if has(p, "2.2 Eligibility criteria"))
    start = next(i for i, p in enumerate(pages) if has(p, "Appendix B. PRISMA 2020 checklist"))
    checklist = " ".join(pages[start:])
    assert has(checklist, f"Eligibility criteria, p. {eligibility_page}")
    assert has(checklist, "Not reported: The protocol states no rationale")


def test_draft_marks_pending_stages(stages, tmp_path):
    review, out = _copy_build(stages, tmp_path)
    write_table(pd.DataFrame([  # as review_status writes it: each stage with the tables it writes
        {"stage": "synthesis", "label": "synthesis and certainty", "state": "pending", "summary": "no outcome data yet",
         "tables": "synthesis | synthesis_studies"},
        {"stage": "report", "label": "report", "state": "pending", "summary": "draft: synthesis pending",
         "tables": "status | prisma"}]), out, "status")
    pages = pdf_pages(build_review_pdf(review, out))
    text = " ".join(pages)
    assert has(pages[0], "DRAFT — pending: synthesis and certainty, report") and has(pages[1], "DRAFT")
    assert has(text, "report: missing tables/prisma.csv, figures/prisma.svg")
    assert has(text, "Status of this draft") and has(text, "no outcome data yet")
    assert has(text, "Pending: synthesis (tables/synthesis.csv missing)")
    assert has(text, "Pending: PRISMA flow diagram (figures/prisma.svg, tables/prisma.csv missing)")
    assert has(text, "Pending: synthesis (tables/synthesis_studies.csv missing)")
    assert re.search(r"Results of syntheses, p\. \d+ \(pending\)", text)  # in the checklist
    assert has(text, "Study characteristics") and has(text, STUDY_LABELS["hirota-2024"])  # done stages still reported


def test_a_build_without_its_status_table_is_named(stages, tmp_path):
    review, out = _copy_build(stages, tmp_path)
    (out / "tables" / "status.csv").unlink(missing_ok=True)
    with pytest.raises(ReviewInputError, match=r"status\.csv: missing: the report stage writes it"):
        build_review_pdf(review, out)


def test_missing_build_folder_and_protocol_are_clear_errors(seed_review, tmp_path):
    with pytest.raises(ReviewInputError, match="build folder does not exist"):
        build_review_pdf(seed_review, tmp_path / "nowhere")
    (tmp_path / "build").mkdir()
    (seed_review / "protocol.yml").unlink()
    with pytest.raises(ReviewInputError, match="protocol.yml: file not found"):
        build_review_pdf(seed_review, tmp_path / "build")


def test_a_table_without_its_columns_is_named(stages, tmp_path):
    review, out = _copy_build(stages, tmp_path)
    write_table(DONE, out, "status")
    write_table(SYNTHESIS.drop(columns=["tau2", "i2"]), out, "synthesis")
    with pytest.raises(ReviewInputError, match=r"synthesis\.csv: missing column\(s\) tau2, i2"):
        build_review_pdf(review, out)


def test_pdf_is_replaced_atomically(stages, tmp_path):
    review, out = _copy_build(stages, tmp_path)
    write_table(DONE, out, "status")
    (out / "review.pdf").write_bytes(b"old")
    build_review_pdf(review, out)
    assert (out / "review.pdf").read_bytes().startswith(b"%PDF")
    assert (out / "review.typ").read_text(encoding="utf-8").count("#show: review.with(") == 1
    assert not [p for p in out.iterdir() if p.name.endswith(".tmp")]


def test_figures_are_svg_where_there_is_one(stages, tmp_path):
    review, out = _copy_build(stages, tmp_path)
    (out / "figures" / "rob_traffic_minors.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>')
    build = Build(review, out, load_protocol(review))
    assert build.figure("rob_traffic_minors") == "/figures/rob_traffic_minors.svg"
    assert build.figure("rob_summary_minors") == "/figures/rob_summary_minors.png"
    assert build.figure("forest_improvement") is None


def test_prisma_counts_table_puts_columns_side_by_side():
    frame = prisma_counts_table(PRISMA.astype(str))
    assert list(frame.columns) == ["Box", "Other methods", "Total"]
    assert frame.iloc[0].tolist() == ["Records identified", "1,234", "1,234"]
    assert str(frame.iloc[1]["Box"]).endswith("Websites, organisations and news")  # the source, under its box


# --- Typst markup ---------------------------------------------------------------------------------

NASTY = 'a #b $c *d* _e_ `f` <g> @h [i] ~j /k //l /*m*/ = - + 1. n \\o "p" \'q\' -- r ... s; (t) u.v'


def _typeset(body: str, tmp_path: Path) -> str:
    pdf = compile_pdf(template("base") + "\n" + body, tmp_path)
    (tmp_path / "t.pdf").write_bytes(pdf)
    return "\n".join(p.extract_text() for p in PdfReader(tmp_path / "t.pdf").pages)


def test_escaped_text_and_strings_show_exactly_their_characters(tmp_path):
    after_a_call = "#box[x]" + escape("; (y).z")  # markup right after a call must not end or extend it
    shown = _typeset(f"{escape(NASTY)}\n\n#{string(NASTY)}\n\n{after_a_call}\n", tmp_path)
    lines = [re.sub(r"\s+", " ", line).strip() for line in shown.splitlines() if line.strip()]
    assert lines == [NASTY, NASTY, "x; (y).z"]


def test_table_breaks_across_pages_and_repeats_its_header(tmp_path):
    frame = pd.DataFrame({"Study": [f"study-{i}" for i in range(120)],
                          "Finding": ["a long finding that wraps " * 4] * 120, "N": list(range(120))})
    pdf = compile_pdf(template("base") + "\n" + table(frame), tmp_path)
    (tmp_path / "t.pdf").write_bytes(pdf)
    pages = [p.extract_text() for p in PdfReader(tmp_path / "t.pdf").pages]
    assert len(pages) >= 2
    assert all(p.lstrip().startswith("Study Finding N") for p in pages)
    assert "study-119" in pages[-1]


def test_table_cells_markup_and_numbers():
    frame = pd.DataFrame({"A": [Markup("#strong[x]"), "y*"], "B": [1234, float("nan")], "C": [0.5, 2], "D": [True, False]})
    source = table(frame)
    assert "[#strong[x]]" in source and '"y*"' in source
    assert '"1,234"' in source and '"—"' in source and '"0.50"' in source and '"yes"' in source
    assert "align: (left, right, right, left,)" in source


def test_number_formats():
    assert fmt_count("1234") == "1,234" and fmt_count("") == "—" and fmt_count("not reported") == "not reported"
    assert fmt_decimal(0.44444, 2) == "0.44" and fmt_decimal(-0.0001, 2) == "0.00" and fmt_decimal(-1.5, 1) == "−1.5"
    assert fmt_percent(0.5263) == "52.6%" and fmt_percent(37.0, places=0, scale=1) == "37%"
    assert fmt_interval(0.0367882, 0.0052091, 0.2187513) == "3.7% (0.5% to 21.9%)"
    assert fmt_interval(0.5, "", "") == "50.0%" and fmt_interval("", "", "") == "—"


def test_support_and_competing_interests_come_from_the_protocol(stages, tmp_path):
    review, out = _copy_build(stages, tmp_path)
    write_table(DONE, out, "status")
    shutil.copytree(review, tmp_path / "review")
    protocol = tmp_path / "review" / "protocol.yml"
    protocol.write_text(protocol.read_text(encoding="utf-8").replace(
        "registration:", "support: Funded by the Example Foundation (grant 12).\ncompeting_interests: None declared.\n"
        "registration:", 1), encoding="utf-8")
    text = " ".join(pdf_pages(build_review_pdf(tmp_path / "review", out)))
    assert has(text, "Support: Funded by the Example Foundation (grant 12).")
    assert has(text, "Competing interests: None declared.")
    unstated = " ".join(pdf_pages(build_review_pdf(review, out)))
    assert has(unstated, "Support: not stated in the protocol (its field support).")


def test_methods_name_the_ranking_model_of_the_protocol_or_the_default(stages, tmp_path):
    review, out = _copy_build(stages, tmp_path)
    write_table(DONE, out, "status")
    default = " ".join(pdf_pages(build_review_pdf(review, out)))
    assert has(default, f"ranked by {describe(DEFAULT_MODEL)} (reviewkit's model “{DEFAULT_MODEL}”, its default) and "
                        "refitted")  # its own bracket stands mid-phrase
    shutil.copytree(review, tmp_path / "review")
    protocol = tmp_path / "review" / "protocol.yml"
    protocol.write_text(protocol.read_text(encoding="utf-8") + "\nranking_model: nb\n", encoding="utf-8")
    chosen = " ".join(pdf_pages(build_review_pdf(tmp_path / "review", out)))
    assert has(chosen, "ranked by naive Bayes on TF-IDF words (ASReview's ELAS u3; reviewkit's model “nb”) and "
                       "refitted on the decisions made so far; the ranking ordered the records and decided none of them.")
    protocol.write_text(protocol.read_text(encoding="utf-8").replace("ranking_model: nb", "ranking_model: lr"),
                        encoding="utf-8")
    unbracketed = " ".join(pdf_pages(build_review_pdf(tmp_path / "review", out)))
    assert has(unbracketed, f"ranked by {describe('lr')} (reviewkit's model “lr”) and refitted")
