"""Run the review's notebooks in order with papermill, and fan the study notebook out per study."""
from __future__ import annotations

import os
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import papermill
from papermill.exceptions import PapermillExecutionError

from reviewkit.core.tables import read_table
from reviewkit.workbook.kernels import KERNEL, BatchKernelManager, WarmKernel
from reviewkit.workbook.stages import STAGES, Stage, stage

FORMS_PARAMETER = "show_forms"  # a notebook that declares it shows review forms unless it is False


class StageFailed(RuntimeError):
    """A notebook failed: names the notebook, the cell and the error."""


@dataclass(frozen=True)
class StageRun:
    stage: str
    notebook: str
    seconds: float


def default_notebooks_dir() -> Path:
    """The ``notebooks/`` folder of the reviewkit checkout this package runs from."""
    return Path(__file__).resolve().parents[3] / "notebooks"


def select_stages(only: str | None = None, start: str | None = None) -> list[Stage]:
    """The stages to run: one (``only``), or all from ``start`` on, or all."""
    if only and start:
        raise ValueError("give --only or --from, not both")
    if only:
        return [stage(only)]
    if start:
        return list(STAGES[STAGES.index(stage(start)):])
    return list(STAGES)


def batch_parameters(notebook: Path, parameters: dict[str, str]) -> dict[str, str | bool]:
    """The parameters of a batch run: ``show_forms=False`` added for a notebook that declares it, so that
    its review forms are not shown and it only reads what is recorded."""
    declared = papermill.inspect_notebook(str(notebook))
    return {**parameters, FORMS_PARAMETER: False} if FORMS_PARAMETER in declared else dict(parameters)


def execute(notebook: Path, output: Path, parameters: dict[str, str], warm: WarmKernel | None = None) -> float:
    """Execute one notebook with papermill (as a batch run: no forms), in ``warm``'s kernel if given, else in
    one papermill starts; a failing cell raises ``StageFailed``; returns seconds."""
    output.parent.mkdir(parents=True, exist_ok=True)
    began = time.perf_counter()
    try:
        papermill.execute_notebook(
            str(notebook),
            str(output),
            parameters=batch_parameters(notebook, parameters),
            # the kernel starts in the notebook's folder; papermill's cwd= would chdir the whole process, which
            # study notebooks running in threads would race on (one leaving the process in another's folder)
            resources={"metadata": {"path": str(notebook.parent)}},
            progress_bar=False,
            kernel_name=KERNEL,
            **({"km": warm.km} if warm is not None else {"kernel_manager_class": BatchKernelManager}),
        )
    except PapermillExecutionError as exc:
        first_line = (exc.source or "").strip().splitlines()[0] if (exc.source or "").strip() else ""
        raise StageFailed(
            f"{notebook.name} failed in cell {exc.cell_index} of the executed notebook "
            f"(the cell beginning {first_line!r}): {exc.ename}: {exc.evalue}\n"
            f"The executed notebook, with the error, is {output}"
        ) from None
    return time.perf_counter() - began


def included_study_ids(out_dir: Path) -> list[str]:
    """Study ids the extraction stage listed as included; none if it has not run."""
    try:
        table = read_table(out_dir, "included_studies")
    except FileNotFoundError:
        return []
    return [s for s in table["study_id"] if s]


def run_studies(notebook: Path, out_dir: Path, parameters: dict[str, str], jobs: int) -> list[StageRun]:
    """Run the study notebook once per included study, ``jobs`` at a time; each executed notebook is
    also exported as ``out_dir/studies/<study_id>.pdf`` (code hidden)."""
    from reviewkit.report import export_notebook  # the report stage's typesetting, needed only here

    studies = included_study_ids(out_dir)

    def one(study_id: str) -> StageRun:
        output = out_dir / "notebooks" / "studies" / f"{study_id}.ipynb"
        seconds = execute(notebook, output, {**parameters, "study_id": study_id})
        began = time.perf_counter()
        export_notebook(output, out_dir / "studies" / f"{study_id}.pdf")
        return StageRun("studies", f"studies/{study_id}.ipynb", seconds + time.perf_counter() - began)

    if not studies:
        return []
    with ThreadPoolExecutor(max_workers=max(1, min(jobs, len(studies)))) as pool:
        return list(pool.map(one, studies))


def run(
    review_dir: str | Path,
    out_dir: str | Path,
    *,
    notebooks_dir: str | Path | None = None,
    only: str | None = None,
    start: str | None = None,
    jobs: int | None = None,
    report: Callable[[str], None] = print,
) -> list[StageRun]:
    """Run the selected stages in order; the executed notebooks stay under ``out_dir/notebooks``."""
    review_dir, out_dir = Path(review_dir).resolve(), Path(out_dir).resolve()
    notebooks_dir = Path(notebooks_dir).resolve() if notebooks_dir else default_notebooks_dir()
    parameters = {"review_dir": str(review_dir), "out_dir": str(out_dir)}
    stages = select_stages(only, start)
    runs: list[StageRun] = []
    warm: dict[str, WarmKernel] = {}  # the kernel of the next notebook, started while the one before it runs
    try:
        for number, current in enumerate(stages, start=1):
            report(f"[{number}/{len(stages)}] {current.name} …")
            following = next((s for s in stages[number:number + 1] if not s.per_study), None)
            if following is not None:
                warm[following.name] = WarmKernel(notebooks_dir / following.notebook)
            if current.per_study:
                done = run_studies(notebooks_dir / current.notebook, out_dir, parameters, jobs or os.cpu_count() or 1)
                report(f"      {len(done)} study notebook(s), {sum(r.seconds for r in done):.1f} s")
            else:
                output = out_dir / "notebooks" / current.notebook
                kernel = warm.pop(current.name, None)
                try:
                    seconds = execute(notebooks_dir / current.notebook, output, parameters, kernel)
                finally:
                    if kernel is not None:
                        kernel.shutdown()
                done = [StageRun(current.name, current.notebook, seconds)]
                report(f"      done in {seconds:.1f} s")
            runs.extend(done)
    finally:
        for kernel in warm.values():  # a stage failed before the next could use its kernel
            kernel.shutdown()
    return runs
