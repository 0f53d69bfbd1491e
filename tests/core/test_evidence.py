"""Quote matching: typographic differences are ignored, offsets point into the original text."""
from hypothesis import example, given, settings
from hypothesis import strategies as st

from reviewkit.core.evidence import closest_passage, context, find_quote, highlight, normalise, normalise_with_offsets


def _found(quote: str, text: str) -> str | None:
    span = find_quote(quote, text)
    return None if span is None else text[span[0]:span[1]]


def test_normalise_unifies_case_whitespace_dashes_and_quotes():
    assert normalise("  The  “Best”\tdose—was\n10–20 ‘mg’  ") == "the \"best\" dosewas 10-20 'mg'"
    assert normalise("ﬁbrosis ＡＢＣ") == "fibrosis abc"  # NFKC: ligature and full-width letters


def test_quote_with_straight_quotes_matches_curly_quotes_and_returns_original_span():
    text = "Results: “No serious adverse events” were seen.\n"
    assert _found('"no serious adverse events" were seen', text) == "“No serious adverse events” were seen"


def test_quote_matches_across_line_breaks_and_repeated_spaces():
    text = "The cells were given\n    to 12 patients   with MS."
    assert _found("given to 12 patients with MS", text) == "given\n    to 12 patients   with MS"


def test_dash_variants_match_each_other():
    text = "aged 18–55 years (range) — all women"
    assert _found("aged 18-55 years (range) - all women", text) == text
    assert _found("18−55", text) == "18–55"  # minus sign


def test_scraped_line_break_before_full_stop_is_ignored():
    text = "disease markers\n    .\nNext"
    assert _found("disease markers.", text) == "disease markers\n    ."


def test_soft_hyphen_and_case_fold_expanding_characters_keep_offsets_right():
    text = "Die Stra\u00dfe und die trans\u00adplantation"
    assert _found("STRASSE und", text) == "Straße und"
    assert _found("transplantation", text) == "trans\u00adplantation"


def test_absent_or_empty_quote_is_not_found():
    text = "Seven patients received cells."
    assert find_quote("eight patients", text) is None
    assert find_quote("   ", text) is None
    assert find_quote("patients received cells and", text) is None


def test_closest_passage_shows_where_a_misquoted_passage_is():
    text = "Background text here. No serious adverse events occurred in any patient. Other text follows."
    passage = closest_passage("no serious adverse effects occured", text)
    assert "serious adverse events" in passage
    assert "Background" not in passage and "Other" not in passage


def test_context_and_highlight():
    text = "a <b> & c, then the quoted part, then more"
    span = find_quote("the quoted part", text)
    assert context(text, span, chars=5).startswith("…") and "the quoted part" in context(text, span, chars=5)
    html = highlight(text, [span, (span[0] + 2, span[1] + 3), (0, 1)])
    assert html.count("<mark>") == 2  # overlapping spans merged
    assert "&lt;b&gt; &amp;" in html and "<mark>the quoted part, t</mark>" in html


def _reference(text: str) -> tuple[str, list[int]]:
    """Quote normalisation one character at a time, as the workbook did it first: the fast one must agree."""
    from reviewkit.core.evidence import _CLOSING, _INVISIBLE, _fold

    chars, offsets, pending = [], [], None
    for index, raw in enumerate(text):
        if raw in _INVISIBLE:
            continue
        if raw.isspace():
            if chars and pending is None:
                pending = index
            continue
        folded = _fold(raw)
        if pending is not None and folded[:1] not in _CLOSING:
            chars.append(" ")
            offsets.append(pending)
        pending = None
        for char in folded:
            if not char.isspace():
                chars.append(char)
                offsets.append(index)
    keep = [i for i, c in enumerate(chars) if not (c == "-" and 0 < i < len(chars) - 1 and chars[i - 1].isalpha()
                                                    and chars[i + 1].isalpha())]  # hyphens within words dropped
    return "".join(chars[i] for i in keep), [offsets[i] for i in keep]


TRICKY = "aZ .,;:!?)]`´‘’“”—–-\u00ad\u200b\ufeffﬁＡé\u0301 \t\n\u00a0\u3000。中文"


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(TRICKY) | st.characters(), max_size=60))
@example("a .é")  # closing punctuation that starts a word beyond ASCII: no space before it
@example("a \u200b.b c")
@example("x )ﬁ and `quoted´")
def test_normalising_word_by_word_agrees_with_character_by_character(text):
    fast, offsets = normalise_with_offsets(text)
    assert (fast, list(offsets)) == _reference(text)


def test_a_quote_at_the_end_of_a_long_document_is_found_where_it_is():
    text = "Patients were treated and followed. " * 20_000 + "In all, 31 participants\nwere treated ."
    span = find_quote("in all, 31 PARTICIPANTS were treated.", text)
    assert span is not None and text[span[0]:span[1]] == "In all, 31 participants\nwere treated ."


def test_a_quote_in_a_paged_text_carries_its_page_and_a_miss_names_the_closest_passages_page():
    from reviewkit.core.evidence import pages_of, verify_quotes

    pages = ["Methods. Forty patients were randomised.", "Results. Twelve of 40 had a relapse\nwithin a year.",
             "Discussion. Relapse was rarer."]
    text = "\n\f\n".join(pages)
    starts = (0, len(pages[0]) + 3, len(pages[0]) + len(pages[1]) + 6)
    found, problems = verify_quotes(["Twelve of 40 had a relapse within a year", "randomised. Results"], "r1", text, starts)
    assert problems == [] and [f.pages for f in found] == ["2", "1–2"]
    _, problems = verify_quotes("Relapse was much rarer", "r1", text, starts)
    assert "closest passage (p. 3)" in problems[0]
    assert pages_of((0, 5), ()) == "" and verify_quotes("Forty patients", "r1", text)[0][0].pages == ""
