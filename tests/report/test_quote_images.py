"""Quotes shown on an image of their page region, highlighted: fixture PDFs typeset with Typst at test time
(two justified, hyphenated columns with ligatures; a quote over a page end; a rotated page); bad input."""
from __future__ import annotations

import re
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from PIL import Image
from pypdf import PdfReader, PdfWriter

from reviewkit.core.errors import ReviewInputError
from reviewkit.report.quote_images import normalise, quote_image
from reviewkit.report.typst import compile_pdf

SCALE = 2.0
PREAMBLE = r"""
#set page(paper: "a5", margin: 1.5cm, numbering: "1")
#set text(font: "Libertinus Serif", size: 10pt, lang: "en", hyphenate: true)
#set par(justify: true)
"""
BACKGROUND = ("Background: the recruitment of participants in several participating hospitals was "
              "comprehensive and methodologically rigorous throughout the observation period. ") * 4
RESULT = ("The efficient fluid management of the first flight of patients was defined as satisfactory. "
          "We found that the “effect” of treatment on mortality was significant across all the participating "
          "institutions, with a relative risk of 0.72 (95% CI 0.61–0.85) in the intervention group. "
          "The ﬁnal ﬂow of patients’ outcomes was recorded by independent, experienced investigators. ")
CENTRES = ("Aberdeen Bordeaux Copenhagen Dortmund Edinburgh Florence Groningen Heidelberg Innsbruck Jyväskylä "
           "Kraków Lausanne Maastricht Nijmegen Oldenburg Pamplona Rotterdam Salzburg Tampere Uppsala").split()
DISCUSSION = "Discussion: " + " ".join(
    f"In {c} the participating clinicians recorded {7 * n + 3} admissions and {3 * n + 1} complications, "
    f"which were {'independently' if n % 2 else 'retrospectively'} verified in month {n + 1}."
    for n, c in enumerate(CENTRES)) + " "
SOURCE_WORDS = (BACKGROUND + RESULT + DISCUSSION).split()


def _escape(text: str) -> str:
    return re.sub(r"([\\#$*_`<>@\[\]~/=+\-'\".:;(|%])", r"\\\1", text)


@pytest.fixture(scope="module")
def pdfs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("quote-pdfs")
    two_columns = (PREAMBLE + "= Effects of treatment\n#columns(2)[\n"
                   + "\n\n".join(_escape(t) for t in (BACKGROUND, RESULT, DISCUSSION)) + "\n]\n")
    long_text = (PREAMBLE + "= A long report\n" + _escape(BACKGROUND * 3) + "\n\n"
                 + _escape(RESULT + DISCUSSION) + "\n")
    paths = {"columns": folder / "columns.pdf", "pages": folder / "pages.pdf"}
    paths["columns"].write_bytes(compile_pdf(two_columns, folder))
    paths["pages"].write_bytes(compile_pdf(long_text, folder))
    rotated = pdfium.PdfDocument(paths["columns"])
    rotated[0].set_rotation(90)
    paths["rotated"] = folder / "rotated.pdf"
    rotated.save(paths["rotated"])
    rotated.close()
    sideways = (PREAMBLE + "#rotate(-90deg, reflow: true)[#block(width: 17cm)[" + _escape(RESULT) + "]]\n"
                + _escape(BACKGROUND) + "\n")  # a landscape table's way: set sideways on an upright page
    paths["sideways"] = folder / "sideways.pdf"
    paths["sideways"].write_bytes(compile_pdf(sideways, folder))
    return paths


def _chars(pdf: Path, page: int) -> tuple[str, list[tuple[float, float, float, float]]]:
    """The page's text as pdfium gives it (a line-end hyphen is U+FFFE) and each character's box."""
    doc = pdfium.PdfDocument(pdf)
    textpage = doc[page - 1].get_textpage()
    n = textpage.count_chars()
    text = textpage.get_text_range(0, n)
    boxes = [textpage.get_charbox(i) for i in range(n)]
    size = doc[page - 1].get_size()
    doc.close()
    assert len(text) == n
    return text, boxes + [size]


