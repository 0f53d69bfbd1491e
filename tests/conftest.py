"""Shared fixtures: a copy of the seed review in a temporary folder."""
from __future__ import annotations

import shutil
from pathlib import Path
from typing import Callable

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def seed_review(tmp_path: Path) -> Path:
    """A copy of ``review/`` and ``seeds/`` (no build folder); returns the review folder."""
    shutil.copytree(ROOT / "seeds", tmp_path / "seeds")
    shutil.copytree(ROOT / "review", tmp_path / "review", ignore=shutil.ignore_patterns("build"))
    return tmp_path / "review"


@pytest.fixture
def new_review(tmp_path: Path) -> Callable[[dict[str, str]], Path]:
    """Make a review with the seed protocol and the given documents (file name → text) as its source."""

    def make(documents: dict[str, str]) -> Path:
        review, seeds = tmp_path / "review", tmp_path / "seeds"
        review.mkdir()
        shutil.copy(ROOT / "review" / "protocol.yml", review / "protocol.yml")
        seeds.mkdir()
        for name, text in documents.items():
            (seeds / name).write_text(text, encoding="utf-8")
        return review

    return make
