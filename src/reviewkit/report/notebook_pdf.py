"""An executed notebook as a PDF, typeset with Typst, code hidden: what a reader of the notebook sees.

Markdown cells are converted with mistune (which nbconvert ships) into Typst; outputs become Typst
too: images as figures, text as monospaced blocks, pandas tables (their HTML) as Typst tables that
wrap and break across pages, other HTML (such as highlighted quotes) as text. Cells tagged
``parameters``, ``injected-parameters`` or ``remove-cell`` are left out, and so are the cells tagged ``form``
(how to use a review form, which a PDF cannot show), the outputs of cells tagged ``remove-output`` and
everything written to stderr.
"""
from __future__ import annotations

import base64
import datetime as dt
import re
import tempfile
from pathlib import Path
from typing import Any

import mistune
import nbformat
import pandas as pd
from bs4 import BeautifulSoup, NavigableString, Tag

from reviewkit.core.errors import ReviewInputError
from reviewkit.report.typst import Markup, compile_pdf, escape, string, table, template, write_pdf

SKIP_CELL_TAGS = {"parameters", "injected-parameters", "remove-cell", "remove_cell", "form"}  # form: how to use a review form
SKIP_OUTPUT_TAGS = {"remove-output", "remove_output"}
MIME_ORDER = ("image/svg+xml", "image/png", "image/jpeg", "text/markdown", "text/html", "text/latex", "text/plain")
IMAGE_EXT = {"image/svg+xml": "svg", "image/png": "png", "image/jpeg": "jpg"}
MARK_COLOUR = "#fff0a0"  # a <mark> without a background colour of its own
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_markdown_ast = mistune.create_markdown(renderer="ast", plugins=["table", "strikethrough", "url", "math"])


# --- markdown -------------------------------------------------------------------------------------

def markdown(text: str) -> Markup:
    """Markdown (CommonMark with tables) as Typst markup."""
    return _blocks(_markdown_ast(text))


def _blocks(tokens: list[dict[str, Any]]) -> Markup:
    return Markup("".join(_block(t) for t in tokens))


def _block(token: dict[str, Any]) -> str:
    kind = token["type"]
    children = token.get("children", [])
    if kind == "heading":
        return f"\n#heading(level: {token['attrs']['level']})[{_inline(children)}]\n"
    if kind == "paragraph":
        return f"{_inline(children)}\n\n"
    if kind == "block_text":
        return _inline(children)
    if kind == "list":
        items = ", ".join(f"[{_blocks(item.get('children', []))}]" for item in children)
        ordered = token["attrs"].get("ordered")
        start = token["attrs"].get("start", 1) or 1
        return f"#enum(start: {start}, {items})\n\n" if ordered else f"#list({items})\n\n"
    if kind == "block_quote":
        return f"#quote(block: true)[{_blocks(children)}]\n\n"
    if kind == "block_code":
        return f"#raw(block: true, lang: {string(token.get('attrs', {}).get('info') or 'text')}, {string(token['raw'].rstrip())})\n\n"
    if kind == "block_math":
        return f"#raw(block: true, {string(token['raw'].strip())})\n\n"
    if kind == "thematic_break":
        return "#line(length: 100%, stroke: 0.5pt + luma(160))\n\n"
    if kind == "block_html":
        return html(token["raw"])
    if kind == "table":
        return _markdown_table(token)
    return ""  # blank lines and anything unknown