def _reviewer_quote(pdf_text: str) -> str:
    """What a reviewer types for a stretch of PDF text: single spaces, no line-end hyphens, straight quotes."""
    text = re.sub(r"\ufffe\s*", "", pdf_text)
    return re.sub(r"\s+", " ", text).replace("“", '"').replace("”", '"').strip()


def _yellow(image: Image.Image) -> list[tuple[int, int]]:
    px = image.convert("RGB").load()
    return [(x, y) for y in range(image.height) for x in range(image.width)
            if px[x, y][0] > 200 and px[x, y][1] > 180 and px[x, y][2] < 140]


def _dark(image: Image.Image, box: tuple[int, int, int, int]) -> int:
    px = image.convert("RGB").load()
    return sum(1 for y in range(box[1], box[3]) for x in range(box[0], box[2]) if sum(px[x, y]) < 300)


def _bands(points: list[tuple[int, int]]) -> list[tuple[int, int, int, int]]:
    """Highlight bars: runs of rows holding yellow, each as (left, top, right, bottom)."""
    rows: dict[int, list[int]] = {}
    for x, y in points:
        rows.setdefault(y, []).append(x)
    bands: list[list[int]] = []
    for y in sorted(rows):
        if bands and bands[-1][3] == y - 1:
            band = bands[-1]
            band[0], band[2], band[3] = min(band[0], *rows[y]), max(band[2], *rows[y]), y
        else:
            bands.append([min(rows[y]), y, max(rows[y]), y])
    return [(b[0], b[1], b[2], b[3]) for b in bands]


def _rules(image: Image.Image) -> list[int]:
    """Rows drawn as the grey rule between two pieces of a quote."""
    px = image.convert("RGB").load()
    return [y for y in range(image.height)
            if sum(1 for x in range(image.width) if px[x, y] == (150, 150, 150)) > 0.9 * image.width]


def _check(path: Path | None, pdf: Path, *, lines: int | None = None) -> Image.Image:
    """The image is a PNG, a region of the page, with highlight bars over text and context around them."""
    assert path is not None and path.is_file()
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    image = Image.open(path)
    width, height = (round(v * SCALE) for v in PdfReader(pdf).pages[0].mediabox[2:])
    assert image.width <= width + 1 and image.height < height / 3
    yellow = _yellow(image)
    assert len(yellow) > 500
    left, top = min(x for x, _ in yellow), min(y for _, y in yellow)
    right, bottom = max(x for x, _ in yellow), max(y for _, y in yellow)
    assert 0 < left <= right < image.width - 1 and 0 < top <= bottom < image.height - 1
    assert _dark(image, (0, 0, image.width, top)) > 200  # context lines above and below the quote
    assert _dark(image, (0, bottom + 1, image.width, image.height)) > 200
    bands = _bands(yellow)
    if lines is not None:
        assert len(bands) == lines
    for x0, y0, x1, y1 in bands:  # each bar covers a line of text: text inside it, none just outside it
        assert _dark(image, (x0, y0, x1 + 1, y1 + 1)) > 20
        assert _dark(image, (x0, max(0, y0 - 2), x1 + 1, y0)) < 0.02 * (x1 - x0) * 2 + 3
        assert _dark(image, (x0, y1 + 1, x1 + 1, min(image.height, y1 + 3))) < 0.02 * (x1 - x0) * 2 + 3
    return image


def test_normalise_ignores_what_a_typed_quote_changes() -> None:
    assert normalise("the ﬁnal ﬂow") == normalise("the final flow") == "thefinalflow"
    assert normalise("treat-\r\nment") == normalise("treat\u00admen t") == normalise("treatment")
    assert normalise("patients’ “effect”") == normalise("patients' \"effect\"")
    assert normalise("0.61–0.85") == normalise("0.61-0.85")
    assert normalise("Café") == "cafe" and normalise("Effect") == normalise("effect")  # as the quote check


