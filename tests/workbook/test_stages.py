"""The stage registry: stages found by name, notebook or number, in the order they run."""
from __future__ import annotations

import pytest

from reviewkit.workbook.pipeline import default_notebooks_dir, select_stages
from reviewkit.workbook.stages import STAGES


def test_stage_selection():
    assert [s.name for s in select_stages(only="screening")] == ["screening"]
    assert [s.name for s in select_stages(only="02_screening")] == ["screening"]
    assert [s.name for s in select_stages(start="4")] == ["risk_of_bias", "studies", "synthesis", "report"]
    with pytest.raises(ValueError, match="unknown stage"):
        select_stages(only="screeening")


def test_every_notebook_is_a_stage_and_the_stages_run_in_notebook_order():
    names = [s.name for s in STAGES]
    assert len(set(names)) == len(names)
    assert {p.name for p in default_notebooks_dir().glob("*.ipynb")} == {s.notebook for s in STAGES}
    numbered = [s.stem for s in STAGES if s.stem[:2].isdigit()]
    assert numbered == sorted(numbered) and len(numbered) == 6
    tables = [t for s in STAGES for t in s.outputs]
    assert len(set(tables)) == len(tables)  # each table has one stage that writes it


def test_every_stage_check_resolves_to_a_function():
    checks = [(s.name, ref, fn) for s in STAGES for ref, fn in ((s.validator, s.validate), (s.status_of, s.status))]
    assert all(callable(fn) for _, ref, fn in checks if ref is not None)
    assert {name for name, ref, _ in checks if ref is not None} == {
        "records", "screening", "extraction", "risk_of_bias", "synthesis"}