def _inline(tokens: list[dict[str, Any]]) -> str:
    out = []
    for t in tokens:
        kind = t["type"]
        if kind == "text":
            out.append(escape(t["raw"]))
        elif kind == "emphasis":
            out.append(f"#emph[{_inline(t['children'])}]")
        elif kind == "strong":
            out.append(f"#strong[{_inline(t['children'])}]")
        elif kind == "strikethrough":
            out.append(f"#strike[{_inline(t['children'])}]")
        elif kind in ("codespan", "inline_math"):
            out.append(f"#raw({string(t['raw'])})")
        elif kind == "link":
            out.append(f"#link({string(t['attrs']['url'])})[{_inline(t['children'])}]")
        elif kind == "image":
            out.append(f"#emph[{escape('[image: ' + (_text(t.get('children', [])) or t['attrs'].get('url', '')) + ']')}]")
        elif kind == "linebreak":
            out.append("#linebreak()")
        elif kind == "softbreak":
            out.append(" ")
        elif kind == "inline_html":
            out.append("#linebreak()" if re.match(r"<br\s*/?>", t["raw"], re.I) else "")
        elif "children" in t:
            out.append(_inline(t["children"]))
    return "".join(out)


def _text(tokens: list[dict[str, Any]]) -> str:
    return "".join(t.get("raw", "") or _text(t.get("children", [])) for t in tokens)


def _markdown_table(token: dict[str, Any]) -> str:
    head = next(c for c in token["children"] if c["type"] == "table_head")
    body = next((c for c in token["children"] if c["type"] == "table_body"), {"children": []})
    columns = [Markup(_inline(cell["children"])) for cell in head["children"]]
    rows = [[Markup(_inline(cell["children"])) for cell in row["children"]] for row in body["children"]]
    align = [cell["attrs"].get("align") or "left" for cell in head["children"]]
    return table(pd.DataFrame(rows, columns=range(len(columns))).set_axis(columns, axis=1), align=align)


# --- HTML -----------------------------------------------------------------------------------------

def html(source: str) -> Markup:
    """HTML output as Typst: tables (a pandas DataFrame's, for one) as Typst tables, the rest as text."""
    soup = BeautifulSoup(source, "html.parser")
    return Markup(_html_nodes(soup.contents, pre=False))


def _html_nodes(nodes: list[Any], pre: bool) -> str:
    return "".join(_html_node(n, pre) for n in nodes)


def _trim(markup: str) -> str:
    """Markup without surrounding whitespace or a trailing line break (a lone backslash that would escape what follows)."""
    markup = markup.strip()
    while markup.endswith("\\") and (len(markup) - len(markup.rstrip("\\"))) % 2:
        markup = markup[:-1].rstrip()
    return markup


def _html_node(node: Any, pre: bool) -> str:
    if isinstance(node, NavigableString):
        if type(node) is not NavigableString:  # comments, doctype, CDATA
            return ""
        return escape(str(node)) if pre else escape(re.sub(r"\s+", " ", str(node)))
    if not isinstance(node, Tag):
        return ""
    name = node.name.lower()
    style = (node.get("style") or "").replace(" ", "")
    keep = pre or name == "pre" or "white-space:pre" in style
    if name in ("style", "script", "head"):
        return ""
    if name == "table":
        frame = html_table(node, markup=True)
        return "\n" + table(frame, size=_table_size(frame)) if frame is not None else ""
    if name in ("ul", "ol"):
        items = [_html_nodes(c.contents, keep) if isinstance(c, Tag) and c.name == "li" else _html_node(c, keep)
                 for c in node.contents]
        body = ", ".join(f"[{_trim(item)}]" for item in items if _trim(item))
        return f"\n#{'enum' if name == 'ol' else 'list'}({body})\n\n"
    if name == "code":
        return f"#raw({string(node.get_text())})"
    if name == "br":
        return "#linebreak()"
    inner = _html_nodes(node.contents, keep)
    if name == "mark":
        colour = re.search(r"background(?:-color)?:(#[0-9a-fA-F]{3,8})\b", style)
        return f"#highlight(fill: rgb({string(colour.group(1) if colour else MARK_COLOUR)}))[{inner}]"
    if name in ("b", "strong", "th"):
        return f"#strong[{inner}]"
    if name in ("i", "em"):
        return f"#emph[{inner}]"
    if name == "a" and node.get("href"):
        return f"#link({string(node['href'])})[{inner}]"
    if re.fullmatch(r"h[1-6]", name):
        return f"\n#heading(level: {name[1]})[{_trim(inner)}]\n"
    if keep and name in ("div", "pre"):
        return f"\n#passage[{_trim(inner)}]\n\n"
    if name in ("p", "div", "pre", "blockquote"):
        return f"\n{_trim(inner)}\n\n"
    return inner


