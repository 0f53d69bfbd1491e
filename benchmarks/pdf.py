"""Reading article PDFs into text (``reviewkit.records.pdf_text``): pages per second and peak memory, first run
and cached run, for a 30-page two-column article and a folder of 20 such PDFs typeset with Typst (the test
fixtures, ``tests/records/pdf_fixtures.py``) under ``benchmarks/out/pdf/``.

    .venv/bin/python benchmarks/pdf.py [--pdfs 20] [--pages 30]

Figures only; nothing is asserted.
"""
from __future__ import annotations

import argparse
import resource
import shutil
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "out" / "pdf"
sys.path.insert(0, str(ROOT / "tests" / "records"))

import pdf_fixtures  # noqa: E402

from reviewkit.records.pdf_text import read_pdf  # noqa: E402


def make_article(path: Path, pages: int) -> int:
    """Typeset an article of about ``pages`` pages (the fixture's sections repeated); returns its page count."""
    import pypdfium2

    repeat = max(1, round(pages / 2.6))
    while True:
        pdf_fixtures.make_article(path, repeat=repeat)
        with pypdfium2.PdfDocument(path) as document:
            count = len(document)
        if count >= pages or repeat > 10 * pages:
            return count
        repeat += 1


def timed(paths: list[Path], cache: Path | None, traced_cache: Path | None = None) -> tuple[float, int, float]:
    """Seconds and pages read for reading ``paths``, and the peak Python memory (MiB, tracemalloc) of reading
    the first one again (traced apart: tracing slows Python down several times; pdfium's own memory is not
    traced, see the process's maximum RSS)."""
    began = time.perf_counter()
    pages = sum(len(read_pdf(path, cache_dir=cache).pages) for path in paths)
    seconds = time.perf_counter() - began
    tracemalloc.start()
    read_pdf(paths[0], cache_dir=traced_cache)
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return seconds, pages, peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pdfs", type=int, default=20)
    parser.add_argument("--pages", type=int, default=30)
    args = parser.parse_args()
    shutil.rmtree(OUT, ignore_errors=True)
    folder = OUT / "articles"
    folder.mkdir(parents=True)
    began = time.perf_counter()
    article = folder / "article-00.pdf"
    count = make_article(article, args.pages)
    for i in range(1, args.pdfs):  # the same article with a comment after its end: each file has its own bytes
        (folder / f"article-{i:02d}.pdf").write_bytes(article.read_bytes() + f"% copy {i}\n".encode())
    print(f"typeset a {count}-page two-column article and {args.pdfs - 1} copies in {time.perf_counter() - began:.1f} s")

    seconds, pages, peak = timed([article], None)
    print(f"one {pages}-page article, no cache:   {seconds:.3f} s ({pages / seconds:.0f} pages/s), peak {peak:.1f} MiB traced per PDF")
    paths = sorted(folder.glob("*.pdf"))
    cache = OUT / "cache"
    for label in ("first run (no cache yet)", "cached run"):
        seconds, pages, peak = timed(paths, cache, cache if label == "cached run" else None)
        print(f"{len(paths)} PDFs, {label:<25} {pages} pages in {seconds:.3f} s ({pages / seconds:.0f} pages/s), "
              f"peak {peak:.1f} MiB traced per PDF")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"maximum RSS of the process (typesetting included): {rss:.0f} MiB")


if __name__ == "__main__":
    main()
