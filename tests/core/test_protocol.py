from pathlib import Path

import pytest

from reviewkit.core.errors import ReviewInputError, ReviewInputErrors
from reviewkit.core.protocol import load_protocol


def _edit(review: Path, old: str, new: str) -> None:
    path = review / "protocol.yml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _line_of(review: Path, needle: str) -> int:
    lines = (review / "protocol.yml").read_text(encoding="utf-8").splitlines()
    return next(i for i, line in enumerate(lines, start=1) if needle in line)


def test_seed_protocol_loads_with_its_parts(seed_review):
    protocol = load_protocol(seed_review)
    assert {c.id for c in protocol.eligibility} >= {"population", "intervention", "design"}
    assert protocol.sources[0].kind == "other_methods"
    assert protocol.field("donor").choices == ["autologous", "allogeneic", "mixed"]
    assert protocol.outcomes[0].events_field in {f.key for f in protocol.extraction_form}


def test_unknown_key_names_file_line_and_key(seed_review):
    _edit(seed_review, "registration:", "registraton:")
    with pytest.raises(ReviewInputErrors) as caught:
        load_protocol(seed_review)
    messages = [str(e) for e in caught.value.errors]
    unknown = next(e for e in caught.value.errors if e.message == "unknown key")
    assert unknown.field == "registraton"
    assert unknown.line == _line_of(seed_review, "registraton:")
    assert any("registration" in m and "required key is missing" in m for m in messages)
    assert all("protocol.yml" in m for m in messages)


def test_malformed_yaml_names_the_line(seed_review):
    _edit(seed_review, "  comparator: None", "  comparator: [None")
    with pytest.raises(ReviewInputError) as caught:
        load_protocol(seed_review)
    assert "malformed YAML" in str(caught.value)
    assert caught.value.line is not None and caught.value.line >= _line_of(seed_review, "comparator: [None")


def test_criterion_with_unknown_reason_is_rejected(seed_review):
    _edit(seed_review, "exclusion_reason: wrong_population", "exclusion_reason: wrong_populace")
    with pytest.raises(ReviewInputError, match="wrong_populace"):
        load_protocol(seed_review)


def test_invalid_regular_expression_is_named(seed_review):
    _edit(seed_review, "      - multiple sclerosis\n", "      - multiple (sclerosis\n")
    with pytest.raises(ReviewInputError) as caught:
        load_protocol(seed_review)
    assert "multiple (sclerosis" in str(caught.value)
    assert caught.value.field.startswith("eligibility.0.met_if")


def test_missing_protocol_is_a_clear_error(tmp_path):
    with pytest.raises(ReviewInputError, match="file not found"):
        load_protocol(tmp_path)
