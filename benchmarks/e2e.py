"""Wall time of a full review run, per notebook, against papermill's own floor.

The floor runs the same number of empty notebooks (a parameters cell and nothing else) through
papermill, so the overhead of the workbook shows as a ratio.

    .venv/bin/python benchmarks/e2e.py [--review review] [--repeat 3]
"""
from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import nbformat

from reviewkit.workbook.pipeline import execute, run


def empty_notebook(path: Path) -> Path:
    cell = nbformat.v4.new_code_cell('review_dir = ""\nout_dir = ""')
    cell.metadata["tags"] = ["parameters"]
    notebook = nbformat.v4.new_notebook(cells=[cell])
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(notebook, path)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--review", default="review", type=Path)
    parser.add_argument("--repeat", type=int, default=3, help="full runs and floors, alternated; medians printed")
    args = parser.parse_args()
    walls, floors, per_notebook = [], [], {}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        empty = empty_notebook(tmp / "empty.ipynb")
        for attempt in range(args.repeat):
            began = time.perf_counter()
            runs = run(args.review, tmp / f"build{attempt}", report=lambda line: None)
            walls.append(time.perf_counter() - began)
            for r in runs:
                per_notebook.setdefault(r.notebook, []).append(r.seconds)
            began = time.perf_counter()
            for index in range(len(runs)):
                execute(empty, tmp / "floor" / f"{index}.ipynb", {"review_dir": "", "out_dir": ""})
            floors.append(time.perf_counter() - began)
    wall, floor = statistics.median(walls), statistics.median(floors)
    print(f"{'notebook (median of ' + str(args.repeat) + ')':<40} {'seconds':>8}")
    for notebook, seconds in per_notebook.items():
        print(f"{notebook:<40} {statistics.median(seconds):>8.2f}")
    print(f"{'full run (wall)':<40} {wall:>8.2f}   runs: {', '.join(f'{w:.1f}' for w in walls)}")
    print(f"{'papermill floor: ' + str(len(per_notebook)) + ' empty notebooks':<40} {floor:>8.2f}   runs: "
          f"{', '.join(f'{f:.1f}' for f in floors)}")
    print(f"{'ratio full run / floor':<40} {wall / floor:>8.2f}")


if __name__ == "__main__":
    main()
