"""Rule-based extraction suggestions: a proposed value per form field with the text that supports it.

The rules are general patterns of clinical reports (abstracts, press releases, news), not rules
for particular documents. Each extractor takes a document's text and returns a ``Suggestion``
whose quote is a verbatim passage of that text, or None when the text says nothing it recognises.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

import pandas as pd

from reviewkit.records.sources import Record

_UNITS = {
    "zero": 0, "no": 0, "one": 1, "a single": 1, "single": 1, "a": 1, "two": 2, "three": 3, "four": 4,
    "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
    "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19,
}
_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90}
_NUMBER_WORD = (
    rf"(?:(?:{'|'.join(_TENS)})(?:[- ](?:{'|'.join(k for k in _UNITS if _UNITS[k] and ' ' not in k and k != 'a')}))?"
    rf"|{'|'.join(k for k in _UNITS if _UNITS[k] > 1 or k == 'one')})"
)
NUMBER = rf"(?:\d{{1,3}}(?:,\d{{3}})*|{_NUMBER_WORD})"
_PEOPLE = r"(?:patients?|participants?|subjects?|people|persons?|individuals?|adults?|children|volunteers?|men|women|cases?)"
_TREATED_BEFORE = re.compile(
    r"\b(?:enrolled|enrolling|involved|involving|included|including|recruited|treated|administered to|given to|"
    r"infused (?:in|into)|injected into|into|to|in|of|total of)\s+(?:a total of\s+|the\s+)?$",
    re.I,
)
_TREATED_AFTER = re.compile(
    r"^[^.;]{0,80}?\b(?:received|receiving|were (?:treated|enrolled|included|given|infused|injected|randomi[sz]ed)|"
    r"underwent|completed)\b",
    re.I,
)
_NOT_TREATED = re.compile(r"\b(?:healthy|control|controls|untreated|placebo)\b", re.I)
_DURATION_UNITS = {"day": 1, "week": 7, "month": 30, "year": 365}


@dataclass(frozen=True)
class Suggestion:
    """A proposed value for a form field and the verbatim passage (with offsets) that supports it."""

    field: str
    value: object
    quote: str
    start: int
    end: int


def parse_number(token: str) -> int | None:
    """An integer written in digits ("1,200") or words ("seven", "twenty-four"), else None."""
    token = token.strip().lower()
    if re.fullmatch(r"\d{1,3}(?:,\d{3})*|\d+", token):
        return int(token.replace(",", ""))
    if token in _UNITS:
        return _UNITS[token]
    parts = re.split(r"[- ]", token)
    if parts[0] in _TENS and (len(parts) == 1 or (len(parts) == 2 and parts[1] in _UNITS)):
        return _TENS[parts[0]] + (_UNITS[parts[1]] if len(parts) == 2 else 0)
    return None


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Sentences as (start, end) offsets: a break after . ! ? followed by space, after 。, or at a line end."""
    spans = []
    start = 0
    for match in re.finditer(r"(?<=[.!?])\s+|(?<=。)|\n+", text):
        spans.append((start, match.start()))
        start = match.end()
    spans.append((start, len(text)))
    cleaned = []
    for begin, end in spans:
        while begin < end and text[begin].isspace():
            begin += 1
        while end > begin and text[end - 1].isspace():
            end -= 1
        if begin < end:
            cleaned.append((begin, end))
    return cleaned


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


def _suggest(field: str, value: object, text: str, spans: list[tuple[int, int]]) -> Suggestion:
    start, end = _evidence(text, sorted(spans))
    return Suggestion(field, value, text[start:end], start, end)


def participant_counts(text: str) -> list[tuple[int, int, tuple[int, int]]]:
    """Counts of people treated or assessed: (count, score, span). Higher scores are surer."""
    found = []
    people = re.compile(rf"\b(?P<n>{NUMBER})\s+(?:[\w/-]+\s+){{0,3}}?{_PEOPLE}\b", re.I)
    for match in people.finditer(text):
        count = parse_number(match.group("n"))
        words_between = match.group()[len(match.group("n")):]
        if count is None or _NOT_TREATED.search(words_between):
            continue
        score = 1
        if _TREATED_BEFORE.search(text[max(0, match.start() - 40): match.start()]):
            score += 2
        if _TREATED_AFTER.search(text[match.end(): match.end() + 120]):
            score += 2
        if re.match(r"\s*(?:with|who|aged|from)\b", text[match.end():], re.I):
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


