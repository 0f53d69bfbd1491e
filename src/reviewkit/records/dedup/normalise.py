"""Comparable forms of a citation's fields: identifiers, title, authors, journal, pages.

Everything here is pure string work on one field, so de-duplication can normalise each record once
and compare the results many times. Text is folded to lower-case ASCII (accents dropped, common
UTF-8-read-as-Latin-1 damage repaired, Greek letters spelled out) with punctuation as spaces.
"""
from __future__ import annotations

import html
import re
import unicodedata
from functools import lru_cache
from itertools import chain
from urllib.parse import unquote

from reviewkit.core.text import DOI, DOI_TRAILING

_DOI_IN_URL = re.compile(r"(?:doi\.org/|info:doi/|[?&]doi=|[?&]id=doi:|/doi/(?:abs/|full/|pdf/)?|/pdf/)(10\.\d{4,9}/[^\s&?#]+)")
_PMID = re.compile(r"(?:pmid\s*:?\s*)?(\d{1,9})")
_PMID_IN_URL = re.compile(r"(?:ncbi\.nlm\.nih\.gov/pubmed/|pubmed\.ncbi\.nlm\.nih\.gov/|info:pmid/|[?&]id=pmid:)(\d{1,9})\b")
_OVID_DATABASE = re.compile(r"[?&]D=([A-Za-z]+)")
_OVID_ACCESSION = re.compile(r"[?&]AN=(\d{1,12})")
_TAGS = re.compile(r"</?[a-z][^>]*>", re.I)
_NON_ALNUM = re.compile(r"[^a-z0-9]+")
# ASCII bytes as fold leaves them: letters in lower case, digits as they are, anything else a space
_ASCII_FOLD = bytes(c + 32 if 65 <= c <= 90 else c if 97 <= c <= 122 or 48 <= c <= 57 else 32 for c in range(256))
_ASCII_NOT_ALNUM = bytes(c for c in range(128) if not chr(c).isalnum())
_GREEK = str.maketrans({
    "α": "alpha", "β": "beta", "γ": "gamma", "δ": "delta", "ε": "epsilon", "ζ": "zeta", "η": "eta",
    "θ": "theta", "ι": "iota", "κ": "kappa", "λ": "lambda", "μ": "mu", "µ": "mu", "ν": "nu", "ξ": "xi",
    "π": "pi", "ρ": "rho", "σ": "sigma", "τ": "tau", "φ": "phi", "χ": "chi", "ψ": "psi", "ω": "omega",
})
# MEDLINE's notes that a paper has an erratum, comment or retraction elsewhere: about the paper, not part of its title
_LINKED_NOTE = re.compile(
    r"\[(?:erratum|errata|comment|retraction|retracted|corrected and republished|republished|update|summary for patients)"
    r"[^\]]*(?:\]|$)", re.I)
_RETRACTED_PREFIX = re.compile(r"^(?:retracted(?: article)?|withdrawn)\s+")
_YEAR = re.compile(r"(?<!\d)(1[89]\d\d|20\d\d)(?!\d)")
_FIRST_PAGE = re.compile(r"([a-z]*)0*(\d+[a-z]?)")
_PAGE_RANGE = re.compile(r"[a-z]*0*(\d+)\s*[-\u2010-\u2015\u2212]+\s*[a-z]*0*(\d+)$")
# a bracket closing a title, one level of brackets inside it allowed: "(vol 360, pg 542, 2009)"
_CLOSING_BRACKET = re.compile(r"\s*[(\[](?:[^()\[\]]|[(\[][^()\[\]]*[)\]])*[)\]]\W*$")
_NUMBER = re.compile(r"\d+")
_VOLUME_PART = re.compile(r"\b(?:part|pt|suppl\w*|no|issue|number)\.?\s*\d+", re.I)
_MONTH = re.compile(r"\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)\b")
_INITIALS = re.compile(r"(?:[A-Z]\.?-?){1,4}")
_JOINED_AUTHORS = re.compile(r"(?<=\.)(?=[A-Z][a-z])")  # "Adeli K.Lewis G. F." as some exports write it
_JOINED_AUTHORS_HINT = re.compile(r"\.[A-Z][a-z]")  # the same, found faster
_NOT_PERSONS = {"anonymous", "anon", "et al", "etal", "others"}
_NOT_PERSON_WORDS = {"anonymous", "anon", "et", "al", "etal", "others"}
_GENERIC_JOURNAL_WORDS = {
    "journal", "international", "american", "british", "european", "annals", "archives", "clinical", "medicine",
    "medical", "research", "science", "sciences", "review", "reviews", "society", "association", "acta", "revista",
    "proceedings", "bulletin", "reports", "letters", "advances", "current", "experimental", "national", "chinese",
    "japanese", "conference", "meeting", "abstracts", "supplement", "electronic", "resource",
}
_JOURNAL_STOPWORDS = {"the", "of", "and", "in", "for", "on", "a", "an", "de", "la", "und", "fur"}

