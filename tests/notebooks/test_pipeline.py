"""The whole review through papermill, into a temporary folder."""
import hashlib
import shutil
from pathlib import Path

import nbformat
import pandas as pd
import psutil
import pytest
from pypdf import PdfReader

from reviewkit.workbook.cli import main
from reviewkit.workbook.pipeline import StageFailed, default_notebooks_dir, run
from reviewkit.workbook.stages import STAGES

pytestmark = pytest.mark.slow


def _tree_digest(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and "build" not in p.relative_to(folder).parts
    }


def test_end_to_end_run_writes_every_stage(seed_review, tmp_path):
    out = tmp_path / "build"
    before = _tree_digest(seed_review)
    runs = run(seed_review, out, report=lambda line: None)
    assert {r.stage for r in runs} >= {s.name for s in STAGES if not s.per_study}
    written = {p.stem for p in (out / "tables").glob("*.csv")}
    assert written == {table for s in STAGES for table in s.outputs}  # the registry names every table the run writes
    for stage in STAGES:
        if not stage.per_study:
            executed = nbformat.read(out / "notebooks" / stage.notebook, as_version=4)
            errors = [o for c in executed.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
            assert not errors, stage.name
    records = pd.read_csv(out / "tables" / "records.csv")
    assert sorted(records["record_id"]) == sorted(p.stem for p in (seed_review.parent / "seeds").iterdir())
    assert records.loc[records["record_id"].str.startswith("002_"), "translations"].item().startswith("zh→en")
    sources = pd.read_csv(out / "tables" / "sources.csv")
    assert sources["records"].sum() == len(records)
    studies = pd.read_csv(out / "tables" / "included_studies.csv", dtype=str)["study_id"]
    assert len(studies) == 4
    for study in studies:
        executed = nbformat.read(out / "notebooks" / "studies" / f"{study}.ipynb", as_version=4)
        assert not [o for c in executed.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
        shown = "".join(str(o.get("data", {}).get("text/html", "")) for c in executed.cells for o in c.get("outputs", []))
        assert "tool" in shown and "quote" in shown, study
    synthesis = pd.read_csv(out / "tables" / "synthesis.csv", keep_default_na=False).set_index(["outcome", "group"])
    sae = synthesis.loc[("serious_adverse_events", "all studies")]
    assert (sae["k"], sae["events"], sae["participants"]) == (2, 0, 26)
    assert round(float(sae["estimate"]), 4) == 0.0393  # metafor: rma(escalc("PLO", xi=c(0,0), ni=c(19,7)))
    sof = pd.read_csv(out / "tables" / "sof.csv").set_index("outcome")
    assert sof.loc["serious_adverse_events", "certainty"] == "very low"
    narrative = pd.read_csv(out / "tables" / "narrative.csv", keep_default_na=False)
    assert "More than half" in narrative.set_index(["outcome", "study_id"]).loc[("improvement", "honmou-2021"), "reason_not_pooled"]
    for outcome in ("serious_adverse_events", "improvement"):
        assert (out / "figures" / f"forest_{outcome}.png").exists()
    text = " ".join(" ".join((page.extract_text() or "").split()) for page in PdfReader(out / "review.pdf").pages)
    assert "DRAFT" not in text and "Summary of findings" in text
    assert "3.9% (0.5% to 23.3%); 0 events in 26 participants" in text  # the pooled SAE row of the SoF table
    for label in ("Hirota et al. 2024", "Honmou et al. 2021"):
        assert label in text
    assert len(list((out / "studies").glob("*.pdf"))) == 4
    assert _tree_digest(seed_review) == before, "a run must not modify the reviewer's files"


def _kernels() -> set[int]:
    return {p.pid for p in psutil.Process().children(recursive=True) if "ipykernel" in " ".join(p.cmdline())}


def test_failing_notebook_is_named_and_earlier_outputs_kept(seed_review, tmp_path):
    notebooks = tmp_path / "notebooks"
    shutil.copytree(default_notebooks_dir(), notebooks)
    broken = nbformat.read(notebooks / "02_screening.ipynb", as_version=4)
    broken.cells.append(nbformat.v4.new_code_cell("raise RuntimeError('reviewer file unreadable')"))
    nbformat.write(broken, notebooks / "02_screening.ipynb")
    out = tmp_path / "build"
    kernels_before = _kernels()
    with pytest.raises(StageFailed) as caught:
        run(seed_review, out, notebooks_dir=notebooks, report=lambda line: None)
    assert _kernels() == kernels_before  # the failed notebook's kernel and the next one's, started early, are gone
    message = str(caught.value)
    assert "02_screening.ipynb" in message and "the cell beginning \"raise RuntimeError(" in message
    assert "reviewer file unreadable" in message
    assert (out / "tables" / "records.csv").exists()
    assert (out / "notebooks" / "02_screening.ipynb").exists()
    assert not (out / "notebooks" / "03_extraction.ipynb").exists()


def test_cli_run_one_stage_and_exit_code_on_failure(seed_review, tmp_path, capsys):
    out = tmp_path / "build"
    assert main(["run", "--review", str(seed_review), "--out", str(out), "--only", "records"]) == 0
    assert (out / "tables" / "records.csv").exists()
    assert not (out / "notebooks" / "02_screening.ipynb").exists()
    (seed_review.parent / "seeds" / "000_ce438576644deecb.txt").write_text("", encoding="utf-8")
    assert main(["run", "--review", str(seed_review), "--out", str(tmp_path / "b2")]) == 1
    assert "000_ce438576644deecb.txt" in capsys.readouterr().err
    assert not (tmp_path / "b2").exists()


def test_new_corpus_without_decisions_gives_suggestions_and_pending(new_review, tmp_path):
    """A review that has only a protocol and documents: every stage runs and marks what is pending."""
    review = new_review({
        "trial.md": "# Umbilical cord MSCs in chronic stroke\n"
        "In this open-label phase 1 trial, 15 patients with chronic ischaemic stroke received "
        "allogeneic umbilical cord mesenchymal stromal cells intravenously. No serious adverse events occurred.\n",
        "mice.txt": "Neural stem cells in a mouse model of spinal cord injury\n"
        "Twenty mice with acute spinal cord injury were given neural stem cells; locomotion improved.\n",
    })
    out = tmp_path / "build"
    run(review, out, report=lambda line: None)
    screening = pd.read_csv(out / "tables" / "screening.csv", dtype=str, keep_default_na=False)
    assert set(screening["record_id"]) == {"trial", "mice"}
    assert set(screening["decision"]) == {"pending"}
    suggested = screening.drop_duplicates("record_id").set_index("record_id")["suggested_decision"]
    assert suggested["trial"] == "include" and suggested["mice"] == "exclude"
    assert pd.read_csv(out / "tables" / "included_studies.csv").empty
    status = pd.read_csv(out / "tables" / "status.csv", dtype=str).set_index("stage")["state"]
    assert status["screening"] == "pending" and status["extraction"] == "pending"
    assert status["synthesis"] == "pending"
    assert pd.read_csv(out / "tables" / "synthesis.csv").empty and pd.read_csv(out / "tables" / "sof.csv").empty
