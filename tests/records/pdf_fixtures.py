"""Fixture PDFs typeset at test time with Typst: a two-column journal article, an article's last page with short
columns, scanned (image-only) pages, an encrypted, a damaged, an empty and a not-a-PDF file. The benchmark
(``benchmarks/pdf.py``) imports it too."""
from __future__ import annotations

import io
import re
from pathlib import Path

JOURNAL = "Journal of Evidence Synthesis"
VOLUME = "Vol. 12, No. 3 (2024) 211–240"
TITLE = "Structured exercise therapy for chronic low back pain: a systematic review of randomised trials"
AUTHORS = "Maria Okafor, Lukas Brandt and Aiko Tanaka"
AFFILIATION = "Department of Clinical Epidemiology, University of Northfield"
ABSTRACT = (
    "Background: Exercise therapy is the most frequently recommended treatment for chronic low back pain, but the "
    "size of its benefit over usual care remains uncertain. Methods: We searched five databases to March 2024 for "
    "randomised controlled trials comparing structured exercise with usual care, and pooled standardised mean "
    "differences with a random-effects model. Results: Thirty-one trials with 4,812 participants were included. "
    "Exercise reduced pain at twelve weeks (SMD −0.41, 95% CI −0.55 to −0.27) with moderate heterogeneity. "
    "Conclusions: Structured exercise gives a small to moderate, clinically relevant benefit."
)
# Section headings and paragraphs of the body, in reading order. Long words so that justified lines hyphenate;
# ligature words (fi, fl, ffi, ff); "signiﬁcant" and "ﬂexibility" are typed with the ligature characters U+FB01
# and U+FB02 themselves, as many journal PDFs carry them in their text layer.
SECTIONS = [
    ("Introduction", [
        "Chronic low back pain is the leading cause of years lived with disability worldwide, and its treatment "
        "accounts for a substantial share of musculoskeletal healthcare expenditure. International guidelines "
        "consistently recommend exercise therapy as a first-line intervention, yet the magnitude of the benefit "
        "reported by individual trials varies considerably between populations, settings and programmes.",
        "Earlier systematic reviews identified methodological difficulties, including insufficient allocation "
        "concealment, unblinded outcome assessment and selective reporting, which may have inflated the estimated "
        "efficacy of supervised programmes. Conflicting conclusions reflect differences in the definition of "
        "usual care, in the duration of follow-up and in the classification of stem-cell and other biological "
        "co-interventions that were offered to participants alongside the exercise programme.",
        "The objective of this review was to estimate the effect of structured exercise therapy on pain "
        "intensity and functional disability, compared with usual care, and to examine whether the effect "
        "differs by programme intensity, supervision and the baseline characteristics of the participants.",
    ]),
    ("Methods", [
        "We followed a prespecified protocol registered before the searches were run. Five bibliographic databases "
        "were searched from inception to March 2024 without language restrictions, supplemented by trial "
        "registries, reference lists of included studies and correspondence with investigators. Two reviewers "
        "independently screened titles, abstracts and full texts, and disagreements were resolved by discussion "
        "with a third reviewer who was unaware of the trial results.",
        "Eligible trials randomised adults with low back pain lasting at least twelve weeks to a structured "
        "exercise programme or to usual care. Programmes of motor control, strengthening, ﬂexibility or aerobic "
        "training were eligible when they were delivered or supervised by a qualified professional. Trials of "
        "stem-cell injections, surgery or spinal manipulation alone were excluded, as were quasi-randomised designs.",
        "Risk of bias was assessed with the revised Cochrane tool for each outcome. Standardised mean differences "
        "were pooled with a random-effects model using restricted maximum likelihood, and the certainty of the "
        "evidence was rated with the GRADE approach. Heterogeneity was quantified with the between-study variance "
        "and explored with prespecified subgroup analyses and meta-regression on the programme characteristics.",
    ]),
    ("Results", [
        "The searches identified 6,214 records, of which 412 full texts were assessed and thirty-one trials were "
        "included, with a total of 4,812 participants. The median trial size was 124 participants, the median "
        "programme length was eight weeks, and most programmes combined strengthening with flexibility exercises "
        "delivered in small supervised groups. Table 1 summarises the characteristics of the included trials.",
        "Exercise therapy reduced pain intensity at twelve weeks compared with usual care, with a statistically "
        "signiﬁcant standardised mean difference of −0.41 and moderate heterogeneity between trials. The effect on "
        "functional disability was smaller but consistent in direction, and it remained statistically significant "
        "in the sensitivity analysis restricted to trials at low risk of bias for allocation concealment.",
        "Subgroup analyses suggested larger effects for supervised programmes and for programmes of higher "
        "intensity, although the confidence intervals of the subgroups overlapped. The meta-regression found no "
        "association between the effect and the mean age or baseline pain of the participants, and the funnel "
        "plot showed no clear asymmetry, which makes substantial publication bias unlikely in this field.",
    ]),
    ("Discussion", [
        "This review confirms a small to moderate benefit of structured exercise therapy for chronic low back "
        "pain. The effect is comparable to that of other recommended treatments and is achieved with a favourable "
        "safety profile, since serious adverse events were rare and evenly distributed between the groups. The "
        "affordability of group programmes makes them an efficient option for primary care services.",
        "Several limitations should be considered. Participants and therapists could not be blinded, and pain is "
        "a self-reported outcome, so performance and detection bias may have affected the estimates. The "
        "definition of usual care differed considerably between trials, and the long-term effects beyond one "
        "year were reported by only a minority of the trials, which limits conclusions about sustained benefit.",
        "Future trials should report the content and the dose of the exercise programme in sufficient detail, "
        "measure adherence, and follow the participants for at least one year. Officially endorsed core outcome "
        "sets would make the results of different trials easier to combine in future evidence syntheses.",
    ]),
    ("Comparison with other reviews", [
        "Our pooled estimate is slightly smaller than that of earlier reviews, which included quasi-randomised "
        "trials and trials with inadequate allocation concealment. When we repeated the analysis with the "
        "inclusion criteria of the most cited previous review, the estimate increased to a magnitude similar to "
        "the one it reported, which suggests that the difference arises from the selection of trials rather than "
        "from a change in the effectiveness of the programmes over time.",
        "Reviews of individual participant data have suggested that patients with higher baseline disability "
        "benefit more from exercise. Our meta-regression on aggregate data could not confirm this finding, but "
        "such analyses are affected by ecological bias and have limited power when the number of trials is small, "
        "so the absence of an association should not be interpreted as evidence of a uniform effect.",
    ]),
    ("Implications for practice", [
        "Clinicians can offer structured exercise as a first-line treatment with reasonable confidence that it "
        "will provide a modest benefit for most patients. Supervised group programmes appear to be at least as "
        "effective as individual sessions and are considerably cheaper to deliver, which is an important "
        "consideration for health services with limited physiotherapy capacity. Programmes should be tailored "
        "to the preferences of the patients, since adherence is the main determinant of long-term benefit.",
        "Policy makers should consider the evidence on cost-effectiveness alongside the evidence on efficacy. "
        "Three economic evaluations conducted alongside included trials found that group exercise was likely to "
        "be cost-effective at conventional willingness-to-pay thresholds, although the uncertainty around the "
        "estimates was considerable and the time horizons of the evaluations were short.",
    ]),
    ("Conclusions", [
        "Structured exercise therapy provides a small to moderate and clinically relevant reduction in pain and "
        "disability for adults with chronic low back pain compared with usual care. Supervised programmes of "
        "higher intensity may be more effective, but better reported trials with longer follow-up are needed to "
        "establish which components of the programmes are responsible for the benefit.",
    ]),
]
REFERENCES = [
    f"{a}. {t}. {j}. {y};{v}:{p}."
    for a, t, j, y, v, p in [
        ("Hayden JA, Ellis J, Ogilvie R", "Exercise therapy for chronic low back pain", "Cochrane Database Syst Rev", 2021, 9, "CD009790"),
        ("Foster NE, Anema JR, Cherkin D", "Prevention and treatment of low back pain: evidence, challenges, and promising directions", "Lancet", 2018, 391, "2368–2383"),
        ("Owen PJ, Miller CT, Mundell NL", "Which specific modes of exercise training are most effective for treating low back pain?", "Br J Sports Med", 2020, 54, "1279–1287"),
        ("Searle A, Spink M, Ho A, Chuter V", "Exercise interventions for the treatment of chronic low back pain: a systematic review and meta-analysis", "Clin Rehabil", 2015, 29, "1155–1167"),
        ("Saragiotto BT, Maher CG, Yamato TP", "Motor control exercise for chronic non-specific low-back pain", "Cochrane Database Syst Rev", 2016, 1, "CD012004"),
        ("Sterne JAC, Savović J, Page MJ", "RoB 2: a revised tool for assessing risk of bias in randomised trials", "BMJ", 2019, 366, "l4898"),
        ("Guyatt GH, Oxman AD, Vist GE", "GRADE: an emerging consensus on rating quality of evidence and strength of recommendations", "BMJ", 2008, 336, "924–926"),
        ("Higgins JPT, Thompson SG", "Quantifying heterogeneity in a meta-analysis", "Stat Med", 2002, 21, "1539–1558"),
        ("Chiarotto A, Deyo RA, Terwee CB", "Core outcome domains for clinical trials in non-specific low back pain", "Eur Spine J", 2015, 24, "1127–1142"),
        ("van Tulder M, Malmivaara A, Esmail R, Koes B", "Exercise therapy for low back pain: a systematic review within the framework of the Cochrane collaboration back review group", "Spine", 2000, 25, "2784–2796"),
        ("Hoy D, March L, Brooks P", "The global burden of low back pain: estimates from the Global Burden of Disease 2010 study", "Ann Rheum Dis", 2014, 73, "968–974"),
        ("Maher C, Underwood M, Buchbinder R", "Non-specific low back pain", "Lancet", 2017, 389, "736–747"),
        ("Page MJ, McKenzie JE, Bossuyt PM", "The PRISMA 2020 statement: an updated guideline for reporting systematic reviews", "BMJ", 2021, 372, "n71"),
        ("Riley RD, Higgins JPT, Deeks JJ", "Interpretation of random effects meta-analyses", "BMJ", 2011, 342, "d549"),
    ]
]
TABLE = [
    ("Characteristic", "Trials", "Participants"),
    ("Supervised programme", "22", "3,407"),
    ("Home-based programme", "9", "1,405"),
    ("Follow-up ≥ 12 months", "11", "1,980"),
]


