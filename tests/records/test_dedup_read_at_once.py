"""De-duplication reads every title and every author name at once: the same forms as reading each alone."""
from __future__ import annotations

from itertools import chain

from hypothesis import given
from hypothesis import strategies as st

from reviewkit.records.dedup.normalise import (
    _entry_surnames,
    first_surnames,
    normalise_title,
    surnames,
    title_fields,
    title_markers,
    title_numbers,
)

PIECES = st.sampled_from([
    "stem", "cells", "Retracted:", "withdrawn", "re:", "Reply", "erratum", "vol 3 pg 4", "protocol", "two", "II",
    "1", "12", "2-year", "Müller", "–", "[Erratum in: X]", "<i>in vivo</i>", "A&amp;B", "\n", " ", ",", "(",
])


@given(st.lists(st.lists(PIECES, max_size=8).map(" ".join), max_size=6))
def test_every_title_read_at_once_is_read_as_alone(titles):
    folded, markers, numbers = title_fields(titles)
    alone = [normalise_title(t) for t in titles]
    assert folded == alone
    assert markers == [title_markers(f, t) for f, t in zip(alone, titles)]
    assert numbers == [title_numbers(f) for f in alone]


NAMES = st.sampled_from([
    "Smith, J.", "Smith J", "John Smith", "van der Berg, A.", "Müller, K", "Anonymous", "Anonymous, A", "et al",
    "Adeli K.Lewis G. F.", "Adeli, K.Lewis, G. F.", "Smith J; Doe A", "O'Neil, B", "Lee, K.-H.", "", " ", "Doe,", ",", "<b>Roe</b>, R",
])


@given(st.lists(st.lists(NAMES, max_size=4).map(tuple), max_size=6))
def test_every_author_list_read_at_once_is_read_as_alone(author_lists):
    alone = [tuple(chain.from_iterable(_entry_surnames(entry) for entry in authors)) for authors in author_lists]
    assert surnames(author_lists) == alone
    assert first_surnames(author_lists) == [names[0] if names else "" for names in alone]
