"""Import + de-duplication against the rispy floor, counted in instructions (valgrind's callgrind), not seconds.

Seconds on a shared machine vary by a fifth from one run to the next, the floor's as much as ours, so
``benchmarks/dedup.py``'s ratio moves with them. Instructions are the same on every run of the same code and
input (string hashing is seeded alike). Each of four programs runs once under ``valgrind --tool=callgrind``, in turn two at a time: the floor
(``rispy.load`` of a synthetic RIS file), ours (``read_file`` then ``find_duplicates`` of it), and each one's
imports alone, which are taken off. Instructions are not time (a cache miss costs many), so this is the
repeatable companion of the wall-time ratio, not a replacement.

    .venv/bin/python benchmarks/dedup_instructions.py [--records 10000] [--seed 8]

At 10,000 records the four runs take about four minutes on 2 cores.
"""
from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from synthetic_ris import generate

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "out"
IMPORTS = {
    "floor": "import pathlib, rispy",
    "ours": "import pathlib\nfrom reviewkit.records.readers import read_file\n"
            "from reviewkit.records.dedup.groups import find_duplicates",
}
WORK = {
    "floor": "rispy.load(pathlib.Path({path!r}), encoding='utf-8')",
    "ours": "find_duplicates(read_file(pathlib.Path({path!r})).citations)",
}


def instructions(code: str) -> int:
    """Instructions one Python program runs, by callgrind."""
    with tempfile.TemporaryDirectory() as folder:
        done = subprocess.run(
            ["valgrind", "--tool=callgrind", f"--callgrind-out-file={folder}/out", sys.executable, "-c", code],
            capture_output=True, text=True, check=False, env={**os.environ, "PYTHONHASHSEED": "0"})
    found = re.search(r"Collected : (\d+)", done.stderr)
    if done.returncode or not found:
        raise SystemExit(f"valgrind failed:\n{done.stderr[-2000:]}")
    return int(found.group(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=8)
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"synthetic_{args.records}_seed{args.seed}.ris"
    generate(path, path.with_suffix(".groups.csv"), path.with_suffix(".lookalikes.csv"), args.records, args.seed)
    programs = {f"{name} imports": IMPORTS[name] for name in IMPORTS}
    programs |= {name: f"{IMPORTS[name]}\n{WORK[name].format(path=str(path))}" for name in IMPORTS}
    for code in IMPORTS.values():  # compiled once before counting, so no run counts writing .pyc files
        subprocess.run([sys.executable, "-c", code], check=True)
    with ThreadPoolExecutor(max_workers=2) as pool:
        counts = dict(zip(programs, pool.map(instructions, programs.values())))
    for name, count in counts.items():
        print(f"{name:<14}{count:>16,} instructions")
    floor, ours = (counts[name] - counts[f"{name} imports"] for name in ("floor", "ours"))
    print(f"\n{args.records:,} records: the floor (rispy.load) {floor:,}, ours (import + de-duplication) {ours:,}: "
          f"{ours / floor:.2f}x the floor")


if __name__ == "__main__":
    main()
