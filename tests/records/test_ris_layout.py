"""RIS records in any layout an export gives them are read whole, each with the line it starts on, whatever
the size of the batches rispy parses."""
from __future__ import annotations

import multiprocessing
import os
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from reviewkit.records.readers import fields, read_file, ris

WORDS = st.lists(st.sampled_from(["stem", "cells", "stroke", "trial", "of", "in", "a", "bone", "marrow"]),
                 min_size=1, max_size=8).map(" ".join)
RECORD = st.fixed_dictionaries({
    "title": WORDS,
    "authors": st.lists(st.sampled_from(["Smith, J.", "Doe, A. B.", "Okafor, C."]), max_size=3),
    "keywords": st.lists(st.sampled_from(["stem cells", "cerebral infarction", "bone marrow"]), max_size=2),
    "wrap_title": st.booleans(),  # the title's last word on a line of its own, indented
    "wrap_keyword": st.booleans(),  # the same for the first keyword, which rispy alone would read as two
    "blank_inside": st.booleans(),  # a blank line between two tag lines
    "gap": st.sampled_from(["", "\n", "\n\n", "\nProvider: a database\n"]),  # text after the record's ER line
})


@contextmanager
def _batches_of(size: int):
    """rispy given ``size`` records at a time (a fixture would outlive one Hypothesis example)."""
    kept, ris.BATCH = ris.BATCH, size
    try:
        yield
    finally:
        ris.BATCH = kept


def _write(records: list[dict], header: str) -> tuple[str, list[int]]:
    """The export's text and the line each record's TY is on."""
    lines, starts = header.split("\n") if header else [], []
    for number, r in enumerate(records):
        starts.append(len(lines) + 1)
        lines += ["TY  - JOUR", f"ID  - r{number}"]
        words = r["title"].split()
        if r["wrap_title"] and len(words) > 1:
            lines += [f"TI  - {' '.join(words[:-1])}", f"      {words[-1]}"]
        else:
            lines.append(f"TI  - {r['title']}")
        lines += [""] if r["blank_inside"] else []
        lines += [f"AU  - {a}" for a in r["authors"]]
        for k, keyword in enumerate(r["keywords"]):
            first, last = keyword.split()
            lines += [f"KW  - {first}", f"  {last}"] if k == 0 and r["wrap_keyword"] else [f"KW  - {keyword}"]
        lines.append("ER  - ")
        lines += r["gap"].split("\n")[1:] if r["gap"] else []
    return "\n".join(lines), starts


@given(records=st.lists(RECORD, max_size=12), header=st.sampled_from(["", "Exported 2026", "\n"]),
       batch=st.integers(1, 5))
def test_every_record_is_read_with_its_fields_and_line(tmp_path_factory, records, header, batch):
    text, starts = _write(records, header)
    path = tmp_path_factory.mktemp("ris") / "export.ris"
    path.write_text(text, encoding="utf-8")
    with _batches_of(batch):
        result = read_file(path)
    assert not result.skipped
    assert [(c.id, c.title, c.authors, c.keywords, c.line) for c in result.citations] == [
        (f"r{n}", r["title"], tuple(r["authors"]), tuple(r["keywords"]), line)
        for n, (r, line) in enumerate(zip(records, starts))]


@given(before=st.lists(RECORD, max_size=4), after=st.lists(RECORD, max_size=4), batch=st.integers(1, 3))
def test_tagged_lines_outside_a_record_are_skipped_with_their_line_and_lose_no_other(
        tmp_path_factory, before, after, batch):
    first, _ = _write(before, "")
    second, _ = _write(after, "")
    stray_line = len(first.split("\n")) + 1 if before else 1
    text = "\n".join(part for part in (first, "TI  - a title with no TY\nER  - ", second) if part)
    path = tmp_path_factory.mktemp("ris") / "export.ris"
    path.write_text(text, encoding="utf-8")
    with _batches_of(batch):
        result = read_file(path)
    assert [(e.line, e.field) for e in result.skipped] == [(stray_line, "TY")]
    assert [c.title for c in result.citations] == [r["title"] for r in before + after]


@given(st.lists(st.text(alphabet="aÉ \t\xa0\u2009\x1f|;,.", max_size=6),
                max_size=5))
def test_author_and_keyword_lists_are_cleaned_as_each_value_alone_would_be(values):
    """The whole-list fast path of the readers' name clean-up gives what cleaning each value does."""
    each = tuple(name for v in values if (name := fields.clean(v)))
    assert fields.names(values) == each
    assert fields.keywords(values) == tuple(w for v in values for part in v.split(";") if (w := fields.clean(part)))


@given(date=st.one_of(st.text(alphabet="0123456789٢/ -", max_size=6), st.integers(0, 9999).map(str)),
       first=st.text(alphabet="0123456789٣ -–—e", max_size=5), last=st.text(alphabet="0123456789 ", max_size=3))
