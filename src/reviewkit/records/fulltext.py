"""Full texts of imported records: ``reviewkit attach PDF… [--record ID]`` links each PDF to the record it reports,
found by a DOI or PMID in its first pages (or the id given), and copies it to ``review/fulltext/``.

``review/fulltext/index.csv`` (``record_id, file, sha256``) says which record each PDF belongs to; it is written
under a lock, checked, and replaced atomically, after the PDF is copied, so a failed attach changes nothing. From
then on the record's text is the PDF's, read by page: full-text screening, extraction suggestions and the quote
check read it.
"""
from __future__ import annotations

import csv
import hashlib
import io
import re
from pathlib import Path

from reviewkit.core.csv_rows import read_csv_rows
from reviewkit.core.errors import ReviewInputError, excerpt, raise_collected
from reviewkit.core.protocol import load_protocol
from reviewkit.core.storage import atomic_write_bytes, atomic_write_text, locked, read_text
from reviewkit.core.text import find_dois
from reviewkit.records.model import Record

FULLTEXT_DIR = "fulltext"
INDEX = "index.csv"
COLUMNS = ["record_id", "file", "sha256"]
_PMID = re.compile(r"\bPMID:?\s*(\d{5,9})\b", re.IGNORECASE)
_SAFE = re.compile(r"[^A-Za-z0-9._-]+")


def _index(review_dir: str | Path) -> dict[str, tuple[Path, str]]:
    """Record id → its attached PDF and the PDF's SHA-256, from ``review/fulltext/index.csv`` (none without one)."""
    index = Path(review_dir) / FULLTEXT_DIR / INDEX
    if not index.exists():
        return {}
    rows, problems = read_csv_rows(index, read_text(index), COLUMNS)
    raise_collected(problems)
    return {row["record_id"]: (index.parent / row["file"], row["sha256"]) for _, row in rows}


def attached(review_dir: str | Path) -> dict[str, Path]:
    """Record id → its attached PDF, from ``review/fulltext/index.csv`` (none when there is no index)."""
    return {rid: path for rid, (path, _) in _index(review_dir).items()}


def _identifiers(text: str) -> tuple[set[str], set[str]]:
    """The DOIs (lower case) and PMIDs a PDF's first pages name."""
    return {d.lower() for d in find_dois(text)}, set(_PMID.findall(text))


def match_record(text: str, records: list[Record]) -> list[str]:
    """The imported records whose DOI or PMID the PDF's text names."""
    dois, pmids = _identifiers(text)
    return [r.id for r in records if r.citation is not None and (
        (r.citation.doi and r.citation.doi.lower() in dois) or (r.citation.pmid and r.citation.pmid in pmids))]


def attach(review_dir: str | Path, pdfs: list[Path], record: str | None = None) -> list[tuple[str, Path]]:
    """Attach each PDF to its record; returns (record id, copied PDF). Every problem is raised before anything is
    written: an unreadable PDF, no or several matching records, an unknown record, a record or file attached twice."""
    from reviewkit.records.pdf_text import read_pdf
    from reviewkit.records.sources import PDF_CACHE, load_records

    review_dir = Path(review_dir)
    if record is not None and len(pdfs) != 1:
        raise ReviewInputError(review_dir, "--record names the record of one PDF: attach the others one at a time")
    records = [r for r in load_records(review_dir, load_protocol(review_dir)) if r.citation is not None]
    by_id = {r.id: r for r in records}
    folder = review_dir / FULLTEXT_DIR
    with locked(folder / INDEX):
        index = _index(review_dir)
        hashes = {digest: rid for rid, (_, digest) in index.items()}  # as the index recorded them: no PDF re-read
        plan: list[tuple[str, Path, bytes, str]] = []
        for pdf in pdfs:
            text = " ".join(read_pdf(pdf, review_dir / PDF_CACHE).pages[:2])  # a clear error for a bad PDF
            data = pdf.read_bytes()
            digest = hashlib.sha256(data).hexdigest()
            if record is not None:
                if record not in by_id:
                    raise ReviewInputError(pdf, f"no imported record has the id {excerpt(record)!r}", field="--record")
                found = [record]
            else:
                found = match_record(text, records)
            if len(found) != 1:
                what = "no imported record has a DOI or PMID it names" if not found else \
                    f"several records match ({', '.join(found)})"
                raise ReviewInputError(pdf, f"{what}: give the record with --record ID")
            rid = found[0]
            if rid in index or rid in {p[0] for p in plan}:
                earlier = index[rid][0] if rid in index else pdf
                raise ReviewInputError(pdf, f"record {rid!r} already has a full text ({earlier.name})")
            if digest in hashes:
                raise ReviewInputError(pdf, f"this PDF is already attached, to record {hashes[digest]!r}")
            plan.append((rid, pdf, data, digest))
        done = []
        for rid, _, data, digest in plan:
            target = folder / f"{_SAFE.sub('_', rid)}.pdf"
            atomic_write_bytes(target, data)
            index[rid] = (target, digest)
            done.append((rid, target))
        _write_index(folder, index)
    return done


def _write_index(folder: Path, index: dict[str, tuple[Path, str]]) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    for rid, (path, digest) in sorted(index.items()):
        writer.writerow([rid, path.name, digest])
    atomic_write_text(folder / INDEX, buffer.getvalue())
