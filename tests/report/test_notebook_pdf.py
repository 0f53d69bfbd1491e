"""Notebooks as PDFs, code hidden: the study notebook through export.py, nbconvert and the CLI; bad input."""
from __future__ import annotations

import base64
import io
import re
import shutil
import subprocess
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import nbformat  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from conftest import ROOT
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output  # noqa: E402
from pypdf import PdfReader  # noqa: E402

from reviewkit.core.errors import ReviewInputError  # noqa: E402
from reviewkit.core.tables import write_table  # noqa: E402
from reviewkit.report import export_notebook  # noqa: E402
from reviewkit.report.notebook_pdf import html_table, markdown  # noqa: E402
from reviewkit.report.typst import compile_pdf, template  # noqa: E402
from reviewkit.workbook.cli import main  # noqa: E402
from reviewkit.workbook.pipeline import default_notebooks_dir, execute, run_studies  # noqa: E402
from reviewkit.workbook.stages import stage  # noqa: E402

JUPYTER = Path(sys.executable).parent / "jupyter"
STUDY_NOTEBOOK = stage("studies").notebook
STUDY = "hirota-2024"


def pdf_text(path: Path) -> str:
    text = "\n".join(p.extract_text() for p in PdfReader(path).pages)
    text = re.sub(r"[\u00ad-]\s*\n", "", text.replace("\u200b", ""))
    return re.sub(r"\s+", " ", text.replace("-", ""))


def has(text: str, phrase: str) -> bool:
    return re.sub(r"\s+", " ", phrase.replace("-", "")) in text


@pytest.fixture(scope="module")
def executed(tmp_path_factory) -> Path:
    """The study notebook executed once for one seed study."""
    root = tmp_path_factory.mktemp("export")
    shutil.copytree(ROOT / "seeds", root / "seeds")
    shutil.copytree(ROOT / "review", root / "review", ignore=shutil.ignore_patterns("build"))
    out = root / "build" / "notebooks" / "studies" / f"{STUDY}.ipynb"
    execute(default_notebooks_dir() / STUDY_NOTEBOOK, out,
            {"review_dir": str(root / "review"), "out_dir": str(root / "build"), "study_id": STUDY})
    return out


def _shows_the_study_without_code(text: str) -> None:
    assert has(text, "Hirota et al. 2024, autologous MSCs in chronic spinal cord injury")
    for section in ("Reports", "Extraction form", "Discrepancies", "Risk of bias", "Quotes in context"):
        assert has(text, section), section
    assert has(text, "No serious adverse events occurred.")  # a quote in the form
    assert has(text, "jbi_case_series")  # the risk-of-bias table
    assert has(text, "American Spinal Injury Association")  # the report's text, in context
    for code in ("import pandas", "display(", "read_forms", "review_dir ="):
        assert code not in text, code


def test_export_notebook_shows_outputs_and_hides_code(executed, tmp_path):
    pdf = export_notebook(executed, tmp_path / "study.pdf")
    assert pdf.read_bytes().startswith(b"%PDF")
    text = pdf_text(pdf)
    _shows_the_study_without_code(text)
    assert has(text, f"{STUDY}.ipynb")  # the header names the notebook
    assert "0 004_" not in text  # the 0…n−1 index of displayed tables is left out


def fonts_of_pages(pdf: Path) -> list[tuple[str, set[str]]]:
    """Each page's text and the base names of the fonts it uses (subset prefixes dropped)."""
    pages = []
    for page in PdfReader(pdf).pages:
        fonts = page["/Resources"].get_object().get("/Font", {})
        names = {str(f.get_object()["/BaseFont"]).lstrip("/").split("+")[-1] for f in fonts.values()}
        pages.append((page.extract_text(), names))
    return pages


def _is_cjk(text: str) -> bool:
    return any("\u4e00" <= c <= "\u9fff" for c in text)


def test_chinese_text_is_set_in_the_shipped_cjk_font(executed, tmp_path):
    """The study's abstract has a Chinese translation: its pages use Noto Sans CJK, never Typst's LastResort boxes."""
    pages = fonts_of_pages(export_notebook(executed, tmp_path / "study.pdf"))
    chinese = [names for text, names in pages if _is_cjk(text)]
    assert chinese, "the Chinese translation is in the PDF"
    assert all(any(n.startswith("NotoSansCJKsc") for n in names) for names in chinese), chinese
    assert not any("LastResort" in n for _, names in pages for n in names)


