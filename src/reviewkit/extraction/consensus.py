"""The consensus form of a study extracted by two or more reviewers, started for them: every agreed value filled in
with its quote, every conflict (and text that differs) marked in a comment with each reviewer's value and quote, left
for the reviewers to settle. It is written only where there is none: nothing a reviewer wrote is replaced."""
from __future__ import annotations

from pathlib import Path

import yaml

from reviewkit.core.errors import ReviewInputError
from reviewkit.core.protocol import Protocol, load_protocol
from reviewkit.core.storage import YamlDoc, locked, save_checked
from reviewkit.core.team import AGREED, CONSENSUS
from reviewkit.extraction.forms import EXTRACTION_DIR, parse_form, read_team_form
from reviewkit.extraction.model import Entry
from reviewkit.extraction.tables import display_value
from reviewkit.records.model import Record
from reviewkit.records.studies import Study, load_studies


def _entry_yaml(key: str, entry: Entry, note: str) -> str:
    quotes = [q.quote for q in entry.evidence]
    raw = {"value": entry.value, "quote": quotes[0] if len(quotes) == 1 else quotes or None,
           "record": entry.evidence[0].record if entry.evidence else None, "note": note}
    body = {k: v for k, v in raw.items() if v is not None}
    return yaml.safe_dump({key: body}, allow_unicode=True, sort_keys=False, width=4096)


def _said(entries: dict[str, Entry]) -> str:
    return "; ".join(f"{r}: {display_value(e.value)}" + (f" — \"{e.evidence[0].quote}\" ({e.evidence[0].record})"
                                                         if e.evidence else "") for r, e in entries.items())


def consensus_target(review_dir: Path, folder: str, study_id: str, protocol: Protocol | None,
                     records: list[Record] | None) -> tuple[Protocol, dict[str, Record], Study, Path]:
    """The protocol, the records by id, the study and the consensus file a consensus is started in (``folder``: the
    stage's folder); a study that is not in the review is refused."""
    from reviewkit.records.sources import load_records

    protocol = protocol or load_protocol(review_dir)
    by_id = {r.id: r for r in (records if records is not None else load_records(review_dir, protocol))}
    study = {s.id: s for s in load_studies(review_dir, list(by_id))}.get(study_id)
    path = review_dir / folder / study_id / f"{CONSENSUS}.yml"
    if study is None:
        raise ReviewInputError(path, f"no study has the id {study_id!r}")
    return protocol, by_id, study, path


def refuse_existing(path: Path) -> None:
    """A consensus file is never rewritten."""
    if path.exists():
        raise ReviewInputError(path, "the consensus file exists already: edit it (it is never rewritten)")


def start_consensus(review_dir: str | Path, study_id: str, *, protocol: Protocol | None = None,
                    records: list[Record] | None = None) -> Path:
    """Write ``extraction/<study>/consensus.yml`` from the reviewers' forms; returns its path."""
    protocol, by_id, study, path = consensus_target(Path(review_dir), EXTRACTION_DIR, study_id, protocol, records)
    with locked(path):
        refuse_existing(path)
        team, problems = read_team_form(review_dir, study, protocol, by_id)
        if team is None or len(team.reviewers) < 2:
            raise ReviewInputError(path, f"study {study_id!r} has fewer than two reviewers' forms: a consensus form "
                                         "settles the disagreements of two or more")
        if problems:
            raise ReviewInputError(path, f"the reviewers' forms have problems to mend first, e.g. {problems[0]}")
        names = " and ".join(team.reviewers)
        parts = [f"# Consensus form of study {study_id}, started from the forms of {names}. Reviewer-owned data.\n"
                 "# The values they agreed on are filled in. Each CONFLICT below waits for the value you agree on, with\n"
                 "# its quote (as in any form); a value neither reviewer gave needs a note saying why.\n"]
        for c in team.fields:
            if c.status == AGREED:
                parts.append(_entry_yaml(c.key, c.standing, f"agreed by {names}"))
            elif c.entries:
                parts.append(f"# {c.status.upper()} {c.key}: {_said(c.entries)}\n")
        text = "".join(parts)
        _, problems = parse_form(YamlDoc(path, text), study, protocol, by_id)
        save_checked(path, text, problems)
    return path