def _escape(text: str) -> str:
    """Typst markup for plain text: markup characters escaped."""
    return re.sub(r"([\\#*_`$<>@\[\]~=])", r"\\\1", text)


def body_paragraphs(repeat: int = 1) -> list[tuple[str | None, str]]:
    """The body as (heading or None, paragraph) in reading order, the sections ``repeat`` times (numbered)."""
    items = []
    for round_ in range(repeat):
        for heading, paragraphs in SECTIONS:
            for i, paragraph in enumerate(paragraphs):
                name = heading if repeat == 1 else f"{heading} {round_ + 1}"
                items.append((name if i == 0 else None, paragraph))
    return items


def article_source(repeat: int = 1) -> str:
    """Typst source of the article: A4, two columns, full-width title and abstract, a running head with the
    journal's name, a footer "Page n of N", justified hyphenated Libertinus Serif, a small table in a column."""
    parts = [f"""
#set document(title: "{TITLE}")
#set page(paper: "a4", columns: 2, margin: (x: 1.7cm, top: 2.4cm, bottom: 2.2cm),
  header: context [#set text(8pt); #emph[{JOURNAL}] #h(1fr) {VOLUME}],
  footer: context [#set text(8pt); #h(1fr) Page #counter(page).display() of #counter(page).final().first() #h(1fr)])
#set text(font: "Libertinus Serif", size: 11pt, lang: "en", hyphenate: true)
#set par(justify: true, first-line-indent: 1em, spacing: 0.65em)
#set heading(numbering: "1.")
#show heading: set text(11pt)
#show figure.where(kind: table): set figure.caption(position: top)
#place(top + center, float: true, scope: "parent", clearance: 2em)[
  #text(16pt, weight: "bold")[{_escape(TITLE)}]
  #v(0.4em)
  #text(11pt)[{AUTHORS}] \\
  #text(9pt, style: "italic")[{AFFILIATION}]
  #v(0.6em)
  #block(width: 88%)[#set align(left); #set par(first-line-indent: 0em); #text(9pt)[*Abstract.* {_escape(ABSTRACT)}]]
]
"""]
    table_done = False
    for index, (heading, paragraph) in enumerate(body_paragraphs(repeat)):
        if heading:
            parts.append(f"\n= {heading}\n")
        parts.append(_escape(paragraph) + "\n\n")
        if not table_done and heading and heading.startswith("Results"):
            cells = ", ".join(f"[{_escape(c)}]" for row in TABLE for c in row)
            parts.append(f"""
#figure(caption: [Characteristics of the included trials.], text(8pt, table(columns: 3, align: (left, right, right),
  stroke: none, table.hline(), {cells}, table.hline())))
""")
            table_done = True
    parts.append("\n= References\n#set text(8.5pt)\n#set par(first-line-indent: 0em)\n")
    parts.extend(f"+ {_escape(reference)}\n" for reference in REFERENCES)
    return "".join(parts)


