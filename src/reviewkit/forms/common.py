"""Pieces the three forms share: marked-up record text, status messages, quotes typed or selected, and the
base of the two study forms (extraction, risk of bias)."""
from __future__ import annotations

from html import escape
from pathlib import Path
from typing import Any

import ipywidgets as w

from reviewkit.core.errors import ReviewInputError, ReviewInputErrors
from reviewkit.core.evidence import find_quote, pages_of
from reviewkit.core.protocol import Protocol, load_protocol
from reviewkit.forms.frontend import FORM_CLASS, RecordText
from reviewkit.records.model import Record
from reviewkit.records.sources import load_records
from reviewkit.records.studies import Study, load_studies

QUOTE_MARK = "#fff176"  # a quote the reviewer saved
SUGGESTION_MARK = "#bbdefb"  # the passage a suggestion rests on
_COLOURS = {"ok": "#1b5e20", "error": "#b71c1c", "info": "#37474f"}


def marked_html(record: Record, marks: list[tuple[int, int, str, str]]) -> str:
    """A record's text as HTML with ``(start, end, colour, title)`` spans marked; a span overlapping an earlier one
    is left out. The first mark has the class ``rk-focus`` (the text box scrolls to it). A record read from a PDF
    has its page numbers shown."""
    text, parts, position = record.text, [], 0
    for start, end, colour, title in sorted(m for m in marks if m[0] < m[1]):
        if start < position:
            continue
        focus = ' class="rk-focus"' if position == 0 and not parts else ""
        parts.append(escape(text[position:start]))
        parts.append(f'<mark{focus} style="background:{colour}" title="{escape(title)}">{escape(text[start:end])}</mark>')
        position = end
    parts.append(escape(text[position:]))
    return _paged("".join(parts)) if record.page_starts else "".join(parts)


_PAGE_STYLE = "<style>.rk-page::before{content:'page ' attr(data-page)}</style>"
_PAGE = ('<span class="rk-page" data-page="{}" style="display:block;border-top:1px solid #bbb;margin:0.5em 0;'
         'color:#777;font-size:80%"></span>')


def _paged(html: str) -> str:
    """A PDF record's text with each page's number above it, from the page breaks (``\f``) between its pages;
    the number is drawn by CSS, so a selection across a page break copies none of it."""
    pieces = html.split("\f")
    return _PAGE_STYLE + "".join(_PAGE.format(n) + piece for n, piece in enumerate(pieces, 1))


def say(status: w.HTML, kind: str, text: str) -> None:
    """Show a message (``ok``, ``error`` or ``info``; ``text`` is plain text) in a form's status line."""
    lines = "<br>".join(escape(line) for line in text.splitlines())
    status.value = f'<div style="color:{_COLOURS[kind]};white-space:normal">{lines}</div>'


def problem_text(exc: Exception) -> str:
    """The problems of a refused save, one per line, without the file's path (the form names the study)."""
    errors = exc.errors if isinstance(exc, ReviewInputErrors) else [exc]
    return "\n".join(e.message if isinstance(e, ReviewInputError) else str(e) for e in errors)