# Words that make two otherwise alike titles different publications: a notice about a paper,
# a comment on it or a reply, a protocol before the results.
MARKERS: dict[str, re.Pattern[str]] = {
    "erratum": re.compile(r"^corrections?\b|\b(?:vol [a-z]?\d+ pg [a-z]?\d+|errat(?:um|a)|corrigend(?:um|a)|correction (?:to|notice)|publisher s note|expression of concern)\b"),
    "retraction": re.compile(r"\b(?:retraction|retraction notice|notice of retraction)\b"),
    "comment": re.compile(r"^(?:comment|comments|commentary|letter|editorial|in response|response|reply)\b|\b(?:comment(?:s|ary)? on|in reply|reply to|response to|author s reply|authors reply|a reply|reply)\b"),
    "protocol": re.compile(r"\b(?:protocol|rationale and design|design and rationale|study design and methods)\b"),
}
_MARKER_WORDS = re.compile("errat|corrig|correction|vol |publisher|concern|retract|comment|letter|editorial|response"
                           "|reply|protocol|rationale|design")  # one is in every marker: most titles have none
_RE_COLON = re.compile(r"\s*re\s*[:;.,]|\s*re\s+[-–]\s", re.I)
_NUMBER_WORDS = {
    "one": "1", "two": "2", "three": "3", "four": "4", "five": "5", "six": "6", "seven": "7", "eight": "8",
    "nine": "9", "ten": "10", "twelve": "12", "first": "1", "second": "2", "third": "3", "fourth": "4",
    "fifth": "5", "ii": "2", "iii": "3", "iv": "4", "vi": "6", "vii": "7", "viii": "8", "ix": "9",
}
_NOTHING: frozenset[str] = frozenset()
_CONFERENCE_TYPES = {"conf", "cpaper", "abst", "inproceedings", "proceedings", "conference", "conference abstract",
                     "conference paper", "meeting abstract", "conference proceeding"}


def fold(text: str) -> str:
    """Lower-case ASCII words separated by single spaces: accents, markup and punctuation dropped."""
    if not text:
        return ""
    if "<" in text:
        text = _TAGS.sub("", text)
    if "&" in text:
        text = html.unescape(text).replace("&", " and ")
    if not text.isascii():
        text = _repair_mojibake(text).translate(_GREEK)
        text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
        return _NON_ALNUM.sub(" ", text.lower()).strip()
    return " ".join(text.encode().translate(_ASCII_FOLD).decode().split())  # the same for ASCII, 4x as fast


def _repair_mojibake(text: str) -> str:
    """UTF-8 text that was read as Windows-1252 ("DÃ¼tzmann") back to what it was ("Dützmann")."""
    if "Ã" not in text and "â€" not in text:
        return text
    try:
        return text.encode("cp1252").decode("utf-8")
    except UnicodeError:
        return text


def normalise_doi(value: str) -> str:
    """A DOI in lower case without resolver prefix (``https://doi.org/``, ``doi:``) or trailing punctuation;
    "" when ``value`` holds none."""
    if "10." not in value:
        return ""
    found = DOI.search(unquote(value.strip()).lower())
    return found.group(0).rstrip(DOI_TRAILING) if found else ""


def doi_from_url(url: str) -> str:
    """The DOI in a resolver, OpenURL or publisher link ("" if none): less sure than a DOI field, as a
    link may point at a supplement or a PDF."""
    if "10." not in url:
        return ""
    found = _DOI_IN_URL.search(unquote(url).lower())
    return found.group(1).removesuffix(".pdf").rstrip(DOI_TRAILING) if found else ""


def normalise_pmid(value: str) -> str:
    """A PubMed id as digits without leading zeros ("PMID: 0123" → "123"); "" when ``value`` is not one."""
    found = _PMID.fullmatch(value.strip().lower())
    return str(int(found.group(1))) if found and int(found.group(1)) else ""


