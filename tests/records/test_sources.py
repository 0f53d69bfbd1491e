"""The records reader on documents it has never seen."""
from pathlib import Path

import pytest

from reviewkit.core.errors import ReviewInputError
from reviewkit.records.cues import suggest_source_type
from reviewkit.records.sources import read_folder, read_record

ABSTRACT_EN = (
    "Twelve adults with amyotrophic lateral sclerosis received 3 intrathecal doses of autologous "
    "bone marrow MSC-NTF cells over 16 weeks in this open-label phase 2 study (NCT 02017912). "
    "Adverse events were mild in 11 of 12 participants, and ALSFRS-R decline slowed by 2.1 points."
)
ABSTRACT_ES = (
    "Doce adultos con esclerosis lateral amiotrófica recibieron 3 dosis intratecales de células MSC-NTF "
    "autólogas de médula ósea durante 16 semanas en este estudio abierto de fase 2 (NCT 02017912). "
    "Los eventos adversos fueron leves en 11 de 12 participantes y el deterioro del ALSFRS-R se redujo en 2,1 puntos."
)


def _write(folder: Path, name: str, text: str | bytes) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return path


def test_journal_abstract_with_translation_is_one_record(tmp_path):
    text = (
        "Smith John, Garcia Maria, Chen Wei, Okafor Ngozi, Novak Petra\n"
        "Department of Neurology, University Hospital of Somewhere, Somewhere.\n"
        "Neurol Ther. 2023 Mar 14;12(2):455-470. doi: 10.1007/s40120-023-00455-x.\n"
        f"{ABSTRACT_EN}\n{ABSTRACT_ES}\n"
    )
    record = read_record(_write(tmp_path, "abc123.txt", text), "pubmed")
    assert record.id == "abc123"
    assert record.source == "pubmed"
    assert record.title.startswith("Twelve adults with amyotrophic lateral sclerosis")
    assert record.dois == ("10.1007/s40120-023-00455-x",)
    assert record.dates == ("2023-03-14",)
    assert record.language == "en"
    assert set(record.languages) == {"en", "es"}
    assert len(record.translations) == 1 and record.translations[0].startswith("es→en")
    assert record.source_type == "journal article"


def test_two_unrelated_languages_are_not_a_translation(tmp_path):
    other = (
        "Die Studie untersuchte die Lebensqualität von Pflegekräften in Krankenhäusern während der Pandemie "
        "und fand keine Unterschiede zwischen den Stationen, den Schichten oder dem Alter der Befragten."
    )
    record = read_record(_write(tmp_path, "mixed.md", f"{ABSTRACT_EN}\n\n{other}\n"), "web")
    assert set(record.languages) == {"en", "de"}
    assert record.translations == ()


def test_press_release_news_and_blog_cues(tmp_path):
    press = (
        "NeuroCell Therapeutics Inc. announced today that our cell platform met its primary endpoint.\n"
        "Media contact: press@example.org"
    )
    news = "Written by A. Reporter\nLast Update: 2024-05-02\nScientists said the trial was small, the news agency reported."
    blog = "Can stem cells fix back pain?\nShare on: Facebook\nCall us to book a consultation at our clinic."
    assert suggest_source_type(press)[0] == "press release"
    assert suggest_source_type(news)[0] == "news article"
    kind, cues = suggest_source_type(blog)
    assert kind == "blog" and "Share on:" in cues["blog"]


def test_citations_dates_and_title_skip_navigation(tmp_path):
    text = (
        "Skip to content\nMenu\n"
        "Stem cell trial in stroke shows early promise\n"
        "Published on 3 July 2024. The paper appeared in the Journal of Stroke Research on June 30, 2024.\n"
        "References\n[1] Doe J. A trial. Stroke. 2024;55:1-9. doi:10.1161/STROKEAHA.124.000001.\n"
        "See https://example.org/trial for more.\n"
    )
    record = read_record(_write(tmp_path, "blog.txt", text), "web")
    assert record.title == "Stem cell trial in stroke shows early promise"
    assert record.dates == ("2024-07-03", "2024-06-30")
    assert record.dois == ("10.1161/strokeaha.124.000001",)
    assert record.journals_mentioned == ("Journal of Stroke Research",)
    assert any(c.startswith("[1] Doe J.") for c in record.citations)
    assert any("https://example.org/trial" in c for c in record.citations)


def test_empty_document_is_an_error_naming_the_file(tmp_path):
    path = _write(tmp_path, "empty.txt", "  \n")
    with pytest.raises(ReviewInputError) as caught:
        read_record(path, "web")
    assert "empty.txt" in str(caught.value) and "empty" in caught.value.message


def test_non_utf8_document_names_file_and_line(tmp_path):
    path = _write(tmp_path, "latin1.txt", "first line\nsecond line caf\xe9\n".encode("latin-1"))
    with pytest.raises(ReviewInputError) as caught:
        read_record(path, "web")
    assert caught.value.line == 2 and "UTF-8" in str(caught.value)


def test_folder_reads_text_and_markdown_in_name_order(tmp_path):
    _write(tmp_path, "b.md", "# A Markdown report of a stem cell study\nBody text here.")
    _write(tmp_path, "a.txt", "A plain text report of another study\nMore text.")
    _write(tmp_path, "notes.docx", "not a text document")
    assert [r.id for r in read_folder(tmp_path, "web")] == ["a", "b"]
    _write(tmp_path, "scan.pdf", "not a PDF at all")
    with pytest.raises(ReviewInputError, match=r"scan\.pdf: this is not a PDF"):
        read_folder(tmp_path, "web")


def test_missing_or_empty_folder_is_an_error(tmp_path):
    with pytest.raises(ReviewInputError, match="does not exist"):
        read_folder(tmp_path / "nowhere", "web")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ReviewInputError, match="no .txt, .md or .pdf"):
        read_folder(tmp_path / "empty", "web")
