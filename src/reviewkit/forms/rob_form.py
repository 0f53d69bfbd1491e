"""The risk-of-bias form: the items of each appraisal a study calls for, answered with a quote or a note.

The tool comes from the protocol (the study's design as extracted; a grey-literature report's source
type), or from an appraisal already in the file. Selecting text in the record fills the quote; saving
goes through ``rob.record_judgment``, which looks for the quote in the report (``evidence.find_quote``),
checks the whole file and writes it atomically with the reviewer's comments kept.

With two or more independent reviewers in the protocol, the form first asks for the reviewer's id and then shows and
saves only that reviewer's own file of a study (``rob/<study>/<reviewer>.yml``); the comparison opens once every
reviewer has finished (``forms.rob_team``).
"""
from __future__ import annotations

from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import Any

import ipywidgets as w

from reviewkit.appraisal.judgments import (
    ROB_DIR,
    Appraisal,
    parse_rob_file,
    raw_appraisal,
    record_judgment,
    rob_path,
    study_design,
)
from reviewkit.appraisal.plan import expected_appraisals
from reviewkit.appraisal.tools import Tool, read_tools
from reviewkit.core.protocol import Protocol
from reviewkit.core.storage import load_yaml, read_yaml
from reviewkit.core.team import reviewer_path
from reviewkit.forms.common import QUOTE_MARK, StudyForm, form_box, labelled, marked_html, problem_text, quotes_of, say
from reviewkit.forms.rob_team import RobTeamView
from reviewkit.records.model import Record
from reviewkit.records.studies import Study

_UNANSWERED = "○"


@dataclass(frozen=True)
class Plan:
    """An appraisal to make: the tool, the report appraised, and the source type for a report's appraisal."""

    tool: Tool | None  # None while the study's design, which decides it, is not extracted
    record: str
    source_type: str | None

    @property
    def label(self) -> str:
        what = f"{self.record} ({self.source_type})" if self.source_type else "the study"
        return f"{self.tool.name if self.tool else 'no tool: extract the design first (notebook 03)'} — {what}"


def plans(review_dir: Path, study: Study, protocol: Protocol, records: dict[str, Record], tools: dict[str, Tool],
          done: list[Appraisal]) -> list[Plan]:
    """The appraisals a study calls for, and those its file has besides, each with its tool."""
    design = study_design(review_dir, study.id)
    found = []
    for kind, record in expected_appraisals(review_dir, study, protocol, records):
        made = next((a for a in done if a.source_type == kind and (kind is None or a.record == record)), None)
        tool = made.tool if made else tools.get(protocol.risk_of_bias_tools.get(design if kind is None else kind, ""))
        found.append(Plan(tool, record, kind))
    if design is None:
        found.insert(0, Plan(None, study.primary_record, None))
    found += [Plan(a.tool, a.record, a.source_type) for a in done
              if not any(p.source_type == a.source_type and p.record == a.record for p in found)]
    return found