def test_a_quote_over_a_hyphenated_line_break(pdfs: dict[str, Path], tmp_path: Path) -> None:
    text, _ = _chars(pdfs["columns"], 1)
    split = re.search(r"(\w+)\ufffe\s*(\w+)", text[text.index("We found"):])
    assert split, "the fixture has a word hyphenated at a line end"
    word = split.group(1) + split.group(2)
    at = next(i for i, w in enumerate(SOURCE_WORDS) if re.sub(r"\W", "", w) == word)
    quote = " ".join(SOURCE_WORDS[max(0, at - 4):at + 4])  # as a reviewer types it: no hyphen, one line
    out = quote_image(pdfs["columns"], 1, quote, tmp_path / "hyphen.png", scale=SCALE)
    image = _check(out, pdfs["columns"])
    assert len(_bands(_yellow(image))) >= 2  # over the line break
    assert image.width < 0.6 * round(PdfReader(pdfs["columns"]).pages[0].mediabox[2] * SCALE)  # one column


def test_ligatures_curly_quotes_and_a_value(pdfs: dict[str, Path], tmp_path: Path) -> None:
    out = quote_image(pdfs["columns"], 1, "The efficient fluid management of the first flight", tmp_path / "fi.png",
                      scale=SCALE)
    _check(out, pdfs["columns"])
    out = quote_image(pdfs["columns"], 1, "The final flow of patients' outcomes", tmp_path / "fb01.png", scale=SCALE)
    _check(out, pdfs["columns"])  # typed with U+FB01/U+FB02 in the PDF
    out = quote_image(pdfs["columns"], 1, 'the "effect" of treatment on mortality was significant',
                      tmp_path / "curly.png", scale=SCALE)
    _check(out, pdfs["columns"])
    out = quote_image(pdfs["columns"], 1, "relative risk of 0.72 (95% CI 0.61-0.85)", tmp_path / "value.png",
                      scale=SCALE)
    _check(out, pdfs["columns"])


def test_a_single_word_is_highlighted_narrowly(pdfs: dict[str, Path], tmp_path: Path) -> None:
    image = _check(quote_image(pdfs["columns"], 1, "risk of 0.72", tmp_path / "word.png", scale=SCALE),
                   pdfs["columns"], lines=1)
    yellow = _yellow(image)
    assert max(x for x, _ in yellow) - min(x for x, _ in yellow) < image.width / 2


def test_margin_lines_set_the_context(pdfs: dict[str, Path], tmp_path: Path) -> None:
    sizes = {}
    for lines in (0, 2, 4):
        out = quote_image(pdfs["columns"], 1, "risk of 0.72", tmp_path / f"m{lines}.png", scale=SCALE,
                          margin_lines=lines)
        sizes[lines] = Image.open(out).height
    assert sizes[0] < sizes[2] < sizes[4]


def test_a_quote_across_the_columns_gives_two_pieces(pdfs: dict[str, Path], tmp_path: Path) -> None:
    text, boxes = _chars(pdfs["columns"], 1)
    middle = boxes[-1][0] / 2
    first_right = next(i for i, b in enumerate(boxes[:-1]) if b[0] > middle and text[i].strip())
    quote = _reviewer_quote(text[first_right - 60:first_right + 40])
    quote = quote[quote.index(" ") + 1:quote.rindex(" ")]  # whole words
    out = quote_image(pdfs["columns"], 1, quote, tmp_path / "across.png", scale=SCALE)
    assert out is not None
    image = Image.open(out).convert("RGB")
    rules = _rules(image)
    assert rules, "a rule between the two pieces"
    yellow = _yellow(image)
    assert any(y < rules[0] for _, y in yellow) and any(y > rules[-1] for _, y in yellow)


