"""Suggestions from the protocol's rules, on sentences the rules were not written from."""
from __future__ import annotations

import pytest
from conftest import ROOT

from reviewkit.core.protocol import Protocol, load_protocol
from reviewkit.records.model import Record
from reviewkit.screening.criteria import MET, NOT_MET, UNCLEAR, criteria_table, judge, sentence_html, sentences, suggest

REVIEW = ROOT / "review"


@pytest.fixture(scope="module")
def protocol() -> Protocol:
    return load_protocol(REVIEW)


def record(text: str, record_id: str = "r1") -> Record:
    return Record(id=record_id, source="test", path=f"{record_id}.txt", text=text, title=text.splitlines()[0])


def judgments(protocol: Protocol, text: str) -> dict[str, str]:
    return {j.criterion: j.judgment for j in suggest(protocol, record(text)).judgments}


def test_sentences_split_at_full_stops_and_lines_but_not_decimals_or_wrapped_lines():
    text = "Mean age was 38.4 years. Next one!\nA heading\n  goes on here.\n(1) Item\n在患者中。第二句"
    found = [text[a:b] for a, b in sentences(text)]
    assert found == ["Mean age was 38.4 years.", "Next one!", "A heading\n  goes on here.", "(1) Item", "在患者中。", "第二句"]


def test_a_new_trial_report_is_suggested_for_inclusion(protocol):
    text = (
        "Umbilical cord stem cells tried in long COVID fatigue\n"
        "In a single-arm trial at two hospitals, 21 adults with long COVID fatigue were given two intravenous "
        "doses of umbilical cord stromal cells. Two had a transient fever; there were no serious adverse events, "
        "and fatigue scores improved in 15."
    )
    found = suggest(protocol, record(text))
    assert (found.decision, found.exclusion_reason) == ("include", "")
    assert all(j.judgment == MET for j in found.judgments)


def test_healthy_volunteers_are_the_wrong_population(protocol):
    text = "The phase 1 study gave extracellular vesicles from bone marrow stromal cells to 20 healthy volunteers. No serious adverse events occurred."
    found = suggest(protocol, record(text))
    assert (found.decision, found.exclusion_reason) == ("exclude", "wrong_population")
    population = found.judgments[0]
    assert population.judgment == NOT_MET
    assert [population.evidence[0].sentence[a:b] for a, b in population.evidence[0].spans] == ["healthy volunteers"]


def test_a_non_neurological_indication_is_the_wrong_population(protocol):
    text = "In an open-label trial, 36 patients with knee osteoarthritis received injections of adipose-derived stem cells; pain improved."
    assert suggest(protocol, record(text)).exclusion_reason == "wrong_population"


def test_acute_and_chronic_cues_together_leave_the_population_unclear(protocol):
    text = "Thirty patients with stroke were given stromal cells within 48 hours of onset in a phase 2 trial."
    assert judgments(protocol, text)["population"] == UNCLEAR


def test_an_animal_study_is_excluded_as_non_human(protocol):
    text = (
        "Neural stem cells restore walking after spinal cord injury.\n"
        "The researchers injected 40 rats with neural precursor cells two weeks after the injury, and the rats that were "
        "treated walked better. The team hopes the approach will one day help people with chronic spinal cord injury."
    )
    found = suggest(protocol, record(text))
    assert (found.decision, found.exclusion_reason) == ("exclude", "non_human")


def test_a_review_is_excluded_for_lack_of_primary_clinical_data(protocol):
    text = "A systematic review summarised what is known about stem cell therapy for chronic stroke. The authors call for larger trials."
    found = suggest(protocol, record(text))
    assert judgments(protocol, text)["design"] == NOT_MET
    assert (found.decision, found.exclusion_reason) == ("exclude", "no_primary_clinical_data")


def test_plant_stem_cells_are_the_wrong_intervention(protocol):
    text = "In a pilot study, 30 adults with chronic fatigue syndrome took a supplement of apple stem cells for twelve weeks. Fatigue improved in 12."
    assert judgments(protocol, text)["intervention"] == NOT_MET
    assert suggest(protocol, record(text)).exclusion_reason == "wrong_intervention"


def test_text_without_any_cue_is_unclear_not_excluded(protocol):
    found = suggest(protocol, record("Opening hours of our clinic\nWe are open from nine to five."))
    assert found.decision == "unclear"
    assert {j.judgment for j in found.judgments} == {UNCLEAR}
    assert all(not j.evidence for j in found.judgments)


