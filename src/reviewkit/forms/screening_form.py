"""The screening form: one record at a time, its criteria evidence and suggestion, and the reviewer's decision.

Every decision is saved at once with ``decisions.record_decision`` (checked, then written atomically to
``review/screening/<stage>/<reviewer>.csv``), so a closed tab loses nothing but a note not yet decided.
"""
from __future__ import annotations

from html import escape
from pathlib import Path

import ipywidgets as w

from reviewkit.core.protocol import Protocol, load_protocol
from reviewkit.forms.common import Displayed, form_box, labelled, marked_html, say
from reviewkit.forms.frontend import RecordText, Shortcuts
from reviewkit.records.dedup.review import unique_records
from reviewkit.records.model import Record
from reviewkit.records.sources import load_records
from reviewkit.screening.criteria import MET, NOT_MET, ScreeningSuggestion, suggest
from reviewkit.screening.decisions import PHASES, load_decisions, record_decision, resolve

STAGE_LABELS = {"title_abstract": "title/abstract", "full_text": "full text"}
_EVIDENCE = {MET: ("#c8f0c8", "met"), NOT_MET: ("#f6c6c6", "not met")}
_JUDGMENT_MARK = {MET: "✓", NOT_MET: "✗"}
_DECISION_STYLE = {"include": "success", "exclude": "danger", "unsure": "warning"}


def evidence_marks(found: ScreeningSuggestion) -> list[tuple[int, int, str, str]]:
    """Where the criteria's patterns matched in the record's text: (start, end, colour, title)."""
    return [
        (e.start + start, e.start + end, _EVIDENCE[e.polarity][0], f"{j.criterion}: {_EVIDENCE[e.polarity][1]}")
        for j in found.judgments
        for e in j.evidence
        for start, end in e.spans
    ]


def suggestion_html(found: ScreeningSuggestion, labels: dict[str, str]) -> str:
    """The suggested decision and each criterion's judgment, in one short block."""
    colour = {"include": "#1b5e20", "exclude": "#b71c1c"}.get(found.decision, "#8d6e00")
    reason = f" — {escape(labels.get(found.exclusion_reason, found.exclusion_reason))}" if found.exclusion_reason else ""
    chips = " · ".join(
        f"{escape(j.criterion)} <b>{_JUDGMENT_MARK.get(j.judgment, '?')}</b> {escape(j.judgment.replace('_', ' '))}"
        for j in found.judgments
    )
    return (f'<div>Suggested: <b style="color:{colour}">{escape(found.decision)}</b>{reason}'
            f'<br><span style="color:#555">criteria: {chips}</span></div>')


