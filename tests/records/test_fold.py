"""Text as de-duplication compares it: plain ASCII takes a faster road to the same place."""
from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from reviewkit.records.dedup.normalise import _surname, fold

ASCII = st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=127), max_size=40)


@given(ASCII)
def test_ascii_text_is_folded_to_lower_case_words_of_letters_and_digits(text):
    if "<" not in text and "&" not in text:  # markup and entities are dropped first
        assert fold(text) == re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()


@given(ASCII)
def test_an_ascii_surname_keeps_only_its_letters_and_digits_in_lower_case(text):
    if "<" not in text and "&" not in text and "," in text:
        assert _surname(text) == re.sub(r"[^a-z0-9]", "", text.split(",", 1)[0].lower())