def pmid_from_url(url: str) -> str:
    """The PubMed id in a PubMed or OpenURL link, "" if the link names none."""
    found = _PMID_IN_URL.search(url.lower()) if "pmid" in url.lower() or "pubmed" in url.lower() else None
    return str(int(found.group(1))) if found and int(found.group(1)) else ""


def accession_from_url(url: str) -> str:
    """The database record an Ovid link names, as ``embase:<accession number>`` or, for Ovid MEDLINE, whose
    accession number is the PubMed id, ``pmid:<id>``; "" for any other link. Two exports of one Embase
    record carry the same accession number even where one of them took a companion paper's DOI."""
    if "ovid" not in url:
        return ""
    database, accession = _OVID_DATABASE.search(url), _OVID_ACCESSION.search(url)
    if not database or not accession or not int(accession.group(1)):
        return ""
    name = database.group(1).lower()
    family = "embase" if name.startswith(("em", "oem")) else "pmid" if name.startswith(("med", "prem", "mesz")) else ""
    return f"{family}:{int(accession.group(1))}" if family else ""


def normalise_title(title: str) -> str:
    """A title as compared: folded, without a "Retracted:" prefix that databases add to a retracted paper
    and without MEDLINE's "[Erratum appears in …]" notes."""
    if "[" in title:
        title = _LINKED_NOTE.sub(" ", title)
    return _RETRACTED_PREFIX.sub("", fold(title))


def title_without_closing_bracket(title: str) -> str:
    """The title as compared (:func:`normalise_title`) without a bracket that closes it, as an erratum's title
    ends with the paper it corrects ("… (vol 360, pg 542, 2009)"); "" when no bracket closes it or nothing is
    left without it."""
    if not title.rstrip(" .").endswith((")", "]")):
        return ""
    found = _CLOSING_BRACKET.search(title)
    return normalise_title(title[:found.start()]) if found else ""


def is_translated_title(title: str) -> bool:
    """Whether a title is marked as translated: in square brackets, as MEDLINE gives a title translated
    into English, or followed by the original after "<ORIGINAL>"."""
    title = title.strip().rstrip(".")
    return (title.startswith("[") and title.endswith("]")) or "<ORIGINAL>" in title


def title_markers(folded_title: str, title: str = "") -> frozenset[str]:
    """Which kinds of notice or companion paper (erratum, retraction, comment, protocol) a title names,
    given folded (and as written, for a comment's "Re:")."""
    hinted, comment = _MARKER_WORDS.search(folded_title), _RE_COLON.match(title)
    if not hinted and not comment:
        return _NOTHING
    kinds = {kind for kind, pattern in MARKERS.items() if pattern.search(folded_title)} if hinted else set()
    return frozenset(kinds | {"comment"} if comment else kinds)


def title_numbers(folded_title: str) -> frozenset[str]:
    """The numbers a folded title names (digits, number words, Roman numerals II–IX, as digits)."""
    found = [word for word in folded_title.split() if word in _NUMBER_WORDS or word.isdigit()]
    return frozenset(_NUMBER_WORDS.get(word) or word.lstrip("0") or "0" for word in found) if found else _NOTHING


def normalise_year(year: str) -> int | None:
    found = _YEAR.search(year)
    return int(found.group(1)) if found else None


def first_page(pages: str) -> str:
    """The first page, lower case, without leading zeros: "0221-8" → "221", "S12–S14" → "s12",
    "e0137960" → "e137960"; "" for none, or for a range a spreadsheet turned into a date ("Oct-17")."""
    pages = pages.lower()
    if _MONTH.search(pages):
        return ""
    found = _FIRST_PAGE.search(pages)
    return found.group(1) + found.group(2) if found else ""


def last_page(pages: str) -> str:
    """The last page of a range of two or more pages, written out ("2141-47" → "2147"); "" for one page
    or none."""
    found = _PAGE_RANGE.search(pages.lower().strip())
    if not found:
        return ""
    first, last = found.group(1), found.group(2)
    last = first[:len(first) - len(last)] + last if len(last) < len(first) else last
    return last if int(last) > int(first) else ""


def normalise_volume(volume: str) -> str:
    """The volume's number ("64 Suppl 1" → "64", "Part 3. 275" → "275"); "" for none or for a fragment
    of a split field ("1)")."""
    if volume.count(")") > volume.count("("):
        return ""
    found = _NUMBER.search(_VOLUME_PART.sub(" ", volume))
    return found.group(0).lstrip("0") if found else ""