@example(date="1499", first="12", last="")
@example(date="1500", first="12–14", last="")
@example(date="2099", first="", last="7")
@example(date="2100", first="٣", last="9")
def test_a_year_or_page_read_by_the_fast_path_is_what_the_full_rule_gives(date, first, last):
    """A year alone and a page number without a dash skip the regular expressions, and lose nothing by it."""
    found = fields._YEAR.search(date)
    assert fields.year(date) == (found.group(1) if found else "")
    start = fields._DASHES.sub("-", first.strip())
    end = last.strip()
    assert fields.pages(first, last) == (f"{start}-{end}" if start and end and "-" not in start else start or end)


@pytest.mark.parametrize("chunk", [1, 90, 400, 1 << 20])
def test_a_large_export_parsed_in_worker_processes_gives_the_records_a_serial_read_gives(tmp_path, monkeypatch, chunk):
    """Pieces read in worker processes come back in file order, malformed records kept in their place with their
    lines, wherever the pieces are cut (after every ER line, inside a record cut short, or not at all)."""
    text, _ = _write([{"title": f"trial {n} of stem cells", "authors": ["Smith, J."], "keywords": ["bone marrow"],
                       "wrap_title": n % 3 == 0, "wrap_keyword": n % 4 == 0, "blank_inside": n % 5 == 0,
                       "gap": "\n"} for n in range(60)], "Exported 2026")
    text = text.replace("ID  - r17\n", "ID  - r17\nER  - \nTI  - stray lines\n", 1) + "\nTY  - JOUR\nTI  - no end"
    path = tmp_path / "export.ris"
    path.write_text(text, encoding="utf-8")
    monkeypatch.setattr(ris, "BATCH", 7)
    serial = read_file(path)
    pools = []
    monkeypatch.setattr(ris, "CHUNK", chunk)
    monkeypatch.setattr(ris, "_workers", lambda size: 2)
    monkeypatch.setattr(ris, "_pool", lambda workers, made=ris._pool: pools.append(made(workers)) or pools[-1])
    parallel = read_file(path)
    assert pools and pools[0] is not None
    assert parallel.citations == serial.citations and len(serial.citations) == 59  # r17 cut short: no title
    assert [(e.line, e.field) for e in parallel.skipped] == [(e.line, e.field) for e in serial.skipped]
    assert [e.field for e in serial.skipped] == ["title", "TY", "ER"]


def _export_of(n: int, tmp_path: Path) -> Path:
    text, _ = _write([{"title": f"trial {k} of stem cells", "authors": ["Smith, J."], "keywords": [],
                       "wrap_title": False, "wrap_keyword": False, "blank_inside": False, "gap": ""}
                      for k in range(n)], "")
    path = tmp_path / "export.ris"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_script_without_a_main_guard_reads_a_large_export_once(tmp_path):
    """A reviewer's few-line script (no ``if __name__ == "__main__":``) is not run again by the import's workers."""
    script = tmp_path / "count.py"
    script.write_text(
        "import sys\n"
        "from reviewkit.records.readers import read_file, ris\n"
        "ris.PARALLEL_FROM, ris.CHUNK, ris.usable_cores = 0, 100, lambda: 2  # workers for a small export\n"
        "made = ris._pool\n"
        "ris._pool = lambda workers: print('pool', made(workers) is not None) or made(workers)\n"
        "print('script ran')\n"
        "print(len(read_file(sys.argv[1]).citations))\n", encoding="utf-8")
    run = subprocess.run([sys.executable, str(script), str(_export_of(40, tmp_path))], capture_output=True,
                         text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert run.stdout.split("\n") == ["script ran", "pool True", "40", ""], run.stdout + run.stderr


def _dies_in_a_worker(text: str, first_line: int) -> list[tuple]:
    if multiprocessing.parent_process() is not None:  # in a worker, forked or started from a fresh interpreter
        os._exit(1)
    raise AssertionError("only workers call it")


_PARSED_HERE: list[str] = []
_parse_here = ris._records


def _parsed_here(text: str) -> list[dict]:
    _PARSED_HERE.append(text)
    return _parse_here(text)


def test_a_worker_that_dies_leaves_its_pieces_to_be_read_here(tmp_path, monkeypatch):
    """A worker killed mid-import (out of memory) costs time, not records, and raises nothing."""
    path = _export_of(40, tmp_path)
    pools = []
    monkeypatch.setattr(ris, "CHUNK", 100)
    monkeypatch.setattr(ris, "_workers", lambda size: 2)
    monkeypatch.setattr(ris, "_pool", lambda workers, made=ris._pool: pools.append(made(workers)) or pools[-1])
    monkeypatch.setattr(ris, "_parse_chunk", _dies_in_a_worker)
    monkeypatch.setattr(ris, "_records", _parsed_here)
    assert [c.title for c in read_file(path).citations] == [f"trial {k} of stem cells" for k in range(40)]
    assert pools and pools[0] is not None
    assert sum(text.count("TY  - ") for text in _PARSED_HERE) == 40  # all of them here, as the workers died