def suggest_n_participants(text: str) -> Suggestion | None:
    """The number treated: the best-supported count of people treated, enrolled or assessed."""
    candidates = [c for c in participant_counts(text) if c[0] > 0]
    if not candidates:
        return None
    count, _, span = max(candidates, key=lambda c: (c[1], c[0]))
    return _suggest("n_participants", count, text, [span])


_ROUTES = [
    ("intravenous", r"\bintra-?venous(?:ly)?\b|\bi\.v\.|\bIV (?:infusion|injection|administration)|\binto (?:a|the) vein"),
    ("intrathecal", r"\bintra-?thecal(?:ly)?\b|\binto the (?:cerebrospinal fluid|spinal canal|subarachnoid space)"),
    ("intracerebral", r"\bintra-?cerebral(?:ly)?\b|\bintraparenchymal\b|\bstereotactic(?:ally)? (?:injection|implant|transplant)"),
    ("intramuscular", r"\bintra-?muscular(?:ly)?\b"),
    ("subcutaneous", r"\bsub-?cutaneous(?:ly)?\b"),
    ("inhalation", r"\binhal(?:ation|ed|ing)\b|\bnebuli[sz]ed\b|\bintranasal(?:ly)?\b"),
    ("other", r"\bintra-?cerebroventricular(?:ly)?\b|\bintra-?(?:spinal|medullary|lesional|arterial|articular)(?:ly)?\b|"
              r"\binto the (?:spine|spinal cord|brain|lesion|injury site|ventricles?)\b"),
]


def suggest_route(text: str) -> Suggestion | None:
    """Route of administration; intravenous and inhaled together give the combined choice."""
    hits: dict[str, tuple[int, int]] = {}
    for route, pattern in _ROUTES:
        match = re.search(pattern, text, re.I)
        if match:
            hits[route] = match.span()
    if not hits:
        return None
    routes = set(hits)
    if routes == {"intravenous", "inhalation"}:
        value = "intravenous and inhalation"
    elif len(routes) == 1:
        value = routes.pop()
    else:
        value = "other"
    return _suggest("route", value, text, list(hits.values()))


_SOURCES = [
    ("bone marrow", r"\bbone[- ]marrow\b"),
    ("adipose tissue", r"\badipose(?: tissue)?\b|\bfat tissue\b|\blipoaspirate\b"),
    ("umbilical cord", r"\bumbilical[- ]cord\b|\bWharton'?s jelly\b"),
    ("placenta", r"\bplacenta(?:l)?\b"),
    ("amnion", r"\bamnio(?:n|tic membrane)\b"),
    ("dental pulp", r"\bdental pulp\b"),
    ("peripheral blood", r"\bperipheral blood\b"),
    ("menstrual blood", r"\bmenstrual blood\b"),
    ("fetal central nervous system", r"\bfetal (?:central nervous system|brain|spinal cord|neural)\b|\bfoetal (?:brain|neural)\b"),
    ("aborted fetuses", r"\b(?:aborted|donated) f(?:o)?etus(?:es)?\b|\bf(?:o)?etal tissue\b"),
    ("embryos", r"\bembryos?\b"),
    ("induced pluripotent stem cells", r"\binduced pluripotent\b|\biPSCs?\b"),
]
_FROM = re.compile(r"\b(?:from|derived|obtained|harvested|isolated|collected|extracted|of)\b[^.;]{0,40}$", re.I)
_CELLS = re.compile(r"\b(?:cells?|MSCs?|NPCs?|secretome|conditioned medium|exosomes?|vesicles)\b", re.I)


def suggest_cell_source(text: str) -> Suggestion | None:
    """Tissue the cells came from, read off the first sentence naming one as the cells' origin."""
    best: tuple[int, int, list[str], list[tuple[int, int]]] | None = None
    for number, (start, end) in enumerate(sentence_spans(text)):
        sentence = text[start:end]
        if not _CELLS.search(sentence):
            continue
        names, spans, score = [], [], 0
        for name, pattern in _SOURCES:
            match = re.search(pattern, sentence, re.I)
            if match:
                names.append(name)
                spans.append((start + match.start(), start + match.end()))
                score = max(score, 2 if _FROM.search(sentence[: match.start()]) else 1)
        if names and (best is None or score > best[0]):
            best = (score, number, names, spans)
    if best is None:
        return None
    return _suggest("cell_source", " and ".join(best[2]), text, best[3])


