"""Independent extraction compared: each reviewer's value beside the others' per study and field, the agreement per
field and overall (Cohen's kappa for choice fields, as screening computes it), and the conflicts left to settle."""
from __future__ import annotations

from itertools import combinations
from pathlib import Path

import numpy as np
import pandas as pd

from reviewkit.core.protocol import Protocol
from reviewkit.core.team import CONFLICT, TEXT_DIFFERS, same
from reviewkit.extraction.forms import read_team_form
from reviewkit.extraction.tables import display_value
from reviewkit.extraction.team import TEXT_TYPES, TeamForm
from reviewkit.records.model import Record
from reviewkit.records.studies import Study
from reviewkit.screening.agreement import kappa

AGREEMENT_COLUMNS = ["field", "type", "rater_a", "rater_b", "studies", "agreed", "agreement", "text_differs", "kappa",
                     "kappa_low", "kappa_high"]
OVERALL = "all fields"


def _quotes(entry) -> str:
    return " | ".join(q.quote + (f" (p. {q.pages})" if q.pages else "") for q in entry.evidence)


def read_team_forms(review_dir: str | Path, protocol: Protocol, records: list[Record],
                    studies: list[Study]) -> dict[str, TeamForm]:
    """The reviewers' forms of each of ``studies`` extracted by two or more reviewers (problems are the
    validation's to report: a form's entries that fail their checks are left out)."""
    by_id = {r.id: r for r in records}
    found = {s.id: read_team_form(review_dir, s, protocol, by_id)[0] for s in studies}
    return {study_id: team for study_id, team in found.items() if team is not None}


def team_comparison(teams: dict[str, TeamForm], protocol: Protocol) -> pd.DataFrame:
    """One row per study of two or more reviewers and form field: each reviewer's value and quotes (``<reviewer>``,
    ``<reviewer>_quote``), the status (agreed, conflict, text differs, waiting), whether the quotes point to the same
    passage, the consensus value and the value that stands."""
    reviewers = sorted({r for team in teams.values() for r in team.reviewers})
    types = {f.key: f.type for f in protocol.extraction_form}
    rows = []
    for study_id, team in teams.items():
        for c in team.fields:
            if not c.entries and c.consensus is None:
                continue
            row = {"study_id": study_id, "field": c.key, "type": types[c.key], "status": c.status,
                   "same_passage": "" if c.same_passage is None else ("yes" if c.same_passage else "no"),
                   "consensus": display_value(c.consensus.value) if c.consensus else "",
                   "standing": display_value(c.standing.value) if c.standing else "pending"}
            for r in reviewers:
                entry = c.entries.get(r)
                row[r], row[f"{r}_quote"] = (display_value(entry.value), _quotes(entry)) if entry else ("", "")
            rows.append(row)
    columns = ["study_id", "field", "type", *[x for r in reviewers for x in (r, f"{r}_quote")], "status",
               "same_passage", "consensus", "standing"]
    return pd.DataFrame(rows, columns=columns)


def team_conflicts(comparison: pd.DataFrame) -> pd.DataFrame:
    """The fields in conflict, or whose text differs, that the consensus has not settled yet."""
    open_ = comparison["status"].isin([CONFLICT, TEXT_DIFFERS]) & (comparison["consensus"] == "")
    return comparison[open_].reset_index(drop=True)


def _pair_row(pairs: list[tuple], a: str, b: str, field: str, kind: str) -> dict:
    """The agreement of ``a`` and ``b`` over ``pairs`` of their values (a's, b's, whether the field is text): text
    that differs after normalisation is counted apart, every other pair is scored as agreed or not."""
    differs = [not same(x, y, text=True) if text else False for x, y, text in pairs]
    scored = [(x, y, text) for (x, y, text), d in zip(pairs, differs) if not d]
    agreed = sum(same(x, y, text=text) for x, y, text in scored)
    row = {"field": field, "type": kind, "rater_a": a, "rater_b": b, "studies": len(scored), "agreed": agreed,
           "agreement": agreed / len(scored) if scored else np.nan, "text_differs": sum(differs), "kappa": np.nan,
           "kappa_low": np.nan, "kappa_high": np.nan}
    if kind == "choice" and scored:
        xs, ys = [display_value(x) for x, _, _ in scored], [display_value(y) for _, y, _ in scored]
        levels = sorted(set(xs) | set(ys))
        found = kappa(pd.crosstab(pd.Categorical(xs, levels), pd.Categorical(ys, levels), dropna=False))
        row.update(kappa=found["kappa"], kappa_low=found["kappa_low"], kappa_high=found["kappa_high"])
    return row


def team_agreement(teams: dict[str, TeamForm], protocol: Protocol) -> pd.DataFrame:
    """Per pair of reviewers, each field's proportion of agreement over the studies both extracted (text that differs
    is counted apart, not as a disagreement), Cohen's kappa with its 95% CI for choice fields (``screening``'s
    kappa), and the proportion over all fields."""
    reviewers = sorted({r for team in teams.values() for r in team.reviewers})
    rows = []
    for a, b in combinations(reviewers, 2):
        every = []
        for field in protocol.extraction_form:
            pairs = [(c.entries[a].value, c.entries[b].value, field.type in TEXT_TYPES)
                     for team in teams.values() for c in team.fields
                     if c.key == field.key and a in c.entries and b in c.entries]
            if pairs:
                rows.append(_pair_row(pairs, a, b, field.key, field.type))
                every += pairs
        if every:
            rows.append(_pair_row(every, a, b, OVERALL, ""))
    return pd.DataFrame(rows, columns=AGREEMENT_COLUMNS)
