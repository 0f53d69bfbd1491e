"""De-duplication beside a peer: bib-dedupe's pairwise precision, recall and F1 next to ours on every labelled set.

bib-dedupe runs in an interpreter of its own (``--peer-python``), never in reviewkit's venv; it reads each set's
records.csv.gz as its README gives it (bib-dedupe's own column names), runs ``prep``, ``block``, ``match`` and
``cluster`` (its "duplicate" pairs only, not its "maybe" ones) and hands back the groups, which are scored here
by the same pairwise code as ``benchmarks/dedup.py``. Ours is imported and de-duplicated in a child process as
there. Seconds are each tool's whole run on the set (bib-dedupe's includes reading the CSV with pandas).

Some labelled groups join a paper with a notice or companion of it: a letter with the reply to it, an erratum
with the paper it corrects. reviewkit keeps those apart by design, unless one record holds them both (Embase's
"(multiple letters)"). So a second F1 of each tool is printed on the pairs of records whose titles name the
same kinds of notice (``title_markers``: erratum, retraction, comment or reply, protocol; most name none),
found and labelled alike, and the number of labelled pairs left out beside it.

    python3 -m venv /tmp/bdvenv && /tmp/bdvenv/bin/pip install bib-dedupe==0.11.0
    .venv/bin/python benchmarks/dedup_peer.py --peer-python /tmp/bdvenv/bin/python [--data ../shared/data/dedup]
"""
from __future__ import annotations

import argparse
import json
import subprocess
import time
from functools import partial
from itertools import combinations
from pathlib import Path

from dedup import ROOT, label_pairs, measure_in_child, pairwise

from reviewkit.records.dedup.groups import find_duplicates
from reviewkit.records.dedup.normalise import normalise_title, title_markers
from reviewkit.records.readers import read_file

# Run in the peer's interpreter: records.csv.gz in (argv[1]), groups of ids out as JSON.
PEER = """
import json, sys
import pandas as pd
from bib_dedupe.bib_dedupe import block, cluster, match, prep
records = pd.read_csv(sys.argv[1], dtype=str, keep_default_na=False)
groups = cluster(match(block(prep(records, verbosity_level=0), verbosity_level=0), verbosity_level=0), verbosity_level=0)
print(json.dumps([[str(i) for i in group] for group in groups]))
"""


def peer_groups(python: Path, records: Path) -> tuple[list[list[str]], float]:
    """bib-dedupe's duplicate groups of one set, and its seconds."""
    began = time.perf_counter()
    done = subprocess.run([str(python), "-c", PEER, str(records)], capture_output=True, text=True, check=False)
    if done.returncode:
        raise SystemExit(f"bib-dedupe failed on {records}:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1]), time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--peer-python", type=Path, required=True, help="an interpreter with bib-dedupe installed")
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data" / "dedup")
    args = parser.parse_args()
    version = subprocess.run([str(args.peer_python), "-c", "import importlib.metadata as m; print(m.version('bib-dedupe'))"],
                             capture_output=True, text=True, check=True).stdout.strip()
    header = (f"{'data set':<14}{'ours P':>8}{'R':>8}{'F1':>8}{'s':>7}   {'bib-dedupe ' + version + ' P':>20}"
              f"{'R':>8}{'F1':>8}{'s':>7}{'F1 ours - peer':>16}   {'across notices':>14}{'F1 ours':>9}{'peer':>8}")
    print(header)
    print("-" * len(header))
    for folder in sorted(args.data.iterdir()):
        records, labels = folder / "records.csv.gz", folder / "duplicate_groups.csv"
        if not records.exists():
            continue
        ours = measure_in_child(records, labels, 0)
        groups, seconds = peer_groups(args.peer_python, records)
        found = {pair for group in groups for pair in combinations(sorted(group), 2)}
        truth = label_pairs(labels)
        precision, recall, f1 = pairwise(found, truth)
        ours_found, markers = _ours_in_process(records)
        alike = partial(_same_notices, markers=markers)
        print(f"{folder.name:<14}{ours['precision']:>8.4f}{ours['recall']:>8.4f}{ours['f1']:>8.4f}"
              f"{ours['import_s'] + ours['dedup_s']:>7.1f}   {precision:>20.4f}{recall:>8.4f}{f1:>8.4f}{seconds:>7.1f}"
              f"{ours['f1'] - f1:>+16.4f}   {len(truth - alike(truth)):>14}"
              f"{pairwise(alike(ours_found), alike(truth))[2]:>9.4f}{pairwise(alike(found), alike(truth))[2]:>8.4f}", flush=True)


def _same_notices(pairs: set[tuple[str, str]], markers: dict[str, frozenset[str]]) -> set[tuple[str, str]]:
    """The pairs whose records' titles name the same kinds of notice (most: none)."""
    return {(a, b) for a, b in pairs if markers[a] == markers[b]}


def _ours_in_process(records: Path) -> tuple[set[tuple[str, str]], dict[str, frozenset[str]]]:
    """Our pairs of one set, and the kinds of notice each record's title names."""
    citations = read_file(records).citations
    pairs = {pair for group in find_duplicates(citations)
             for pair in combinations(sorted(citations[i].id for i in group), 2)}
    return pairs, {c.id: title_markers(normalise_title(c.title), c.title) for c in citations}


if __name__ == "__main__":
    main()
