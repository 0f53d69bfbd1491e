"""Two writers of one reviewer file at once lose nothing, and a writer killed mid-save leaves a whole file."""
from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import textwrap
import time

from reviewkit.core.csv_rows import read_csv_rows
from reviewkit.core.storage import read_text
from reviewkit.screening.decisions import COLUMNS, decision_file

WRITER = textwrap.dedent("""
    import sys
    from reviewkit.core.protocol import load_protocol
    from reviewkit.records.sources import load_records
    from reviewkit.screening.decisions import record_decision

    review, tag, rounds, *ids = sys.argv[1:]
    protocol = load_protocol(review)
    records = load_records(review, protocol)
    print("ready", flush=True)
    for i in range(int(rounds)):
        for record_id in ids:
            record_decision(review, protocol, records, stage="title_abstract", reviewer="ann", record_id=record_id,
                            decision="include", note=f"{tag}-{i}", timestamp="2025-03-01T10:00:00Z")
""")


def _writer(review, tag: str, rounds: int, ids: list[str]) -> subprocess.Popen:
    process = subprocess.Popen([sys.executable, "-c", WRITER, str(review), tag, str(rounds), *ids],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert process.stdout.readline().strip() == "ready", process.stderr.read()
    return process


def _rows(path) -> dict[str, dict[str, str]]:
    rows, errors = read_csv_rows(path, read_text(path), COLUMNS)
    assert not errors, errors
    return {row["record_id"]: row for _, row in rows}


def test_two_processes_recording_decisions_into_one_file_lose_no_row(seed_review):
    ids = sorted(p.stem for p in (seed_review.parent / "seeds").iterdir())
    first, second = _writer(seed_review, "A", 12, ids[:3]), _writer(seed_review, "B", 12, ids[3:])
    for process in (first, second):
        assert process.wait(timeout=300) == 0, process.stderr.read()
    rows = _rows(decision_file(seed_review, "title_abstract", "ann"))
    assert sorted(rows) == ids
    assert {rows[i]["note"] for i in ids[:3]} == {"A-11"} and {rows[i]["note"] for i in ids[3:]} == {"B-11"}


def test_a_writer_killed_during_saves_leaves_the_file_whole(seed_review):
    """kill -9 at random moments of a run of saves: the file is always the one before a save or the one after."""
    ids = sorted(p.stem for p in (seed_review.parent / "seeds").iterdir())
    path = decision_file(seed_review, "title_abstract", "ann")
    rng = random.Random(7)
    for round_ in range(8):
        before = _rows(path) if path.exists() else {}
        process = _writer(seed_review, f"K{round_}", 50, ids)
        time.sleep(rng.uniform(0.05, 0.6))
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
        after = _rows(path)
        assert set(before) <= set(after) <= set(ids)  # no row lost, nothing half-written
        stray = [p for p in path.parent.iterdir() if p.suffix == ".tmp"]
        for p in stray:  # the workbook never reads them; a crash can leave one behind, never in place of the file
            assert p.name.startswith(".ann.csv.")