def _grid(rows: list[Tag]) -> list[list[Tag | None]]:
    """The cells of table rows laid on a grid, with colspan and rowspan spread out."""
    grid: list[list[Tag | None]] = []
    carry: dict[int, tuple[Tag, int]] = {}  # column → (cell, rows still covered)
    for row in rows:
        line: list[Tag | None] = []
        cells = iter(row.find_all(["td", "th"], recursive=False))
        col = 0
        while True:
            if col in carry:
                cell, left = carry[col]
                line.append(cell)
                carry = {**carry, col: (cell, left - 1)} if left > 1 else {k: v for k, v in carry.items() if k != col}
                col += 1
                continue
            cell = next(cells, None)
            if cell is None:
                break
            span = int(cell.get("colspan", 1) or 1)
            down = int(cell.get("rowspan", 1) or 1)
            for _ in range(span):
                line.append(cell)
                if down > 1:
                    carry[col] = (cell, down - 1)
                col += 1
        while carry and max(carry) >= len(line):  # spans past the last cell of this row
            cell, left = carry[len(line)]
            line.append(cell)
            carry = {**carry, len(line) - 1: (cell, left - 1)} if left > 1 else {k: v for k, v in carry.items() if k != len(line) - 1}
        grid.append(line)
    return grid


def html_table(node: Tag, *, markup: bool = False) -> pd.DataFrame | None:
    """An HTML table as a DataFrame: header rows joined into one, a plain 0…n−1 index dropped; body cells
    as text, or with ``markup`` as Typst markup (keeping highlights, lists and emphasis)."""
    head_rows = node.find("thead").find_all("tr") if node.find("thead") else []
    body = node.find("tbody") or node
    body_rows = [r for r in body.find_all("tr") if r not in head_rows]
    if not head_rows and body_rows and all(c.name == "th" for c in body_rows[0].find_all(["td", "th"], recursive=False)):
        head_rows, body_rows = body_rows[:1], body_rows[1:]
    grid = _grid(head_rows + body_rows)
    if not grid:
        return None
    width = max(len(r) for r in grid)
    text = [[(c.get_text(" ", strip=True) if c is not None else "") for c in r] + [""] * (width - len(r)) for r in grid]
    header_lines, rows = text[: len(head_rows)], text[len(head_rows):]
    header = []
    for col in range(width):
        parts = [line[col] for line in header_lines if line[col]]
        header.append(" / ".join(dict.fromkeys(parts)))
    if markup:
        cells = grid[len(head_rows):]
        rows = [[Markup(_trim(_html_nodes(c.contents, pre=False))) if c is not None else "" for c in r] + [""] * (width - len(r))
                for r in cells]
    frame = pd.DataFrame(rows, columns=range(width)).set_axis(header, axis=1)
    plain_index = [r[0] for r in text[len(head_rows):]] == [str(i) for i in range(len(rows))]
    if width > 1 and not header[0] and plain_index:
        frame = frame.iloc[:, 1:]
    return frame


def _table_size(frame: pd.DataFrame) -> str:
    columns = frame.shape[1]
    return "8pt" if columns <= 5 else "7.5pt" if columns <= 8 else "6.5pt"


# --- notebook -------------------------------------------------------------------------------------