def compile_typst(source: str, root: str | Path | None = None) -> bytes:
    """PDF bytes of Typst ``source``, with the fonts the report uses (Typst's embedded ones and matplotlib's)."""
    import typst

    from reviewkit.report.typst import font_paths

    kwargs = {"root": str(root)} if root is not None else {}
    return typst.compile(source.encode("utf-8"), font_paths=font_paths(), **kwargs)


def make_article(path: str | Path, repeat: int = 1) -> Path:
    """Write the two-column article (3 pages with ``repeat=1``) to ``path``."""
    path = Path(path)
    path.write_bytes(compile_typst(article_source(repeat)))
    return path


LAST_PAGE_TITLE = "Supervised exercise versus usual care: a randomised trial"
LAST_PAGE_LEFT = [paragraph for _, paragraphs in SECTIONS[:2] for paragraph in paragraphs][:5]
LAST_PAGE_RIGHT = [
    "The trial was funded by a national health research programme.",
    "Conclusion: Supervised exercise had a small effect on relapse and fatigue.",
]


def last_page_source(left: list[str], right: list[str]) -> str:
    """Typst source of one A4 page in two columns, like an article's last page: a running head (the journal's
    name, the year), a full-width title, the paragraphs ``left`` in the left column and, after a column break,
    ``right`` in the right one (none: the right column empty), a footer "Page 1"."""
    source = f"""
#set page(paper: "a4", columns: 2, margin: (x: 2cm, y: 2.5cm),
  header: [#set text(8pt); #emph[{JOURNAL}] #h(1fr) 2024], footer: [#set text(8pt); #h(1fr) Page 1 #h(1fr)])
#set text(font: "Libertinus Serif", size: 11pt, lang: "en", hyphenate: true)
#set par(justify: true)
#place(top + center, float: true, scope: "parent", clearance: 1.5em)[#text(14pt, weight: "bold")[{LAST_PAGE_TITLE}]]
"""
    body = "\n\n".join(_escape(paragraph) for paragraph in left)
    if right:
        body += "\n#colbreak()\n" + "\n\n".join(_escape(paragraph) for paragraph in right)
    return source + body + "\n"


