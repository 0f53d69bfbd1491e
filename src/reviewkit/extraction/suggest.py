"""Rule-based extraction suggestions: a proposed value per form field with the text that supports it.

The rules are general patterns of clinical reports (abstracts, press releases, news), not rules for
particular documents. Each kind of extractor (``KINDS``: participants, route, donor, cell source,
schedule, follow-up, serious adverse events, design) takes a document's text and returns a
``ValueSuggestion`` whose quote is a verbatim passage of that text, or None when the text says nothing it
recognises. The code holds the grammar (numbers, durations, sentences); what each kind looks for and
which form field each kind suggests are data: ``vocabularies.yml`` beside this module. A review changes
them, without code, in its own ``extraction_vocabularies.yml`` (same shape, merged over the package's;
see the head of ``vocabularies.yml``), read by ``load_vocabularies(review_dir)``.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Callable

import pandas as pd

from reviewkit.extraction.grammar import DURATION, DURATION_SLOT, DURATION_UNITS, NUMBER, parse_number, sentence_spans
from reviewkit.extraction.vocabularies import KIND_NAMES, NamedTerms, Vocabularies, package_vocabularies
from reviewkit.records.model import Record

_COMPARISON = re.compile(r"\s*(?:higher|more|greater)")  # "two doses higher": a comparison, not a schedule


@dataclass(frozen=True)
class ValueSuggestion:
    """A proposed value for a form field and the verbatim passage (with offsets) that supports it.

    ``field`` is the form field (from ``suggest``), or the extractor's kind when one is called directly.
    """

    field: str
    value: object
    quote: str
    start: int
    end: int


def _sentence_of(text: str, position: int) -> tuple[int, int]:
    for start, end in sentence_spans(text):
        if start <= position < end:
            return start, end
    return position, position


def _evidence(text: str, spans: list[tuple[int, int]], limit: int = 400) -> tuple[int, int]:
    """The sentence(s) holding the spans: from the first one's sentence to the last one's, if short enough."""
    first = _sentence_of(text, spans[0][0])
    last = _sentence_of(text, spans[-1][0])
    if last[1] - first[0] <= limit:
        return first[0], last[1]
    return first


def _suggest(kind: str, value: object, text: str, spans: list[tuple[int, int]]) -> ValueSuggestion:
    start, end = _evidence(text, sorted(spans))
    return ValueSuggestion(kind, value, text[start:end], start, end)


def _any(patterns: list[str]) -> str:
    """One pattern matching where any of ``patterns`` does."""
    return f"(?:{'|'.join(patterns)})"


def _first_mentions(text: str, terms: dict[str, list[str]]) -> dict[str, tuple[int, int]]:
    """Per term the text names, the span of its first mention."""
    return {term: match.span() for term, patterns in terms.items() if (match := re.search(_any(patterns), text, re.I))}


def participant_counts(text: str, vocabularies: Vocabularies | None = None) -> list[tuple[int, int, tuple[int, int]]]:
    """Counts of people treated or assessed: (count, score, span). Higher scores are surer."""
    words = (vocabularies or package_vocabularies()).participants
    found = []
    people = re.compile(rf"\b(?P<n>{NUMBER})\s+(?:[\w/-]+\s+){{0,3}}?{_any(words.people)}\b", re.I)
    not_treated = re.compile(rf"\b{_any(words.not_treated)}\b", re.I)
    before = re.compile(rf"\b{_any(words.treated_before)}\s+(?:a total of\s+|the\s+)?$", re.I)
    after = re.compile(rf"^[^.;]{{0,80}}?\b{_any(words.treated_after)}\b", re.I)
    described = re.compile(rf"\s*{_any(words.described_after)}\b", re.I)
    for match in people.finditer(text):
        count = parse_number(match.group("n"))
        if count is None or not_treated.search(match.group()[len(match.group("n")):]):
            continue
        score = 1
        if before.search(text[max(0, match.start() - 40): match.start()]):
            score += 2
        if after.search(text[match.end(): match.end() + 120]):
            score += 2
        if described.match(text[match.end():]):
            score += 1
        found.append((count, score, (match.start("n"), match.end())))
    denominators = re.compile(rf"\b{NUMBER}\s+(?:out of|of)\s+(?P<n>{NUMBER})\b(?!\s*(?:days|weeks|months|years|%))", re.I)
    for match in denominators.finditer(text):
        count = parse_number(match.group("n"))
        if count is not None and count > 1:
            found.append((count, 4, match.span()))
    sized = re.compile(r"\b[nN]\s*=\s*(?P<n>\d+)\b")
    for match in sized.finditer(text):
        found.append((int(match.group("n")), 3, match.span()))
    return found


def suggest_n_participants(text: str, vocabularies: Vocabularies | None = None) -> ValueSuggestion | None:
    """The number treated: the best-supported count of people treated, enrolled or assessed."""
    candidates = [c for c in participant_counts(text, vocabularies) if c[0] > 0]
    if not candidates:
        return None
    count, _, span = max(candidates, key=lambda c: (c[1], c[0]))
    return _suggest("participants", count, text, [span])


def _named_terms(kind: str, text: str, vocabulary: NamedTerms) -> ValueSuggestion | None:
    """The term named; several named: the combination they form, else ``vocabulary.several``."""
    hits = _first_mentions(text, vocabulary.terms)
    if not hits:
        return None
    combined = [name for name, terms in vocabulary.combined.items() if set(terms) == set(hits)]
    value = next(iter(hits)) if len(hits) == 1 else (combined or [vocabulary.several])[0]
    return _suggest(kind, value, text, list(hits.values()))


def suggest_route(text: str, vocabularies: Vocabularies | None = None) -> ValueSuggestion | None:
    """Route of administration; routes named together give their combined choice (intravenous and inhalation)."""
    return _named_terms("route", text, (vocabularies or package_vocabularies()).route)


def suggest_donor(text: str, vocabularies: Vocabularies | None = None) -> ValueSuggestion | None:
    """Autologous or allogeneic (both named: mixed), from the first mention of each."""
    return _named_terms("donor", text, (vocabularies or package_vocabularies()).donor)


def suggest_cell_source(text: str, vocabularies: Vocabularies | None = None) -> ValueSuggestion | None:
    """Tissue the cells came from, read off the first sentence naming one as the cells' origin."""
    words = (vocabularies or package_vocabularies()).cell_source
    product = re.compile(rf"\b{_any(words.product)}\b", re.I)
    origin = re.compile(rf"\b{_any(words.origin)}\b[^.;]{{0,40}}$", re.I)
    best: tuple[int, list[str], list[tuple[int, int]]] | None = None
    for start, end in sentence_spans(text):
        sentence = text[start:end]
        if not product.search(sentence):
            continue
        hits = _first_mentions(sentence, words.terms)
        if not hits:
            continue
        score = max(2 if origin.search(sentence[:s]) else 1 for s, _ in hits.values())
        if best is None or score > best[0]:
            best = (score, list(hits), [(start + s, start + e) for s, e in hits.values()])
    if best is None:
        return None
    return _suggest("cell_source", " and ".join(best[1]), text, best[2])


