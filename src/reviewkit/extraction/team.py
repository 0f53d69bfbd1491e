"""A study's data extracted by two or more reviewers independently: their forms compared field by field, and the form
that stands (the consensus's values, else those every reviewer gave; a field in conflict stays pending).

Numbers and choices are compared exactly; text and lists after normalisation (case, spaces, dashes, quotes), and text
that still differs is marked for a person to read, not counted as a disagreement. Quotes are compared by the passage
they point to: the same record and overlapping text. A consensus value must be one that a reviewer gave, or carry a
note saying why it is neither.
"""
from __future__ import annotations

from dataclasses import dataclass

from reviewkit.core.errors import ReviewInputError
from reviewkit.core.protocol import FormField, Protocol
from reviewkit.core.storage import YamlDoc
from reviewkit.core.team import Compared, compare, same
from reviewkit.extraction.model import Entry, Form
from reviewkit.records.studies import Study

TEXT_TYPES = ("text", "list")


class FieldComparison(Compared):
    """One field of a study's form as each reviewer (reviewer → entry; those who answered) and the consensus gave it."""


@dataclass(frozen=True)
class TeamForm:
    """A study's reviewers' forms, the consensus form (if any) and the form that stands."""

    study: Study
    reviewers: dict[str, Form]
    consensus: Form | None
    fields: tuple[FieldComparison, ...]

    @property
    def standing(self) -> Form:
        entries = {c.key: c.standing for c in self.fields if c.standing is not None}
        discrepancies = self.consensus.discrepancies if self.consensus else next(iter(self.reviewers.values())).discrepancies
        return Form(self.study, entries, discrepancies)


def _consensus_problems(key: str, entry: Entry, given: dict[str, Entry], field: FormField, doc: YamlDoc) -> list:
    text = field.type in TEXT_TYPES
    if entry.note or any(same(entry.value, e.value, text=text) for e in given.values()):
        return []
    values = "; ".join(f"{r}: {e.value!r}" for r, e in given.items()) or "no reviewer has answered"
    return [ReviewInputError(doc.path, f"the consensus value {entry.value!r} is not one a reviewer gave ({values}): "
                                       "say why in its note", line=doc.line((key,)), field=key)]


def merge(study: Study, reviewers: dict[str, Form], consensus: Form | None, consensus_doc: YamlDoc | None,
          fields: list[FormField], expected: int) -> tuple[TeamForm, list[ReviewInputError]]:
    """Compare the reviewers' forms of ``study`` field by field (``expected`` reviewers at least) and check the
    consensus form against them."""
    comparisons, errors = [], []
    for field in fields:
        given = {r: f.entries[field.key] for r, f in sorted(reviewers.items()) if field.key in f.entries}
        agreed = consensus.entries.get(field.key) if consensus else None
        if agreed is not None and consensus_doc is not None:
            errors += _consensus_problems(field.key, agreed, given, field, consensus_doc)
        status = compare({r: e.value for r, e in given.items()}, expected, text=field.type in TEXT_TYPES)
        comparisons.append(FieldComparison(field.key, status, given, agreed))
    return TeamForm(study, dict(sorted(reviewers.items())), consensus, tuple(comparisons)), errors


def finished(team: TeamForm | None, protocol: Protocol) -> list[str]:
    """The reviewers of a study who answered every field of the protocol's form in their own form (a value or
    ``not reported``; an entry that fails its checks is not an answer)."""
    if team is None:
        return []
    keys = [f.key for f in protocol.extraction_form]
    return [r for r, form in team.reviewers.items() if all(k in form.entries for k in keys)]


def comparison_open(team: TeamForm | None, protocol: Protocol) -> bool:
    """Whether a study's reviewers may see one another's forms: the protocol's number of reviewers at least have a
    form of it, and every one of them has finished (``finished``)."""
    done = finished(team, protocol)
    return team is not None and len(done) == len(team.reviewers) >= protocol.independent_reviewers.extraction