def test_a_quote_over_the_page_end_is_highlighted_on_its_first_page(pdfs: dict[str, Path], tmp_path: Path) -> None:
    one, _ = _chars(pdfs["pages"], 1)
    two, _ = _chars(pdfs["pages"], 2)
    body = one[: one.rstrip().rindex("\n")]  # without the page number
    quote = _reviewer_quote(body[-50:] + " " + two[:40])
    quote = quote[quote.index(" ") + 1:quote.rindex(" ")]
    out = quote_image(pdfs["pages"], 1, quote, tmp_path / "over.png", scale=SCALE)
    assert out is not None and _yellow(Image.open(out))
    assert quote_image(pdfs["pages"], 2, quote, tmp_path / "second.png", scale=SCALE) is None  # it starts on 1


def test_a_rotated_page(pdfs: dict[str, Path], tmp_path: Path) -> None:
    out = quote_image(pdfs["rotated"], 1, "satisfactory", tmp_path / "rotated.png", scale=SCALE)
    assert out is not None
    image = Image.open(out)
    yellow = _yellow(image)
    box = (min(x for x, _ in yellow), min(y for _, y in yellow), max(x for x, _ in yellow), max(y for _, y in yellow))
    assert _dark(image, box) > 20  # the highlight is over the (sideways) word


def test_text_set_sideways_is_shown_upright(pdfs: dict[str, Path], tmp_path: Path) -> None:
    out = quote_image(pdfs["sideways"], 1, "We found that the \"effect\" of treatment on mortality", tmp_path / "side.png",
                      scale=SCALE)
    assert out is not None
    image = Image.open(out)
    assert image.width > image.height
    bands = _bands(_yellow(image))
    assert bands and all(x1 - x0 > 3 * (y1 - y0) for x0, y0, x1, y1 in bands)  # horizontal bars over lines
    assert all(_dark(image, (x0, y0, x1 + 1, y1 + 1)) > 20 for x0, y0, x1, y1 in bands)


def test_a_quote_not_on_the_page(pdfs: dict[str, Path], tmp_path: Path) -> None:
    assert quote_image(pdfs["columns"], 1, "a sentence that is nowhere in the text", tmp_path / "no.png") is None
    assert quote_image(pdfs["columns"], 1, "  \n ", tmp_path / "empty.png") is None
    assert quote_image(pdfs["pages"], 2, "Background: the recruitment", tmp_path / "p2.png") is None
    assert not list(tmp_path.iterdir())  # nothing written, no temporary file left


def test_an_elided_quote(pdfs: dict[str, Path], tmp_path: Path) -> None:
    out = quote_image(pdfs["columns"], 1, "We found that [...] across all the participating institutions",
                      tmp_path / "elided.png", scale=SCALE)
    assert out is not None
    image = Image.open(out).convert("RGB")
    assert len(_bands(_yellow(image))) == 2 and not _rules(image)  # one piece: the parts are close
    assert [p.name for p in tmp_path.iterdir()] == ["elided.png"]


def test_bad_input_names_the_file(pdfs: dict[str, Path], tmp_path: Path) -> None:
    pages = len(PdfReader(pdfs["columns"]).pages)
    for page in (0, pages + 1, -1):
        with pytest.raises(ReviewInputError, match=rf"columns\.pdf.*page .*out of range.*has {pages} pages"):
            quote_image(pdfs["columns"], page, "satisfactory", tmp_path / "x.png")
    damaged = tmp_path / "damaged.pdf"
    damaged.write_bytes(pdfs["columns"].read_bytes()[:400] + b"\x00garbage")
    text = tmp_path / "notes.pdf"
    text.write_text("not a PDF at all", encoding="utf-8")
    encrypted = tmp_path / "encrypted.pdf"
    writer = PdfWriter(clone_from=pdfs["columns"])
    writer.encrypt(user_password="secret", owner_password="owner")
    with encrypted.open("wb") as handle:
        writer.write(handle)
    for bad in (damaged, text, encrypted, tmp_path / "missing.pdf"):
        with pytest.raises(ReviewInputError) as caught:
            quote_image(bad, 1, "satisfactory", tmp_path / "x.png")
        assert caught.value.path == str(bad) and bad.name in str(caught.value)
    assert not (tmp_path / "x.png").exists()
