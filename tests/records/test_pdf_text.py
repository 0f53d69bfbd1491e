"""Reading journal article PDFs into text by page: reading order, hyphens, ligatures, running heads, scans,
errors and the cache. The PDFs are typeset at test time (``pdf_fixtures``)."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pdf_fixtures as fx
import pypdfium2
import pytest

from reviewkit.core.errors import ReviewInputError
from reviewkit.records.pdf_text import PAGE_BREAK, PdfText, _clean, page_ranges, read_pdf


@pytest.fixture(scope="module")
def pdfs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("pdfs")
    fx.make_article(folder / "article.pdf")
    fx.make_scanned(folder / "scanned.pdf", "SSTS")
    fx.make_legacy(folder / "legacy.pdf")
    return folder


@pytest.fixture(scope="module")
def article(pdfs: Path) -> PdfText:
    return read_pdf(pdfs / "article.pdf")


def tokens(text: str) -> list[str]:
    """Words without hyphens, case folded: "first-line" and "firstline" compare equal."""
    return re.findall(r"\w+", text.replace("-", "").casefold())


def test_fixture_is_a_three_page_two_column_article_with_hyphenation(pdfs: Path) -> None:
    document = pypdfium2.PdfDocument(pdfs / "article.pdf")
    assert len(document) == 3
    raw = document[0].get_textpage().get_text_range()
    assert raw.count("\ufffe") >= 5  # words broken at line ends
    assert fx.JOURNAL in raw and "Page 1 of 3" in raw
    document.close()


def test_paragraphs_come_out_whole_and_in_reading_order(article: PdfText) -> None:
    words = " ".join(tokens(article.text))
    position = 0
    for heading, paragraph in fx.body_paragraphs():
        found = words.find(" ".join(tokens(paragraph)), position)
        assert found >= 0, f"paragraph not found in order: {paragraph[:60]}"
        position = found
    assert " ".join(tokens(fx.ABSTRACT)) in words


def column_break(path: Path, page: int = 0) -> tuple[str, str]:
    """The last word of the left column and the first word of the right column, from pdfium's character boxes:
    the lowest line of the left half and the highest of the right half, inside the page's margins (no running
    head or foot) and at a height where no line crosses the middle of the page (not the title or abstract)."""
    document = pypdfium2.PdfDocument(path)
    textpage = document[page].get_textpage()
    width, height = document[page].get_size()
    chars, crossing = [], []
    for i in range(textpage.count_chars()):
        left, bottom, right, top = textpage.get_charbox(i, loose=True)
        middle = (bottom + top) / 2
        if right > left and 2.2 * 28.35 < middle < height - 2.4 * 28.35:  # inside the margins (fx: 2.2 cm, 2.4 cm)
            chars.append((textpage.get_text_range(i, 1), left, middle, right, i))
            if left < width / 2 + 4 and right > width / 2 - 4 and not chars[-1][0].isspace():
                crossing.append(middle)
    document.close()

    def lines(side: list) -> dict[float, list]:
        out: dict[float, list] = {}
        for char in sorted(side, key=lambda c: c[2]):  # a line: middles within 3 pt
            line = next((y for y in out if abs(y - char[2]) <= 3), char[2])
            out.setdefault(line, []).append(char)
        return {y: line for y, line in out.items() if all(abs(y - c) > 3 for c in crossing)}

    def words(line: list) -> list[str]:
        return "".join(c[0] for c in sorted(line, key=lambda c: c[4])).split()

    left = lines([c for c in chars if c[3] < width / 2])
    right = lines([c for c in chars if c[1] > width / 2])
    return words(left[min(left)])[-1], words(right[max(right)])[0]


def test_a_sentence_continues_from_the_left_column_into_the_right(pdfs: Path, article: PdfText) -> None:
    last, first = column_break(pdfs / "article.pdf")
    if last.endswith("\ufffe"):  # the word itself is broken across the columns
        assert re.search(rf"\b{re.escape(last[:-1])}-?{re.escape(first)}", article.pages[0])
    else:
        assert re.search(rf"{re.escape(last)}\s+{re.escape(first)}", article.pages[0])


def test_line_end_hyphens_are_joined_and_real_hyphens_kept(article: PdfText) -> None:
    text = article.text
    assert "\ufffe" not in text and "\x02" not in text and "\u00ad" not in text
    for word in ("musculoskeletal", "concealment", "characteristics", "stem-cell", "follow-up", "meta-regression",
                 "meta-analysis", "random-effects"):
        assert word in text
    assert not re.search(r"[a-z]-\n[a-z]", text)


def test_ligatures_and_no_break_spaces_are_normalised(article: PdfText) -> None:
    text = article.text
    for word in ("significant", "flexibility", "efficacy", "identified", "affordability", "difficulties"):
        assert word in text
    assert not re.search("[\ufb00-\ufb06\u00a0]", text)
    assert "Table 1: Characteristics" in text


def test_compatibility_characters_normalised_other_scripts_kept() -> None:
    assert _clean("\ufb01rst \ufb02ow e\ufb03cient e\ufb00ect\u00a0here") == "first flow efficient effect here"
    assert _clean("系统评价与荟萃分析（中文）") == "系统评价与荟萃分析（中文）"
    assert _clean("“treatment effect¹” … ½") == "“treatment effect¹” … ½"
    assert _clean("tab\there\x07") == "tab here"


def test_single_column_page_comes_out_as_it_is(pdfs: Path) -> None:
    result = read_pdf(pdfs / "legacy.pdf")
    expected = [line.replace("\x01", "fi").replace("\x02", "fl").replace("\x03", "ffi").replace("\x04", "ff")
                for line in fx.LEGACY_LINES]
    assert result.pages == ("\n".join(expected),)
    assert result.no_text_pages == () and result.note() == ""


def test_running_header_and_footer_removed_body_kept(article: PdfText) -> None:
    for number, page in enumerate(article.pages, start=1):
        assert fx.JOURNAL not in page
        assert "Vol. 12" not in page
        assert f"Page {number} of 3" not in page
        assert not re.search(r"^\s*\d+\s*$", page, re.M)
        assert len(page) > 300
    assert article.pages[0].startswith(fx.TITLE.split(":")[0])
    assert "2000;25:2784–2796." in article.pages[2]


def test_table_rows_stay_together(article: PdfText) -> None:
    for row in fx.TABLE:
        assert " ".join(row) in article.text


def test_page_of_a_phrase_on_page_two_and_across_the_break(pdfs: Path, article: PdfText) -> None:
    text = article.text
    assert text.count(PAGE_BREAK) == 2
    assert article.page_starts[0] == 0
    for number, start in enumerate(article.page_starts, start=1):
        assert text[start:].startswith(article.pages[number - 1])
    document = pypdfium2.PdfDocument(pdfs / "article.pdf")
    on_page_two = document[1].get_textpage().get_text_range()
    document.close()
    phrase = "Comparison with other reviews"
    assert phrase in on_page_two
    assert article.page_of(text.index(phrase)) == 2
    # the last words of page 1 and the first of page 2 run on in the article's source
    tail, head = article.pages[0].split()[-3:], article.pages[1].split()[:3]
    body = " ".join(tokens(" ".join(p for _, p in fx.body_paragraphs())))
    assert " ".join(tokens(" ".join(tail + head))) in body
    start = text.index(" ".join(tail))
    end = text.index(" ".join(head), start) + len(" ".join(head)) - 1
    assert (article.page_of(start), article.page_of(end)) == (1, 2)
    assert article.page_of(article.page_starts[1] - 2) == 1  # the page break belongs to the page before
    assert article.page_of(len(text)) == 3
    with pytest.raises(ValueError):
        article.page_of(-1)


def test_word_split_across_a_page_break_goes_to_the_first_page(article: PdfText) -> None:
    # reference 10 runs from page 2 onto page 3 in this layout; whatever word breaks there, no fragment is left
    assert not article.pages[1].rstrip().endswith("-")
    assert "framework of the Cochrane" in article.text.replace("\n\f\n", " ").replace("\n", " ")


def test_scanned_pages_listed_and_noted(pdfs: Path) -> None:
    result = read_pdf(pdfs / "scanned.pdf")
    assert result.no_text_pages == (1, 2, 4)
    assert result.pages[0] == result.pages[1] == result.pages[3] == ""
    assert result.pages[2].startswith("This page has a text layer.")
    assert result.note() == "no text layer on pages 1–2, 4: run OCR first (for example ocrmypdf)"


def test_note_wording() -> None:
    assert PdfText(Path("a.pdf"), ("",) * 12, tuple(range(1, 13))).note() == (
        "no text layer on pages 1–12: run OCR first (for example ocrmypdf)")
    assert PdfText(Path("a.pdf"), ("x", ""), (2,)).note() == "no text layer on page 2: run OCR first (for example ocrmypdf)"
    assert PdfText(Path("a.pdf"), ("x",)).note() == ""
    assert page_ranges([7, 1, 2, 3, 5, 6, 9]) == "1–3, 5–7, 9"


@pytest.mark.parametrize("kind, says", [
    ("encrypted", "encrypted with a password"),
    ("damaged", "damaged"),
    ("empty", "no pages"),
    ("not_pdf", "not a PDF"),
    ("zero_bytes", "empty (0 bytes)"),
    ("missing", "does not exist"),
])
def test_bad_files_raise_a_clear_error_naming_the_file(pdfs: Path, tmp_path: Path, kind: str, says: str) -> None:
    path = tmp_path / f"{kind}.pdf"
    if kind == "encrypted":
        fx.make_encrypted(path, pdfs / "legacy.pdf")
    elif kind == "damaged":
        fx.make_damaged(path, pdfs / "article.pdf")
    elif kind == "empty":
        fx.make_empty(path)
    elif kind == "not_pdf":
        fx.make_not_pdf(path)
    elif kind == "zero_bytes":
        path.write_bytes(b"")
    with pytest.raises(ReviewInputError) as caught:
        read_pdf(path)
    assert caught.value.path == str(path)
    assert str(path) in str(caught.value) and says in str(caught.value)


def test_cache_is_read_instead_of_the_pdf(pdfs: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache = tmp_path / "cache"
    first = read_pdf(pdfs / "article.pdf", cache_dir=cache)
    files = list(cache.glob("*.json"))
    assert len(files) == 1 and len(files[0].stem) == 64

    def no_pdf(*args: object, **kwargs: object) -> None:
        raise AssertionError("the PDF was opened again")

    monkeypatch.setattr(pypdfium2, "PdfDocument", no_pdf)
    second = read_pdf(pdfs / "article.pdf", cache_dir=cache)
    assert second == first and second.text == first.text


def test_corrupt_cache_is_ignored_and_rewritten(pdfs: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    first = read_pdf(pdfs / "scanned.pdf", cache_dir=cache)
    [file] = cache.glob("*.json")
    for corrupt in ('{"version": 1, "pages": [', '{"version": 1, "pages": [1], "no_text_pages": []}', "[]"):
        file.write_text(corrupt, encoding="utf-8")
        assert read_pdf(pdfs / "scanned.pdf", cache_dir=cache) == first
        assert json.loads(file.read_text(encoding="utf-8"))["no_text_pages"] == [1, 2, 4]


def test_same_bytes_under_another_name_share_the_cache(pdfs: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy.pdf"
    copy.write_bytes((pdfs / "legacy.pdf").read_bytes())
    cache = tmp_path / "cache"
    read_pdf(pdfs / "legacy.pdf", cache_dir=cache)
    again = read_pdf(copy, cache_dir=cache)
    assert again.path == copy and len(list(cache.glob("*.json"))) == 1


LAST_PAGES = {  # name: (left column, right column)
    "short right column": (fx.LAST_PAGE_LEFT, fx.LAST_PAGE_RIGHT),
    "empty right column": (fx.LAST_PAGE_LEFT, []),
    "short left column": (fx.LAST_PAGE_LEFT[:2], []),
}


@pytest.mark.parametrize("name", LAST_PAGES)
def test_last_page_reads_the_left_column_whole_then_the_right(tmp_path: Path, name: str) -> None:
    left, right = LAST_PAGES[name]
    path = fx.make_last_page(tmp_path / "last.pdf", left, right)
    document = pypdfium2.PdfDocument(path)
    assert len(document) == 1
    document.close()
    [page] = read_pdf(path).pages
    expected = [fx.JOURNAL, "2024", fx.LAST_PAGE_TITLE, *left, *right, "Page 1"]
    assert tokens(page) == tokens(" ".join(expected))
    left_words, right_words = " ".join(tokens(" ".join(left))), " ".join(tokens(" ".join(right)))
    for line in page.splitlines()[3:-1]:  # each body line belongs to one column
        words = " ".join(tokens(line))
        assert words in left_words or right and words in right_words, line
    if right:  # the right column starts on a line of its own after the left column's last word
        assert f"{left[-1].split()[-1]}\n{right[0].split()[0]} " in page