def quotes_of(text: str) -> str | list[str] | None:
    """The quotes typed in a quote box, one per line: None, one text, or a list."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return None if not lines else lines[0] if len(lines) == 1 else lines


def add_selection(box: w.Textarea, selection: str, add: bool) -> None:
    """Put a selection (whitespace collapsed onto one line) in a quote box, or add it as a further quote."""
    quote = " ".join(selection.split())
    if quote:
        box.value = f"{box.value.rstrip()}\n{quote}" if add and box.value.strip() else quote


def form_box(children: list[w.Widget]) -> w.VBox:
    """The outer box of a form: the keyboard shortcuts apply inside it."""
    box = w.VBox(children, layout=w.Layout(width="100%"))
    box.add_class(FORM_CLASS)
    return box


def labelled(label: str, widget: w.Widget, width: str = "7em") -> w.HBox:
    return w.HBox([w.HTML(f"<b>{escape(label)}</b>", layout=w.Layout(width=width, flex="0 0 auto")), widget])


class Displayed:
    """A form object that displays as its widget in a notebook (``form`` as a cell's last line)."""

    widget: w.Widget

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.widget._repr_mimebundle_(**kwargs)


def study_context(
    review_dir: str | Path, studies: list[str] | None, protocol: Protocol | None, records: list[Record] | None
) -> tuple[Protocol, list[Record], list[Study]]:
    """The protocol, records and chosen studies (all if ``studies`` is None) a study form works on."""
    protocol = protocol or load_protocol(review_dir)
    records = records if records is not None else load_records(review_dir, protocol)
    every = {s.id: s for s in load_studies(review_dir, [r.id for r in records])}
    unknown = [s for s in studies or [] if s not in every]
    if unknown:
        raise ValueError(f"no study in studies.yml has the id(s) {', '.join(unknown)}")
    return protocol, records, [every[s] for s in studies] if studies is not None else list(every.values())


class StudyForm(Displayed):
    """What the extraction and risk-of-bias forms share: a study picker, a report's text to select quotes from,
    the quote box, the report picker, a note, a save button and a status line. A subclass builds its own widgets
    and layout (with ``quote_rows``), then calls ``load_study``; it defines ``load_study`` and ``show_text``."""

    NOTE = "note"  # the placeholder of the note box
    SAVE = "Save"  # the label of the save button

    def __init__(self, review_dir: str | Path, *, studies: list[str] | None = None, protocol: Protocol | None = None,
                 records: list[Record] | None = None) -> None:
        """A form for ``studies`` (default: every study) of the review; ``protocol`` and ``records`` save reading
        them again when the notebook has them."""
        self.review_dir = Path(review_dir)
        self.protocol, self.records, self.studies = study_context(review_dir, studies, protocol, records)
        self.by_id = {r.id: r for r in self.records}
        self.study = w.Dropdown(options=[(s.label or s.id, s.id) for s in self.studies], layout=w.Layout(width="40em"))
        self.quote = w.Textarea(placeholder="select text in the record below, or type: one quote a line",
                                layout=w.Layout(width="100%", height="4.5em"))
        self.add_quotes = w.Checkbox(description="a selection adds a further quote", indent=False)
        self.record = w.Dropdown(options=[], layout=w.Layout(width="30em"))
        self.note = w.Textarea(placeholder=self.NOTE, layout=w.Layout(width="100%", height="3em"))
        self.save = w.Button(description=self.SAVE, button_style="primary", icon="save")
        self.status = w.HTML()
        self.text = RecordText()
        self.quote.add_class("rk-quote")
        self.note.add_class("rk-note")
        self.study.observe(lambda _: self.load_study(), "value")
        self.record.observe(lambda _: self.show_text(), "value")
        self.text.observe(lambda change: self.select(change["new"]), "selection")

    def quote_rows(self) -> list[w.Widget]:
        """The rows of the quote, the report it is from, the note, and save with the status beside it."""
        return [labelled("Quote", self.quote), labelled("", self.add_quotes), labelled("Record", self.record),
                labelled("Note", self.note), w.HBox([self.save, self.status])]

    @property
    def current_study(self) -> Study:
        return next(s for s in self.studies if s.id == self.study.value)

    def load_study(self) -> None:
        raise NotImplementedError

    def show_text(self) -> None:
        raise NotImplementedError

    def select(self, selection: str) -> None:
        """Text selected in the report becomes the quote (or a further quote)."""
        if selection:
            add_selection(self.quote, selection, self.add_quotes.value)
            record = self.by_id.get(self.record.value)
            span = find_quote(selection, record.text) if record is not None and record.page_starts else None
            page = f", p. {pages_of(span, record.page_starts)}" if span else ""
            say(self.status, "info", f"Quote taken from {self.record.value}{page}; save to check it.")
