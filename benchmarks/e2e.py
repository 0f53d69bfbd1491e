"""Wall time of a full review run, per notebook, against papermill's own floor; or a review grown to N records.

The floor runs the same number of empty notebooks (a parameters cell and nothing else) through
papermill, so the overhead of the workbook shows as a ratio.

    .venv/bin/python benchmarks/e2e.py [--review review] [--repeat 3]

With ``--records N``, a copy of the review (and its seed documents) gets a database export of N labelled
records from ``../shared/data/screening`` (van de Schoot 2017's 6,189 PTSD records first, then Hall 2012's and Kwok 2020's),
added with ``reviewkit import`` as a user would; the first ``--decided K`` of them (100 by default) get the title and
abstract decision their label gives, added to the seed reviewer's file of the copy, so that the ranking (and its
sentence embeddings) and the recall estimate run as in a review under way. It is run stage by stage, each in its own
kernel: per
notebook, the seconds, the peak memory of the processes it ran in (the kernel's, sampled; study notebooks run
side by side, so theirs add up) and the size of the executed notebooks; then the size of the review PDF and its
pages. ``--cache DIR`` keeps the sentence embeddings there between runs (they are the slow part of a first run,
and a review keeps them in its build folder), so a second run shows a review whose embeddings are cached.

    .venv/bin/python benchmarks/e2e.py --records 10000 [--decided 100] [--cache benchmarks/out/e2e-cache]
"""
from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import nbformat
import pandas as pd
import psutil
import pypdfium2

from reviewkit.workbook.pipeline import execute, run
from reviewkit.workbook.stages import STAGES

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "screening"
EXPORTS = ("van_de_Schoot_2017", "Hall_2012", "Kwok_2020")  # in this order, until N records are taken
COLUMNS = ["title", "abstract", "authors", "year", "doi", "keywords"]


def empty_notebook(path: Path) -> Path:
    cell = nbformat.v4.new_code_cell('review_dir = ""\nout_dir = ""')
    cell.metadata["tags"] = ["parameters"]
    notebook = nbformat.v4.new_notebook(cells=[cell])
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(notebook, path)
    return path


def floor_ratio(review: Path, repeat: int) -> None:
    """Full runs of ``review`` alternated with as many empty notebooks through papermill; medians printed."""
    walls, floors, per_notebook = [], [], {}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        empty = empty_notebook(tmp / "empty.ipynb")
        for attempt in range(repeat):
            began = time.perf_counter()
            runs = run(review, tmp / f"build{attempt}", report=lambda line: None)
            walls.append(time.perf_counter() - began)
            for r in runs:
                per_notebook.setdefault(r.notebook, []).append(r.seconds)
            began = time.perf_counter()
            for index in range(len(runs)):
                execute(empty, tmp / "floor" / f"{index}.ipynb", {"review_dir": "", "out_dir": ""})
            floors.append(time.perf_counter() - began)
    wall, floor = statistics.median(walls), statistics.median(floors)
    print(f"{'notebook (median of ' + str(repeat) + ')':<40} {'seconds':>8}")
    for notebook, seconds in per_notebook.items():
        print(f"{notebook:<40} {statistics.median(seconds):>8.2f}")
    print(f"{'full run (wall)':<40} {wall:>8.2f}   runs: {', '.join(f'{w:.1f}' for w in walls)}")
    print(f"{'papermill floor: ' + str(len(per_notebook)) + ' empty notebooks':<40} {floor:>8.2f}   runs: "
          f"{', '.join(f'{f:.1f}' for f in floors)}")
    print(f"{'ratio full run / floor':<40} {wall / floor:>8.2f}")


def export_file(n: int, path: Path) -> tuple[Path, list[bool]]:
    """A CSV export of the first ``n`` labelled records of ``EXPORTS`` (their labels left out), and the labels."""
    parts, left = [], n
    for name in EXPORTS:
        if left <= 0:
            break
        frame = pd.read_csv(DATA / f"{name}.csv.gz", dtype=str, keep_default_na=False).head(left)
        parts.append(frame.reindex(columns=[*COLUMNS, "label_included"], fill_value=""))
        left -= len(frame)
    if left > 0:
        raise SystemExit(f"--records {n}: the exports hold only {n - left} records")
    frame = pd.concat(parts, ignore_index=True)
    frame[COLUMNS].to_csv(path, index=False)
    return path, (frame["label_included"] == "1").tolist()


