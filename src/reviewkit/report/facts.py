"""Facts several sections state, derived from the build's tables: counts, designs, grey literature, reviewers, findings."""
from __future__ import annotations

from collections import Counter

import pandas as pd

from reviewkit.core.numbers import fmt_count, number
from reviewkit.core.text import split_cell
from reviewkit.report.inputs import Build
from reviewkit.report.typst import display
from reviewkit.report.wording import _counted, _plural, _were, _words

JOURNAL = "journal article"
DESIGN_FIELD, PARTICIPANTS_FIELD = "design", "n_participants"  # form fields the summaries count, where a protocol has them


def _tools_used(build: Build) -> list[str]:
    rob = build.table("rob")
    return list(dict.fromkeys(rob["tool"])) if rob is not None else []


def _excluded_reports(build: Build) -> pd.DataFrame:
    screening = build.table("screening")
    if screening is None:
        return pd.DataFrame(columns=["record_id", "exclusion_reason", "title"])
    return screening[(screening["stage"] == "full_text") & (screening["decision"] == "exclude")]


def _reviewers(build: Build, stage: str) -> list[str]:
    screening = build.table("screening")
    if screening is None:
        return []
    names = {part.split(":")[0].strip() for text in screening[screening["stage"] == stage]["reviewers"]
             for part in split_cell(text)}
    return sorted(names)


def _participants(build: Build) -> tuple[int, int] | None:
    """Participants summed over studies that report a number, and the studies that do not; None if the
    form has no ``n_participants`` field."""
    chars = build.table("characteristics")
    if chars is None or PARTICIPANTS_FIELD not in chars:
        return None
    numbers = [number(v) for v in chars[PARTICIPANTS_FIELD]]
    return int(sum(n for n in numbers if n is not None)), sum(n is None for n in numbers)


def _designs(build: Build) -> Counter:
    chars = build.table("characteristics")
    return Counter(chars[DESIGN_FIELD]) if chars is not None and DESIGN_FIELD in chars else Counter()


def _grey_only(build: Build) -> tuple[list[str], Counter]:
    """Studies with no report that is a journal article, and the source types of their reports."""
    studies, kinds = [], Counter()
    for study_id in build.studies["study_id"]:
        types = [str(r["source_type_suggested"]) for r in map(build.record, build.study_records(study_id)) if r is not None]
        if types and JOURNAL not in types:
            studies.append(study_id)
            kinds.update(types)
    return studies, kinds


def _screening_counts(build: Build) -> dict[tuple[str, str, str], int]:
    table = build.table("prisma_screening")
    if table is None:
        return {}
    return {(r.stage, r.measure, r.reason): int(float(r.count)) for r in table.itertuples() if number(r.count) is not None}


def _selection_sentence(build: Build) -> str:
    """Records identified, screened, excluded with reasons, and studies included, from the tables."""
    sources = build.table("sources")
    n_records = len(build.records)
    parts = []
    if sources is not None and not sources.empty:
        parts.append(f"{_plural(n_records, 'record')} {_were(n_records)} identified from {_plural(len(sources), 'source')}.")
    counts = _screening_counts(build)
    if counts:
        ta = (counts.get(("title_abstract", "screened", ""), 0), counts.get(("title_abstract", "excluded", ""), 0))
        ft = (counts.get(("full_text", "screened", ""), 0), counts.get(("full_text", "excluded", ""), 0))
        reasons = [f"{build.protocol.reason_label(reason).split(' (')[0].lower()} ({n})"
                   for (stage, measure, reason), n in counts.items()
                   if stage == "full_text" and measure == "excluded" and reason and n]
        parts.append(f"{_plural(ta[0], 'record')} {_were(ta[0])} screened on title and abstract ({fmt_count(ta[1])} excluded) "
                     f"and {_plural(ft[0], 'report')} assessed in full ({fmt_count(ft[1])} excluded"
                     + (f": {'; '.join(reasons)}" if reasons else "") + ").")
    if not build.studies.empty:
        n_reports = sum(len(build.study_records(s)) for s in build.studies["study_id"])
        participants = _participants(build)
        who = ""
        if participants is not None:
            total, unknown = participants
            who = f" with {_plural(total, 'participant')}" + (
                f" ({_plural(unknown, 'study', 'studies')} not reporting a number)" if unknown else "")
        designs = _designs(build)
        parts.append(f"{_plural(len(build.studies), 'study', 'studies')} ({_plural(n_reports, 'report')}){who} "
                     f"{_were(len(build.studies))} included" + (f": {_counted(designs)}." if designs else "."))
    return " ".join(parts)


def _sof_sentences(build: Build) -> list[str]:
    sof = build.table("sof")
    if sof is None:
        return []

    def counted(value: str, one: str, many: str) -> str:
        n = number(value)
        return _plural(int(n), one, many) if n is not None else f"{value} {many}"

    return [f"{row.outcome_label}: {display(row.estimate)} ({counted(row.studies, 'study', 'studies')}, "
            f"{counted(row.participants, 'participant', 'participants')}; {row.certainty} certainty)."
            for row in sof.itertuples()]


def _certainty_sentence(build: Build) -> str:
    sof = build.table("sof")
    if sof is None or sof.empty:
        return ""
    groups: dict[str, list[str]] = {}
    for row in sof.itertuples():
        groups.setdefault(str(row.certainty), []).append(str(row.outcome_label).lower())
    return " ".join(f"The certainty of the evidence is {c} for {_words(o)}." for c, o in groups.items())


def _overall_rob(build: Build) -> pd.DataFrame:
    rob = build.table("rob")
    if rob is None:
        return pd.DataFrame(columns=["study_id", "source_type", "tool", "judgment", "level"])
    return rob[rob["item"] == "overall"]