def suggest_schedule(text: str, vocabularies: Vocabularies | None = None) -> ValueSuggestion | None:
    """Number of administrations and their interval, every distinct schedule the text states."""
    words = (vocabularies or package_vocabularies()).schedule
    schedule = re.compile(
        rf"\b(?P<dose>(?:{NUMBER}|once|twice)\s+(?:times?|(?:{_any(words.qualifiers)}\s+)?{_any(words.administrations)})"
        rf"|(?:a\s+)?single\s+(?:\w+\s+)?{_any(words.single)})\b"
        rf"(?:[^.;]{{0,40}}?\b(?P<interval>{_any(words.intervals)}))?",
        re.I,
    )
    matches = [m for m in schedule.finditer(text) if not _COMPARISON.match(text[m.end():])]
    if not matches:
        return None
    phrases = [" ".join(filter(None, (m.group("dose"), m.group("interval")))) for m in matches]
    value = "; ".join(dict.fromkeys(" ".join(p.split()) for p in phrases))
    return _suggest("schedule", value, text, [m.span() for m in matches])


def _days(match: re.Match[str]) -> float:
    numbers = [parse_number(match.group(g)) for g in ("n", "n2") if match.group(g)]
    numbers = [n for n in numbers if n is not None] or [0]
    return max(numbers) * DURATION_UNITS[match.group("unit").lower()]


