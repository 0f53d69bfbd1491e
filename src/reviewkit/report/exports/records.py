"""The records screened, with their screening decisions, as a table, as RIS (rispy) and as BibTeX (bibtexparser 2).

A decision goes into the fields reference managers keep. RIS: ``N1`` (notes) opens with the label ASReview writes
(``ASReview_relevant``, ``ASReview_irrelevant``, ``ASReview_not_seen``: asreview/data/ris.py, ``RISWriter``) for the
title/abstract outcome (include or unsure: relevant; exclude: irrelevant; conflict or pending: not seen), then one
``reviewkit_<name>: <value>`` note per decision, as ASReview writes its own ``asreview_<column>: <value>`` notes;
``KW`` (keywords, the tags of Zotero and EndNote) adds ``reviewkit: included | excluded | pending`` and, for an
exclusion, ``reviewkit exclusion reason: <id>``. BibTeX: the same notes in ``note`` (joined by ``; ``) and the same
keywords in ``keywords`` (joined by ``, ``). A record read from a document (not imported from a database export) has
only its id, title and decisions.
"""
from __future__ import annotations

import re
from pathlib import Path

import bibtexparser
import pandas as pd
import rispy
from bibtexparser.model import Entry, Field

from reviewkit.core.protocol import Protocol
from reviewkit.records.model import Record
from reviewkit.screening.decisions import PHASES, resolved_table

ASREVIEW_LABELS = {"relevant": "ASReview_relevant", "irrelevant": "ASReview_irrelevant", "not_seen": "ASReview_not_seen"}
RECORD_COLUMNS = ["record_id", "source", "round", "type", "title", "authors", "year", "journal", "volume", "issue", "pages",
                  "doi", "pmid", "url", "screening", "excluded_at", "exclusion_reason", "exclusion_reason_label",
                  *(f"{stage}_{what}" for stage in PHASES for what in ("decision", "reason")), "title_abstract_note",
                  "full_text_note"]
_KEY_CHARS = re.compile(r"[^A-Za-z0-9_:.-]")


def _outcome(decisions: dict[str, tuple[str, str]], included: bool) -> tuple[str, str, str]:
    """The record's screening outcome (included, excluded, pending), the stage that excluded it and the reason."""
    if included:
        return "included", "", ""
    for stage in PHASES:
        decision, reason = decisions.get(stage, ("", ""))
        if decision == "exclude":
            return "excluded", stage, reason
    return "pending", "", ""


def records_table(review_dir: str | Path, protocol: Protocol, records: list[Record]) -> pd.DataFrame:
    """One row per record screened (duplicates removed): its bibliographic fields, its decision at each stage, and
    its outcome (``screening``: included, excluded or pending) with the stage and reason of an exclusion."""
    resolved = resolved_table(review_dir, protocol, records)
    labels = {r.id: r.label for r in protocol.exclusion_reasons}
    by_id, rounds = {r.id: r for r in records}, protocol.source_rounds()
    rows = []
    for record_id, group in resolved.groupby("record_id", sort=False):
        stages = {row.stage: row for row in group.itertuples()}
        decisions = {s: (row.decision, row.exclusion_reason) for s, row in stages.items()}
        screening, excluded_at, reason = _outcome(decisions, bool(group["included"].iloc[0]))
        record = by_id[record_id]
        c = record.citation
        rows.append({
            "record_id": record_id, "source": record.source,
            "round": protocol.round_id(rounds[record.source]), "type": c.type if c else "",
            "title": record.title,
            "authors": "; ".join(c.authors) if c else "", "year": c.year if c else "",
            "journal": c.journal if c else "", "volume": c.volume if c else "", "issue": c.issue if c else "",
            "pages": c.pages if c else "", "doi": c.doi if c else "", "pmid": c.pmid if c else "",
            "url": c.url if c else "", "screening": screening, "excluded_at": excluded_at,
            "exclusion_reason": reason, "exclusion_reason_label": labels.get(reason, ""),
            **{f"{s}_{k}": (stages[s].decision if k == "decision" else stages[s].exclusion_reason) if s in stages else ""
               for s in PHASES for k in ("decision", "reason")},
            **{f"{s}_note": stages[s].note if s in stages else "" for s in PHASES},
        })
    return pd.DataFrame(rows, columns=RECORD_COLUMNS)


