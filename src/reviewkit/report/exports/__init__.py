"""``reviewkit export FORMAT``: the review's data for the tools others use.

- ``ris``, ``bibtex``: the records screened with their decisions and exclusion reasons (``records``).
- ``csv`` (a folder) and ``xlsx`` (one workbook): the records with their decisions, the included studies with
  their extracted values and quotes, and the risk-of-bias judgments in robvis's layout (``tables``).
- ``revman``: the included studies' characteristics and per-arm outcome data for RevMan Web (``revman``).

Every file goes under the build folder by default (``REVIEW/build/exports``); a path inside the review folder but
outside its ``build/`` is refused before anything is read, so that no reviewer file is overwritten. Files are
written atomically. This module imports no pandas: the command line names the formats without loading it.
"""
from __future__ import annotations

from pathlib import Path

from reviewkit.core.errors import ReviewInputError

FORMATS: dict[str, str] = {
    "ris": "the records with their screening decisions as RIS (decisions in N1 and KW, as ASReview writes them)",
    "bibtex": "the records with their screening decisions as BibTeX (decisions in note and keywords)",
    "csv": "records, studies (values and quotes) and risk of bias (robvis layout) as CSV files in a folder",
    "xlsx": "records, studies (values and quotes) and risk of bias (robvis layout) as sheets of one workbook",
    "revman": "study information, arms and per-arm outcome data as CSV files for RevMan Web's import",
}
DEFAULT_NAMES = {"ris": "records.ris", "bibtex": "records.bib", "csv": "csv", "xlsx": "review.xlsx",
                 "revman": "revman"}
BUILD = "build"


def default_out(review_dir: str | Path, fmt: str) -> Path:
    """Where ``fmt`` is written without ``--out``: ``REVIEW/build/exports/<name>``."""
    return Path(review_dir) / BUILD / "exports" / DEFAULT_NAMES[fmt]


def check_format(fmt: str) -> None:
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}: choose one of {', '.join(FORMATS)}")


def check_out(review_dir: str | Path, out: str | Path) -> Path:
    """``out`` if it may be written: outside the review folder, or inside its build folder; else a clear error."""
    review, target = Path(review_dir).resolve(), Path(out).resolve()
    if target.is_relative_to(review) and not target.is_relative_to(review / BUILD):
        raise ReviewInputError(out, f"is inside the review folder {review_dir}, where the reviewer's files are: "
                                    f"write exports under {Path(review_dir) / BUILD} (the default) or outside "
                                    "the review folder")
    return Path(out)


def export(review_dir: str | Path, fmt: str, out: str | Path | None = None) -> list[Path]:
    """Write the review's data as ``fmt`` to ``out`` (a file, or a folder for ``csv`` and ``revman``; default
    ``default_out``); returns the files written. Bad review files raise naming each problem, before any write."""
    check_format(fmt)
    out = check_out(review_dir, out if out is not None else default_out(review_dir, fmt))
    from reviewkit.report.exports.gather import gather

    data = gather(review_dir)
    if fmt in ("ris", "bibtex"):
        from reviewkit.core.storage import atomic_write_text
        from reviewkit.report.exports.records import records_bibtex, records_ris

        write = records_ris if fmt == "ris" else records_bibtex
        atomic_write_text(out, write(data.records_table, data.records))
        return [out]
    if fmt == "revman":
        from reviewkit.report.exports.revman import write_revman

        return write_revman(data.forms, data.protocol, out)
    from reviewkit.report.exports.tables import write_csv_folder, write_xlsx

    return write_csv_folder(data.sheets(), out) if fmt == "csv" else [write_xlsx(data.sheets(), out)]
