"""De-duplication reads every title at once: the same forms as reading each title alone."""
from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from reviewkit.records.dedup.normalise import normalise_title, title_fields, title_markers, title_numbers

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
