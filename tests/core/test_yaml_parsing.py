"""Reviewer YAML is parsed once per content: a command whose stages all read a file parses it once, a caller's
changes to its data never reach the next reader, and a file saved with new content is parsed again."""
from __future__ import annotations

from collections import Counter

import pytest

from reviewkit.core import storage
from reviewkit.core.errors import ReviewInputError
from reviewkit.core.storage import read_yaml
from reviewkit.workbook.status import review_status
from reviewkit.workbook.validate import validate_review


@pytest.fixture
def parses(monkeypatch):
    """How often each text is composed, from a clean cache."""
    counts: Counter[str] = Counter()
    loader = storage._FAST_LOADER

    def counting(text):
        counts[text] += 1
        return loader(text)

    storage._parse.cache_clear()
    monkeypatch.setattr(storage, "_FAST_LOADER", counting)
    yield counts
    storage._parse.cache_clear()


def test_validate_then_status_parse_each_reviewer_file_once(seed_review, parses):
    assert validate_review(seed_review) == []
    review_status(seed_review)
    files = [p for p in seed_review.rglob("*.yml")]
    assert len(files) >= 10  # protocol, studies, grade, four forms, four risk-of-bias files
    assert set(parses) >= {p.read_text(encoding="utf-8") for p in files if p.name != "extraction_vocabularies.yml"}
    assert max(parses.values()) == 1


def test_a_reader_changing_its_data_changes_nothing_for_the_next(tmp_path, parses):
    path = tmp_path / "grade.yml"
    path.write_text("outcome:\n  start: high\n  changes: [1, 2]\n", encoding="utf-8")
    first = read_yaml(path)
    first.data["outcome"]["changes"].append(3)
    again = read_yaml(path)
    assert again.data == {"outcome": {"start": "high", "changes": [1, 2]}}
    assert again.line(("outcome", "changes")) == 3
    assert sum(parses.values()) == 1


def test_a_file_saved_with_new_content_is_parsed_again(tmp_path, parses):
    path = tmp_path / "grade.yml"
    path.write_text("a: 1\n", encoding="utf-8")
    assert read_yaml(path).data == {"a": 1}
    path.write_text("a: 2\n", encoding="utf-8")  # same size, same second
    assert read_yaml(path).data == {"a": 2}


def test_an_alias_is_refused_at_its_line_and_a_syntax_error_stays_within_the_file(tmp_path):
    path = tmp_path / "grade.yml"
    path.write_text("a: &x [1, 2]\nb: *x\n", encoding="utf-8")
    with pytest.raises(ReviewInputError, match=r"line 2: malformed YAML: an alias \(\*x\) is not allowed"):
        read_yaml(path)
    path.write_text("a: 1\nb: [1, 2", encoding="utf-8")  # no newline at the end: libyaml marks the line after
    with pytest.raises(ReviewInputError) as raised:
        read_yaml(path)
    assert raised.value.line == 2


def test_a_value_yaml_cannot_build_is_named_at_its_line(tmp_path):
    path = tmp_path / "grade.yml"
    path.write_text("a: 1\nb:\n  - 2025-01-01\n  - !!int x\n", encoding="utf-8")
    with pytest.raises(ReviewInputError, match=r"line 4: a value YAML cannot read"):
        read_yaml(path)