def asreview_label(title_abstract_decision: str) -> str:
    """ASReview's label of a record for its title/abstract decision."""
    if title_abstract_decision in ("include", "unsure"):
        return ASREVIEW_LABELS["relevant"]
    return ASREVIEW_LABELS["irrelevant"] if title_abstract_decision == "exclude" else ASREVIEW_LABELS["not_seen"]


def screening_notes(row: pd.Series) -> list[str]:
    """The notes of a record's decisions: ASReview's label, then ``reviewkit_<name>: <value>`` per decision."""
    notes = [asreview_label(row["title_abstract_decision"]), f"reviewkit_screening: {row['screening']}"]
    for stage in PHASES:
        if row[f"{stage}_decision"]:
            reason = row[f"{stage}_reason"]
            notes.append(f"reviewkit_{stage}: {row[f'{stage}_decision']}" + (f" ({reason})" if reason else ""))
    if row["exclusion_reason"]:
        notes.append(f"reviewkit_exclusion_reason: {row['exclusion_reason']} ({row['exclusion_reason_label']})")
    if row["round"]:
        notes.append(f"reviewkit_round: {row['round']}")
    return notes


def screening_keywords(row: pd.Series, record: Record) -> list[str]:
    """The record's own keywords, then its screening outcome and exclusion reason as keywords (tags)."""
    own = list(record.citation.keywords) if record.citation else []
    tags = [f"reviewkit: {row['screening']}"]
    if row["exclusion_reason"]:
        tags.append(f"reviewkit exclusion reason: {row['exclusion_reason']}")
    return own + tags


def _ris_entry(row: pd.Series, record: Record) -> dict[str, object]:
    """One record as rispy's dict (its default tag names)."""
    c = record.citation
    entry: dict[str, object] = {"type_of_reference": (c.type if c and c.type else "JOUR" if c and c.journal else "GEN"),
                                "id": row["record_id"], "title": row["title"]}
    if c:
        start, _, end = c.pages.partition("-")
        entry.update({k: v for k, v in {
            "authors": list(c.authors), "year": c.year, "journal_name": c.journal, "volume": c.volume,
            "number": c.issue, "start_page": start, "end_page": end, "doi": c.doi, "abstract": c.abstract,
            "urls": [c.url] if c.url else [], "accession_number": c.pmid and f"PMID:{c.pmid}", "issn": c.isbn,
        }.items() if v})
    entry["keywords"] = screening_keywords(row, record)
    entry["notes"] = screening_notes(row)
    return entry


def records_ris(table: pd.DataFrame, records: list[Record]) -> str:
    """The records of ``records_table`` as RIS text, written by rispy."""
    by_id = {r.id: r for r in records}
    return rispy.dumps([_ris_entry(row, by_id[row["record_id"]]) for _, row in table.iterrows()])


def _bibtex_value(value: str) -> str:
    """A value safe inside BibTeX braces: braces of the text become parentheses (an unbalanced one would end it)."""
    return value.replace("{", "(").replace("}", ")")


def bibtex_key(record_id: str) -> str:
    """The record id as a BibTeX key (letters, digits and ``_:.-``; others become ``_``)."""
    return _KEY_CHARS.sub("_", record_id)


def _bibtex_entry(row: pd.Series, record: Record) -> Entry:
    c = record.citation
    fields = {"title": row["title"]}
    if c:
        fields.update({"author": " and ".join(c.authors), "year": c.year, "journal": c.journal, "volume": c.volume,
                       "number": c.issue, "pages": c.pages.replace("-", "--"), "doi": c.doi, "url": c.url,
                       "abstract": c.abstract, "pmid": c.pmid})
    fields["keywords"] = ", ".join(screening_keywords(row, record))
    fields["note"] = "; ".join(screening_notes(row))
    kind = "article" if c and c.journal else "misc"
    return Entry(kind, bibtex_key(row["record_id"]), [Field(k, _bibtex_value(v)) for k, v in fields.items() if v])


def records_bibtex(table: pd.DataFrame, records: list[Record]) -> str:
    """The records of ``records_table`` as BibTeX text, written by bibtexparser."""
    by_id = {r.id: r for r in records}
    library = bibtexparser.Library([_bibtex_entry(row, by_id[row["record_id"]]) for _, row in table.iterrows()])
    return bibtexparser.write_string(library)