def _output(output: dict[str, Any], files: dict[str, bytes]) -> str:
    kind = output.get("output_type")
    if kind == "stream":
        return f"#output({string(ANSI.sub('', output.get('text', '')).rstrip())})\n\n" if output.get("name") == "stdout" else ""
    if kind == "error":
        message = f"{output.get('ename', 'Error')}: {ANSI.sub('', output.get('evalue', ''))}"
        return f"#notice([This cell failed:], [{escape(message)}])\n\n"
    data = output.get("data", {})
    mime = next((m for m in MIME_ORDER if m in data), None)
    if mime is None:
        return ""
    value = data[mime]
    value = "".join(value) if isinstance(value, list) else value
    if mime in IMAGE_EXT:
        name = f"output-{len(files) + 1}.{IMAGE_EXT[mime]}"
        files[name] = value.encode("utf-8") if mime == "image/svg+xml" else base64.b64decode(value)
        return f"#figure(fitimage({string('/' + name)}, max-height: 20cm))\n\n"
    if mime == "text/markdown":
        return markdown(value)
    if mime == "text/html":
        return html(value)
    return f"#output({string(ANSI.sub('', value).rstrip())})\n\n"


def _tags(cell: dict[str, Any]) -> set[str]:
    return set(cell.get("metadata", {}).get("tags", []))


def check_executed(nb: nbformat.NotebookNode, path: str | Path) -> None:
    """A notebook with code cells none of which has run is an error that says so."""
    code = [c for c in nb.cells if c.cell_type == "code" and not (_tags(c) & SKIP_CELL_TAGS) and c.source.strip()]
    if code and not any(c.get("execution_count") is not None or c.get("outputs") for c in code):
        raise ReviewInputError(path, f"the notebook has not been executed: none of its {len(code)} code cell(s) has run "
                                     "or has output. Run it first (reviewkit run, or jupyter nbconvert --execute).")


def notebook_source(nb: nbformat.NotebookNode, *, name: str, today: dt.date | None = None) -> tuple[str, dict[str, bytes]]:
    """The Typst source of a notebook's PDF, and the image files it refers to (name → bytes)."""
    files: dict[str, bytes] = {}
    parts = []
    for cell in nb.cells:
        tags = _tags(cell)
        if tags & SKIP_CELL_TAGS:
            continue
        if cell.cell_type == "markdown":
            parts.append(markdown(cell.source))
        elif cell.cell_type == "code" and not tags & SKIP_OUTPUT_TAGS:
            parts.extend(_output(o, files) for o in cell.get("outputs", []))
    title = next((m.group(1) for c in nb.cells if c.cell_type == "markdown" for m in [re.search(r"^#\s+(.+)$", c.source, re.M)] if m), "")
    day = today or dt.date.today()
    date = f"{day.day} {day:%B %Y}"
    opening = f"#show: notebook.with(name: {string(name)}, title: {string(title)}, date: {string(date)})\n"
    return "\n".join([template("base"), template("notebook"), opening, *parts]), files


def notebook_pdf(nb: nbformat.NotebookNode, *, name: str, path: str | Path | None = None) -> bytes:
    """A notebook (executed) as PDF bytes; ``path`` names it in errors."""
    check_executed(nb, path or name)
    source, files = notebook_source(nb, name=name)
    with tempfile.TemporaryDirectory(prefix="reviewkit-export-") as root:
        for file_name, data in files.items():
            (Path(root) / file_name).write_bytes(data)
        return compile_pdf(source, root)


def read_notebook(path: str | Path) -> nbformat.NotebookNode:
    """Read a notebook; a missing or unreadable file is a ``ReviewInputError`` naming it."""
    path = Path(path)
    if not path.is_file():
        raise ReviewInputError(path, "no such notebook")
    try:
        return nbformat.read(path, as_version=4)
    except Exception as exc:  # nbformat raises JSON, validation and OS errors alike
        raise ReviewInputError(path, f"not a readable notebook: {exc}") from None


def export_notebook(notebook: str | Path, out: str | Path | None = None) -> Path:
    """Export an executed notebook to PDF (default: beside it, ``.pdf``), atomically; returns the PDF's path."""
    notebook = Path(notebook)
    pdf = notebook_pdf(read_notebook(notebook), name=notebook.name, path=notebook)
    out = Path(out) if out else notebook.with_suffix(".pdf")
    return write_pdf(out, pdf)
