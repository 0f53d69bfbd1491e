"""Shared fixtures: a copy of the seed review in a temporary folder."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def seed_review(tmp_path: Path) -> Path:
    """A copy of ``review/`` and ``seeds/`` (no build folder); returns the review folder."""
    shutil.copytree(ROOT / "seeds", tmp_path / "seeds")
    shutil.copytree(ROOT / "review", tmp_path / "review", ignore=shutil.ignore_patterns("build"))
    return tmp_path / "review"