_AUTOLOGOUS = re.compile(
    r"\bautologous\b|\bpatients?(?:'s|s'|')? own\b|\btheir own (?:\w+ )?(?:cells|stem cells|bone marrow|fat)\b|"
    r"\bobtained from the (?:same )?patients?\b",
    re.I,
)
_ALLOGENEIC = re.compile(r"\ballogene?ic\b|\b(?:healthy|unrelated|third[- ]party) donors?\b|\bdonated\b|\bdonor[- ]derived\b", re.I)


def suggest_donor(text: str) -> Suggestion | None:
    """Autologous or allogeneic (both named: mixed), from the first mention of each."""
    auto, allo = _AUTOLOGOUS.search(text), _ALLOGENEIC.search(text)
    if auto and allo:
        return _suggest("donor", "mixed", text, [auto.span(), allo.span()])
    if auto or allo:
        match = auto or allo
        return _suggest("donor", "autologous" if auto else "allogeneic", text, [match.span()])
    return None


_INTERVAL = r"(?:(?:at|with)\s+(?:\S+[- ])?(?:day|week|month|year)s?[- ]?intervals?|(?:once |twice )?(?:daily|weekly|monthly)|every\s+\S+\s+(?:days?|weeks?|months?))"
_SCHEDULE = re.compile(
    rf"\b(?P<dose>(?:{NUMBER}|once|twice)\s+(?:times?|(?:(?:intravenous|intrathecal|monthly|weekly|repeated)\s+)?"
    rf"(?:infusions?|injections?|doses?|administrations?|transplantations?|courses?))"
    rf"|(?:a\s+)?single\s+(?:\w+\s+)?(?:infusion|injection|dose|administration|transplantation))\b"
    rf"(?:[^.;]{{0,40}}?\b(?P<interval>{_INTERVAL}))?",
    re.I,
)


def suggest_schedule(text: str) -> Suggestion | None:
    """Number of administrations and their interval, every distinct schedule the text states."""
    matches = [m for m in _SCHEDULE.finditer(text) if not re.match(r"\s*(?:higher|more|greater)", text[m.end():])]
    if not matches:
        return None
    phrases = [" ".join(filter(None, (m.group("dose"), m.group("interval")))) for m in matches]
    value = "; ".join(dict.fromkeys(" ".join(p.split()) for p in phrases))
    return _suggest("schedule", value, text, [m.span() for m in matches])


_DURATION = rf"(?P<n>{NUMBER}(?:\.\d+)?)(?:\s+(?:and|or|to|-)\s+(?P<n2>{NUMBER}))?[- ](?P<unit>day|week|month|year)s?"
_FOLLOW_UP = [
    re.compile(rf"\b(?:follow[- ]?up|followed(?: up)?)\b[^.;]{{0,30}}?\b(?:of|for|to|at|lasting)\s+(?:up to\s+)?{_DURATION}", re.I),
    re.compile(rf"\b{_DURATION}\s+(?:of\s+)?follow[- ]?up\b", re.I),
    re.compile(rf"\bat\s+(?:\d+\s*,\s*)*{_DURATION}\s+(?:post|after|following)\b", re.I),
    re.compile(rf"\b(?:within|over|for|after)\s+{_DURATION}\s+(?:after|following|post)\b", re.I),
    re.compile(rf"\b{_DURATION}\s+(?:later|after (?:the )?(?:treatment|infusion|injection|transplant\w*|administration|surgery))", re.I),
    re.compile(rf"\b{_DURATION}\s+after (?:the )?(?:[\w-]+\s+){{1,4}}(?:infusion|injection|transplant\w*|administration)", re.I),
]


def _days(match: re.Match[str]) -> float:
    numbers = [parse_number(match.group(g)) for g in ("n", "n2") if match.group(g)]
    numbers = [n for n in numbers if n is not None] or [0]
    return max(numbers) * _DURATION_UNITS[match.group("unit").lower()]


def suggest_follow_up(text: str) -> Suggestion | None:
    """Length of follow-up: the longest time after treatment at which the text reports an assessment."""
    matches = [m for pattern in _FOLLOW_UP for m in pattern.finditer(text)]
    if not matches:
        return None
    longest = max(matches, key=lambda m: (_days(m), -m.start()))
    n = parse_number(longest.group("n2") or longest.group("n"))
    unit = longest.group("unit").lower()
    value = f"{n} {unit}{'s' if n != 1 else ''}"
    return _suggest("follow_up", value, text, [longest.span()])


