"""De-duplication beside a peer: bib-dedupe's pairwise precision, recall and F1 next to ours on every labelled set.

bib-dedupe runs in an interpreter of its own (``--peer-python``), never in reviewkit's venv; it reads each set's
records.csv.gz as its README gives it (bib-dedupe's own column names), runs ``prep``, ``block``, ``match`` and
``cluster`` (its "duplicate" pairs only, not its "maybe" ones) and hands back the groups, which are scored here
by the same pairwise code as ``benchmarks/dedup.py``. Ours is imported and de-duplicated in a child process as
there. Seconds are each tool's whole run on the set (bib-dedupe's includes reading the CSV with pandas).

    python3 -m venv /tmp/bdvenv && /tmp/bdvenv/bin/pip install bib-dedupe==0.11.0
    .venv/bin/python benchmarks/dedup_peer.py --peer-python /tmp/bdvenv/bin/python [--data ../shared/data/dedup]
"""
from __future__ import annotations

import argparse
import json
import subprocess
import time
from itertools import combinations
from pathlib import Path

from dedup import ROOT, label_pairs, measure_in_child, pairwise

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
              f"{'R':>8}{'F1':>8}{'s':>7}{'F1 ours - peer':>16}")
    print(header)
    print("-" * len(header))
    for folder in sorted(args.data.iterdir()):
        records, labels = folder / "records.csv.gz", folder / "duplicate_groups.csv"
        if not records.exists():
            continue
        ours = measure_in_child(records, labels, 0)
        groups, seconds = peer_groups(args.peer_python, records)
        found = {pair for group in groups for pair in combinations(sorted(group), 2)}
        precision, recall, f1 = pairwise(found, label_pairs(labels))
        print(f"{folder.name:<14}{ours['precision']:>8.4f}{ours['recall']:>8.4f}{ours['f1']:>8.4f}"
              f"{ours['import_s'] + ours['dedup_s']:>7.1f}   {precision:>20.4f}{recall:>8.4f}{f1:>8.4f}{seconds:>7.1f}"
              f"{ours['f1'] - f1:>+16.4f}", flush=True)


if __name__ == "__main__":
    main()