class RobForm(StudyForm):
    """Appraise one study at a time: pick the appraisal and an item, answer it, quote the report, save. With
    independent reviewers, as ``reviewer`` (or the id typed in the form), in the reviewer's own file."""

    NOTE, SAVE = "note: why, or what the report does not say", "Save item"

    def __init__(self, review_dir: str | Path, *, reviewer: str = "", **options: Any) -> None:
        super().__init__(review_dir, **options)
        blind = self.protocol.independent_reviewers.risk_of_bias > 1
        self.team = RobTeamView(self.review_dir, self.protocol, reviewer) if blind else None
        self.reviewer: str | None = None  # the reviewer whose file is shown (independent reviewers)
        self.tools = read_tools(review_dir)[0]
        self.done: list[Appraisal] = []
        self.plans: list[Plan] = []

        self.appraisal = w.Dropdown(options=[], layout=w.Layout(width="40em"))
        self.tool_info = w.HTML()
        self.item = w.Select(options=[], rows=10, layout=w.Layout(width="21em"))
        self.item_text = w.HTML()
        self.answer = w.ToggleButtons(options=[], value=None, style={"button_width": "auto"})
        self.overall_state = w.HTML()
        self.overall = w.Dropdown(options=[], layout=w.Layout(width="22em"))
        self.overall_note = w.Textarea(placeholder="overall note (optional)", layout=w.Layout(width="100%", height="4.5em"))
        self.save_overall = w.Button(description="Save overall", icon="save")
        self.appraisal.observe(lambda _: self.show_appraisal(), "value")
        self.item.observe(lambda _: self.show_item(), "value")
        self.save.on_click(lambda _: self.save_item())
        self.save_overall.on_click(lambda _: self.save_overall_judgment())

        panel = w.VBox([
            self.item_text,
            labelled("Answer", self.answer),
            *self.quote_rows(),
            w.HTML("<hr style='margin:4px 0'>"),
            self.overall_state,
            w.HBox([labelled("Overall", self.overall), self.save_overall]),
            labelled("", self.overall_note),
        ], layout=w.Layout(flex="1 1 auto", padding="0 0 0 12px"))
        body = [
            labelled("Appraisal", self.appraisal),
            self.tool_info,
            w.HBox([w.VBox([w.HTML(f"<b>Items</b> (✓ answered, {_UNANSWERED} not yet)"), self.item]), panel]),
            w.HTML('<span style="color:#666">Select a passage in the record to make it the quote. '
                   f'<mark style="background:{QUOTE_MARK}">Marked</mark>: the item\'s saved quotes.</span>'),
            self.text,
        ]
        if self.team is None:
            self.widget = form_box([labelled("Study", self.study), *body])
        else:
            self.widget = self.team.layout(self.study, body, self.load_study)
        self.load_study()

    @property
    def plan(self) -> Plan | None:
        return self.plans[self.appraisal.value] if self.appraisal.value is not None and self.plans else None

    @property
    def made(self) -> Appraisal | None:
        """The appraisal of the plan as the file has it, if it is there."""
        plan = self.plan
        return next((a for a in self.done if plan and plan.tool and a.tool.id == plan.tool.id
                     and a.source_type == plan.source_type and (plan.source_type is None or a.record == plan.record)), None)

    @property
    def _blind(self) -> bool:
        """Whether the form may show nothing of a study: independent reviewers, and no reviewer id yet."""
        return self.team is not None and self.reviewer is None

    @property
    def path(self) -> Path:
        """The file the form shows and saves: the study's rob file, or with independent reviewers the reviewer's own."""
        study_id = self.current_study.id
        if self.team is None or self.reviewer is None:
            return rob_path(self.review_dir, study_id)
        return reviewer_path(self.review_dir / ROB_DIR, study_id, self.reviewer)

    def _read(self) -> list[str]:
        """Read the study's rob file (the reviewer's own, with independent reviewers) again; its problems, if any."""
        study = self.current_study
        path = self.path
        if not path.exists():
            self.done = []
            return []
        try:
            doc = read_yaml(path)
        except ValueError as exc:
            self.done = []
            return [str(exc)]
        design = study_design(self.review_dir, study.id)
        self.done, problems = parse_rob_file(doc, study, self.protocol, self.by_id, self.tools, design)
        return [str(p) for p in problems]

    def _blank(self) -> None:
        """Show nothing of any study's judgments: no reviewer id yet (independent reviewers)."""
        self.done, self.plans = [], []
        self.appraisal.options = self.record.options = []
        self.item.options, self.answer.options, self.overall.options = [], [], []
        self.quote.value = self.note.value = self.overall_note.value = ""
        self.tool_info.value = self.item_text.value = self.overall_state.value = self.status.value = self.text.html = ""
        self.team.body.layout.display = self.team.comparison.layout.display = "none"

    def load_study(self) -> None:
        """The study's appraisals: the first is shown. With independent reviewers, only once the reviewer's id is
        given, and only the reviewer's own."""
        study = self.current_study
        if self.team is not None:
            self.reviewer = self.team.reviewer_id()
            if self.reviewer is None:
                self._blank()
                return
            self.team.body.layout.display = self.team.comparison.layout.display = None
            self.team.show_comparison(study, self.by_id, self.tools)
        problems = self._read()
        self.plans = plans(self.review_dir, study, self.protocol, self.by_id, self.tools, self.done)
        self.record.options = [(f"{r} ({self.by_id[r].source_type})", r) for r in study.records]
        self.appraisal.options = [(p.label, n) for n, p in enumerate(self.plans)]
        self.appraisal.value = 0 if self.plans else None
        self.show_appraisal()
        if problems:
            say(self.status, "error", "The judgment file has problems; fix them by hand first:\n" + "\n".join(problems))

    def _saved_overall(self) -> tuple[str, str]:
        """The overall judgment and note stated in the file for the plan's appraisal ('' where none)."""
        plan, path = self.plan, self.path
        entry = raw_appraisal(load_yaml(path), self.current_study, plan.tool.id, plan.source_type, plan.record) \
            if plan and plan.tool and path.exists() else None
        overall = entry.get("overall") if entry else None
        overall = overall if isinstance(overall, dict) else {}
        return str(overall.get("judgment") or ""), str(overall.get("note") or "")

    def show_appraisal(self) -> None:
        """The chosen appraisal's tool, items and overall judgment."""
        if self._blind:
            return
        plan = self.plan
        tool = plan.tool if plan else None
        for widget in (self.save, self.save_overall, self.answer, self.item, self.overall):
            widget.disabled = tool is None
        if tool is None:
            self.tool_info.value = "<i>The study's tool follows from its design: extract the design in notebook 03 first.</i>"
            self.item.options, self.answer.options, self.overall.options = [], [], []
            self.text.html = marked_html(self.by_id[self.current_study.primary_record], [])
            return
        self.tool_info.value = f'<span style="color:#555"><b>{escape(tool.name)}</b> — {escape(tool.citation)}</span>'
        self.answer.options = [a.answer for a in tool.answers]
        self.answer.tooltips = [a.meaning or f"drawn as {a.level}" for a in tool.answers]
        stated = [a.answer for a in tool.overall.answers] if tool.overall.rule == "reviewer" else [s.to for s in tool.overall.stricter]
        first = "choose…" if tool.overall.rule == "reviewer" else "by the tool's rule"
        self.overall.options = [(first, "")] + [(s, s) for s in dict.fromkeys(stated)]
        self.record.value = plan.record
        self._list_items()
        made = self.made
        self.item.value = next((i.id for i in tool.items if not made or i.id not in made.items), tool.items[0].id)
        self.show_item()
        self.show_overall()

    def _list_items(self) -> None:
        made, current = self.made, self.item.value
        self.item.options = [
            (f"✓ {i.id} {i.label} ({made.items[i.id].answer})" if made and i.id in made.items else f"{_UNANSWERED} {i.id} {i.label}", i.id)
            for i in self.plan.tool.items
        ]
        if current in [i.id for i in self.plan.tool.items]:
            self.item.value = current

    def show_overall(self) -> None:
        """The overall judgment as it stands: computed, stated, or what it still waits for."""
        made = self.made
        judgment, note = self._saved_overall()
        self.overall.value = judgment if judgment in [v for _, v in self.overall.options] else ""
        self.overall_note.value = note
        if made is None:
            self.overall_state.value = "<b>Overall</b>: pending (no item answered yet)"
        elif made.missing:
            self.overall_state.value = f"<b>Overall</b>: pending (items {', '.join(made.missing)} not answered)"
        else:
            self.overall_state.value = (f"<b>Overall</b>: <b>{escape(made.overall.judgment)}</b> "
                                        f"<span style='color:#555'>({escape(made.overall.level)}; {escape(made.overall.note)})</span>")

    def show_item(self) -> None:
        """The chosen item's wording and the reviewer's saved answer."""
        plan, key = self.plan, self.item.value
        if plan is None or plan.tool is None or key is None:
            return
        item = plan.tool.item(key)
        self.item_text.value = f"<b>{escape(item.id)} {escape(item.label)}</b>: {escape(item.text)}"
        made = self.made
        judged = made.items.get(key) if made else None
        self.answer.value = judged.answer if judged else None
        self.quote.value = "\n".join(e.quote for e in judged.evidence) if judged else ""
        self.note.value = judged.note if judged else ""
        self.record.value = judged.evidence[0].record if judged and judged.evidence else plan.record
        self.status.value = ""
        self.show_text()

    def show_text(self) -> None:
        """The chosen report's text with the item's saved quotes marked."""
        record_id, made, key = self.record.value, self.made, self.item.value
        if record_id is None or self._blind:
            return
        judged = made.items.get(key) if made and key else None
        marks = [(*e.span, QUOTE_MARK, "saved quote") for e in (judged.evidence if judged else ()) if e.record == record_id]
        self.text.html = marked_html(self.by_id[record_id], marks)

    def _record(self, item: str, answer: str | None, **given: object) -> None:
        plan = self.plan
        record_judgment(self.review_dir, self.current_study.id, plan.tool.id, item, answer, protocol=self.protocol,
                        records=self.records, source_type=plan.source_type, reviewer=self.reviewer,
                        **({"record": plan.record} if plan.source_type else {}), **given)  # type: ignore[arg-type]

    def save_item(self) -> None:
        """Save the item's answer with its quote (checked against the report) or note; an overall judgment
        chosen for a tool without a rule is saved first, so that the last item can complete the appraisal."""
        plan, key = self.plan, self.item.value
        if self._blind:
            return
        if self.answer.value is None:
            say(self.status, "error", "Choose an answer first.")
            return
        quote = quotes_of(self.quote.value)
        try:
            if plan.tool.overall.rule == "reviewer" and self.overall.value and self.overall.value != self._saved_overall()[0]:
                self._record("overall", self.overall.value, note=self.overall_note.value.strip() or None)
            given = {"quote": quote, "note": self.note.value.strip() or None}
            if plan.source_type is None and quote:
                given["record"] = self.record.value
            self._record(key, self.answer.value, **given)
        except ValueError as exc:  # ReviewInputError(s) are ValueErrors
            hint = ("\nChoose the overall judgment below: it is saved with this item."
                    if plan.tool.overall.rule == "reviewer" and not self.overall.value else "")
            say(self.status, "error", f"Not saved: {problem_text(exc)}{hint}")
            return
        saved = f"Saved {key}: {self.answer.value}"
        if self.team is not None:
            saved += f" in rob/{self.current_study.id}/{self.reviewer}.yml"
        self._after_save()
        left = self.made.missing if self.made else []
        if left:
            ids = [i.id for i in plan.tool.items]
            self.item.value = next((i for i in left if ids.index(i) > ids.index(key)), left[0])
            saved += f"; next: {self.item.value}"
        say(self.status, "ok", saved)

    def save_overall_judgment(self) -> None:
        """Save the stated overall judgment (or leave it to the tool's rule) and its note."""
        if self._blind:
            return
        try:
            self._record("overall", self.overall.value or None, note=self.overall_note.value.strip() or None)
        except ValueError as exc:
            say(self.status, "error", f"Not saved: {problem_text(exc)}")
            return
        self._after_save()
        say(self.status, "ok", "Saved the overall judgment.")

    def _after_save(self) -> None:
        self._read()
        self.plans = plans(self.review_dir, self.current_study, self.protocol, self.by_id, self.tools, self.done)
        self._list_items()
        self.show_overall()
        self.show_text()
        if self.team is not None:
            self.team.show_comparison(self.current_study, self.by_id, self.tools)