_SAE_NONE = re.compile(
    r"\b(?:no|without|absence of|free of|neither|did not (?:cause|observe|report|find) any)\s+(?:any\s+)?"
    r"(?:(?:treatment|procedure|cell)[- ]related\s+)?(?P<kind>serious adverse (?:events?|effects?|reactions?)|"
    r"adverse (?:events?|effects?|reactions?)|side[- ]effects?|complications?|safety (?:concerns|issues))\b",
    re.I,
)
_SAE_SOME = re.compile(
    rf"\b(?P<n>{NUMBER})\s+(?:(?:patients?|participants?|subjects?)\s+(?:had|experienced|developed|reported)\s+)?"
    r"(?:\w+\s+)?serious adverse (?:events?|effects?|reactions?)\b",
    re.I,
)


def suggest_serious_adverse_events(text: str) -> Suggestion | None:
    """Serious adverse events: a count where one is given, 'none' where the text says there were none."""
    some = _SAE_SOME.search(text)
    if some and parse_number(some.group("n")):
        value = f"{parse_number(some.group('n'))} with serious adverse events"
        return _suggest("serious_adverse_events", value, text, [some.span()])
    none = [m for m in _SAE_NONE.finditer(text)]
    if not none:
        return None
    serious = [m for m in none if m.group("kind").lower().startswith("serious")]
    match = (serious or none)[0]
    value = "none" if serious else f"none (no {' '.join(match.group('kind').lower().split())})"
    return _suggest("serious_adverse_events", value, text, [match.span()])


_DESIGNS = [
    ("randomised controlled trial", r"\b(?<!non-)(?<!non)(?<!not )randomi[sz]ed\b[\w ,-]{0,60}?\b(?:trial|study)\b"),
    ("non-randomised controlled study", r"\bnon-?randomi[sz]ed\b|\b(?:controlled|comparative) (?:cohort )?study\b"),
    ("case report", r"\bcase reports?\b|\bwe (?:report|describe|present) (?:a|the) (?:case|patient)\b(?!\s+series)"),
    ("case series", r"\bcase series\b|\bcase[- ]series\b"),
    ("observational study", r"\bobservational\b|\b(?:retrospective|prospective) (?:\w+ )?(?:study|analysis|review)\b|\bcohort study\b|\bregistry\b"),
    ("single-arm trial", r"\bsingle[- ]arm\b|\bopen[- ]label\b|\bphase (?:1|2|I|II|1/2|I/II|1b|2a)\b|\bdose[- ]escalation\b|\bpilot (?:study|trial)\b|\bclinical trial\b"),
]
_FUTURE = re.compile(r"\b(?:will|would|should|needed|necessary|future|warranted|planned|ongoing|previous|prior|earlier)\b", re.I)


def suggest_design(text: str) -> Suggestion | None:
    """Study design: a stated randomised design wins; otherwise the first design the text names."""
    hits: list[tuple[int, int, str, tuple[int, int]]] = []
    for rank, (design, pattern) in enumerate(_DESIGNS):
        for match in re.finditer(pattern, text, re.I):
            start, end = _sentence_of(text, match.start())
            if not _FUTURE.search(text[start:end]):
                hits.append((match.start(), rank, design, match.span()))
    if not hits:
        return None
    randomised = [h for h in hits if h[2] == "randomised controlled trial"]
    _, _, design, span = (randomised or sorted(hits))[0]
    return _suggest("design", design, text, [span])


EXTRACTORS: dict[str, Callable[[str], Suggestion | None]] = {
    "design": suggest_design,
    "n_participants": suggest_n_participants,
    "cell_source": suggest_cell_source,
    "donor": suggest_donor,
    "route": suggest_route,
    "schedule": suggest_schedule,
    "follow_up": suggest_follow_up,
    "serious_adverse_events": suggest_serious_adverse_events,
}


def suggest(text: str) -> list[Suggestion]:
    """Every suggestion the extractors make for a text, in form order."""
    return [s for extractor in EXTRACTORS.values() if (s := extractor(text)) is not None]


def suggestions_table(records: list[Record]) -> pd.DataFrame:
    """One row per record and suggested field: ``record_id, field, value, quote, start, end``."""
    rows = [
        {"record_id": r.id, "field": s.field, "value": s.value, "quote": s.quote, "start": s.start, "end": s.end}
        for r in records
        for s in suggest(r.text)
    ]
    return pd.DataFrame(rows, columns=["record_id", "field", "value", "quote", "start", "end"])
