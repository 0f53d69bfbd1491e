"""Quote matching: typographic differences are ignored, offsets point into the original text."""
from reviewkit.core.evidence import closest_passage, context, find_quote, highlight, normalise


def _found(quote: str, text: str) -> str | None:
    span = find_quote(quote, text)
    return None if span is None else text[span[0]:span[1]]


def test_normalise_unifies_case_whitespace_dashes_and_quotes():
    assert normalise("  The  “Best”\tdose—was\n10–20 ‘mg’  ") == "the \"best\" dose-was 10-20 'mg'"
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