def make_last_page(path: str | Path, left: list[str] = LAST_PAGE_LEFT, right: list[str] = LAST_PAGE_RIGHT) -> Path:
    """Write ``last_page_source(left, right)`` to ``path``: by default a long left column and a right column of
    four lines at its top."""
    path = Path(path)
    path.write_bytes(compile_typst(last_page_source(left, right)))
    return path


def _scan_png(lines: list[str]) -> bytes:
    """A grey 'scanned page' image with some lines of text drawn into its pixels (no text layer)."""
    from PIL import Image, ImageDraw

    image = Image.new("L", (850, 1100), 235)
    draw = ImageDraw.Draw(image)
    for i, line in enumerate(lines):
        draw.text((80, 90 + 28 * i), line, fill=30)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def make_scanned(path: str | Path, pages: str = "SSTS") -> Path:
    """A PDF of image-only 'scanned' pages (``S``) and typeset text pages (``T``), in the order of ``pages``."""
    path = Path(path)
    root = path.parent / f".{path.stem}-typst"
    root.mkdir(exist_ok=True)
    (root / "scan.png").write_bytes(_scan_png([p for p in SECTIONS[0][1][0].split(". ")]))
    body = []
    for i, kind in enumerate(pages):
        if i:
            body.append("#pagebreak()")
        if kind == "S":
            body.append('#image("/scan.png", width: 100%)')
        else:
            body.append(f"This page has a text layer. {_escape(SECTIONS[1][1][0])}")
    source = '#set page(paper: "a4")\n#set text(font: "Libertinus Serif")\n' + "\n".join(body) + "\n"
    path.write_bytes(compile_typst(source, root=root))
    return path