def test_every_face_of_the_templates_has_cjk_glyphs():
    """Serif, sans and mono text in the review's templates (base.typ) all set Chinese in Noto Sans CJK."""
    source = template("base") + "\n".join(f"#text(font: {face})[{face}: 系统评价 数据]\n" for face in ("serif", "sans", "mono"))
    pdf = compile_pdf(source, ROOT)
    fonts = {str(f.get_object()["/BaseFont"]).split("+")[-1] for f in PdfReader(io.BytesIO(pdf)).pages[0]["/Resources"]["/Font"].values()}
    assert {"NotoSansCJKsc-Regular-Identity-H", "NotoSansMonoCJKsc-Regular-Identity-H"} <= fonts, fonts
    assert not any("LastResort" in f for f in fonts)


def test_nbconvert_exporter(executed, tmp_path):
    done = subprocess.run([str(JUPYTER), "nbconvert", "--to", "reviewkit_pdf", str(executed), "--output-dir", str(tmp_path)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    _shows_the_study_without_code(pdf_text(tmp_path / f"{STUDY}.pdf"))


def test_cli_export_pdf_of_a_notebook(executed, tmp_path, capsys):
    assert main(["export", "pdf", str(executed), "--out", str(tmp_path / "out" / "s.pdf")]) == 0
    assert "s.pdf" in capsys.readouterr().out
    _shows_the_study_without_code(pdf_text(tmp_path / "out" / "s.pdf"))


def test_bad_notebooks_give_clear_errors(tmp_path, capsys):
    never_run = tmp_path / "never_run.ipynb"
    shutil.copy(default_notebooks_dir() / STUDY_NOTEBOOK, never_run)
    assert main(["export", "pdf", str(tmp_path / "missing.ipynb")]) == 1
    assert "missing.ipynb: no such notebook" in capsys.readouterr().err
    assert main(["export", "pdf", str(never_run)]) == 1
    err = capsys.readouterr().err
    assert "never_run.ipynb: the notebook has not been executed" in err and "code cell(s)" in err
    (tmp_path / "broken.ipynb").write_text("{not json", encoding="utf-8")
    with pytest.raises(ReviewInputError, match="broken.ipynb: not a readable notebook"):
        export_notebook(tmp_path / "broken.ipynb")
    done = subprocess.run([str(JUPYTER), "nbconvert", "--to", "reviewkit_pdf", str(never_run)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode != 0 and "has not been executed" in done.stderr
    assert not (tmp_path / "never_run.pdf").exists()


def _png() -> str:
    fig, ax = plt.subplots(figsize=(2, 1.5))
    ax.plot([0, 1], [0, 1])
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=50)
    plt.close(fig)
    return base64.b64encode(buffer.getvalue()).decode()


def test_outputs_of_every_kind(tmp_path):
    frame = pd.DataFrame({"value": ["a *b* #c", "d"]}, index=pd.Index(["x", "y"], name="field"))
    nb = new_notebook(cells=[
        new_markdown_cell("# Title\n\nSome **bold**, _emphasis_, `code` and [a link](https://example.org).\n\n"
                          "- one\n- two\n\n| h1 | h2 |\n|---|--:|\n| 1 | 2 |"),
        new_code_cell("x", execution_count=1, metadata={"tags": ["parameters"]}, outputs=[
            new_output("stream", name="stdout", text="hidden: parameters cell\n")]),
        new_code_cell("print(1)", execution_count=2, outputs=[
            new_output("stream", name="stdout", text="printed text\n"),
            new_output("stream", name="stderr", text="a warning on stderr\n")]),
        new_code_cell("df", execution_count=3, outputs=[
            new_output("execute_result", data={"text/html": frame.to_html(), "text/plain": "frame"}, execution_count=3)]),
        new_code_cell("plot", execution_count=4, outputs=[
            new_output("display_data", data={"image/png": _png(), "text/plain": "<Figure>"})]),
        new_code_cell("html", execution_count=5, outputs=[
            new_output("display_data", data={"text/html": '<div style="white-space: pre-wrap">line one\nline <mark>two</mark>\n</div>'
                                                          '<ul><li>item <i>a</i></li> <i>b</i></ul>'})]),
        new_code_cell("boom", execution_count=6, outputs=[
            new_output("error", ename="ValueError", evalue="boom", traceback=["\x1b[31mValueError\x1b[0m: boom"])]),
    ])
    path = tmp_path / "kinds.ipynb"
    nbformat.write(nb, path)
    pdf = export_notebook(path)
    assert pdf == tmp_path / "kinds.pdf"
    text = pdf_text(pdf)
    for shown in ("Title", "Some bold, emphasis, code and a link.", "one", "two", "h1 h2", "printed text",
                  "field value", "x a *b* #c", "line one", "line two", "item a", "b", "This cell failed: ValueError: boom"):
        assert has(text, shown), shown
    assert "hidden: parameters cell" not in text and "warning on stderr" not in text
    assert sum(len(page.images) for page in PdfReader(pdf).pages) == 1


def test_html_table_reads_pandas_headers_and_spans():
    frame = pd.DataFrame({("A", "x"): [1, 2], ("A", "y"): [3, 4], ("B", "z"): [5, 6]},
                         index=pd.MultiIndex.from_tuples([("s1", "r1"), ("s1", "r2")], names=["study", "row"]))
    from bs4 import BeautifulSoup

    read = html_table(BeautifulSoup(frame.to_html(), "html.parser").find("table"))
    assert list(read.columns) == ["study", "row", "A / x", "A / y", "B / z"]
    assert read.values.tolist() == [["s1", "r1", "1", "3", "5"], ["s1", "r2", "2", "4", "6"]]
    plain = html_table(BeautifulSoup(pd.DataFrame({"a": ["p", "q"]}).to_html(), "html.parser").find("table"))
    assert list(plain.columns) == ["a"]  # the 0, 1 index is dropped


def test_markdown_keeps_special_characters_literal(tmp_path):
    source = markdown("Cost $5 and 10% of #3 <b>bold</b> @ref ~ // not a comment\n\n1. first\n2. second")
    pdf = compile_pdf(template("base") + "\n" + source, tmp_path)
    (tmp_path / "m.pdf").write_bytes(pdf)
    text = pdf_text(tmp_path / "m.pdf")
    assert has(text, "Cost $5 and 10% of #3 bold @ref ~ // not a comment")
    assert has(text, "1. first 2. second")


def test_run_studies_exports_a_pdf_per_study(tmp_path):
    notebooks, out = tmp_path / "notebooks", tmp_path / "build"
    notebooks.mkdir()
    nbformat.write(new_notebook(cells=[
        new_markdown_cell("# Study"),
        new_code_cell('review_dir = ""\nout_dir = ""\nstudy_id = ""', metadata={"tags": ["parameters"]}),
        new_code_cell("print(f'this is {study_id}')"),
    ], metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}}),
        notebooks / STUDY_NOTEBOOK)
    write_table(pd.DataFrame([{"study_id": "study-a"}]), out, "included_studies")
    runs = run_studies(notebooks / STUDY_NOTEBOOK, out, {"review_dir": "r", "out_dir": str(out)}, jobs=1)
    assert [r.notebook for r in runs] == ["studies/study-a.ipynb"]
    assert has(pdf_text(out / "studies" / "study-a.pdf"), "this is study-a")


def test_cells_tagged_form_are_left_out_of_the_pdf(tmp_path):
    """How to use a review form is no use in a PDF, which shows no form (notebooks 02-04 tag those cells)."""
    nb = new_notebook(cells=[
        new_markdown_cell("# Screening"),
        new_markdown_cell("## Screening form\n\nKeys work once you click on the form.", metadata={"tags": ["form"]}),
        new_code_cell("print('form shown')", metadata={"tags": ["form"]},
                      outputs=[new_output("stream", name="stdout", text="form shown\n")]),
        new_markdown_cell("## Decisions"),
    ], metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}})
    path = tmp_path / "02_screening.ipynb"
    nbformat.write(nb, path)
    text = pdf_text(export_notebook(path, tmp_path / "02_screening.pdf"))
    assert has(text, "Decisions") and not has(text, "Screening form") and not has(text, "form shown")
    for name in ("02_screening", "03_extraction", "04_risk_of_bias"):  # the notebooks tag their form cells
        cells = nbformat.read(default_notebooks_dir() / f"{name}.ipynb", as_version=4).cells
        tagged = [c for c in cells if "form" in c.metadata.get("tags", [])]
        assert len(tagged) == 2 and any("show_forms" in c.source for c in tagged), name
