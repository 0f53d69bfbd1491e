"""De-duplication: pairwise precision, recall and F1 against labels, wall time and peak memory.

For every labelled data set in ``../shared/data/dedup/*/`` (records.csv.gz and duplicate_groups.csv, see
its README), and for a synthetic RIS file of 100,000 records with a known duplicate rate that this
script generates (seeded) under ``benchmarks/out/``. Each file is imported and de-duplicated in a fresh
Python process, so its time splits into import and de-duplication and its peak memory (maximum RSS,
interpreter and libraries included) is its own.

    .venv/bin/python benchmarks/dedup.py [--data ../shared/data/dedup] [--records 100000] [--seed 8]
                                         [--errors 5] [--repeat 3]

``--errors N`` prints up to N false-positive and N false-negative pairs per data set, to read.

The floor is what reading the synthetic file costs at the least: ``rispy.load`` of it, alone, in a fresh process
just before ours. The synthetic file's de-duplication and its import + de-duplication are printed as multiples
of that floor, measured in the same run, as the machine may be shared: the floor and ours are run in turn
``--repeat`` times (3) and each figure is the least of its runs (ours: the run with the least import +
de-duplication), since a busy neighbour only ever adds time. The floor is one process; our import of an export this
large parses its batches in worker processes, one per core (``reviewkit.records.readers.ris``), so the figure is wall
time on this machine's cores, as a reviewer waits for it; the same import in one process is measured beside it.
"""
from __future__ import annotations

import argparse
import csv
import json
import resource
import subprocess
import sys
import time
from collections import Counter
from itertools import combinations
from pathlib import Path

from synthetic_ris import generate

from reviewkit.core.cores import usable_cores

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "out"


# ---------------------------------------------------------------- measuring one file (child process)

def pairwise(found: set[tuple[str, str]], truth: set[tuple[str, str]]) -> tuple[float, float, float]:
    """Pairwise precision, recall and F1 of the pairs ``found`` against the labelled pairs ``truth``."""
    right = len(found & truth)
    precision = right / len(found) if found else 1.0
    recall = right / len(truth) if truth else 1.0
    return precision, recall, 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def measure(path: Path, labels: Path, errors: int) -> dict:
    """Import and de-duplicate ``path``; score against ``labels``. Run in its own process."""
    from reviewkit.records.dedup.groups import find_duplicates
    from reviewkit.records.readers import read_file

    began = time.perf_counter()
    imported = read_file(path)
    imported_at = time.perf_counter()
    groups = find_duplicates(imported.citations)
    done = time.perf_counter()
    peak_mib = peak_memory_mib()
    citations = imported.citations
    found = {pair for group in groups for pair in combinations(sorted(citations[i].id for i in group), 2)}
    truth = label_pairs(labels)
    precision, recall, f1 = pairwise(found, truth)
    by_id = {c.id: c for c in citations}
    group_of = {citations[i].id: number for number, group in enumerate(groups) for i in group}

    def show(pairs: set[tuple[str, str]]) -> list[list[str]]:
        return [[f"{a}: {_brief(by_id[a])}", f"{b}: {_brief(by_id[b])}"] for a, b in sorted(pairs)[:errors]]

    return {
        "records": len(citations), "skipped": imported.skipped_count, "groups": len(groups),
        "pairs": len(found), "true_pairs": len(truth), "precision": precision, "recall": recall,
        "f1": f1,
        "import_s": imported_at - began, "dedup_s": done - imported_at, "peak_mib": peak_mib,
        "false_positives": show(found - truth), "false_negatives": show(truth - found),
        "lookalikes": lookalikes_merged(path.with_suffix(".lookalikes.csv"), group_of),
    }