class ScreeningForm(Displayed):
    """Screen records one at a time for a named reviewer, at title/abstract or full text.

    ``order`` lists record ids in the order to show them (a ranking, say); records it leaves out follow
    in their own order. ``advance`` moves on to the next record after each decision.
    """

    def __init__(
        self,
        review_dir: str | Path,
        *,
        reviewer: str = "",
        stage: str = PHASES[0],
        order: list[str] | None = None,
        advance: bool = True,
        protocol: Protocol | None = None,
        records: list[Record] | None = None,
    ) -> None:
        if stage not in PHASES:
            raise ValueError(f"stage must be one of {', '.join(PHASES)}, not {stage!r}")
        self.review_dir = Path(review_dir)
        self.protocol = protocol or load_protocol(review_dir)
        self.records = records if records is not None else load_records(review_dir, self.protocol)
        self.to_screen = {r.id: r for r in unique_records(review_dir, self.records)}
        self.found: dict[str, ScreeningSuggestion] = {}  # suggestions, made as records are shown
        self.reason_labels = {r.id: r.label for r in self.protocol.exclusion_reasons}
        self.advance = advance
        self.order = self._ordered(order)
        self.position = 0
        self.mine: dict[str, dict[str, str]] = {}
        self.shown: list[str] = []

        self.reviewer = w.Text(value=reviewer, placeholder="your id: letters, digits, _ . -", continuous_update=False)
        self.stage = w.ToggleButtons(options=[(STAGE_LABELS[s], s) for s in PHASES], value=stage)
        self.progress = w.IntProgress(min=0, max=1, value=0, layout=w.Layout(width="40%"))
        self.progress_label = w.HTML()
        self.header = w.HTML()
        self.suggestion = w.HTML()
        self.include = w.Button(description="Include", tooltip="include (key i)", icon="check")
        self.exclude = w.Button(description="Exclude", tooltip="exclude with the reason chosen (key e)", icon="times")
        self.unsure = w.Button(description="Unsure", tooltip="unsure (key u)", icon="question")
        self.reason = w.Dropdown(
            options=[("exclusion reason (keys 1–9)…", "")]
            + [(f"{n}. {r.label}", r.id) for n, r in enumerate(self.protocol.exclusion_reasons, start=1)],
            layout=w.Layout(width="28em"),
        )
        self.note = w.Textarea(placeholder="note (saved with the decision; Esc leaves the box)",
                               layout=w.Layout(width="100%", height="3.5em"))
        self.previous = w.Button(description="Previous", tooltip="previous record (key p or ←)", icon="arrow-left")
        self.next = w.Button(description="Next", tooltip="next record (key n or →)", icon="arrow-right")
        self.status = w.HTML()
        self.text = RecordText()
        keys = {"i": lambda: self.decide("include"), "e": lambda: self.decide("exclude"), "u": lambda: self.decide("unsure"),
                "n": lambda: self.move(1), "ArrowRight": lambda: self.move(1),
                "p": lambda: self.move(-1), "ArrowLeft": lambda: self.move(-1)}
        for n, r in enumerate(self.protocol.exclusion_reasons[:9], start=1):
            keys[str(n)] = lambda reason=r.id: setattr(self.reason, "value", reason)
        self.shortcuts = Shortcuts(keys)

        for decision in ("include", "exclude", "unsure"):
            getattr(self, decision).on_click(lambda _, d=decision: self.decide(d))
        self.previous.on_click(lambda _: self.move(-1))
        self.next.on_click(lambda _: self.move(1))
        self.reviewer.observe(lambda _: self.reload(), "value")
        self.stage.observe(lambda _: self.reload(), "value")

        hint = w.HTML('<span style="color:#666">Keys, after a click on the form: <b>i</b> include · <b>e</b> exclude · '
                      '<b>1–9</b> reason · <b>u</b> unsure · <b>n</b>/<b>→</b> next · <b>p</b>/<b>←</b> previous · '
                      '<b>Esc</b> leaves the note box. Marks in the text: green, a criterion met; red, not met.</span>')
        self.widget = form_box([
            w.HBox([labelled("Reviewer", self.reviewer), w.HTML("&nbsp;&nbsp;<b>Stage</b>&nbsp;"), self.stage]),
            w.HBox([self.progress, self.progress_label]),
            self.header,
            self.suggestion,
            w.HBox([self.include, self.exclude, self.reason, self.unsure]),
            self.note,
            w.HBox([self.previous, self.next]),
            self.status,
            hint,
            self.text,
            self.shortcuts,
        ])
        self.reload()

    def _ordered(self, order: list[str] | None) -> list[str]:
        ids = list(self.to_screen)
        if order is None:
            return ids
        unknown = [i for i in order if i not in self.to_screen]
        if unknown:
            raise ValueError(f"order names record(s) that are not to be screened: {', '.join(unknown[:5])}")
        first = list(dict.fromkeys(order))
        return first + [i for i in ids if i not in set(first)]

    @property
    def current(self) -> str | None:
        """The id of the record shown, if any."""
        return self.shown[self.position] if self.shown else None

    def set_order(self, order: list[str]) -> None:
        """Show the records in a new order from now on, staying on the record shown."""
        current = self.current
        self.order = self._ordered(order)
        self._select_records()
        self.position = self.shown.index(current) if current in self.shown else 0
        self.render()

    def _select_records(self) -> None:
        """The records of the stage: all at title/abstract; at full text, those not excluded at title/abstract."""
        decisions = load_decisions(self.review_dir, self.protocol, self.records)
        stage, reviewer = self.stage.value, self.reviewer.value.strip()
        mine = decisions[(decisions["stage"] == stage) & ~decisions["consensus"] & (decisions["reviewer"] == reviewer)]
        self.mine = {row["record_id"]: row for row in mine.to_dict("records")}
        if stage == PHASES[0]:
            self.shown = list(self.order)
        else:
            resolved = resolve(decisions, self.order)
            first = resolved[resolved["stage"] == PHASES[0]]
            passed = set(first[first["decision"].isin(["include", "unsure"])]["record_id"])
            self.shown = [i for i in self.order if i in passed]

    def reload(self) -> None:
        """Read the reviewer's decisions at the stage again; stay on the record shown if it is still there."""
        current = self.current
        try:
            self._select_records()
        except ValueError as exc:  # a decision file someone edited by hand has a problem
            say(self.status, "error", f"The decision files have problems; fix them first:\n{exc}")
            return
        self.position = self.shown.index(current) if current in self.shown else 0
        self.render()
        if not self.reviewer.value.strip():
            say(self.status, "info", "Type your reviewer id to record decisions.")

    def render(self) -> None:
        """Show the current record, the reviewer's decision on it and the progress."""
        stage = STAGE_LABELS[self.stage.value]
        decided = sum(1 for i in self.shown if i in self.mine)
        self.progress.max, self.progress.value = max(1, len(self.shown)), decided
        who = escape(self.reviewer.value.strip()) or "—"
        self.progress_label.value = f"&nbsp;{decided} of {len(self.shown)} records screened at {stage} by <b>{who}</b>"
        self.status.value = ""
        record_id = self.current
        for button in (self.include, self.exclude, self.unsure, self.previous, self.next):
            button.disabled = record_id is None
        if record_id is None:
            self.header.value = f"<i>No record to screen at {stage}: full text needs records included or unsure at title/abstract.</i>"
            self.suggestion.value = self.text.html = ""
            return
        record, row = self.to_screen[record_id], self.mine.get(record_id)
        if record_id not in self.found:
            self.found[record_id] = suggest(self.protocol, record)
        found = self.found[record_id]
        self.previous.disabled = self.position == 0
        self.next.disabled = self.position == len(self.shown) - 1
        mine = "not yet decided"
        if row:
            reason = f" ({row['exclusion_reason']})" if row["exclusion_reason"] else ""
            mine = f"<b>{escape(row['decision'])}</b>{escape(reason)}"
        self.header.value = (
            f'<div style="color:#555">Record {self.position + 1} of {len(self.shown)} · <code>{escape(record_id)}</code> · '
            f"{escape(record.source_type)} · your decision: {mine}</div>"
            f'<div style="font-size:1.15em;font-weight:600;margin:2px 0">{escape(record.title)}</div>'
        )
        self.suggestion.value = suggestion_html(found, self.reason_labels)
        for decision in ("include", "exclude", "unsure"):
            getattr(self, decision).button_style = _DECISION_STYLE[decision] if row and row["decision"] == decision else ""
        self.reason.value = (row["exclusion_reason"] if row else "") or (found.exclusion_reason if found.decision == "exclude" else "")
        self.note.value = row["note"] if row else ""
        self.text.html = marked_html(record, evidence_marks(found))

    def move(self, step: int) -> None:
        """Go ``step`` records on (or back), staying within the records of the stage."""
        if self.shown:
            self.position = min(max(self.position + step, 0), len(self.shown) - 1)
            self.render()

    def decide(self, decision: str) -> None:
        """Record the reviewer's decision on the current record (with the reason and note shown), then move on."""
        record_id, reviewer = self.current, self.reviewer.value.strip()
        if record_id is None:
            return
        if not reviewer:
            say(self.status, "error", "Type your reviewer id first (letters, digits, _ . -).")
            return
        reason = self.reason.value if decision == "exclude" else ""
        if decision == "exclude" and not reason:
            say(self.status, "error", "Choose an exclusion reason (keys 1–9), then exclude.")
            return
        try:
            path = record_decision(self.review_dir, self.protocol, self.records, stage=self.stage.value, reviewer=reviewer,
                                   record_id=record_id, decision=decision, exclusion_reason=reason, note=self.note.value.strip())
        except ValueError as exc:  # ReviewInputError(s) are ValueErrors
            say(self.status, "error", f"Not saved: {exc}")
            return
        self.mine[record_id] = {"record_id": record_id, "decision": decision, "exclusion_reason": reason,
                                "note": self.note.value.strip()}
        if self.advance and self.position < len(self.shown) - 1:
            self.position += 1
        self.render()
        saved = f"{decision}{f' ({reason})' if reason else ''}"
        say(self.status, "ok", f"Saved {saved} for {record_id} in {path.relative_to(self.review_dir)}")