def test_a_new_protocol_changes_the_suggestion_without_code(protocol):
    text = "In an open-label trial, 12 patients with type 1 diabetes received mesenchymal stem cells. Insulin needs improved."
    assert suggest(protocol, record(text)).decision == "unclear"
    data = protocol.model_dump()
    data["eligibility"][0]["met_if"] = [r"\btype 1 diabetes\b"]
    data["eligibility"][0]["not_met_if"] = [r"\bmultiple sclerosis\b"]
    diabetes = Protocol.model_validate(data)
    assert suggest(diabetes, record(text)).decision == "include"
    assert suggest(diabetes, record(text + " None had multiple sclerosis.")).judgments[0].judgment == UNCLEAR


def test_first_unmet_criterion_in_protocol_order_gives_the_reason(protocol):
    text = "The study of mice was an in vitro study of healthy volunteers' cells; results are not yet available."
    found = suggest(protocol, record(text))
    unmet = [j.criterion for j in found.judgments if j.judgment == NOT_MET]
    assert unmet[0] == "population" and len(unmet) > 1
    assert found.exclusion_reason == "wrong_population"


def test_evidence_is_highlighted_and_escaped(protocol):
    criterion = next(c for c in protocol.eligibility if c.id == "intervention")
    judgment = judge(criterion, "We gave <b>MSCs</b> & secretome.")
    html = sentence_html(judgment.evidence[0])
    assert "&lt;b&gt;" in html and "&amp;" in html and "<b>" not in html
    assert html.count("<mark") == 2 and ">MSCs</mark>" in html and ">secretome</mark>" in html


def test_criteria_table_has_one_row_per_record_and_criterion(protocol):
    found = {r.id: suggest(protocol, r) for r in (record("Nothing here.", "a"), record("Chronic fatigue and MSCs.", "b"))}
    table = criteria_table(found)
    assert len(table) == 2 * len(protocol.eligibility)
    row = table[(table["record_id"] == "b") & (table["criterion"] == "population")].iloc[0]
    assert row["judgment"] == MET and row["evidence"] == "[met] Chronic fatigue and MSCs."


def test_patterns_that_cannot_be_joined_still_match_alone(protocol):
    """A back-reference or a global flag keeps its own meaning: such rules are matched one by one."""
    from reviewkit.core.protocol import Criterion

    criterion = Criterion(id="c", label="c", description="d", exclusion_reason=protocol.exclusion_reasons[0].id,
                          met_if=[r"\b(stem) \1\b", r"(?i)^TREATED\b", r"\bcells\b"], not_met_if=[r"\bmice\b"])
    assert judge(criterion, "Stem stem cells.").evidence[0].spans == ((0, 9), (10, 15))
    assert judge(criterion, "treated at home").judgment == MET
    assert judge(criterion, "Stem cells in mice.").judgment == UNCLEAR
    assert judge(criterion, "Nothing here.").evidence == ()


def test_the_evidence_shown_is_capped_and_says_where_the_rest_is(protocol):
    from reviewkit.screening.criteria import evidence_html

    found = {f"r{i}": suggest(protocol, record(f"Record {i} on chronic fatigue and MSCs.", f"r{i}")) for i in range(60)}
    html = evidence_html(found)
    assert html.count("<td>r") == 50 * len(protocol.eligibility) and "<td>r49</td>" in html and "<td>r50</td>" not in html
    assert "The evidence of 10 more record(s) is in tables/screening_criteria.csv." in html
    assert "more record(s)" not in evidence_html(dict(list(found.items())[:3]))


def test_the_prefilter_never_hides_a_match_one_pattern_finds():
    """``_matches`` (joined patterns first) gives what matching each pattern alone gives, conditional groups and
    back-references included, on random sentences."""
    import random
    import re

    from reviewkit.screening.criteria import _matches

    patterns = [r"(a)x", r"(b)?(?(1)c|d)q", r"\b(stem) \1", r"cells?\b", r"^treated", r"(?P<w>mice)", r"x*"]
    assert _matches([r"(a)x", r"(b)?(?(1)c|d)q"], "bcq") == ((0, 3),)  # group 1 is another pattern's once joined
    rng = random.Random(5)
    for _ in range(500):
        sentence = "".join(rng.choice(["a", "x", "b", "c", "d", "q", " ", "stem ", "cell", "treated", "mice"])
                           for _ in range(rng.randint(0, 12)))
        chosen = rng.sample(patterns, rng.randint(1, 4))
        alone = sorted(m.span() for p in chosen for m in re.finditer(p, sentence, re.I) if m.end() > m.start())
        got = _matches(chosen, sentence)
        assert bool(got) == bool(alone), (chosen, sentence)
        assert all(any(s <= a and b <= e for s, e in got) for a, b in alone), (chosen, sentence)