def suggest_follow_up(text: str, vocabularies: Vocabularies | None = None) -> ValueSuggestion | None:
    """Length of follow-up: the longest time after treatment at which the text reports an assessment."""
    patterns = (vocabularies or package_vocabularies()).follow_up.patterns
    matches = [m for p in patterns for m in re.finditer(p.replace(DURATION_SLOT, DURATION), text, re.I)]
    if not matches:
        return None
    longest = max(matches, key=lambda m: (_days(m), -m.start()))
    n = parse_number(longest.group("n2") or longest.group("n"))
    unit = longest.group("unit").lower()
    value = f"{n} {unit}{'s' if n != 1 else ''}"
    return _suggest("follow_up", value, text, [longest.span()])


def suggest_serious_adverse_events(text: str, vocabularies: Vocabularies | None = None) -> ValueSuggestion | None:
    """Serious adverse events: a count where one is given, 'none' where the text says there were none."""
    words = (vocabularies or package_vocabularies()).serious_adverse_events
    serious = _any(words.serious)
    some = re.search(
        rf"\b(?P<n>{NUMBER})\s+(?:{_any(words.people)}\s+{_any(words.experienced)}\s+)?(?:\w+\s+)?{serious}\b", text, re.I
    )
    if some and parse_number(some.group("n")):
        value = f"{parse_number(some.group('n'))} with serious adverse events"
        return _suggest("serious_adverse_events", value, text, [some.span()])
    none = list(re.finditer(
        rf"\b{_any(words.negations)}\s+(?:any\s+)?(?:{_any(words.related_to)}[- ]related\s+)?"
        rf"(?P<kind>{_any([*words.serious, *words.other_harms])})\b", text, re.I,
    ))
    if not none:
        return None
    stated = [m for m in none if re.fullmatch(serious, m.group("kind"), re.I)]
    match = (stated or none)[0]
    value = "none" if stated else f"none (no {' '.join(match.group('kind').lower().split())})"
    return _suggest("serious_adverse_events", value, text, [match.span()])


def suggest_design(text: str, vocabularies: Vocabularies | None = None) -> ValueSuggestion | None:
    """Study design: a stated preferred (randomised) design wins; otherwise the first design the text names."""
    words = (vocabularies or package_vocabularies()).design
    elsewhere = re.compile(rf"\b{_any(words.elsewhere)}\b", re.I)
    hits: list[tuple[int, int, str, tuple[int, int]]] = []
    for rank, (design, patterns) in enumerate(words.terms.items()):
        for match in re.finditer(_any(patterns), text, re.I):
            start, end = _sentence_of(text, match.start())
            if not elsewhere.search(text[start:end]):
                hits.append((match.start(), rank, design, match.span()))
    if not hits:
        return None
    preferred = [h for h in hits if h[2] == words.preferred]
    _, _, design, span = (preferred or sorted(hits))[0]
    return _suggest("design", design, text, [span])


Extractor = Callable[[str, Vocabularies | None], ValueSuggestion | None]
KINDS: dict[str, Extractor] = {  # one extractor per kind of vocabularies.KIND_NAMES
    "participants": suggest_n_participants,
    "route": suggest_route,
    "donor": suggest_donor,
    "cell_source": suggest_cell_source,
    "schedule": suggest_schedule,
    "follow_up": suggest_follow_up,
    "serious_adverse_events": suggest_serious_adverse_events,
    "design": suggest_design,
}


def field_extractors(vocabularies: Vocabularies) -> dict[str, Extractor]:
    """The extractor of each form field the vocabularies map to a kind, in their order."""
    return {key: KINDS[kind] for key, kind in vocabularies.fields.items()}




def suggest(text: str, vocabularies: Vocabularies | None = None) -> list[ValueSuggestion]:
    """Every suggestion the extractors make for a text, one per field they serve, in the order of ``fields``."""
    vocabularies = vocabularies or package_vocabularies()
    found = ((key, extractor(text, vocabularies)) for key, extractor in field_extractors(vocabularies).items())
    return [replace(s, field=key) for key, s in found if s is not None]


def suggestions_table(records: list[Record], vocabularies: Vocabularies | None = None) -> pd.DataFrame:
    """One row per record and suggested field: ``record_id, field, value, quote, start, end``."""
    rows = [
        {"record_id": r.id, "field": s.field, "value": s.value, "quote": s.quote, "start": s.start, "end": s.end}
        for r in records
        for s in suggest(r.text, vocabularies)
    ]
    return pd.DataFrame(rows, columns=["record_id", "field", "value", "quote", "start", "end"])


assert tuple(KINDS) == KIND_NAMES, "every kind the vocabularies name has its extractor"