def surnames(author_lists: list[tuple[str, ...]]) -> list[tuple[str, ...]]:
    """Each list's surnames, folded with spaces and hyphens removed ("van der Berg, A." → "vanderberg"); a
    name on many lists is read once.

    Understands "Surname, Given", "Surname AB" and "Given Surname"; splits "Adeli K.Lewis G. F." into two.
    """
    read = {entry: _entry_surnames(entry) for entry in {entry for authors in author_lists for entry in authors}}
    return [read[authors[0]] if len(authors) == 1 else tuple(chain.from_iterable(map(read.__getitem__, authors)))
            for authors in author_lists]


def first_surname(authors: tuple[str, ...]) -> str:
    """The first surname :func:`surnames` would give for ``authors``, "" if none."""
    for entry in authors:
        if names := _entry_surnames(entry):
            return names[0]
    return ""


def _entry_surnames(entry: str) -> tuple[str, ...]:
    if ";" not in entry and not _JOINED_AUTHORS_HINT.search(entry):
        name = _surname(entry)
        return (name,) if name and name not in _NOT_PERSONS else ()
    names = (_surname(part) for person in _JOINED_AUTHORS.split(entry) for part in person.split(";"))
    return tuple(name for name in names if name and name not in _NOT_PERSONS)


def name_words(authors: tuple[str, ...]) -> set[str]:
    """Every word of two letters or more in the author names, folded: compares lists where one source
    swapped given names and surnames ("Ching-yi, Wu" / "Wu, C. Y.")."""
    return {w for w in fold(" ; ".join(authors)).split() if len(w) > 1} - _NOT_PERSON_WORDS


def _surname(person: str) -> str:
    if "," in person:
        surname = person.split(",", 1)[0]
    else:
        person = person.strip()
        words = person.split()
        while len(words) > 1 and _INITIALS.fullmatch(words[-1]):
            words.pop()
        surname = " ".join(words) if len(words) < len(person.split()) else (words[-1] if words else "")
    if surname.isascii() and "<" not in surname and "&" not in surname:  # what fold leaves, without its spaces
        return surname.encode().translate(_ASCII_FOLD, _ASCII_NOT_ALNUM).decode()
    return fold(surname).replace(" ", "")


@lru_cache(maxsize=65536)
def journal_words(journal: str) -> tuple[str, ...]:
    """A journal name's words without connectives ("J. Am. Soc. Hypertens." → ("j", "am", "soc", "hypertens"))."""
    return tuple(w for w in fold(journal).split() if w not in _JOURNAL_STOPWORDS and not w.isdigit())


def journal_relation(a: tuple[str, ...], b: tuple[str, ...]) -> bool | None:
    """True if two journal names (:func:`journal_words`) are the same journal, perhaps abbreviated, or with
    a conference or section name added after the first three words; False if they share no distinctive
    word (not even as an abbreviation or acronym); None if either is missing or they share some words
    only (a translated or transliterated name, "Nihon Rinsho" / "Nippon rinsho")."""
    if not a or not b:
        return None
    if a == b or journals_agree(a, b) or journals_agree(a[:3], b[:3]):
        return True
    if _acronym(a, b) or _acronym(b, a):
        return None
    distinctive_a = [w for w in a if len(w) >= 4 and w not in _GENERIC_JOURNAL_WORDS]
    distinctive_b = [w for w in b if len(w) >= 4 and w not in _GENERIC_JOURNAL_WORDS]
    if any(x[:5] == y[:5] for x in distinctive_a for y in distinctive_b):
        return None
    return False


def _acronym(short: tuple[str, ...], long: tuple[str, ...]) -> bool:
    """Whether ``short`` is one word made of initials of ``long`` ("cmaj" of "canadian medical association journal")."""
    return len(short) == 1 and len(long) > 1 and short[0] == "".join(w[0] for w in long)


def journals_agree(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    """Whether two journal names can be the same journal, one perhaps abbreviated or shortened:
    every word of the shorter is a prefix of a word of the longer, or the other way round, in order
    ("j am soc hypertens" ~ "journal american society hypertension", "stroke" ~ "stroke journal cerebral circulation")."""
    short, long = (a, b) if len(a) <= len(b) else (b, a)
    if not short:
        return False
    at = 0
    for word in short:
        while at < len(long) and not (long[at].startswith(word) or word.startswith(long[at])):
            at += 1
        if at == len(long):
            return False
        at += 1
    return True


def is_conference(kind: str) -> bool:
    """Whether a record type (RIS ``TY``, BibTeX entry type, database label) is a conference paper or abstract."""
    return fold(kind) in _CONFERENCE_TYPES
