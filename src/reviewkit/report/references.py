"""The numbered references (studies, their reports, excluded reports, works the reports cite, methods) and their list."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from reviewkit.core.text import find_dois, split_cell
from reviewkit.report.facts import _excluded_reports, _tools_used
from reviewkit.report.inputs import Build
from reviewkit.report.typst import Markup, escape, heading


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


def references(build: Build, checklist_citation: str) -> References:
    """Included studies, their reports, excluded reports, the works those reports cite (not those every record
    found by the searches cites), and methods."""
    refs = References()
    cited_dois: set[str] = set()
    for study in build.studies.itertuples():
        refs.add("Included studies", f"study:{study.study_id}", study.primary_citation or study.label)
        cited_dois.update(find_dois(study.primary_citation))
    read = []  # the reports read in full: those of the included studies and those excluded at full text
    for study in build.studies.itertuples():
        for record_id in build.study_records(study.study_id):
            refs.add("Reports of the included studies", f"record:{record_id}", _record_reference(build, record_id))
            read.append(record_id)
    for row in _excluded_reports(build).itertuples():
        refs.add("Reports excluded at full text", f"record:{row.record_id}", _record_reference(build, row.record_id))
        read.append(row.record_id)
    for record in build.records[build.records["record_id"].isin(read)].itertuples():
        for citation in split_cell(record.citations):
            citation = re.sub(r"^\[\d+\]\s*", "", citation)
            dois = set(find_dois(citation))
            if dois and dois <= cited_dois:
                continue
            cited_dois |= dois
            refs.add("Works cited in the reports", f"cited:{citation}", f"{citation} (cited in record {record.record_id})")
        for doi in sorted(split_cell(record.dois)):
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


def _references(refs: References) -> Markup:
    out = heading("References", 1, label="references")
    for group, entries in refs.groups.items():
        out += heading(group, 3)
        for key, text in entries:
            n = refs.numbers[key]
            out += Markup(f"#metadata({n}) <ref-{n}>#par(hanging-indent: 1.6em)[\\[{n}\\] {escape(text)}]\n")
    return out
