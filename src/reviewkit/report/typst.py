"""Typst source from Python values: escaped text, string literals, tables, figures and numbers.

Data goes into Typst either as markup with every special character escaped (``escape``) or as a
string literal (``string``), so no value from a review can turn into markup by accident. A value
that is meant as markup is wrapped in ``Markup``. Numbers are formatted by ``reviewkit.core.numbers``,
one way everywhere (figures included). The functions the
source calls (``datatable``, ``fitimage``, ``pending``...) are defined in ``templates/base.typ``.
"""
from __future__ import annotations

import re
from importlib import resources
from pathlib import Path
from typing import Iterable, Sequence

import pandas as pd

from reviewkit.core.numbers import EMPTY, fmt_count, fmt_decimal, missing, number
from reviewkit.core.storage import atomic_write_bytes

_SPECIAL = re.compile(r"([\\#$*_`<>@\[\]~/=+\-'\".:;(|])")  # ; and ( would otherwise end or extend a call before them
_BREAK_AFTER = re.compile(r"([_/.|=&])(?=\S)")
LONG_TOKEN = 16  # characters: a token this long may break after _ / . | = & and hyphens
_LONG_TOKEN = re.compile(rf"\S{{{LONG_TOKEN},}}")
ZWSP = "\u200b"
DEFAULT_SIZE = "8pt"  # of table text; as ``datatable`` in templates/base.typ
TEXT_WIDTH_PT, CELL_INSET_PT, CHAR_EM, BOLD = 476, 7, 0.55, 1.15  # to size columns: text width, cell padding,
# a character's width (in ems, generous), and how much wider bold header text is
LONGEST_LINE = 120  # characters: a column never asks for more, however long its text
SHORT_CELL = 14  # characters: a column whose texts are all this short is not wrapped


class Markup(str):
    """Typst markup, inserted as it is (not escaped)."""


def escape(text: object) -> Markup:
    """``text`` as Typst markup that shows exactly these characters; a newline becomes a line break, and a
    long token may break after ``_ / . | = &`` (``breakable``)."""
    lines = str(text).replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return Markup("\\\n".join(_SPECIAL.sub(r"\\\1", breakable(line)) for line in lines))


def breakable(text: str) -> str:
    """Let a long token (an id, a DOI, a URL) break after ``_ / . | = &``: a zero-width space there."""
    return _LONG_TOKEN.sub(lambda m: _BREAK_AFTER.sub(rf"\1{ZWSP}", m.group(0)), text)


def string(text: object) -> str:
    """A Typst string literal holding ``text``."""
    value = str(text).replace("\r\n", "\n").replace("\r", "\n")
    value = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", " ")
    value = "".join(ch for ch in value if ch >= " ")
    return f'"{value}"'


def content(value: object) -> str:
    """A Typst expression (in code) showing ``value``: markup as a content block, anything else as text."""
    if isinstance(value, Markup):
        return f"[{value}]"
    return string(breakable(display(value)))


# --- numbers (formatted as in reviewkit.core.numbers) --------------------------------------------

def fmt_ratio(events: object, total: object) -> str:
    """``10/19``; an em dash where either count is missing or the total is zero."""
    if number(events) is None or not number(total):
        return EMPTY
    return f"{fmt_count(events)}/{fmt_count(total)}"


def display(value: object) -> str:
    """Any value as text: numbers formatted (whole numbers as counts, others with two places), empty as a dash."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if missing(value):
        return EMPTY
    if isinstance(value, (int, float)):
        return fmt_count(value) if float(value).is_integer() else fmt_decimal(value)
    return str(value)


# --- tables and figures ---------------------------------------------------------------------------

def _is_numeric(column: pd.Series) -> bool:
    values = [v for v in column if not missing(v) and not (isinstance(v, str) and v.strip() == EMPTY)]
    return bool(values) and all(number(v) is not None or re.fullmatch(r"[\d,./%()–\s-]+", str(v)) for v in values)


def _plain(value: object) -> str:
    """The text a cell shows, roughly, to size its column: for markup, calls' arguments and escapes dropped."""
    if not isinstance(value, Markup):
        return display(value)
    out, depth, i = [], 0, 0
    while i < len(value):
        ch = value[i]
        if ch == "\\" and i + 1 < len(value):
            if depth == 0:
                out.append(value[i + 1])
            i += 2
            continue
        if ch == "#" and depth == 0:
            call = re.match(r"#[\w.-]+", value[i:])
            i += call.end() if call else 1
            if i < len(value) and value[i] == "(":
                depth, i = 1, i + 1
            out.append("  ")  # a symbol or box drawn in place of the call
            continue
        if depth:
            depth += {"(": 1, ")": -1}.get(ch, 0)
        elif ch not in "[]":
            out.append(ch)
        i += 1
    return "".join(out)


def _words(text: str) -> list[str]:
    """The pieces of ``text`` a line cannot break inside: words, and a long token's parts (``breakable``,
    and after its hyphens)."""
    pieces = []
    for word in breakable(text).replace(ZWSP, " ").split():
        pieces += [p for p in re.split(r"(?<=-)", word) if p] if len(word) >= LONG_TOKEN else [word]
    return pieces


