"""Duplicate records across and within imported sources: groups, their evidence and merged records.

Pairs judged the same publication (:mod:`reviewkit.dedup_pairs`) join into groups transitively
(union-find, strongest evidence first) unless that would put two different DOIs or PMIDs in one group,
or records a reviewer split apart; the reviewer's confirmations join records whatever the engine says
(:mod:`reviewkit.dedup_decisions`).
"""
from __future__ import annotations

from collections import Counter
from dataclasses import fields, replace
from typing import Sequence

import pandas as pd

from reviewkit.core.collector import collector_paused
from reviewkit.core.errors import ReviewInputError
from reviewkit.core.text import join_cell
from reviewkit.records.citation import Citation
from reviewkit.records.dedup.compared import Normalised, normalise_citations
from reviewkit.records.dedup.decisions import ID_SEPARATOR, DedupDecision, decision_constraints
from reviewkit.records.dedup.normalise import normalise_doi
from reviewkit.records.dedup.pairs import Match, matches


def _group(
    found: list[Match],
    norm: Normalised,
    confirms: Sequence[tuple[DedupDecision, list[int]]] = (),
    splits: dict[int, set[int]] | None = None,
) -> tuple[list[int], dict[int, list[tuple[int, int, str]]]]:
    """Union-find over the matches, strongest first: a root per record and, per root of a group, the
    pairs that joined it with why.

    A union is refused when it would put two different own DOIs or PMIDs in one group (unless the match
    itself was made despite them), or two records a reviewer split; the reviewer's confirmations are
    applied first, and one that would join split records is an error."""
    n = len(norm.title)
    parent = list(range(n))
    identifiers: dict[int, tuple[set[str], set[str]]] = {}  # root → its group's DOIs and PMIDs
    split_rows = {i: set(rows) for i, rows in (splits or {}).items()}
    evidence: dict[int, list[tuple[int, int, str]]] = {}

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def ids(r: int) -> tuple[set[str], set[str]]:
        return identifiers.get(r) or ({norm.doi[r]} - {""}, {norm.pmid[r]} - {""})

    def union(left: int, right: int, why: str, check_identifiers: bool) -> bool:
        a, b = root(left), root(right)
        if a == b:
            return True
        if split_rows.get(a, set()) & split_rows.get(b, set()):
            return False
        ids_a, ids_b = ids(a), ids(b)
        if check_identifiers and any(x and y and not x & y for x, y in zip(ids_a, ids_b)):
            return False
        parent[b] = a
        identifiers[a] = (ids_a[0] | ids_b[0], ids_a[1] | ids_b[1])
        identifiers.pop(b, None)
        split_rows[a] = split_rows.get(a, set()) | split_rows.pop(b, set())
        evidence.setdefault(a, []).extend(evidence.pop(b, []))
        evidence[a].append((left, right, why))
        return True

    for decision, indices in confirms:
        for other in indices[1:]:
            if not union(indices[0], other, f"reviewer confirmed (line {decision.line})", check_identifiers=False):
                raise ReviewInputError(
                    decision.path, "confirms records that another row splits (directly or through other "
                    "confirmations)", line=decision.line, field="ids")
    for m in sorted(found, key=lambda m: -m.strength):
        union(m.left, m.right, m.evidence, check_identifiers=not m.despite_identifiers)
    return [root(i) for i in range(n)], evidence


def _groups(roots: list[int]) -> list[tuple[int, ...]]:
    members: dict[int, list[int]] = {}
    for i, r in enumerate(roots):
        members.setdefault(r, []).append(i)
    return sorted(tuple(m) for m in members.values() if len(m) > 1)


def find_duplicates(citations: Sequence[Citation]) -> list[tuple[int, ...]]:
    """Groups of indices into ``citations`` that are the same publication: each of two or more indices in
    input order, transitively closed, groups ordered by their first member."""
    with collector_paused():
        norm = normalise_citations(citations)
        roots, _ = _group(matches(norm), norm)
        return _groups(roots)


def merge_group(citations: Sequence[Citation]) -> Citation:
    """One record for a group: the first member's id, source, position and line; for every other field
    the value most members give (on a tie the one not in capitals, then the longest: a full journal name
    over its abbreviation, 221-228 over 221-8), the longest abstract and author list, every keyword, and
    the DOI without resolver prefix."""
    merged = {}
    for f in fields(Citation):
        if f.name in ("id", "source", "position", "line"):
            continue
        values = [getattr(c, f.name) for c in citations]
        if f.name == "keywords":
            merged[f.name] = tuple(dict.fromkeys(k for v in values for k in v))
        elif f.name in ("authors", "abstract"):
            merged[f.name] = max(values, key=len)
        else:
            present = [v.strip() for v in values if v.strip()]
            counts = Counter(present)
            merged[f.name] = max(present, key=lambda v: (counts[v], not v.isupper(), len(v)), default="")
    merged["doi"] = normalise_doi(merged["doi"]) or merged["doi"]
    return replace(citations[0], **merged)


COLUMNS = ["group", "merged_ids", "sources", "evidence", "decision", "note"] + [
    f.name for f in fields(Citation) if f.name not in ("position", "line")]


def duplicate_groups(citations: Sequence[Citation], decisions: Sequence[DedupDecision] = ()) -> pd.DataFrame:
    """One row per duplicate group (:data:`COLUMNS`): ``group`` (1, 2, … in the order of their first
    member), ``merged_ids`` (the members' own ids joined by ``;``), ``sources`` (the members' sources),
    ``evidence`` (for each pair that joined the group, why: ``a=b: doi + title 0.98 + …``), the
    reviewer's ``decision`` (confirm, split) and ``note`` from rows naming a member, then the merged
    record's fields (:func:`merge_group`; authors and keywords joined by ``; ``)."""
    ids = [c.id for c in citations]
    confirms, splits = decision_constraints(list(decisions), ids)
    with collector_paused():
        norm = normalise_citations(citations)
        roots, evidence = _group(matches(norm), norm, confirms, splits)
        about: dict[str, list[DedupDecision]] = {}
        for d in decisions:
            for record_id in d.ids:
                about.setdefault(record_id, []).append(d)
        rows = []
        for number, members in enumerate(_groups(roots), start=1):
            group = [citations[i] for i in members]
            touching = list(dict.fromkeys(d for c in group for d in about.get(c.id, ())))
            merged = merge_group(group)
            rows.append({
                "group": number,
                "merged_ids": ID_SEPARATOR.join(c.id for c in group),
                "sources": ID_SEPARATOR.join(dict.fromkeys(c.source for c in group)),
                "evidence": join_cell(f"{ids[a]}={ids[b]}: {why}" for a, b, why in evidence[roots[members[0]]]),
                "decision": ID_SEPARATOR.join(dict.fromkeys(d.decision for d in touching)),
                "note": join_cell(d.note for d in touching),
                **{name: _cell(getattr(merged, name)) for name in COLUMNS[6:]},
            })
        return pd.DataFrame(rows, columns=COLUMNS)


def _cell(value: str | tuple[str, ...]) -> str:
    return join_cell(value) if isinstance(value, tuple) else value