def lookalikes_merged(path: Path, group_of: dict[str, int]) -> dict[str, list[int]]:
    """For each kind of look-alike the generator made: [pairs merged by mistake, pairs] over every record
    of the original and every record of the look-alike. Empty when ``path`` does not exist."""
    merged: Counter = Counter()
    pairs: Counter = Counter()
    if path.exists():
        with path.open(newline="", encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                for a in row["original_ids"].split(";"):
                    for b in row["lookalike_ids"].split(";"):
                        pairs[row["kind"]] += 1
                        merged[row["kind"]] += a in group_of and group_of.get(a) == group_of.get(b)
    return {kind: [merged[kind], pairs[kind]] for kind in sorted(pairs)}


def peak_memory_mib() -> float:
    """This process's peak resident memory. Linux's VmHWM starts afresh at exec; ``ru_maxrss`` would
    carry over the parent's peak from before the fork."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _brief(c) -> str:
    authors = "; ".join(c.authors[:3]) + (" et al." if len(c.authors) > 3 else "")
    return f"{c.title[:90]} | {authors[:50]} | {c.year} | {c.journal[:40]} {c.volume}:{c.pages} | {c.doi}"


def label_pairs(path: Path) -> set[tuple[str, str]]:
    """Every pair of ids in the same labelled group (the benchmark's ``merged_ids`` column)."""
    with path.open(newline="", encoding="utf-8") as handle:
        return {pair for row in csv.DictReader(handle)
                for pair in combinations(sorted(row["merged_ids"].split(";")), 2)}


def measure_in_child(path: Path, labels: Path, errors: int, one_process: bool = False) -> dict:
    """:func:`measure` in a fresh interpreter, so time and peak memory are this file's alone (``one_process``:
    the import without worker processes)."""
    command = [sys.executable, __file__, "--measure", str(path), str(labels), "--errors", str(errors),
               *(["--one-process"] if one_process else [])]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode:
        raise SystemExit(f"measuring {path} failed:\n{done.stderr}")
    return json.loads(done.stdout)


def floor_in_child(path: Path) -> float:
    """Seconds ``rispy.load`` takes to parse ``path`` (default tags), in a fresh interpreter."""
    code = ("import pathlib, sys, time, rispy; began = time.perf_counter(); "
            "rispy.load(pathlib.Path(sys.argv[1]), encoding='utf-8'); print(time.perf_counter() - began)")
    done = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, check=True)
    return float(done.stdout)


# ---------------------------------------------------------------- the report

def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data" / "dedup")
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=8)
    parser.add_argument("--repeat", type=int, default=3, help="runs of the floor and of ours on the synthetic file")
    parser.add_argument("--errors", type=int, default=0, help="false positives and negatives to print per data set")
    parser.add_argument("--measure", nargs=2, type=Path, metavar=("FILE", "LABELS"), help=argparse.SUPPRESS)
    parser.add_argument("--one-process", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        if args.one_process:
            from reviewkit.records.readers import ris
            ris.PARALLEL_FROM = sys.maxsize
        print(json.dumps(measure(*args.measure, args.errors)))
        return
    files = [(folder.name, folder / "records.csv.gz", folder / "duplicate_groups.csv")
             for folder in sorted(args.data.iterdir()) if (folder / "records.csv.gz").exists()]
    synthetic = OUT / f"synthetic_{args.records}_seed{args.seed}.ris"
    synthetic_labels = synthetic.with_suffix(".groups.csv")
    began = time.perf_counter()
    publications, copies = generate(synthetic, synthetic_labels, synthetic.with_suffix(".lookalikes.csv"),
                                    args.records, args.seed)
    print(f"generated {synthetic.relative_to(ROOT)}: {args.records:,} records of {publications:,} publications "
          f"({copies:,} duplicates, {copies / args.records:.1%}), {synthetic.stat().st_size / 2**20:.0f} MiB, "
          f"in {time.perf_counter() - began:.1f} s\n")
    files.append((f"synthetic {args.records // 1000}k RIS", synthetic, synthetic_labels))
    header = (f"{'data set':<22}{'records':>9}{'groups':>8}{'pairs':>8}{'true':>8}{'precision':>10}{'recall':>8}"
              f"{'F1':>8}{'import s':>10}{'dedup s':>9}{'peak MiB':>10}")
    print(header)
    print("-" * len(header))
    results = []
    floor = 0.0
    for name, path, labels in files:
        if path == synthetic:  # the floor and ours in turn, each time the least of --repeat runs
            runs = []
            for _ in range(args.repeat):
                runs.append((floor_in_child(path), measure_in_child(path, labels, args.errors),
                             measure_in_child(path, labels, 0, one_process=True)))
            floor = min(f for f, _, _ in runs)
            r = min((r for _, r, _ in runs), key=lambda r: r["import_s"] + r["dedup_s"])
            alone = min((a for _, _, a in runs), key=lambda a: a["import_s"] + a["dedup_s"])
        else:
            r = measure_in_child(path, labels, args.errors)
        results.append((name, r))
        print(f"{name:<22}{r['records']:>9,}{r['groups']:>8,}{r['pairs']:>8,}{r['true_pairs']:>8,}"
              f"{r['precision']:>10.4f}{r['recall']:>8.4f}{r['f1']:>8.4f}{r['import_s']:>10.2f}{r['dedup_s']:>9.2f}"
              f"{r['peak_mib']:>10.0f}", flush=True)
    r = results[-1][1]
    print(f"\nfloor: rispy.load of the synthetic file {floor:.2f} s; de-duplication {r['dedup_s'] / floor:.2f}x the floor, "
          f"import + de-duplication {(r['import_s'] + r['dedup_s']) / floor:.2f}x (import on {usable_cores()} core(s)); "
          f"with the import in one process ({alone['import_s']:.2f} s) {(alone['import_s'] + alone['dedup_s']) / floor:.2f}x")
    for name, r in results:
        if r["lookalikes"]:
            print(f"\n{name}: look-alike pairs (original vs look-alike, every record of each) merged by mistake: "
                  + ", ".join(f"{kind} {m}/{n}" for kind, (m, n) in r["lookalikes"].items()))
    for name, r in results:
        for kind in ("false_positives", "false_negatives"):
            for left, right in r[kind]:
                print(f"\n{name} {kind.replace('_', ' ')[:-1]}:\n  {left}\n  {right}")


if __name__ == "__main__":
    main()
