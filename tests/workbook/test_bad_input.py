"""The bad inputs and faults of the README's table, each as a reviewer meets it: through the command line, with a
one-line message naming the file (line, field) and what to do, a non-zero exit, and nothing of theirs changed."""
from __future__ import annotations

import errno
import os
import re
from pathlib import Path

import pytest
from conftest import ROOT

from reviewkit.core import storage
from reviewkit.workbook.cli import main

FIXTURES = ROOT / "tests" / "fixtures" / "import"
HEADER = "record_id,decision,exclusion_reason,note,reviewer,timestamp\n"


def _fails(args: list[str], capsys) -> str:
    """Run the command, check it fails cleanly, and return what it said on stderr."""
    assert main(args) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err and err.strip()
    return err


def _snapshot(review: Path) -> dict[str, bytes]:
    """Every file of the review but the workbook's own lock files (hidden, git-ignored)."""
    return {str(p.relative_to(review)): p.read_bytes() for p in sorted(review.rglob("*"))
            if p.is_file() and not p.name.endswith(".lock")}


# --- faults of the machine -------------------------------------------------------------------------

def test_an_output_folder_that_cannot_be_made_names_the_path(seed_review, capsys):
    blocker = seed_review.parent / "a-file"
    blocker.write_text("not a folder")
    err = _fails(["run", "--review", str(seed_review), "--out", str(blocker / "build")], capsys)
    assert f"{blocker}/build" in err and "a file stands where a folder is needed" in err


def test_permission_denied_names_the_path_and_what_to_do(seed_review, capsys, monkeypatch):
    real = Path.read_bytes

    def denied(path: Path) -> bytes:
        if path.name == "protocol.yml":
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real(path)

    monkeypatch.setattr(Path, "read_bytes", denied)
    err = _fails(["validate", "--review", str(seed_review)], capsys)
    assert "protocol.yml: permission denied" in err and len(err.strip().splitlines()) == 1


def test_a_full_disk_during_a_save_keeps_the_old_file(seed_review, capsys, monkeypatch):
    out = seed_review / "build"
    (out / "tables").mkdir(parents=True)
    (out / "tables" / "status.csv").write_text("old\n")

    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(storage.os, "fsync", full)
    err = _fails(["export", "pdf", "--review", str(seed_review), "--out", str(out)], capsys)
    assert "the disk is full" in err
    assert (out / "tables" / "status.csv").read_text() == "old\n"
    assert not list((out / "tables").glob(".*.tmp"))


# --- reviewer files --------------------------------------------------------------------------------

def test_yaml_aliases_are_refused_and_the_message_stays_short(seed_review, capsys):
    bomb = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n' + "".join(
        f"{b}: &{b} [{', '.join(['*' + a] * 9)}]\n" for a, b in zip("abcdefgh", "bcdefghi"))
    (seed_review / "grade.yml").write_text(bomb, encoding="utf-8")
    err = _fails(["validate", "--review", str(seed_review)], capsys)
    assert "grade.yml, line 2: malformed YAML: an alias (*a) is not allowed here" in err and len(err) < 500


def test_a_semicolon_separated_decisions_file_is_named_as_such(seed_review, capsys):
    path = seed_review / "screening" / "title_abstract" / "ann.csv"
    path.write_text(HEADER.replace(",", ";") + "000_ce438576644deecb;include;;;ann;2025-03-01T10:00:00Z\n")
    err = _fails(["validate", "--review", str(seed_review)], capsys)
    assert "ann.csv, line 1, field 'record_id': required column is missing (the file looks semicolon-separated" in err


def test_a_decisions_file_in_utf16_is_named_as_such(seed_review, capsys):
    path = seed_review / "screening" / "title_abstract" / "ann.csv"
    path.write_bytes(HEADER.encode("utf-16-le"))
    err = _fails(["validate", "--review", str(seed_review)], capsys)
    assert "ann.csv, line 1: holds NUL bytes or a UTF-16 byte-order mark" in err


def _protocol_line(review: Path, text: str) -> int:
    return next(n for n, line in enumerate((review / "protocol.yml").read_text().splitlines(), 1) if text in line)


