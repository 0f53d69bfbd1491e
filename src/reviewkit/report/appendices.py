"""The appendices: each study's extraction form and risk-of-bias judgments (A), the PRISMA 2020 checklist (B)."""
from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import pandas as pd
from pydantic import BaseModel, ConfigDict, ValidationError

from reviewkit.core.errors import ReviewInputError
from reviewkit.core.numbers import EMPTY
from reviewkit.core.storage import load_yaml
from reviewkit.report.blocks import pending
from reviewkit.report.inputs import Build
from reviewkit.report.references import References
from reviewkit.report.results import _item_names, _rob_cell
from reviewkit.report.typst import Markup, escape, heading, paragraph, table
from reviewkit.report.wording import listed

CHECKLIST = "prisma_2020_checklist.yml"


def _support(row: pd.Series) -> Markup:
    """A row's quote as the appendix sets it, with its page in the PDF (``p. 4``) when it has one."""
    if not row.quote:
        return Markup(escape(EMPTY))
    page = getattr(row, "page", "")
    return Markup(f"#quoted[{escape(row.quote)}]" + (escape(f" (p. {page})") if page else ""))


def _appendix_studies(build: Build, refs: References) -> Markup:
    out = Markup("\n#pagebreak(weak: true)\n"
                 "#heading(numbering: none)[Appendix A. Extraction forms and risk-of-bias judgments] <appendix-studies>\n")
    extraction, rob = build.table("extraction"), build.table("rob")
    discrepancies = build.table("extraction_discrepancies")
    if extraction is None:
        return out + pending("tables/extraction.csv", what="extraction")
    for i, study in enumerate(build.studies.itertuples(), start=1):
        out += Markup(f"\n#heading(level: 2, numbering: none)[A.{i} {escape(study.label or study.study_id)}]\n")
        reports = Markup(",".join(refs.cite(f"record:{r}") for r in build.study_records(study.study_id)))
        out += paragraph(f"Study {study.study_id}; primary citation:", refs.cite(f"study:{study.study_id}"),
                         "; reports:", reports, ".")
        form = extraction[extraction["study_id"] == study.study_id]
        frame = pd.DataFrame([{"Field": r.field, "Value": listed(r.value) if r.value else r.status,
                               "Quote": _support(r), "Note": r.note or EMPTY,
                               "Record": r.record_id[:3] if r.record_id else EMPTY} for r in form.itertuples()])
        out += heading("Extraction form", 4) + table(frame, size="7.5pt")
        notes = discrepancies[discrepancies["study_id"] == study.study_id] if discrepancies is not None else pd.DataFrame()
        if not notes.empty:
            frame = pd.DataFrame([{"Discrepancy": r.note, "Quote": _support(r)} for r in notes.itertuples()])
            out += heading("Discrepancies", 4) + table(frame, size="7.5pt")
        appraisals = rob[rob["study_id"] == study.study_id] if rob is not None else pd.DataFrame()
        for (tool_id, kind), rows in (appraisals.groupby(["tool", "source_type"], sort=False) if not appraisals.empty else []):
            name = build.tool_name(tool_id)
            names = _item_names(build, tool_id)
            frame = pd.DataFrame([{"Item": names.get(r.item, r.item), "Judgment": _rob_cell(r.judgment, r.level),
                                   "Support": listed(r.support)} for r in rows.itertuples()])
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
    return data["citation"], [ChecklistItem(i.id, i.section, i.topic, i.item, tuple(i.reported_in), i.not_reported)
                              for i in items]


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
    return (Markup("\n#pagebreak(weak: true)\n"
                   "#heading(numbering: none)[Appendix B. PRISMA 2020 checklist] <appendix-checklist>\n")
            + paragraph("The PRISMA 2020 items, abridged", refs.cite("prisma"), ", and where this review reports each.")
            + table(pd.DataFrame(rows), size="7.5pt"))