class PeakMemory:
    """The largest total resident memory of this process's children (kernels and what they start), sampled."""

    def __init__(self, every: float = 0.1) -> None:
        self.every, self.peak, self._stop = every, 0, threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        me = psutil.Process()
        while not self._stop.is_set():
            total = 0
            for child in me.children(recursive=True):
                try:
                    total += child.memory_info().rss
                except psutil.Error:
                    pass
            self.peak = max(self.peak, total)
            self._stop.wait(self.every)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def decide(review: Path, labels: list[bool], source: str) -> None:
    """Title/abstract decisions for the first records of ``source``, as their labels say, in the seed reviewer's file."""
    from reviewkit.core.protocol import load_protocol

    reason = load_protocol(review).exclusion_reasons[0].id
    path = next((review / "screening" / "title_abstract").glob("*.csv"))
    rows = pd.read_csv(path, dtype=str, keep_default_na=False)
    reviewer, stamp = rows["reviewer"].iloc[0], "2026-12-01T00:00:00Z"
    new = pd.DataFrame([{"record_id": f"{source}:{i + 1}", "decision": "include" if y else "exclude",
                         "exclusion_reason": "" if y else reason, "note": "benchmark", "reviewer": reviewer,
                         "timestamp": stamp} for i, y in enumerate(labels)])
    pd.concat([rows, new], ignore_index=True).to_csv(path, index=False, lineterminator="\n")


def grown_review(n: int, decided: int, cache: Path | None) -> None:
    """Run the review with ``n`` more records, ``decided`` of them decided, stage by stage; print what each cost."""
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        shutil.copytree(ROOT / "seeds", tmp / "seeds")
        shutil.copytree(ROOT / "review", tmp / "review", ignore=shutil.ignore_patterns("build"))
        export, labels = export_file(n, tmp / "database-export.csv")
        began = time.perf_counter()
        subprocess.run([str(Path(sys.executable).parent / "reviewkit"), "import", str(export), "--review",
                        str(tmp / "review"), "--name", "Database export (benchmark)"], check=True, capture_output=True)
        print(f"reviewkit import of {n:,} records: {time.perf_counter() - began:.1f} s")
        decide(tmp / "review", labels[:decided], "database-export")
        out = tmp / "review" / "build"
        if cache is not None:
            cache.mkdir(parents=True, exist_ok=True)
            out.mkdir(parents=True, exist_ok=True)
            shutil.copytree(cache, out / "cache", dirs_exist_ok=True)
        print(f"{'stage (notebook)':<34} {'seconds':>8} {'peak MiB':>9} {'notebooks MiB':>14}")
        total = 0.0
        for stage in STAGES:
            with PeakMemory() as memory:
                began = time.perf_counter()
                run(tmp / "review", out, only=stage.name, report=lambda line: None)
                seconds = time.perf_counter() - began
            total += seconds
            executed = (out / "notebooks" / "studies").glob("*.ipynb") if stage.per_study else \
                [out / "notebooks" / stage.notebook]
            size = sum(p.stat().st_size for p in executed if p.exists())
            print(f"{stage.name + ' (' + stage.notebook + ')':<34} {seconds:>8.1f} {memory.peak / 2**20:>9.0f} "
                  f"{size / 2**20:>14.2f}")
        print(f"{'all stages':<34} {total:>8.1f}")
        pdf = out / "review.pdf"
        if pdf.exists():
            pages = len(pypdfium2.PdfDocument(pdf))
            print(f"review.pdf: {pdf.stat().st_size / 2**20:.2f} MiB, {pages} pages")
        studies = list((out / "studies").glob("*.pdf"))
        print(f"study PDFs: {len(studies)}, {sum(p.stat().st_size for p in studies) / 2**20:.2f} MiB in all")
        if cache is not None and (out / "cache").exists():
            shutil.copytree(out / "cache", cache, dirs_exist_ok=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--review", default="review", type=Path)
    parser.add_argument("--repeat", type=int, default=3, help="full runs and floors, alternated; medians printed")
    parser.add_argument("--records", type=int, help="add this many labelled records to a copy of the review, run it")
    parser.add_argument("--decided", type=int, default=100, help="with --records: how many of them to decide")
    parser.add_argument("--cache", type=Path, help="with --records: keep the embeddings in this folder between runs")
    args = parser.parse_args()
    if args.records:
        grown_review(args.records, args.decided, args.cache)
    else:
        floor_ratio(args.review, args.repeat)


if __name__ == "__main__":
    main()