def make_encrypted(path: str | Path, source: str | Path, password: str = "secret") -> Path:
    """``source`` encrypted with a user password (pypdf), so it cannot be opened without it."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for page in PdfReader(str(source)).pages:
        writer.add_page(page)
    writer.encrypt(user_password=password, owner_password=password + "-owner", algorithm="RC4-128")
    path = Path(path)
    with path.open("wb") as out:
        writer.write(out)
    return path


def make_damaged(path: str | Path, source: str | Path, keep: int = 300) -> Path:
    """The first ``keep`` bytes of ``source``: a truncated download, its header intact and little else."""
    path = Path(path)
    path.write_bytes(Path(source).read_bytes()[:keep])
    return path


def make_empty(path: str | Path) -> Path:
    """A well-formed PDF with no pages."""
    from pypdf import PdfWriter

    path = Path(path)
    with path.open("wb") as out:
        PdfWriter().write(out)
    return path


def make_not_pdf(path: str | Path) -> Path:
    """A Word-like file saved with a .pdf name."""
    path = Path(path)
    path.write_bytes(b"PK\x03\x04" + b"word/document.xml" + bytes(200))
    return path


LEGACY_LINES = [
    "Single-column report typeset with a Type 1 font whose ligature glyphs",
    "are named fi, fl, ff and ffi: the text layer holds U+FB01 and its kin.",
    "The \x01rst \x01ndings re\x02ect an e\x03cient and e\x04ective design.",
    "A second paragraph follows on its own line, with a stem-cell trial.",
]


def legacy_pdf(lines: list[str] = LEGACY_LINES) -> bytes:
    """A one-column PDF written by hand in the old way: Times-Roman with an encoding whose codes 1–4 are the
    glyphs fi, fl, ffi and ff, so that pdfium reads U+FB01, U+FB02, U+FB03 and U+FB00 from its text layer."""
    def escaped(line: str) -> str:
        return line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")

    content = "BT /F1 12 Tf 72 720 Td 16 TL\n" + "".join(f"({escaped(line)}) Tj T*\n" for line in lines) + "ET\n"
    font = ("<< /Type /Font /Subtype /Type1 /BaseFont /Times-Roman /Encoding << /Type /Encoding "
            "/BaseEncoding /WinAnsiEncoding /Differences [1 /fi /fl /ffi /ff] >> >>")
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 4 0 R >> >> "
        "/Contents 5 0 R >>",
        font,
        f"<< /Length {len(content.encode('latin-1'))} >>\nstream\n{content}endstream",
    ]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n{body}\nendobj\n".encode("latin-1")
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode("latin-1")
    out += "".join(f"{offset:010d} 00000 n \n" for offset in offsets).encode("latin-1")
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode("latin-1")
    return bytes(out)


def make_legacy(path: str | Path) -> Path:
    """Write ``legacy_pdf()`` to ``path``."""
    path = Path(path)
    path.write_bytes(legacy_pdf())
    return path