def test_a_repeated_criterion_id_is_reported_where_it_is_repeated(seed_review, capsys):
    protocol = seed_review / "protocol.yml"
    protocol.write_text(protocol.read_text().replace("  - id: intervention\n", "  - id: population\n", 1))
    line = [n for n, text in enumerate(protocol.read_text().splitlines(), 1) if text == "  - id: population"][1]
    err = _fails(["validate", "--review", str(seed_review)], capsys)
    assert f"protocol.yml, line {line}, field 'eligibility.1.id': eligibility repeats the id 'population'" in err


def test_an_undefined_exclusion_reason_is_reported_at_its_line(seed_review, capsys):
    protocol = seed_review / "protocol.yml"
    text = protocol.read_text()
    first = re.search(r"    exclusion_reason: (\w+)", text)
    protocol.write_text(text.replace(first.group(0), "    exclusion_reason: no_such_reason", 1))
    err = _fails(["validate", "--review", str(seed_review)], capsys)
    line = _protocol_line(seed_review, "exclusion_reason: no_such_reason")
    assert f"protocol.yml, line {line}, field 'eligibility.0.exclusion_reason'" in err and "no_such_reason" in err


# --- documents -------------------------------------------------------------------------------------

def test_a_document_with_nul_bytes_is_refused_with_its_line(seed_review, capsys):
    (seed_review.parent / "seeds" / "binary.txt").write_bytes(b"A title of a report\nsecond line\x00\x00 more\n")
    err = _fails(["validate", "--review", str(seed_review)], capsys)
    assert "binary.txt, line 2: holds NUL bytes" in err


def test_a_control_character_is_reported_with_line_and_column(seed_review, capsys):
    (seed_review.parent / "seeds" / "bell.txt").write_text("A title of a report\nring \x07 the bell\n")
    err = _fails(["validate", "--review", str(seed_review)], capsys)
    assert "bell.txt, line 2, record 'bell': control character '\\x07' at column 6" in err


def test_documents_in_subfolders_are_read(seed_review, capsys):
    folder = seed_review.parent / "seeds" / "full-texts"
    folder.mkdir()
    (folder / "extra-report.txt").write_text("A further report of stem cells in multiple sclerosis\n\nText.\n")
    assert main(["status", "--review", str(seed_review)]) == 0
    assert "6 records from 1 source(s)" in capsys.readouterr().out


def test_a_link_to_a_missing_file_is_an_error(seed_review, capsys):
    os.symlink(seed_review.parent / "nowhere.txt", seed_review.parent / "seeds" / "linked.txt")
    err = _fails(["validate", "--review", str(seed_review)], capsys)
    assert "linked.txt, record 'linked': a link to" in err and "which does not exist" in err


# --- imports ---------------------------------------------------------------------------------------

def test_an_import_that_keeps_no_record_changes_nothing(seed_review, tmp_path, capsys):
    export = tmp_path / "empty.ris"
    export.write_text("TY  - JOUR\nER  - \n\nTY  - JOUR\nER  - \n")  # two records, neither with a title or id
    before = _snapshot(seed_review)
    err = _fails(["import", str(export), "--review", str(seed_review)], capsys)
    assert "empty.ris: no record could be kept, so nothing was imported: all 2 records read were skipped" in err
    assert _snapshot(seed_review) == before


def test_an_import_of_utf16_without_a_byte_order_mark_is_read(seed_review, tmp_path, capsys):
    export = tmp_path / "export.csv"
    export.write_bytes("title,abstract\nA trial of stem cells,An abstract\n".encode("utf-16-le"))
    assert main(["import", str(export), "--review", str(seed_review)]) == 0
    captured = capsys.readouterr()
    assert "1 records read, 0 skipped, 1 kept" in captured.out
    assert "no byte-order mark; read as utf-16-le" in captured.err


@pytest.mark.parametrize("name", ["malformed.ris", "malformed.nbib", "malformed.bib", "malformed.csv"])
def test_malformed_records_are_skipped_and_named(seed_review, capsys, name):
    assert main(["import", str(FIXTURES / name), "--review", str(seed_review)]) == 0
    err = capsys.readouterr().err
    assert re.search(rf"skipped: \S*{re.escape(name)}, line \d+", err)
