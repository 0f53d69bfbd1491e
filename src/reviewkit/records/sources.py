"""The review's sources read into records: a folder of documents (one record each) or a database export."""
from __future__ import annotations

import os
import re
from dataclasses import replace
from pathlib import Path

import pandas as pd

from reviewkit.core.errors import ReviewInputError, ReviewInputErrors, raise_collected
from reviewkit.core.protocol import Protocol, Source, source_dir
from reviewkit.core.storage import read_text
from reviewkit.core.text import find_dois, join_cell
from reviewkit.records.citation import Citation
from reviewkit.records.cues import find_citations, find_dates, find_journal_mentions, suggest_title
from reviewkit.records.fulltext import attached
from reviewkit.records.model import Record
from reviewkit.records.readers import ImportResult, read_file

TEXT_SUFFIXES = {".txt", ".md", ".markdown", ".pdf"}
PDF_CACHE = Path("build") / "cache" / "pdf-text"  # under the review folder: PDF text by file hash, git-ignored


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")  # not tab, line feed, form feed, carriage return


def read_record(path: Path, source: str, cache_dir: Path | None = None) -> Record:
    """Read one plain-text, Markdown or PDF document into a record; its id is the file stem. A PDF's text is read
    page by page (``records.pdf_text``; cached in ``cache_dir`` by the file's hash), its pages kept."""
    if path.suffix.lower() == ".pdf":
        return _pdf_record(path, source, cache_dir)
    text = read_text(path)
    if not text.strip():
        raise ReviewInputError(path, "the document is empty", record=path.stem)
    control = _CONTROL.search(text)
    if control:
        line = text.count("\n", 0, control.start()) + 1
        column = control.start() - (text.rfind("\n", 0, control.start()) + 1) + 1
        raise ReviewInputError(path, f"control character {control.group()!r} at column {column}: the file is not plain "
                                     "text (a PDF or word-processor file saved as .txt?); save it as UTF-8 text",
                               line=line, record=path.stem)
    return Record(
        id=path.stem,
        source=source,
        path=str(path),
        text=text,
        title=suggest_title(text),
        dates=find_dates(text),
        dois=find_dois(text),
        citations=find_citations(text),
        journals_mentioned=find_journal_mentions(text),
    )


def _pdf_record(path: Path, source: str, cache_dir: Path | None) -> Record:
    from reviewkit.records.pdf_text import read_pdf  # pypdfium2, only for a review with PDFs

    pdf = read_pdf(path, cache_dir)
    text = pdf.text
    return Record(id=path.stem, source=source, path=str(path), text=text,
                  title=suggest_title(text) if text.strip() else path.stem, dates=find_dates(text), dois=find_dois(text),
                  citations=find_citations(text), journals_mentioned=find_journal_mentions(text),
                  page_starts=pdf.page_starts, note=pdf.note())


def _with_full_text(record: Record, pdf: Path, cache_dir: Path) -> Record:
    """An imported record whose full text is attached (``reviewkit attach``): its text is the PDF's, by page."""
    from reviewkit.records.pdf_text import read_pdf

    full = read_pdf(pdf, cache_dir)
    return replace(record, path=str(pdf), text=full.text, page_starts=full.page_starts, note=full.note(),
                   dois=tuple(dict.fromkeys((*record.dois, *find_dois(full.text)))))


def folder_documents(folder: Path, source: str) -> tuple[list[Path], list[ReviewInputError]]:
    """The documents of a folder source, its subfolders included, in path order (hidden files and folders left
    out), and the problems: no such folder, no document in it, a link to a file that is not there."""
    if not folder.is_dir():
        return [], [ReviewInputError(folder, f"the folder of source {source!r} does not exist", field="sources.path")]
    documents, problems = [], []
    for path in sorted(folder.rglob("*")):
        if any(part.startswith(".") for part in path.relative_to(folder).parts) or path.suffix.lower() not in TEXT_SUFFIXES:
            continue
        if path.is_symlink() and not path.exists():
            problems.append(ReviewInputError(path, f"a link to {os.readlink(path)}, which does not exist", record=path.stem))
        elif path.is_file():
            documents.append(path)
    if not documents and not problems:
        problems.append(ReviewInputError(folder, f"source {source!r} holds no .txt, .md or .pdf documents",
                                         field="sources.path"))
    return documents, problems


def read_folder(folder: Path, source: str, cache_dir: Path | None = None) -> list[Record]:
    """Every text, Markdown or PDF document of a folder source (``folder_documents``); raises naming every problem."""
    records, problems = _read_folder(folder, source, cache_dir)
    raise_collected(problems)
    return records


def _read_folder(folder: Path, source: str, cache_dir: Path | None = None) -> tuple[list[Record], list[ReviewInputError]]:
    paths, problems = folder_documents(folder, source)
    records = []
    for path in paths:
        try:
            records.append(read_record(path, source, cache_dir))
        except ReviewInputError as exc:
            problems.append(exc)
    return records, problems


