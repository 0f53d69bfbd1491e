"""Wall time of a full review run, per notebook, against papermill's own floor.

The floor runs the same number of empty notebooks (a parameters cell and nothing else) through
papermill, so the overhead of the workbook shows as a ratio.

    .venv/bin/python benchmarks/e2e.py [--review review]
"""
from __future__ import annotations

import argparse
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
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        began = time.perf_counter()
        runs = run(args.review, tmp / "build", report=lambda line: None)
        wall = time.perf_counter() - began
        empty = empty_notebook(tmp / "empty.ipynb")
        began = time.perf_counter()
        for index in range(len(runs)):
            execute(empty, tmp / "floor" / f"{index}.ipynb", {"review_dir": "", "out_dir": ""})
        floor = time.perf_counter() - began
    print(f"{'notebook':<40} {'seconds':>8}")
    for r in runs:
        print(f"{r.notebook:<40} {r.seconds:>8.2f}")
    print(f"{'full run (wall)':<40} {wall:>8.2f}")
    print(f"{'papermill floor: ' + str(len(runs)) + ' empty notebooks':<40} {floor:>8.2f}")
    print(f"{'ratio full run / floor':<40} {wall / floor:>8.2f}")


if __name__ == "__main__":
    main()
