"""Markup the sections share: a section over one table (pending while it is missing), and a numbered table."""
from __future__ import annotations

import pandas as pd

from reviewkit.report.inputs import Build
from reviewkit.report.typst import Markup, escape, heading, table

SHORT_TABLE_ROWS, SHORT_TABLE_CHARS = 14, 2500  # a table this small is not split across pages


def pending(*missing_inputs: str, what: str = "") -> Markup:
    """The box a section shows while its inputs are missing."""
    inputs = ", ".join(missing_inputs)
    text = f"{what} ({inputs} missing)" if what else f"{inputs} missing"
    return Markup(f"#pending[{escape(text)}]\n\n")


def section(build: Build, title: str, label: str, name: str, what: str) -> tuple[Markup, pd.DataFrame | None]:
    """A level-2 section's heading and the table ``name`` it reports; while the stage (``what``) has not written
    the table, the heading with the pending box, and None."""
    out = heading(title, 2, label=label)
    found = build.table(name)
    return (out, found) if found is not None else (out + pending(f"tables/{name}.csv", what=what), None)


def _table_figure(caption: str, frame: pd.DataFrame, label: str | None = None, **options) -> Markup:
    """A numbered table with its caption above; a short one is kept on one page with its caption."""
    tail = f" <{label}>" if label else ""
    text = sum(len(str(v)) for v in frame.to_numpy().ravel())
    figure_ = f"figure(kind: table, caption: [{escape(caption)}])[\n{table(frame, **options)}]"
    if len(frame) <= SHORT_TABLE_ROWS and text <= SHORT_TABLE_CHARS:
        return Markup(f"#block(breakable: false, width: 100%)[#{figure_}{tail}]\n")
    return Markup(f"#{figure_}{tail}\n")