def citation_record(citation: Citation, source: str, path: str | Path = "") -> Record:
    """An imported bibliographic record as a record of the review: its text is the title, authors, journal
    and abstract; its id is ``<source>:<own id>`` (the own id already carries the source where the file gave none)."""
    record_id = citation.id if citation.id.startswith(f"{source}:") else f"{source}:{citation.id}"
    byline = "; ".join(citation.authors)
    where = ", ".join(p for p in (citation.journal, citation.year, citation.volume, citation.pages) if p)
    text = "\n\n".join(p for p in (citation.title, byline, where, citation.abstract) if p)
    return Record(
        id=record_id, source=source, path=f"{path or citation.source}, line {citation.line}", text=text, title=citation.title,
        dates=(citation.year,) if citation.year else (), dois=(citation.doi,) if citation.doi else (),
        journals_mentioned=(citation.journal,) if citation.journal else (), citation=citation,
    )


def import_source(review_dir: str | Path, source: Source) -> ImportResult:
    """Read a source's export file (``format: export``); malformed records as its ``on_error`` says."""
    path = source_dir(review_dir, source)
    if not path.is_file():
        raise ReviewInputError(path, f"the export file of source {source.id!r} does not exist", field="sources.path")
    return read_file(path, source=source.id, on_error=source.on_error)


def read_sources(review_dir: str | Path, protocol: Protocol) -> tuple[list[Record], list[ImportResult], list[ReviewInputError]]:
    """All records of the review's sources (each document read once), what each export file's import read,
    skipped and kept, and every problem of every source; record ids must be unique across sources."""
    records: list[Record] = []
    imports: list[ImportResult] = []
    problems: list[ReviewInputError] = []
    seen: dict[str, str] = {}
    cache = Path(review_dir) / PDF_CACHE
    try:
        full = attached(review_dir)
    except (ReviewInputError, ReviewInputErrors) as exc:
        full = {}
        problems.extend(exc.errors if isinstance(exc, ReviewInputErrors) else [exc])
    for source in protocol.sources_by_round():
        if source.format == "export":
            try:
                result = import_source(review_dir, source)
            except (ReviewInputError, ReviewInputErrors) as exc:
                problems.extend(exc.errors if isinstance(exc, ReviewInputErrors) else [exc])
                continue
            imports.append(result)
            found = [citation_record(c, source.id, result.path) for c in result.citations]
            try:
                found = [_with_full_text(r, full[r.id], cache) if r.id in full else r for r in found]
            except ReviewInputError as exc:
                problems.append(exc)
        else:
            found, trouble = _read_folder(source_dir(review_dir, source), source.id, cache)
            problems.extend(trouble)
        for record in found:
            if record.id in seen:
                problems.append(ReviewInputError(record.path, f"record id also used by {seen[record.id]}", record=record.id))
                continue
            seen[record.id] = record.path
            records.append(record)
    return records, imports, problems


def load_sources(review_dir: str | Path, protocol: Protocol) -> tuple[list[Record], list[ImportResult]]:
    """The records and imports of ``read_sources``; raises naming every problem."""
    records, imports, problems = read_sources(review_dir, protocol)
    raise_collected(problems)
    return records, imports


def load_records(review_dir: str | Path, protocol: Protocol) -> list[Record]:
    """All records of the review's sources (documents and imported exports)."""
    return load_sources(review_dir, protocol)[0]


def records_table(records: list[Record]) -> pd.DataFrame:
    """One row per record, list-valued fields joined as table cells (``join_cell``)."""
    rows = []
    for r in records:
        rows.append(
            {
                "record_id": r.id,
                "source": r.source,
                "title": r.title,
                "source_type_suggested": r.source_type,
                "source_type_cues": join_cell(f"{k}: {', '.join(v)}" for k, v in r.source_type_cues.items()),
                "language": r.language,
                "languages": join_cell(r.languages),
                "translations": join_cell(r.translations),
                "dates": join_cell(r.dates),
                "dois": join_cell(r.dois),
                "journals_mentioned": join_cell(r.journals_mentioned),
                "citations": join_cell(r.citations),
                "characters": len(r.text),
                "full_text": "yes" if r.citation is None or r.page_starts else "",  # a document is its own
                "pages": len(r.page_starts) or "",
                "note": r.note,
            }
        )
    return pd.DataFrame(rows)


def sources_table(protocol: Protocol, records: pd.DataFrame, imports: list[ImportResult]) -> pd.DataFrame:
    """Per source: its name, PRISMA column, format and search round (id and 1-based number), and its records
    read, left after de-duplication and skipped. ``records`` is ``records_table`` output with ``duplicate_of``."""
    return pd.DataFrame([
        {"source": s.id, "name": s.name, "prisma_column": s.kind, "format": s.format,
         "round": protocol.round_id(protocol.round_number(s)), "round_number": protocol.round_number(s),
         "records": int((records["source"] == s.id).sum()),
         "after_dedup": int(((records["source"] == s.id) & (records["duplicate_of"] == "")).sum()),
         "skipped": sum(r.skipped_count for r in imports if r.source == s.id)}
        for s in protocol.sources_by_round()
    ])


def imports_table(imports: list[ImportResult]) -> pd.DataFrame:
    """Per export file read: its source, file, format and encoding, and the records read, skipped and kept."""
    return pd.DataFrame([{"source": r.source, "file": r.path.name, "format": r.format, "encoding": r.encoding,
                          "read": r.read, "skipped": r.skipped_count, "kept": r.kept, "warnings": join_cell(r.warnings)}
                         for r in imports])
