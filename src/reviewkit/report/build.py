"""The review PDF: a journal-style systematic review, typeset with Typst from the build's tables and figures.

Every sentence with a number in it is derived from the protocol or a table of the build; nothing is
typed about the studies. A review in progress gives a draft: "DRAFT" in the header and across the
pages, a status table up front, and each section whose inputs are missing says what is pending.
The Typst source is kept beside the PDF (``review.typ``), so the PDF can be rebuilt or restyled.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import cached_property
from importlib import metadata, resources
from pathlib import Path

import pandas as pd
from pydantic import BaseModel, ConfigDict, ValidationError

from reviewkit.appraisal.tools import Tool, read_tools
from reviewkit.core.errors import ReviewInputError
from reviewkit.core.protocol import PROTOCOL_FILE, Protocol, load_protocol
from reviewkit.core.storage import atomic_write_text, load_yaml
from reviewkit.core.tables import read_table, table_path
from reviewkit.report.typst import (
    EMPTY,
    Markup,
    bullets,
    compile_pdf,
    display,
    escape,
    figure,
    fmt_count,
    fmt_decimal,
    fmt_interval,
    fmt_percent,
    fmt_ratio,
    heading,
    number,
    paragraph,
    string,
    table,
    template,
    write_pdf,
)

CHECKLIST = "prisma_2020_checklist.yml"
PDF_NAME = "review.pdf"
SOURCE_NAME = "review.typ"
# What each stage leaves in the build folder, and so what the report waits for while it is pending.
STAGE_INPUTS: dict[str, tuple[str, ...]] = {
    "records": ("tables/records.csv", "tables/sources.csv"),
    "screening": ("tables/screening.csv", "tables/prisma_screening.csv"),
    "extraction": ("tables/included_studies.csv", "tables/characteristics.csv", "tables/extraction.csv"),
    "risk of bias": ("tables/rob.csv",),
    "synthesis": ("tables/synthesis.csv", "tables/synthesis_studies.csv", "tables/narrative.csv",
                  "tables/sof.csv", "tables/grade.csv"),
    "PRISMA": ("tables/prisma.csv", "figures/prisma.svg"),
}
# The columns the report reads from each table; a table without them is an error that names them.
COLUMNS: dict[str, tuple[str, ...]] = {
    "records": ("record_id", "title", "source_type_suggested", "dates", "dois", "citations"),
    "sources": ("source", "records"),
    "screening": ("record_id", "stage", "decision", "exclusion_reason", "reviewers", "note", "title"),
    "prisma_screening": ("stage", "measure", "reason", "count"),
    "screening_agreement": ("stage", "rater_a", "rater_b", "records", "agreement", "kappa", "kappa_low", "kappa_high"),
    "included_studies": ("study_id", "label", "records", "primary_citation"),
    "characteristics": ("study_id", "label"),
    "extraction": ("study_id", "record_id", "field", "value", "quote", "note", "status"),
    "extraction_discrepancies": ("study_id", "note", "quote"),
    "rob": ("study_id", "source_type", "tool", "item", "judgment", "level", "support"),
    "synthesis": ("outcome", "outcome_label", "group", "k", "events", "participants", "estimate", "ci_low", "ci_high",
                  "tau2", "i2", "transform", "method", "note"),
    "synthesis_studies": ("outcome", "group", "study_id", "label", "events", "total", "proportion", "ci_low", "ci_high",
                          "weight", "pooled", "reason"),
    "sensitivity": ("outcome", "transform", "method", "estimate", "ci_low", "ci_high", "tau2", "i2", "note"),
    "narrative": ("outcome", "outcome_label", "group", "study_id", "label", "design", "participants", "finding",
                  "direction", "risk_of_bias", "reason_not_pooled"),
    "sof": ("outcome", "outcome_label", "studies", "participants", "estimate", "certainty", "comments"),
    "grade": ("outcome", "domain", "change", "reason"),
    "prisma": ("column", "box", "source", "reason", "label", "count"),
    "status": ("stage", "state", "summary"),
}
PRISMA_COLUMNS = {"databases_registers": "Databases and registers", "other_methods": "Other methods"}
JOURNAL = "journal article"
DESIGN_FIELD, PARTICIPANTS_FIELD = "design", "n_participants"  # form fields the summaries count, where a protocol has them
DOI = re.compile(r"10\.\d{4,9}/[^\s|;,]+", re.IGNORECASE)


# --- inputs ---------------------------------------------------------------------------------------

@dataclass
class Build:
    """The review folder and its build: the protocol, tables and figures the report reads."""

    review_dir: Path
    out_dir: Path
    protocol: Protocol
    _tables: dict[str, pd.DataFrame | None] = field(default_factory=dict)

    def table(self, name: str) -> pd.DataFrame | None:
        """``tables/<name>.csv``, or None if that stage has not written it."""
        if name not in self._tables:
            try:
                table = read_table(self.out_dir, name)
            except FileNotFoundError:
                table = None
            absent = [c for c in COLUMNS.get(name, ()) if table is not None and c not in table.columns]
            if absent:
                raise ReviewInputError(table_path(self.out_dir, name), f"missing column(s) {', '.join(absent)}: "
                                       "rerun the stage that writes this table")
            self._tables[name] = table
        return self._tables[name]

    def figure(self, name: str) -> str | None:
        """The Typst path of ``figures/<name>`` (SVG, else PNG), or None."""
        for ext in ("svg", "png"):
            if (self.out_dir / "figures" / f"{name}.{ext}").is_file():
                return f"/figures/{name}.{ext}"
        return None

    def missing(self, *paths: str) -> list[str]:
        """The build files among ``paths`` that do not exist (a figure's SVG may be a PNG)."""
        def found(path: Path) -> bool:
            return path.is_file() or (path.suffix == ".svg" and path.with_suffix(".png").is_file())

        return [p for p in paths if not found(self.out_dir / p)]

    @cached_property
    def tools(self) -> dict[str, Tool]:
        return read_tools(self.review_dir)[0]

    @cached_property
    def status(self) -> pd.DataFrame:
        """``tables/status.csv`` as the report stage wrote it, else computed from the review."""
        table = self.table("status")
        if table is None:
            from reviewkit.workbook.status import review_status

            table = review_status(self.review_dir)
        return table

    @cached_property
    def pending_stages(self) -> dict[str, str]:
        """Stage → why it is pending: its status is not done, or files it writes are missing."""
        pending: dict[str, str] = {}
        for row in self.status.itertuples():
            if row.stage != "report" and row.state != "done":
                pending[row.stage] = f"{row.state}: {row.summary}"
        for stage, paths in STAGE_INPUTS.items():
            absent = self.missing(*paths)
            if absent:
                pending.setdefault(stage, f"missing {', '.join(absent)}")
        return pending

    @cached_property
    def studies(self) -> pd.DataFrame:
        """Included studies (``included_studies.csv``), empty if extraction has not run."""
        table = self.table("included_studies")
        return table if table is not None else pd.DataFrame(columns=["study_id", "label", "records", "primary_record", "primary_citation"])

    @cached_property
    def records(self) -> pd.DataFrame:
        table = self.table("records")
        return table if table is not None else pd.DataFrame(columns=["record_id", "title", "source_type_suggested", "dates", "citations", "dois"])

    def record(self, record_id: str) -> pd.Series | None:
        match = self.records[self.records["record_id"] == record_id]
        return match.iloc[0] if not match.empty else None

    def study_records(self, study_id: str) -> list[str]:
        row = self.studies[self.studies["study_id"] == study_id]
        return [r for r in re.split(r"[|;,\s]+", row.iloc[0]["records"]) if r] if not row.empty else []


def pending(*missing_inputs: str, what: str = "") -> Markup:
    """The box a section shows while its inputs are missing."""
    inputs = ", ".join(missing_inputs)
    text = f"{what} ({inputs} missing)" if what else f"{inputs} missing"
    return Markup(f"#pending[{escape(text)}]\n\n")


def _words(items: list[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _counted(counter: Counter) -> str:
    """``2 case series, 1 single-arm trial``, most common first."""
    return ", ".join(f"{n} {what}" for what, n in counter.most_common())


def _plural(n: int, one: str, many: str | None = None) -> str:
    return f"{fmt_count(n)} {one if n == 1 else (many or one + 's')}"


def _were(n: int) -> str:
    return "was" if n == 1 else "were"


def _label(key: str) -> str:
    """A column name for a form field key: ``n_participants`` → ``No. of participants``."""
    text = key.replace("_", " ")
    text = re.sub(r"^n ", "No. of ", text)
    return text[:1].upper() + text[1:]


# --- references -----------------------------------------------------------------------------------

@dataclass
class References:
    """Numbered references in groups; ``cite`` links to one."""

    groups: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    numbers: dict[str, int] = field(default_factory=dict)

    def add(self, group: str, key: str, text: str) -> None:
        if key in self.numbers or not text.strip():
            return
        self.groups.setdefault(group, []).append((key, text.strip()))
        self.numbers[key] = len(self.numbers) + 1

    def cite(self, *keys: str) -> Markup:
        numbers = sorted(self.numbers[k] for k in keys if k in self.numbers)
        return Markup(" " + ", ".join(f"#link(<ref-{n}>)[\\[{n}\\]]" for n in numbers)) if numbers else Markup("")


def _dois(text: str) -> set[str]:
    return {d.rstrip(".").lower() for d in DOI.findall(text)}


def references(build: Build, checklist_citation: str) -> References:
    """Included studies, their reports, excluded reports, works the reports cite, and methods."""
    refs = References()
    cited_dois: set[str] = set()
    for study in build.studies.itertuples():
        refs.add("Included studies", f"study:{study.study_id}", study.primary_citation or study.label)
        cited_dois |= _dois(study.primary_citation)
    for study in build.studies.itertuples():
        for record_id in build.study_records(study.study_id):
            refs.add("Reports of the included studies", f"record:{record_id}", _record_reference(build, record_id))
    for row in _excluded_reports(build).itertuples():
        refs.add("Reports excluded at full text", f"record:{row.record_id}", _record_reference(build, row.record_id))
    for record in build.records.itertuples():
        for citation in [c.strip() for c in str(record.citations).split(" | ") if c.strip()]:
            citation = re.sub(r"^\[\d+\]\s*", "", citation)
            if _dois(citation) and _dois(citation) <= cited_dois:
                continue
            cited_dois |= _dois(citation)
            refs.add("Works cited in the reports", f"cited:{citation}", f"{citation} (cited in record {record.record_id})")
        for doi in sorted(d for d in re.split(r"\s*\|\s*", str(record.dois)) if d):
            if doi.lower() not in cited_dois:
                cited_dois.add(doi.lower())
                refs.add("Works cited in the reports", f"doi:{doi}", f"doi: {doi} (cited in record {record.record_id})")
    refs.add("Methods", "prisma", checklist_citation)
    for tool_id in _tools_used(build):
        tool = build.tools.get(tool_id)
        if tool is not None:
            refs.add("Methods", f"tool:{tool_id}", tool.citation)
    return refs


def _record_reference(build: Build, record_id: str) -> str:
    record = build.record(record_id)
    if record is None:
        return f"Record {record_id}."
    kind = record.get("source_type_suggested", "") or "report"
    title = str(record["title"]).rstrip(" .…")
    # no date: the dates a document mentions are often those of what it cites, not its own
    return f"{title}. {kind[:1].upper() + kind[1:]}. Record {record_id}."


def _tools_used(build: Build) -> list[str]:
    rob = build.table("rob")
    return list(dict.fromkeys(rob["tool"])) if rob is not None else []


def _excluded_reports(build: Build) -> pd.DataFrame:
    screening = build.table("screening")
    if screening is None:
        return pd.DataFrame(columns=["record_id", "exclusion_reason", "title"])
    return screening[(screening["stage"] == "full_text") & (screening["decision"] == "exclude")]


# --- derived facts --------------------------------------------------------------------------------

def _participants(build: Build) -> tuple[int, int] | None:
    """Participants summed over studies that report a number, and the studies that do not; None if the
    form has no ``n_participants`` field."""
    chars = build.table("characteristics")
    if chars is None or PARTICIPANTS_FIELD not in chars:
        return None
    numbers = [number(v) for v in chars[PARTICIPANTS_FIELD]]
    return int(sum(n for n in numbers if n is not None)), sum(n is None for n in numbers)


def _designs(build: Build) -> Counter:
    chars = build.table("characteristics")
    return Counter(chars[DESIGN_FIELD]) if chars is not None and DESIGN_FIELD in chars else Counter()


def _grey_only(build: Build) -> tuple[list[str], Counter]:
    """Studies with no report that is a journal article, and the source types of their reports."""
    studies, kinds = [], Counter()
    for study_id in build.studies["study_id"]:
        types = [str(r["source_type_suggested"]) for r in map(build.record, build.study_records(study_id)) if r is not None]
        if types and JOURNAL not in types:
            studies.append(study_id)
            kinds.update(types)
    return studies, kinds


def _screening_counts(build: Build) -> dict[tuple[str, str, str], int]:
    table = build.table("prisma_screening")
    if table is None:
        return {}
    return {(r.stage, r.measure, r.reason): int(float(r.count)) for r in table.itertuples() if number(r.count) is not None}


def _selection_sentence(build: Build) -> str:
    """Records identified, screened, excluded with reasons, and studies included, from the tables."""
    sources = build.table("sources")
    n_records = len(build.records)
    parts = []
    if sources is not None and not sources.empty:
        parts.append(f"{_plural(n_records, 'record')} {_were(n_records)} identified from {_plural(len(sources), 'source')}.")
    counts = _screening_counts(build)
    if counts:
        ta = (counts.get(("title_abstract", "screened", ""), 0), counts.get(("title_abstract", "excluded", ""), 0))
        ft = (counts.get(("full_text", "screened", ""), 0), counts.get(("full_text", "excluded", ""), 0))
        reasons = [f"{build.protocol.reason_label(reason).split(' (')[0].lower()} ({n})"
                   for (stage, measure, reason), n in counts.items()
                   if stage == "full_text" and measure == "excluded" and reason and n]
        parts.append(f"{_plural(ta[0], 'record')} {_were(ta[0])} screened on title and abstract ({fmt_count(ta[1])} excluded) "
                     f"and {_plural(ft[0], 'report')} assessed in full ({fmt_count(ft[1])} excluded"
                     + (f": {'; '.join(reasons)}" if reasons else "") + ").")
    if not build.studies.empty:
        n_reports = sum(len(build.study_records(s)) for s in build.studies["study_id"])
        participants = _participants(build)
        who = ""
        if participants is not None:
            total, unknown = participants
            who = f" with {_plural(total, 'participant')}" + (
                f" ({_plural(unknown, 'study', 'studies')} not reporting a number)" if unknown else "")
        designs = _designs(build)
        parts.append(f"{_plural(len(build.studies), 'study', 'studies')} ({_plural(n_reports, 'report')}){who} {_were(len(build.studies))} included"
                     + (f": {_counted(designs)}." if designs else "."))
    return " ".join(parts)


def _sof_sentences(build: Build) -> list[str]:
    sof = build.table("sof")
    if sof is None:
        return []

    def counted(value: str, one: str, many: str) -> str:
        n = number(value)
        return _plural(int(n), one, many) if n is not None else f"{value} {many}"

    return [f"{row.outcome_label}: {display(row.estimate)} ({counted(row.studies, 'study', 'studies')}, "
            f"{counted(row.participants, 'participant', 'participants')}; {row.certainty} certainty)."
            for row in sof.itertuples()]


def _certainty_sentence(build: Build) -> str:
    sof = build.table("sof")
    if sof is None or sof.empty:
        return ""
    groups: dict[str, list[str]] = {}
    for row in sof.itertuples():
        groups.setdefault(str(row.certainty), []).append(str(row.outcome_label).lower())
    return " ".join(f"The certainty of the evidence is {c} for {_words(o)}." for c, o in groups.items())


def _overall_rob(build: Build) -> pd.DataFrame:
    rob = build.table("rob")
    if rob is None:
        return pd.DataFrame(columns=["study_id", "source_type", "tool", "judgment", "level"])
    return rob[rob["item"] == "overall"]


# --- sections -------------------------------------------------------------------------------------

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


def _registration(build: Build) -> Markup:
    path = build.review_dir / PROTOCOL_FILE
    digest = hashlib.sha256(path.read_bytes()).hexdigest()[:12]
    return heading("Protocol and registration", 2, label="registration") + paragraph(
        f"Registration: {build.protocol.registration} The protocol is the file {PROTOCOL_FILE} of the review folder "
        f"(SHA-256 {digest}…), which also defines the eligibility rules, the extraction form and the risk-of-bias tools "
        "reported below.")


def _eligibility(build: Build) -> Markup:
    p = build.protocol
    pico = pd.DataFrame({"Element": ["Population", "Intervention", "Comparator", "Outcomes", "Study designs"],
                         "Criterion": [p.pico.population, p.pico.intervention, p.pico.comparator, p.pico.outcomes,
                                       p.pico.study_designs]})
    criteria = pd.DataFrame([{"Criterion": c.label, "Description": c.description,
                              "Exclusion reason if not met": p.reason_label(c.exclusion_reason)} for c in p.eligibility])
    return (heading("Eligibility criteria", 2, label="eligibility") + table(pico)
            + paragraph(f"The {len(p.eligibility)} criteria, each with the exclusion reason recorded for a report "
                        "that does not meet it:")
            + table(criteria))


def _sources(build: Build) -> Markup:
    counts = build.table("sources")
    per_source = dict(zip(counts["source"], counts["records"])) if counts is not None else {}
    rows = pd.DataFrame([{"Source": s.name, "PRISMA 2020 column": PRISMA_COLUMNS[s.kind],
                          "Search and dates": s.searched or EMPTY, "Records": fmt_count(per_source.get(s.id, ""))}
                         for s in build.protocol.sources])
    text = paragraph(f"{_plural(len(rows), 'source')} {_were(len(rows))} searched or consulted. "
                     "The search of each source is described as the protocol records it.")
    return heading("Information sources and search", 2, label="sources") + text + table(rows)


def _reviewers(build: Build, stage: str) -> list[str]:
    screening = build.table("screening")
    if screening is None:
        return []
    names = {part.split(":")[0].strip() for text in screening[screening["stage"] == stage]["reviewers"]
             for part in str(text).split("; ") if part.strip()}
    return sorted(names)


def _selection(build: Build) -> Markup:
    out = heading("Selection process", 2, label="selection")
    screening = build.table("screening")
    if screening is None:
        return out + pending("tables/screening.csv", what="screening")
    stages = {"title_abstract": "title and abstract", "full_text": "full text"}
    who = [f"at {label}, {_plural(len(_reviewers(build, s)), 'reviewer')} ({_words(_reviewers(build, s))})"
           for s, label in stages.items() if _reviewers(build, s)]
    out += paragraph(
        "Records were screened in two stages, on title and abstract and then in full. For every record, reviewkit "
        "suggested whether each criterion was met from the protocol's text rules (regular expressions matched "
        "sentence by sentence), and showed the sentences that matched; the reviewers made the decisions "
        f"({'; '.join(who)}). Disagreements between reviewers are resolved by a consensus decision.")
    agreement = build.table("screening_agreement")
    if agreement is not None and not agreement.empty:
        rows = pd.DataFrame([{
            "Stage": stages.get(r.stage, r.stage).capitalize(), "Compared": f"{r.rater_a} and {r.rater_b}",
            "Records": fmt_count(r.records), "Agreement": fmt_percent(r.agreement),
            "Cohen's kappa (95% CI)": fmt_decimal(r.kappa) + (f" ({fmt_decimal(r.kappa_low)} to {fmt_decimal(r.kappa_high)})"
                                                             if number(r.kappa_low) is not None else ""),
        } for r in agreement.itertuples()])
        out += paragraph("Agreement between raters (a reviewer and the rule-based suggestions where there is one reviewer):")
        out += table(rows)
    return out


def _data_collection(build: Build) -> Markup:
    p = build.protocol
    form = pd.DataFrame([{"Field": f.key, "Type": f.type, "Description": f.description
                          + (f" Choices: {', '.join(f.choices)}." if f.choices else "")} for f in p.extraction_form])
    outcomes = pd.DataFrame([{"Outcome": o.label, "Measure": o.measure, "Counts (events / total)": f"{o.events_field} / {o.total_field}",
                              "Critical": "yes" if o.critical else "no",
                              "Direction": "desirable" if o.desirable else "undesirable"} for o in p.outcomes])
    return (heading("Data collection process and data items", 2, label="data-collection")
            + paragraph(f"Data were collected on one form per study with the protocol's {len(p.extraction_form)} fields. "
                        "Each value was recorded with the verbatim quote that supports it and the report it comes from; "
                        "reviewkit checked every quote against the report's text (whitespace, case, dashes and quotation "
                        "marks normalised). A value a report does not give was recorded as not reported. Reports of the "
                        "same study were linked as one study, and discrepancies between or within reports were noted.")
            + table(form) + paragraph("Outcomes for which data were sought:")
            + table(outcomes))


_RULES = {"worst": "the most severe item judgment", "sum": "the sum of item scores",
          "reviewer": "the reviewer's judgment, with reasons"}


def _rob_methods(build: Build) -> Markup:
    rows = []
    for kind, tool_id in build.protocol.risk_of_bias_tools.items():
        tool = build.tools.get(tool_id)
        rows.append({"Design or source type": kind, "Tool": tool.name if tool else tool_id,
                     "Overall judgment": _RULES[tool.overall.rule] if tool else EMPTY})
    return (heading("Risk of bias and credibility assessment", 2, label="rob-methods")
            + paragraph("Each study was appraised with the tool for its design, and each report that is grey literature "
                        "(press release, news, blog) also with a credibility appraisal. Each item judgment is supported "
                        "by a verbatim quote from the report, checked against its text, or by a note where it rests on "
                        "an absence. Tools by design or source type:")
            + table(pd.DataFrame(rows)))


def _synthesis_methods(build: Build) -> Markup:
    p = build.protocol
    meta = getattr(p, "meta_analysis", None)
    text = [f"Effect measure: for each outcome ({_words([o.label.lower() for o in p.outcomes])}), the proportion of "
            "participants with the event, from the counts each study reports. " + p.synthesis]
    if meta is not None:
        grouped = f"; studies were grouped by {_label(meta.group_by).lower()} (subgroups)" if meta.group_by else ""
        text.append(f"Model: {meta.method}, with proportions on the {meta.transform} scale; a pooled estimate needs at "
                    f"least {meta.min_studies} studies with counts{grouped}. Heterogeneity is reported as τ² and I².")
    text.append("Results of individual studies are tabulated with exact (Clopper–Pearson) 95% confidence intervals and "
                "shown in forest plots; studies without counts are synthesised narratively, following the SWiM "
                "guideline, by direction of effect.")
    sensitivity = build.table("sensitivity")
    if sensitivity is not None and not sensitivity.empty:
        text.append(f"Sensitivity analyses: each pooled estimate was recomputed on the "
                    f"{_words(list(dict.fromkeys(sensitivity['transform'])))} scales with the "
                    f"{_words(list(dict.fromkeys(sensitivity['method'])))} models.")
    else:
        text.append("No sensitivity analysis was run.")
    return heading("Synthesis methods", 2, label="synthesis-methods") + paragraph(" ".join(text))


def _certainty_methods(build: Build) -> Markup:
    grade = build.table("grade")
    rated = grade is not None and (grade["domain"] == "publication_bias").any()
    bias = ("Reporting bias (missing results) was judged per outcome within GRADE, in its publication bias domain, "
            "from who reported each study and how; no statistical test of small-study effects was run."
            if rated else "Reporting bias (missing results) was not assessed: no GRADE assessment rates it yet.")
    return (heading("Reporting bias and certainty assessment", 2, label="certainty-methods")
            + paragraph(f"Certainty of evidence: {build.protocol.certainty} {bias}"))


def _methods(build: Build) -> Markup:
    return (heading("Methods", 1) + _registration(build) + _eligibility(build) + _sources(build) + _selection(build)
            + _data_collection(build) + _rob_methods(build) + _synthesis_methods(build) + _certainty_methods(build))


def _study_selection(build: Build, refs: References) -> Markup:
    out = heading("Study selection", 2, label="study-selection")
    sentence = _selection_sentence(build)
    out += paragraph(sentence) if sentence else pending("tables/records.csv", "tables/prisma_screening.csv", what="records and screening")
    prisma_figure = build.figure("prisma")
    prisma = build.table("prisma")
    if prisma_figure:
        out += figure(prisma_figure, "PRISMA 2020 flow diagram.", label="fig-prisma", max_height="20cm")
    if prisma is not None:
        out += _table_figure("PRISMA 2020 flow counts (rows for a source, reason or state are indented).",
                             prisma_counts_table(prisma), "tab-prisma")
    if prisma_figure is None or prisma is None:
        out += pending(*build.missing("figures/prisma.svg", "tables/prisma.csv"), what="PRISMA flow diagram")
    excluded = _excluded_reports(build)
    if not excluded.empty:
        rows = pd.DataFrame([{"Report": Markup(escape(r.title) + refs.cite(f"record:{r.record_id}")),
                              "Reason for exclusion": build.protocol.reason_label(r.exclusion_reason) if r.exclusion_reason else EMPTY,
                              "Reviewers' note": r.note or EMPTY} for r in excluded.itertuples()])
        out += paragraph("Reports excluded at full text, with reasons:") + table(rows)
    return out


def prisma_counts_table(prisma: pd.DataFrame) -> pd.DataFrame:
    """``tables/prisma.csv`` with the PRISMA columns side by side: a row per box (and per source, reason or
    state within it, indented, shown only where some count is not zero)."""
    boxes = list(dict.fromkeys(prisma["box"]))
    keys = sorted(dict.fromkeys(zip(prisma["box"], prisma["source"], prisma["reason"])),
                  key=lambda k: (boxes.index(k[0]), bool(k[1] or k[2])))
    columns = list(dict.fromkeys(prisma["column"]))
    counts = {(r.column, r.box, r.source, r.reason): r.count for r in prisma.itertuples()}
    labels = {(r.box, r.source, r.reason): r.label for r in prisma.itertuples()}
    rows = []
    for key in keys:
        values = [counts.get((c, *key), "") for c in columns]
        detail = bool(key[1] or key[2])
        if detail and not any(number(v) for v in values):
            continue
        label = labels[key]
        rows.append([Markup(f"#h(1.2em){escape(label)}") if detail else label, *[fmt_count(v) if v != "" else EMPTY for v in values]])
    names = [PRISMA_COLUMNS.get(c, c.replace("_", " ").capitalize()) for c in columns]
    return pd.DataFrame(rows, columns=["Box", *names])


CHARACTERISTICS_SKIP = {"study_id", "label", "reports", "primary_citation"}
STUDIES_ACROSS = 4  # studies side by side in one characteristics table
SHORT_TABLE_ROWS, SHORT_TABLE_CHARS = 14, 2500  # a table this small is not split across pages
ROB_ACROSS = 6  # up to this many appraisals of one tool are columns; more are rows


def _characteristic_fields(build: Build, chars: pd.DataFrame) -> list[str]:
    """Form fields worth a column: not outcome counts, directions or the citation."""
    skip = set(CHARACTERISTICS_SKIP)
    for o in build.protocol.outcomes:
        skip |= {o.events_field, o.total_field, getattr(o, "direction_field", None) or ""}
    return [c for c in chars.columns if c not in skip]


def _once(values: list[str]) -> list[str]:
    """A column's values with repeats of the value above left blank (rows grouped by it)."""
    return [v if i == 0 or v != values[i - 1] else Markup("") for i, v in enumerate(values)]


def _table_figure(caption: str, frame: pd.DataFrame, label: str | None = None, **options) -> Markup:
    """A numbered table with its caption above; a short one is kept on one page with its caption."""
    tail = f" <{label}>" if label else ""
    text = sum(len(str(v)) for v in frame.to_numpy().ravel())
    figure_ = f"figure(kind: table, caption: [{escape(caption)}])[\n{table(frame, **options)}]"
    if len(frame) <= SHORT_TABLE_ROWS and text <= SHORT_TABLE_CHARS:
        return Markup(f"#block(breakable: false, width: 100%)[#{figure_}{tail}]\n")
    return Markup(f"#{figure_}{tail}\n")


def _characteristics(build: Build, refs: References) -> Markup:
    """One table per group of studies: the form's fields down, the studies across."""
    out = heading("Study characteristics", 2, label="characteristics")
    chars = build.table("characteristics")
    if chars is None:
        return out + pending("tables/characteristics.csv", what="extraction")
    fields = _characteristic_fields(build, chars)
    out += paragraph(f"{_plural(len(chars), 'study', 'studies')} {_were(len(chars))} included; designs: "
                     f"{_counted(_designs(build))}. The tables give what was extracted from the reports; the quote "
                     "behind each value is in Appendix A.")
    for start in range(0, len(chars), STUDIES_ACROSS):
        group = chars.iloc[start:start + STUDIES_ACROSS]
        frame = pd.DataFrame({"Characteristic": [_label(f) for f in fields]})
        for i, row in enumerate(group.itertuples()):
            frame[str(i)] = [display(getattr(row, f)) for f in fields]
        frame.columns = ["Characteristic"] + [Markup(escape(r.label or r.study_id) + refs.cite(f"study:{r.study_id}"))
                                              for r in group.itertuples()]
        span = f" (studies {start + 1}–{start + len(group)} of {len(chars)})" if len(chars) > STUDIES_ACROSS else ""
        widths = [1.1] + [2.0] * len(group)
        out += _table_figure(f"Characteristics of the included studies{span}.", frame,
                             "tab-characteristics" if start == 0 else None, widths=widths, size="7.5pt")
    return out


def _rob_cell(judgment: str, level: str) -> Markup:
    """A judgment with a dot in its robvis colour."""
    from reviewkit.core.plot_style import colour

    dot = f"#box(circle(radius: 3pt, fill: rgb({string(colour(level))}), stroke: 0.4pt + luma(60)))"
    return Markup(f"{dot} {escape(judgment)}")


def _item_names(build: Build, tool_id: str) -> dict[str, str]:
    """Item id → "Q1 Inclusion criteria" for a tool's items, and "Overall"."""
    tool = build.tools.get(tool_id)
    return {**({i.id: f"{i.id} {i.label}" for i in tool.items} if tool else {}), "overall": "Overall"}


def _rob_grid(build: Build, tool_id: str, rows: pd.DataFrame, refs: References) -> pd.DataFrame:
    """One tool's judgments: items down and appraisals across (few appraisals), or the other way round."""
    items = list(dict.fromkeys(rows["item"]))
    names = _item_names(build, tool_id)
    appraisals = list(rows.groupby(["study_id", "source_type"], sort=False))
    cells = {(key, r.item): _rob_cell(r.judgment, r.level) for key, a in appraisals for r in a.itertuples()}
    heads = {key: Markup(escape(key[0] + (f" ({key[1]})" if key[1] else "")) + refs.cite(f"study:{key[0]}"))
             for key, _ in appraisals}
    if len(appraisals) <= ROB_ACROSS:
        frame = pd.DataFrame([{"Item": names.get(i, i), **{str(n): cells.get((key, i), EMPTY) for n, (key, _) in enumerate(appraisals)}}
                              for i in items])
        frame.columns = ["Item"] + [heads[key] for key, _ in appraisals]
        return frame
    frame = pd.DataFrame([{"Appraisal": heads[key], **{i: cells.get((key, i), EMPTY) for i in items}} for key, _ in appraisals])
    frame.columns = ["Appraisal"] + ["Overall" if i == "overall" else i for i in items]
    return frame


def _rob_results(build: Build, refs: References) -> Markup:
    out = heading("Risk of bias in studies", 2, label="rob-results")
    rob = build.table("rob")
    if rob is None:
        return out + pending("tables/rob.csv", what="risk of bias")
    summary = []
    for tool_id, rows in _overall_rob(build).groupby("tool", sort=False):
        name = build.tools[tool_id].name if tool_id in build.tools else tool_id
        judgments = ", ".join(f"{what} ({n})" for what, n in Counter(rows["judgment"]).most_common())
        summary.append(f"{name}: {judgments}, of {_plural(len(rows), 'appraisal')}")
    out += paragraph("Overall judgments by tool (each item's supporting quote or note is in Appendix A):") + bullets(summary)
    for tool_id, rows in rob.groupby("tool", sort=False):
        name = build.tools[tool_id].name if tool_id in build.tools else tool_id
        out += heading(name, 3) + _table_figure(f"{name}: judgments per item.", _rob_grid(build, tool_id, rows, refs), size="7.5pt")
        for kind, what, height in (("traffic", "judgments per item and study", "14cm"),
                                   ("summary", "share of appraisals at each level per item", "9cm")):
            path = build.figure(f"rob_{kind}_{tool_id}")
            if path:
                out += figure(path, f"{name}: {what}.", max_height=height)
    return out


def _individual_results(build: Build, refs: References) -> Markup:
    out = heading("Results of individual studies", 2, label="individual-results")
    studies = build.table("synthesis_studies")
    if studies is None:
        return out + pending("tables/synthesis_studies.csv", what="synthesis")
    labels = {o.id: o.label for o in build.protocol.outcomes}
    for outcome, rows in studies.groupby("outcome", sort=False):
        frame = pd.DataFrame([{
            "Study": Markup(escape(r.label or r.study_id) + refs.cite(f"study:{r.study_id}")),
            "Group": r.group or EMPTY, "Events/total": fmt_ratio(r.events, r.total),
            "Proportion (95% CI)": fmt_interval(r.proportion, r.ci_low, r.ci_high),
            "Weight": fmt_percent(r.weight, scale=1) if number(r.weight) is not None else EMPTY,
            "In pooled estimate": "yes" if str(r.pooled).lower() == "true" else ("no: " + r.reason if r.reason else "no"),
        } for r in rows.itertuples()])
        caption = f"{labels.get(outcome, outcome)}: results of individual studies."
        out += _table_figure(caption, frame)
    return out


def _synthesis_results(build: Build) -> Markup:
    out = heading("Results of syntheses", 2, label="synthesis-results")
    synthesis = build.table("synthesis")
    if synthesis is None:
        out += pending("tables/synthesis.csv", what="synthesis")
    elif synthesis.empty:
        out += paragraph("No outcome data yet: no included study has counts or findings extracted.")
    else:
        frame = pd.DataFrame([{
            "Outcome": r.outcome_label, "Group": r.group or EMPTY, "Studies": fmt_count(r.k),
            "Events/participants": fmt_ratio(r.events, r.participants),
            "Estimate (95% CI)": fmt_interval(r.estimate, r.ci_low, r.ci_high),
            "τ²": fmt_decimal(r.tau2, 3), "I²": fmt_percent(r.i2, places=0, scale=1),
            "Model": f"{r.method}, {r.transform}" if r.method else EMPTY, "Note": r.note or EMPTY,
        } for r in synthesis.itertuples()])
        frame["Outcome"] = _once(list(frame["Outcome"]))
        out += paragraph("Pooled and single-study proportions by outcome and group; an empty estimate means the group "
                         "was not pooled, and the note says why.")
        out += _table_figure("Results of syntheses.", frame, "tab-synthesis", size="7.5pt")
    sensitivity = build.table("sensitivity")
    if sensitivity is not None and not sensitivity.empty:
        labels = {o.id: o.label for o in build.protocol.outcomes}
        frame = pd.DataFrame([{
            "Outcome": labels.get(r.outcome, r.outcome), "Scale": r.transform, "Model": r.method,
            "Estimate (95% CI)": fmt_interval(r.estimate, r.ci_low, r.ci_high), "τ²": fmt_decimal(r.tau2, 3),
            "I²": fmt_percent(r.i2, places=0, scale=1), "Note": r.note or EMPTY} for r in sensitivity.itertuples()])
        frame["Outcome"] = _once(list(frame["Outcome"]))
        out += heading("Sensitivity analyses", 3) + _table_figure(
            "Sensitivity analyses: pooled estimates on other scales and with other models.", frame, "tab-sensitivity", size="7.5pt")
    studies = build.table("synthesis_studies")
    for outcome in build.protocol.outcomes:
        path = build.figure(f"forest_{outcome.id}")
        with_counts = studies is not None and any(
            number(r.total) for r in studies[studies["outcome"] == outcome.id].itertuples())
        if path:
            out += figure(path, f"Forest plot: {outcome.label.lower()}.", label=f"fig-forest-{outcome.id}")
        elif with_counts:
            out += pending(f"figures/forest_{outcome.id}.svg", what=f"forest plot of {outcome.label.lower()}")
        elif studies is not None:
            out += paragraph(f"No forest plot of {outcome.label.lower()}: no study reports its counts.")
    return out


def _narrative(build: Build, refs: References) -> Markup:
    out = heading("Narrative synthesis (SWiM)", 2, label="narrative")
    narrative = build.table("narrative")
    if narrative is None:
        return out + pending("tables/narrative.csv", what="narrative synthesis")
    for outcome, rows in narrative.groupby("outcome", sort=False):
        label = rows.iloc[0]["outcome_label"] or outcome
        directions = Counter(rows["direction"])
        out += heading(label, 3) + paragraph(f"Direction of effect across {_plural(len(rows), 'study', 'studies')}: {_counted(directions)}.")
        frame = pd.DataFrame([{
            "Study": Markup(escape(r.label or r.study_id) + refs.cite(f"study:{r.study_id}")), "Group": r.group or EMPTY,
            "Design": r.design or EMPTY, "N": fmt_count(r.participants), "Finding": r.finding or EMPTY,
            "Direction": r.direction or EMPTY, "Risk of bias": r.risk_of_bias or EMPTY,
            "Not pooled because": r.reason_not_pooled or EMPTY,
        } for r in rows.itertuples()])
        out += table(frame, size="7.5pt")
    return out


def _certainty_results(build: Build) -> Markup:
    out = heading("Certainty of evidence", 2, label="certainty-results")
    sof = build.table("sof")
    if sof is None:
        return out + pending("tables/sof.csv", what="GRADE summary of findings")
    if sof.empty:
        return out + paragraph("No summary of findings yet: no outcome data to rate.")
    frame = pd.DataFrame([{"Outcome": r.outcome_label, "Studies": fmt_count(r.studies), "Participants": fmt_count(r.participants),
                           "Estimate (95% CI)": display(r.estimate) if number(r.estimate) is None else fmt_percent(r.estimate),
                           "Certainty": r.certainty or EMPTY, "Comments": r.comments or EMPTY} for r in sof.itertuples()])
    out += _table_figure("Summary of findings.", frame, "tab-sof")
    grade = build.table("grade")
    if grade is not None and not grade.empty:
        labels = dict(zip(sof["outcome"], sof["outcome_label"]))
        frame = pd.DataFrame([{"Outcome": labels.get(r.outcome, r.outcome), "Domain": r.domain.replace("_", " "),
                               "Change": r.change.replace("-", "−"),
                               "Reason": r.reason or EMPTY} for r in grade.itertuples()])
        frame["Outcome"] = _once(list(frame["Outcome"]))
        out += paragraph("GRADE judgments by domain:") + table(frame)
    elif grade is None:
        out += pending("tables/grade.csv", what="GRADE judgments by domain")
    return out


def _results(build: Build, refs: References) -> Markup:
    return (heading("Results", 1) + _study_selection(build, refs) + _characteristics(build, refs) + _rob_results(build, refs)
            + _individual_results(build, refs) + _synthesis_results(build) + _narrative(build, refs) + _certainty_results(build))


def _limitations(build: Build, refs: References) -> Markup:
    out = heading("Limitations of the evidence", 2, label="limitations")
    points = []
    designs = _designs(build)
    if designs:
        controlled = sum(n for d, n in designs.items() if "controlled" in d)
        points.append(f"Designs: {_counted(designs)}; "
                      + (f"{fmt_count(controlled)} controlled." if controlled else "none was a controlled study (randomised or not)."))
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
                      f"{fmt_count(len(grey))} of {_plural(len(build.studies), 'study', 'studies')} are known only from such reports.")
    extraction = build.table("extraction")
    if extraction is not None and not extraction.empty:
        not_reported = (extraction["status"] == "not reported").sum()
        points.append(f"Missing information: {fmt_count(not_reported)} of {_plural(len(extraction), 'form value')} "
                      "were not reported by the studies' reports.")
    discrepancies = build.table("extraction_discrepancies")
    if discrepancies is not None and not discrepancies.empty:
        points.append(f"Discrepancies: {_plural(len(discrepancies), 'place')} where reports misstate or contradict their "
                      f"study, in {_plural(discrepancies['study_id'].nunique(), 'study', 'studies')} (table below).")
    out += bullets(points) if points else pending("tables/characteristics.csv", "tables/rob.csv", what="extraction and risk of bias")
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
            points.append(f"Screening at {label} was done by a single reviewer ({names[0]}), without an independent second reviewer.")
        elif names:
            points.append(f"Screening at {label} was done by {len(names)} reviewers ({_words(names)}).")
    kinds = {s.kind for s in build.protocol.sources}
    if "databases_registers" not in kinds:
        points.append("No bibliographic database or register was searched; the records come from "
                      + _words([s.name for s in build.protocol.sources]) + ".")
    return heading("Limitations of the review process", 2, label="limitations-review") + (
        bullets(points) if points else pending("tables/screening.csv", what="screening"))


def _interpretation(build: Build) -> Markup:
    out = heading("Interpretation", 2, label="interpretation")
    findings = _sof_sentences(build)
    if not findings:
        return out + pending("tables/sof.csv", what="summary of findings")
    return out + paragraph("Main results: ") + bullets(findings) + paragraph(_certainty_sentence(build))


def _other_information(build: Build) -> Markup:
    try:
        version = metadata.version("reviewkit")
    except metadata.PackageNotFoundError:
        version = "unknown"
    return heading("Other information", 1, label="other-information") + bullets([
        "Support: the protocol states no source of support.",
        "Competing interests: the protocol states none for the review authors.",
        "Availability of data, code and other materials: the protocol, the studies and their reports, screening "
        "decisions, extraction forms and risk-of-bias judgments are the files of the review folder (protocol.yml, "
        "studies.yml, screening/, extraction/, rob/); every table of this review is a CSV file in the build folder "
        f"(tables/), with the figures (figures/) and the executed notebooks (notebooks/); the analysis code is reviewkit {version}.",
    ])


def _references(refs: References) -> Markup:
    out = heading("References", 1, label="references")
    for group, entries in refs.groups.items():
        out += heading(group, 3)
        for key, text in entries:
            n = refs.numbers[key]
            out += Markup(f"#metadata({n}) <ref-{n}>#par(hanging-indent: 1.6em)[\\[{n}\\] {escape(text)}]\n")
    return out


def _support(row: pd.Series) -> Markup:
    return Markup(f"#quoted[{escape(row.quote)}]") if row.quote else Markup(escape(EMPTY))


def _appendix_studies(build: Build, refs: References) -> Markup:
    out = Markup("\n#pagebreak(weak: true)\n#heading(numbering: none)[Appendix A. Extraction forms and risk-of-bias judgments] <appendix-studies>\n")
    extraction, rob = build.table("extraction"), build.table("rob")
    discrepancies = build.table("extraction_discrepancies")
    if extraction is None:
        return out + pending("tables/extraction.csv", what="extraction")
    for i, study in enumerate(build.studies.itertuples(), start=1):
        out += Markup(f"\n#heading(level: 2, numbering: none)[A.{i} {escape(study.label or study.study_id)}]\n")
        out += paragraph(f"Study {study.study_id}; primary citation:", refs.cite(f"study:{study.study_id}"),
                         "; reports:", Markup(",".join(refs.cite(f"record:{r}") for r in build.study_records(study.study_id))), ".")
        form = extraction[extraction["study_id"] == study.study_id]
        frame = pd.DataFrame([{"Field": r.field, "Value": r.value if r.value else r.status,
                               "Quote": _support(r), "Note": r.note or EMPTY,
                               "Record": r.record_id[:3] if r.record_id else EMPTY} for r in form.itertuples()])
        out += heading("Extraction form", 4) + table(frame, size="7.5pt")
        notes = discrepancies[discrepancies["study_id"] == study.study_id] if discrepancies is not None else pd.DataFrame()
        if not notes.empty:
            frame = pd.DataFrame([{"Discrepancy": r.note, "Quote": _support(r)} for r in notes.itertuples()])
            out += heading("Discrepancies", 4) + table(frame, size="7.5pt")
        appraisals = rob[rob["study_id"] == study.study_id] if rob is not None else pd.DataFrame()
        for (tool_id, kind), rows in (appraisals.groupby(["tool", "source_type"], sort=False) if not appraisals.empty else []):
            name = build.tools[tool_id].name if tool_id in build.tools else tool_id
            names = _item_names(build, tool_id)
            frame = pd.DataFrame([{"Item": names.get(r.item, r.item), "Judgment": _rob_cell(r.judgment, r.level),
                                   "Support": r.support or EMPTY} for r in rows.itertuples()])
            out += heading(f"{name}" + (f" ({kind})" if kind else ""), 4) + table(frame, size="7.5pt")
        if rob is not None and appraisals.empty:
            out += pending("review/rob/" + study.study_id + ".yml", what="risk of bias of this study")
    return out


@dataclass(frozen=True)
class ChecklistItem:
    id: str
    section: str
    topic: str
    item: str
    reported_in: tuple[str, ...]
    not_reported: str


class _ItemModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    id: str
    section: str
    topic: str
    item: str
    reported_in: list[str] = []
    not_reported: str = ""


def load_checklist() -> tuple[str, list[ChecklistItem]]:
    """The PRISMA 2020 checklist shipped with reviewkit: its citation and items."""
    path = Path(str(resources.files("reviewkit.report").joinpath(CHECKLIST)))
    data = load_yaml(path)
    try:
        items = [_ItemModel.model_validate(i) for i in data["items"]]
    except (ValidationError, KeyError, TypeError) as exc:
        raise ReviewInputError(path, f"not a valid checklist: {exc}") from None
    return data["citation"], [ChecklistItem(i.id, i.section, i.topic, i.item, tuple(i.reported_in), i.not_reported) for i in items]


SECTION_NAMES = {
    "title": "Title", "abstract": "Abstract", "objectives": "Objectives", "registration": "Protocol and registration",
    "eligibility": "Eligibility criteria", "sources": "Information sources and search", "selection": "Selection process",
    "data-collection": "Data collection and data items", "rob-methods": "Risk of bias assessment",
    "synthesis-methods": "Synthesis methods", "certainty-methods": "Reporting bias and certainty assessment",
    "study-selection": "Study selection", "characteristics": "Study characteristics", "rob-results": "Risk of bias in studies",
    "individual-results": "Results of individual studies", "synthesis-results": "Results of syntheses",
    "narrative": "Narrative synthesis", "certainty-results": "Certainty of evidence", "interpretation": "Interpretation",
    "limitations": "Limitations of the evidence", "limitations-review": "Limitations of the review process",
    "other-information": "Other information", "appendix-studies": "Appendix A",
}


def _labelled_sections(body: str) -> dict[str, str]:
    """Label → the source from that label to the next one (a section's own text)."""
    marks = list(re.finditer(r"<([\w-]+)>", body))
    return {m.group(1): body[m.end():(marks[i + 1].start() if i + 1 < len(marks) else len(body))]
            for i, m in enumerate(marks)}


def _appendix_checklist(items: list[ChecklistItem], body: str, refs: References) -> Markup:
    sections = _labelled_sections(body)
    rows = []
    for item in items:
        if item.not_reported:
            where = Markup(f"#emph[{escape('Not reported: ' + item.not_reported)}]")
        else:
            places = []
            for label in item.reported_in:
                name = escape(SECTION_NAMES.get(label, label))
                if label not in sections:
                    places.append(Markup(f"#text(fill: pending-stroke)[{name}: not in this draft]"))
                elif "#pending[" in sections[label]:
                    places.append(Markup(f"{name}, #where(<{label}>) #text(fill: pending-stroke)[(pending)]"))
                else:
                    places.append(Markup(f"{name}, #where(<{label}>)"))
            where = Markup(escape("; ").join(places))
        rows.append({"Section and topic": f"{item.section}: {item.topic}" if item.section != item.topic else item.topic,
                     "Item": item.id, "Checklist item": item.item, "Where reported": where})
    return (Markup("\n#pagebreak(weak: true)\n#heading(numbering: none)[Appendix B. PRISMA 2020 checklist] <appendix-checklist>\n")
            + paragraph("The PRISMA 2020 items, abridged", refs.cite("prisma"), ", and where this review reports each.")
            + table(pd.DataFrame(rows), size="7.5pt"))


# --- the document ---------------------------------------------------------------------------------

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
             + heading("Discussion", 1) + _interpretation(build) + _limitations(build, refs) + _limitations_review(build)
             + _other_information(build) + _references(refs) + _appendix_studies(build, refs))
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
