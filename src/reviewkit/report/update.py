"""The Results subsection of an updated review: what the latest search round found and changed, and how each pooled
estimate moved (``tables/changes.csv`` of the report stage, ``tables/cumulative.csv`` and the cumulative forest plots
of the synthesis stage, and the PRISMA counts). A review of one round has no such subsection."""
from __future__ import annotations

import pandas as pd

from reviewkit.core.numbers import EMPTY, fmt_count, fmt_interval
from reviewkit.report.blocks import _table_figure, pending
from reviewkit.report.effects import fmt_effect
from reviewkit.report.inputs import Build
from reviewkit.report.prisma import TOTAL, count
from reviewkit.report.typst import Markup, figure, heading, paragraph
from reviewkit.report.wording import _plural, _were, _words
from reviewkit.synthesis.cumul import PROPORTION

CHANGE_LABELS = {"new_study": "New study", "new_report": "New report of an included study",
                 "decision": "Screening decision", "extraction": "Extracted value", "risk_of_bias": "Risk of bias"}
COUNTED = {"new_study": ("new study", "new studies"), "new_report": ("new report of an included study",
                                                                   "new reports of included studies"),
           "decision": ("screening decision", "screening decisions"), "extraction": ("extracted value", "extracted values"),
           "risk_of_bias": ("risk-of-bias judgment", "risk-of-bias judgments")}
SHOWN_CHANGES = 60  # rows of the changes table in the PDF; tables/changes.csv has them all


def _round_sentence(build: Build) -> str:
    """The latest round: when, which sources, and its flow from the PRISMA counts."""
    protocol = build.protocol
    latest = protocol.rounds[-1]
    sources = [s.name for s in protocol.sources if protocol.round_number(s) == protocol.latest_round]
    when = f" on {latest.date:%-d %B %Y}" if latest.date else ""
    text = (f"This is an update of the review. Its latest search round, {latest.label or latest.id}, was run{when} "
            f"in {_words(sources)} ({_plural(len(protocol.rounds) - 1, 'earlier round')} before it).")
    prisma = build.table("prisma")
    if prisma is None or (prisma["column"] == "previous").sum() == 0:
        return text
    def n(box: str, column: str = TOTAL) -> int:
        return count(prisma, box, column)
    identified, duplicates, screened = n("identified"), n("duplicates_removed"), n("screened")
    text += (f" It identified {_plural(identified, 'record')}; {fmt_count(duplicates)} {_were(duplicates)} removed as "
             f"duplicates, among them the copies of records found in earlier rounds, which keep their decisions and were "
             f"not screened again, and {fmt_count(screened)} new {_were(screened)} screened.")
    new, previous = n("studies_new"), n("studies_previous", "previous")
    extra = n("reports_included") - n("reports_new")
    text += (f" {_plural(new, 'new study', 'new studies').capitalize()} ({_plural(n('reports_new'), 'report')}) "
             f"{_were(new)} included" + (f", and {_plural(extra, 'new report')} of studies included before" if extra else "")
             + f"; with the {_plural(previous, 'study', 'studies')} of the previous version, the review includes "
             f"{_plural(n('studies_included'), 'study', 'studies')} ({_plural(n('reports_total'), 'report')}).")
    return text


def _changes(build: Build, changes: pd.DataFrame) -> Markup:
    basis = changes["basis"].iloc[0] if not changes.empty else ""
    how = (f"compared with the previous version of the review folder in its git history ({basis.removeprefix('git ')})"
           if basis.startswith("git") else "told from the screening files' timestamps, as no earlier version of the "
           "review folder is in git history")
    notes = [r.after for r in changes.itertuples() if r.kind == "note"]
    rows = changes[changes["kind"] != "note"]
    out = paragraph(f"What changed since the previous version, {how}: "
                    + "; ".join(_plural(int(n), *COUNTED[kind]) for kind in CHANGE_LABELS
                                for n in [(rows["kind"] == kind).sum()] if n) + "." if not rows.empty else
                    f"Nothing changed in the studies, decisions, values or judgments since the previous version ({how}).")
    out += paragraph(" ".join(n[:1].upper() + n[1:] + "." for n in notes)) if notes else Markup("")
    if rows.empty:
        return out
    shown = rows.head(SHOWN_CHANGES)
    frame = pd.DataFrame({"Change": [CHANGE_LABELS[k] for k in shown["kind"]], "Study or record": shown["id"],
                          "Field or item": [f or EMPTY for f in shown["field"]],
                          "Before": [b or EMPTY for b in shown["before"]], "Now": shown["after"]})
    caption = "Changes since the previous version" + (
        f" (the first {SHOWN_CHANGES} of {len(rows)}; tables/changes.csv lists them all)." if len(rows) > len(shown) else ".")
    return out + _table_figure(caption, frame, "tab-changes", size="7.5pt")


def _cumulative(build: Build, cumulative: pd.DataFrame) -> Markup:
    if cumulative.empty:
        return paragraph("No outcome is pooled, so no pooled estimate could change.")
    labels = {o.id: o.label for o in build.protocol.outcomes}
    frame = pd.DataFrame([{"Outcome": labels.get(r.outcome, r.outcome), "Up to round": r.step, "Studies": fmt_count(r.k),
                           "Measure": "proportion" if r.measure == PROPORTION else r.measure,
                           "Estimate (95% CI)": fmt_interval(r.estimate, r.ci_low, r.ci_high) if r.measure == PROPORTION
                           else fmt_effect(r.measure, r.estimate, r.ci_low, r.ci_high),
                           "Note": r.note or EMPTY} for r in cumulative.itertuples()])
    out = paragraph("Each pooled estimate after each search round (a cumulative meta-analysis by round, with the model "
                    "of the main analysis): the last row of an outcome is the current estimate.")
    out += _table_figure("Pooled estimates by search round.", frame, "tab-cumulative", size="7.5pt")
    for outcome_id in dict.fromkeys(cumulative["outcome"]):
        path = build.figure(f"cumulative_{outcome_id}")
        if path:
            out += figure(path, f"Cumulative meta-analysis by search round: {labels.get(outcome_id, outcome_id).lower()}.",
                          label=f"fig-cumulative-{outcome_id}", max_height="9cm")
    return out


def _update(build: Build) -> Markup:
    """The subsection, for a review of more than one search round; nothing otherwise."""
    if build.protocol.latest_round < 2:
        return Markup("")
    out = heading("Changes since the previous version", 2, label="update") + paragraph(_round_sentence(build))
    changes, cumulative = build.table("changes"), build.table("cumulative")
    out += _changes(build, changes) if changes is not None else pending("tables/changes.csv", what="what changed")
    out += _cumulative(build, cumulative) if cumulative is not None else pending(
        "tables/cumulative.csv", what="pooled estimates by round")
    return out
