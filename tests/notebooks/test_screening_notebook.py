"""The screening notebook runs on the seed review and writes its tables."""
from __future__ import annotations

import shutil

import pandas as pd
import papermill
import pytest
from conftest import ROOT

from reviewkit.screening.prioritise.models import DEFAULT_MODEL, describe
from reviewkit.screening.prioritise.ranker import uses_embeddings


@pytest.mark.slow
def test_screening_notebook_on_the_seed_review(tmp_path):
    shutil.copytree(ROOT / "review", tmp_path / "review", ignore=shutil.ignore_patterns("build"))
    shutil.copytree(ROOT / "seeds", tmp_path / "seeds")
    out_dir = tmp_path / "build"
    papermill.execute_notebook(
        str(ROOT / "notebooks" / "02_screening.ipynb"),
        str(tmp_path / "screening.ipynb"),
        parameters={"review_dir": str(tmp_path / "review"), "out_dir": str(out_dir)},
        cwd=str(ROOT / "notebooks"),
        progress_bar=False,
    )
    tables = out_dir / "tables"
    screening = pd.read_csv(tables / "screening.csv", dtype=str, keep_default_na=False)
    assert {"record_id", "stage", "decision", "exclusion_reason", "suggested_decision"} <= set(screening.columns)
    full_text = screening[screening["stage"] == "full_text"].set_index("record_id")
    assert len(screening[screening["stage"] == "title_abstract"]) == 5
    assert (full_text["decision"] == "exclude").sum() == 1
    excluded = full_text[full_text["decision"] == "exclude"]
    assert excluded["exclusion_reason"].tolist() == ["no_primary_clinical_data"]
    counts = pd.read_csv(tables / "prisma_screening.csv", dtype=str, keep_default_na=False)
    assert counts[(counts["stage"] == "overall") & (counts["measure"] == "included")]["count"].tolist() == ["4"]
    for name in ("screening_criteria", "screening_agreement"):
        assert (tables / f"{name}.csv").exists()


@pytest.mark.slow
def test_screening_notebook_without_decisions(tmp_path):
    shutil.copytree(ROOT / "review", tmp_path / "review", ignore=shutil.ignore_patterns("build", "screening"))
    shutil.copytree(ROOT / "seeds", tmp_path / "seeds")
    papermill.execute_notebook(
        str(ROOT / "notebooks" / "02_screening.ipynb"),
        str(tmp_path / "screening.ipynb"),
        parameters={"review_dir": str(tmp_path / "review"), "out_dir": str(tmp_path / "build")},
        cwd=str(ROOT / "notebooks"),
        progress_bar=False,
    )
    screening = pd.read_csv(tmp_path / "build" / "tables" / "screening.csv", dtype=str, keep_default_na=False)
    assert set(screening["decision"]) == {"pending"}
    assert set(screening["suggested_decision"]) >= {"include", "unclear"}


@pytest.mark.slow
@pytest.mark.parametrize("model", [None, "ensemble"])
def test_screening_notebook_ranks_the_undecided_records_with_the_model_it_names(tmp_path, model):
    """With a relevant and an irrelevant title/abstract decision, the undecided records are ranked (the form follows
    that order), the notebook says which model ranked them, and the recall curve is drawn. The protocol's
    ``ranking_model`` chooses the model; a model that reads sentence embeddings keeps them in the build's cache."""
    shutil.copytree(ROOT / "review", tmp_path / "review", ignore=shutil.ignore_patterns("build"))
    shutil.copytree(ROOT / "seeds", tmp_path / "seeds")
    if model:
        with open(tmp_path / "review" / "protocol.yml", "a", encoding="utf-8") as protocol:
            protocol.write(f"\nranking_model: {model}\n")
    decisions = tmp_path / "review" / "screening" / "title_abstract" / "R1.csv"
    frame = pd.read_csv(decisions, dtype=str, keep_default_na=False)
    frame.loc[1, ["decision", "exclusion_reason"]] = ["exclude", "no_primary_clinical_data"]
    frame.iloc[:2].to_csv(decisions, index=False)  # 000 included, 001 excluded, 002-004 not yet screened
    shutil.rmtree(tmp_path / "review" / "screening" / "full_text")
    out_dir = tmp_path / "build"
    papermill.execute_notebook(
        str(ROOT / "notebooks" / "02_screening.ipynb"),
        str(tmp_path / "screening.ipynb"),
        parameters={"review_dir": str(tmp_path / "review"), "out_dir": str(out_dir), "show_forms": False},
        cwd=str(ROOT / "notebooks"),
        progress_bar=False,
    )
    executed = (tmp_path / "screening.ipynb").read_text(encoding="utf-8")
    assert "Next to screen" in executed and "3 not yet decided" in executed
    used = model or DEFAULT_MODEL
    assert f"Ranked by {describe(used)} (`{used}`{'' if model else ', the default'})" in executed
    assert "fitted on the 2 title/abstract decisions so far" in executed
    assert (out_dir / "figures" / "screening_recall.png").exists()
    assert bool(list((out_dir / "cache").glob("embeddings-*.npz"))) == uses_embeddings(used)
