"""The grammar the extraction suggestions share: numbers in digits or words, durations, sentences."""
from __future__ import annotations

import re

UNITS = {
    "zero": 0, "no": 0, "one": 1, "a single": 1, "single": 1, "a": 1, "two": 2, "three": 3, "four": 4,
    "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
    "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19,
}


TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90}


NUMBER_WORD = (
    rf"(?:(?:{'|'.join(TENS)})(?:[- ](?:{'|'.join(k for k in UNITS if UNITS[k] and ' ' not in k and k != 'a')}))?"
    rf"|{'|'.join(k for k in UNITS if UNITS[k] > 1 or k == 'one')})"
)


NUMBER = rf"(?:\d{{1,3}}(?:,\d{{3}})*|{NUMBER_WORD})"


DURATION_UNITS = {"day": 1, "week": 7, "month": 30, "year": 365}


DURATION = rf"(?P<n>{NUMBER}(?:\.\d+)?)(?:\s+(?:and|or|to|-)\s+(?P<n2>{NUMBER}))?[- ](?P<unit>{'|'.join(DURATION_UNITS)})s?"


DURATION_SLOT = "{duration}"


def parse_number(token: str) -> int | None:
    """An integer written in digits ("1,200") or words ("seven", "twenty-four"), else None."""
    token = token.strip().lower()
    if re.fullmatch(r"\d{1,3}(?:,\d{3})*|\d+", token):
        return int(token.replace(",", ""))
    if token in UNITS:
        return UNITS[token]
    parts = re.split(r"[- ]", token)
    if parts[0] in TENS and (len(parts) == 1 or (len(parts) == 2 and parts[1] in UNITS)):
        return TENS[parts[0]] + (UNITS[parts[1]] if len(parts) == 2 else 0)
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