def _widths(frame: pd.DataFrame, size_pt: float) -> list[float]:
    """Column widths (as fractions) by the rule browsers use for tables: each column at least as wide as its
    longest word; the width left over shared in proportion to how much more each column's text wants."""
    n = frame.shape[1]
    capacity = max((TEXT_WIDTH_PT - CELL_INSET_PT * n) / (CHAR_EM * size_pt), n)
    heads = [_plain(c) for c in frame.columns]
    texts = [[_plain(v) for v in frame.iloc[:, i]] for i in range(n)]
    words = [[w for t in texts[i] for w in _words(t)] for i in range(n)]
    least = [max([len(w) for w in words[i]] + [round(len(w) * BOLD) for w in _words(heads[i])] + [1]) + 1 for i in range(n)]
    natural = [max(least[i], min(max([len(t) for t in texts[i]] + [len(heads[i])]), LONGEST_LINE) + 1) for i in range(n)]
    least = [natural[i] if natural[i] <= SHORT_CELL else least[i] for i in range(n)]  # short texts never wrap
    if sum(natural) <= capacity:
        return [float(w) for w in natural]
    if sum(least) >= capacity:  # too wide for the page anyway: long texts get at least an equal share
        return [float(max(least[i], min(natural[i], capacity / n))) for i in range(n)]
    # what is left after every column's longest word goes to the columns with more text
    share = (capacity - sum(least)) / (sum(natural) - sum(least))
    return [least[i] + (natural[i] - least[i]) * share for i in range(n)]


def table(
    frame: pd.DataFrame,
    *,
    widths: Sequence[float | str] | None = None,
    align: Sequence[str] | None = None,
    size: str | None = None,
) -> Markup:
    """A Typst table of ``frame``: header repeated on every page, rows that wrap and break across pages.

    Column widths follow the length of the contents unless given (numbers are fractions, strings are
    Typst lengths); numeric columns are right-aligned. Cells are shown with ``display`` unless they
    are ``Markup``.
    """
    if widths is None:
        widths = _widths(frame, float((size or DEFAULT_SIZE).removesuffix("pt")))
    if align is None:
        align = ["right" if _is_numeric(frame.iloc[:, i]) else "left" for i in range(frame.shape[1])]
    spec = ", ".join(f"{w:.2f}fr" if isinstance(w, (int, float)) else str(w) for w in widths)
    cells = ",\n  ".join(", ".join(content(v) for v in row) for row in frame.itertuples(index=False, name=None))
    options = f"  columns: ({spec},),\n  align: ({', '.join(align)},),\n"
    if size:
        options += f"  size: {size},\n"
    header = ", ".join(content(c) for c in frame.columns)
    return Markup(f"#datatable(\n{options}  header: ({header},),\n  {cells}{',' if cells else ''}\n)\n")


def figure(path: str, caption: Markup | str, *, label: str | None = None, max_height: str = "18cm") -> Markup:
    """A numbered figure of the image at ``path`` (a root-relative Typst path), as large as its natural size
    allows but never wider than the text or taller than ``max_height``."""
    cap = caption if isinstance(caption, Markup) else escape(caption)
    tail = f" <{label}>" if label else ""
    return Markup(f"#figure(fitimage({string(path)}, max-height: {max_height}), caption: [{cap}]){tail}\n")


def heading(text: str, level: int = 1, *, label: str | None = None) -> Markup:
    """A heading with an optional label for references."""
    tail = f" <{label}>" if label else ""
    return Markup(f"\n{'=' * level} {escape(text)}{tail}\n")


def paragraph(*parts: str) -> Markup:
    """A paragraph from parts: ``Markup`` as it is, anything else escaped."""
    return Markup("".join(p if isinstance(p, Markup) else escape(p) for p in parts) + "\n\n")


def bullets(items: Iterable[str]) -> Markup:
    """A bullet list; items that are not ``Markup`` are escaped."""
    return Markup("".join(f"- {i if isinstance(i, Markup) else escape(i)}\n" for i in items) + "\n")


def template(name: str) -> str:
    """A Typst template shipped with the package (``templates/<name>.typ``)."""
    return resources.files("reviewkit.report").joinpath(f"templates/{name}.typ").read_text(encoding="utf-8")


def font_paths() -> list[str]:
    """The folders of the fonts Typst uses beside its own embedded ones: matplotlib's bundled fonts
    (DejaVu Sans) and the noto-cjk-sans-otc package's Noto Sans CJK collection."""
    import matplotlib
    import noto_cjk_sans_otc

    return [str(Path(matplotlib.get_data_path()) / "fonts" / "ttf"), str(Path(str(noto_cjk_sans_otc.FONT_PATH)).parent)]


def compile_pdf(source: str, root: str | Path) -> bytes:
    """Compile Typst ``source`` (files under ``root`` are reachable as ``/path``) to PDF bytes.

    Fonts are Typst's embedded ones, matplotlib's DejaVu Sans and Noto Sans CJK (``font_paths``), so a
    machine without system fonts gives the same pages, Chinese included; system fonts only fill in
    scripts those lack (Devanagari, for instance).
    A Typst error is raised as ``RuntimeError`` with Typst's diagnostic.
    """
    import typst

    try:
        return typst.compile(source.encode("utf-8"), root=str(root), font_paths=font_paths())
    except typst.TypstError as exc:
        raise RuntimeError(f"Typst could not typeset the document: {exc.message}\n{exc.diagnostic}") from None


def write_pdf(path: str | Path, pdf: bytes) -> Path:
    """Write PDF bytes through a temporary file in the same folder, then rename; returns the path."""
    return atomic_write_bytes(path, pdf)
