"""De-duplication: identifiers, labelled look-alike pairs, groups, merged records, reviewer decisions."""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from reviewkit.core.errors import ReviewInputError, ReviewInputErrors
from reviewkit.records.citation import Citation
from reviewkit.records.dedup.decisions import read_dedup_decisions
from reviewkit.records.dedup.groups import duplicate_groups, find_duplicates, merge_group
from reviewkit.records.dedup.normalise import accession_from_url, normalise_doi, normalise_pmid, pmid_from_url

ARTICLE = Citation(
    id="pubmed:1", source="pubmed", position=1, line=1,
    title="Autologous bone marrow mononuclear cells for acute ischaemic stroke: a randomised controlled trial",
    authors=("Moreno, Ana L.", "Schmidt, Peter", "Okafor, Chidi", "Lindqvist, Eva"),
    year="2019", journal="Journal of Neurology", volume="266", issue="4", pages="1023-1031",
    doi="10.1007/s00415-019-09234-1", pmid="30712345", type="JOUR",
)


def copy(record: Citation, record_id: str, **changes: object) -> Citation:
    """The same record as another database exports it."""
    return replace(record, id=record_id, source=record_id.split(":")[0], **changes)


def same(a: Citation, b: Citation) -> bool:
    return find_duplicates([a, b]) == [(0, 1)]


@pytest.mark.parametrize("value", [
    "10.1007/S00415-019-09234-1", "https://doi.org/10.1007/s00415-019-09234-1",
    "http://dx.doi.org/10.1007/s00415-019-09234-1", "doi:10.1007/s00415-019-09234-1",
    "DOI: 10.1007/s00415-019-09234-1.", " 10.1007/s00415-019-09234-1 [doi]",
    "https://doi.org/10.1007%2Fs00415-019-09234-1",
])
def test_doi_variants_normalise_to_one(value: str) -> None:
    assert normalise_doi(value) == "10.1007/s00415-019-09234-1"


def test_pmid_normalisation() -> None:
    assert normalise_pmid("PMID: 030712345") == "30712345"
    assert normalise_pmid("30712345") == "30712345"
    assert normalise_pmid("not a pmid") == normalise_pmid("") == ""
    assert pmid_from_url("https://www.ncbi.nlm.nih.gov/pubmed/30712345") == "30712345"
    assert pmid_from_url("https://example.org/article/30712345") == ""


def ovid(accession: str, database: str = "emexa", page: str = "fulltext") -> str:
    """An Ovid link to one record, as Embase exports write it (a second link glued on)."""
    return f"http://ovidsp.ovid.com/ovidweb.cgi?T=JS&PAGE={page}&D={database}&NEWS=N&AN={accession}http://ru.on.nl/x"


def test_accession_numbers_from_ovid_links() -> None:
    assert accession_from_url(ovid("620887343")) == accession_from_url(ovid("620887343", "emed18", "reference")) == "embase:620887343"
    assert accession_from_url(ovid("30712345", "medl")) == "pmid:30712345"  # Ovid MEDLINE's accession number is the PMID
    assert accession_from_url(ovid("2012-12345", "psyc")) == accession_from_url("https://example.org/?AN=5") == ""


ABSTRACT_BOOK = Citation(
    id="embase:1", source="embase", position=1, line=1, title="Abstracts of the Diabetes UK Professional Conference 2017",
    authors=("Anonymous",), year="2017", journal="Diabetic Medicine. Conference: Diabetes UK Professional Conference",
    volume="34", issue="Supplement 1", type="JOUR", url=ovid("614828304", "emed18"))


def test_one_embase_record_exported_twice_is_one_record() -> None:
    # an abstract book: no author, no pages, nothing else to tell it by
    assert same(ABSTRACT_BOOK, copy(ABSTRACT_BOOK, "embase2:1", journal="Diabetic Medicine",
                                     url=ovid("614828304", "emed18", "reference")))
    # one export took the DOI of the companion paper in another journal
    abstract = copy(ARTICLE, "embase:9", doi="10.1016/j.appet.2012.05.003", pmid="", url=ovid("70929072", "emed13"))
    assert same(abstract, copy(abstract, "embase2:9", doi="10.1016/j.regpep.2012.05.039", volume="1"))


def test_other_accession_numbers_keep_look_alike_records_apart() -> None:
    next_year = copy(ABSTRACT_BOOK, "embase:2", url=ovid("620000001", "emed18"))
    assert not same(ABSTRACT_BOOK, next_year)  # the same heading every year: nothing but the title agrees
    other_doi = copy(ARTICLE, "embase:9", doi="10.1016/j.appet.2012.05.003", pmid="", url=ovid("70929072"))
    assert not same(other_doi, copy(other_doi, "embase2:9", doi="10.1016/j.regpep.2012.05.039", volume="1",
                                    url=ovid("70929999")))


# Labelled pairs: the same publication exported by two databases.
DUPLICATES = {
    "doi with resolver prefix, title in capitals": dict(
        doi="https://doi.org/10.1007/S00415-019-09234-1", title=ARTICLE.title.upper()),
    "no doi or pmid, typo and other punctuation": dict(
        doi="", pmid="", title="Autologous bone-marrow mononuclear cells for acute ischemic stroke. A randomised controled trial."),
    "reordered authors written another way, abbreviated journal": dict(
        doi="", pmid="", authors=("Schmidt P", "Moreno AL", "Lindqvist E", "Okafor C"), journal="J Neurol",
        pages="1023-31"),
    "pmid only, accents and a truncated author list": dict(
        doi="", title=ARTICLE.title.replace("ischaemic", "ischæmic"), authors=("Moreno, A. L.", "Schmidt, P.")),
    "online first a year before print": dict(doi="", pmid="", year="2018"),
    "first page mistyped in the same issue, a section heading added": dict(
        doi="", pmid="", pages="1024-1031", title=f"{ARTICLE.title}: brief communication"),
}


@pytest.mark.parametrize("changes", DUPLICATES.values(), ids=DUPLICATES.keys())
def test_true_duplicates_are_found(changes: dict) -> None:
    assert same(ARTICLE, copy(ARTICLE, "embase:7", **changes))


# Labelled pairs: different publications that look alike. Merging them would lose one.
UNPLACED = dict(doi="", pmid="", volume="", issue="", pages="")  # as a record without volume or pages has it
DIFFERENT = {
    "erratum with the article's title": dict(
        title=f"Erratum: {ARTICLE.title}", doi="10.1007/s00415-019-09301-7", pmid="", pages="1544", issue="6",
        authors=()),
    "erratum without identifier or pages": dict(UNPLACED, title=f"Erratum: {ARTICLE.title}"),
    "notice in Web of Science style": dict(UNPLACED, title=f"{ARTICLE.title} (vol 266, pg 1023, 2019)"),
    "reply by the authors": dict(UNPLACED, title=f"{ARTICLE.title} - Reply"),
    "comment on it": dict(UNPLACED, title=f"Re: {ARTICLE.title}", authors=("Dubois, M.",)),
    "protocol of the same trial": dict(UNPLACED, title=ARTICLE.title.replace(": a", ": protocol for a")),
    "part 2": dict(UNPLACED, title=f"{ARTICLE.title}, part 2"),
    "same title, a later year of the series": dict(
        doi="", pmid="", year="2021", volume="268", pages="200-208"),
    "same title, next year, other volume and pages": dict(
        doi="", pmid="", year="2020", volume="267", pages="301-309"),
    "conference abstract with another DOI": dict(
        doi="10.1177/1747493019851234", pmid="", journal="International Journal of Stroke", volume="14",
        issue="3 Suppl", pages="S45", year="2019", type="CONF", authors=ARTICLE.authors[:2]),
    "conference abstract typed as an article": dict(
        doi="", pmid="", journal="European Stroke Journal", volume="3", issue="1 Suppl", pages="S112",
        year="2019"),
    "other DOI and other pages": dict(doi="10.1007/s00415-020-09999-9", pmid="", pages="77-85", volume="267"),
    "another paper of the issue ending on the same page": dict(
        doi="", pmid="", pages="1028-1031", title="Cord blood cells for chronic stroke: a cohort study"),
}


@pytest.mark.parametrize("changes", DIFFERENT.values(), ids=DIFFERENT.keys())
def test_look_alikes_are_kept_apart(changes: dict) -> None:
    assert not same(ARTICLE, copy(ARTICLE, "embase:7", **changes))


def test_two_exports_of_one_erratum_notice_citing_the_paper_differently_are_one_record() -> None:
    paper = copy(ARTICLE, "pubmed:2", title="Stem cells for stroke")
    notice = copy(paper, "wos:3", title=f"{paper.title} (vol 266, pg 1023, 2019)", doi="", pmid="",
                  issue="6", pages="1544-1544", authors=("Moreno, A. L.",))
    other = copy(notice, "embase:3", title=f"{paper.title} (Journal of Neurology (2019) 266 (1023-1031))")
    assert same(notice, other)
    assert not same(paper, other)


def test_a_supplement_doi_shared_by_two_abstracts_does_not_join_them() -> None:
    first = Citation(id="a", source="embase", position=1, line=1, title="Stem cell therapy improves gait after stroke",
                     authors=("Lee, K.", "Park, J."), year="2020", journal="Stroke", volume="51",
                     issue="Suppl 1", pages="A12", doi="10.1161/str.51.suppl_1", type="JOUR")
    second = replace(first, id="b", title="Mesenchymal cells reduce infarct volume in aged rats", pages="A12")
    assert find_duplicates([first, second]) == []


def test_very_short_titles_need_more_than_the_title() -> None:
    editorial = Citation(id="a", source="x", position=1, line=1, title="Editorial", authors=("Hart, R.",),
                         year="2020", journal="Stroke", volume="51", issue="1", pages="1")
    next_issue = replace(editorial, id="b", issue="2", pages="301")
    assert find_duplicates([editorial, next_issue]) == []
    assert find_duplicates([editorial, replace(editorial, id="c", journal="STROKE")]) == [(0, 1)]


def test_groups_are_transitive_and_in_input_order() -> None:
    other = Citation(id="x", source="x", position=1, line=1, title="Exercise after cardiac surgery in older adults",
                     authors=("Ito, H.",), year="2015", journal="Heart", volume="101", pages="55-60")
    records = [
        ARTICLE,
        other,
        copy(ARTICLE, "wos:2", title=ARTICLE.title.lower()),  # joins the first by its DOI
        copy(ARTICLE, "cinahl:9", doi="", pmid="", journal="J Neurol"),  # joins both without an identifier
    ]
    assert find_duplicates(records) == [(0, 2, 3)]


def test_a_group_never_holds_two_different_dois() -> None:
    other_doi = copy(ARTICLE, "b:2", doi="10.9999/reprint.2019.1", pmid="", volume="", issue="", pages="")
    bridge = copy(ARTICLE, "c:3", doi="", pmid="", volume="", issue="", pages="")  # alike to both
    assert find_duplicates([ARTICLE, bridge]) == find_duplicates([other_doi, bridge]) == [(0, 1)]
    groups = find_duplicates([ARTICLE, other_doi, bridge])
    assert groups in ([(0, 2)], [(1, 2)])


def test_merge_keeps_the_most_complete_fields() -> None:
    sparse = copy(ARTICLE, "embase:7", title=ARTICLE.title.upper(), abstract="", authors=ARTICLE.authors[:2],
                  journal="J Neurol", pages="1023-31", doi="https://doi.org/10.1007/s00415-019-09234-1",
                  keywords=("stroke",))
    full = copy(ARTICLE, "scopus:3", abstract="Background: ...", keywords=("stroke", "cell therapy"))
    merged = merge_group([sparse, full])
    assert merged.id == "embase:7" and merged.source == "embase"  # the first member stands for the group
    assert merged.title == ARTICLE.title  # not the one in capitals
    assert merged.authors == ARTICLE.authors
    assert merged.journal == "Journal of Neurology" and merged.pages == "1023-1031"
    assert merged.abstract == "Background: ..."
    assert merged.doi == "10.1007/s00415-019-09234-1"
    assert merged.keywords == ("stroke", "cell therapy")


def test_duplicate_groups_table_has_provenance_and_evidence() -> None:
    records = [ARTICLE, copy(ARTICLE, "embase:7", title=ARTICLE.title.lower(), abstract="An abstract.")]
    table = duplicate_groups(records)
    assert len(table) == 1
    row = table.iloc[0]
    assert row["merged_ids"] == "pubmed:1;embase:7"
    assert row["sources"] == "pubmed;embase"
    assert row["evidence"].startswith("pubmed:1=embase:7: doi + title 1.00")
    assert row["abstract"] == "An abstract." and row["authors"].startswith("Moreno, Ana L. | Schmidt")
    assert duplicate_groups([ARTICLE]).empty


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_reviewer_split_and_confirm_survive_a_rerun(tmp_path: Path) -> None:
    twin = copy(ARTICLE, "embase:7", doi="", pmid="")
    # the engine cannot see these two are one paper: translated title, no identifiers
    original = Citation(id="lilacs:3", source="lilacs", position=1, line=1, authors=("Souza, M.",), year="2017",
                        title="Terapia celular na doença de Chagas", journal="Arq Bras Cardiol", volume="108")
    translation = Citation(id="pubmed:4", source="pubmed", position=4, line=1, authors=("Souza, M.",), year="2017",
                           title="[Cell therapy in Chagas disease]", journal="Arq Bras Cardiol", volume="108")
    records = [ARTICLE, twin, original, translation]
    assert find_duplicates(records) == [(0, 1)]
    decisions = read_dedup_decisions(write(tmp_path / "dedup.csv", (
        "ids,decision,note\n"
        "pubmed:1;embase:7,split,an abstract and its article\n"
        "lilacs:3;pubmed:4,confirm,same paper in Portuguese\n")))
    for run in (records, list(reversed(records)) + [copy(ARTICLE, "wos:8", doi="")]):  # a re-run, another order, one more record
        table = duplicate_groups(run, decisions)
        groups = {frozenset(ids.split(";")) for ids in table["merged_ids"]}
        assert frozenset({"lilacs:3", "pubmed:4"}) in groups
        assert not any({"pubmed:1", "embase:7"} <= g for g in groups)
        confirmed = table[table["merged_ids"].str.contains("lilacs:3")].iloc[0]
        assert confirmed["decision"] == "confirm" and confirmed["note"] == "same paper in Portuguese"
        assert "reviewer confirmed (line 3)" in confirmed["evidence"]


def test_a_decision_naming_a_gone_record_warns(tmp_path: Path) -> None:
    decisions = read_dedup_decisions(write(tmp_path / "dedup.csv", "ids,decision,note\npubmed:1;gone:9,split,\n"))
    with pytest.warns(UserWarning, match=r"dedup.csv, line 2, field 'ids': no record has the id\(s\) gone:9"):
        duplicate_groups([ARTICLE, copy(ARTICLE, "embase:7")], decisions)


def test_no_decisions_file_means_no_decisions(tmp_path: Path) -> None:
    assert read_dedup_decisions(tmp_path / "dedup.csv") == []


@pytest.mark.parametrize("text, line, field, message", [
    ("ids,decision,note\na;b,merge,\n", 2, "decision", "'merge' is not one of confirm, split"),
    ("ids,decision,note\na,confirm,\n", 2, "ids", "at least two record ids"),
    ("ids,decision,note\na;b;a,split,\n", 2, "ids", "listed twice: a"),
    ("ids,note\na;b,\n", 1, "decision", "required column is missing"),
    ("ids,decision,reason\na;b,split,x\n", 1, "reason", "unknown column"),
    ("ids,decision,note\na;b,split,\"unclosed\n", 2, None, "malformed CSV"),
    ("ids,decision,note\na;b;c,confirm,\nb;c,split,\n", 2, "ids", "confirms b and c as one record, but line 3 splits them"),
])
def test_bad_decisions_file_names_file_line_and_field(
    tmp_path: Path, text: str, line: int, field: str | None, message: str
) -> None:
    path = write(tmp_path / "dedup.csv", text)
    with pytest.raises(ReviewInputError) as caught:
        read_dedup_decisions(path)
    error = caught.value
    assert (error.path, error.line, error.field) == (str(path), line, field)
    assert message in str(error) and str(path) in str(error)


def test_every_bad_row_is_reported_at_once(tmp_path: Path) -> None:
    path = write(tmp_path / "dedup.csv", "ids,decision,note\na,split,\nb;c,keep,\n")
    with pytest.raises(ReviewInputErrors) as caught:
        read_dedup_decisions(path)
    assert [(e.line, e.field) for e in caught.value.errors] == [(2, "ids"), (3, "decision")]


def test_confirmations_that_chain_into_a_split_are_an_error(tmp_path: Path) -> None:
    decisions = read_dedup_decisions(write(tmp_path / "dedup.csv", (
        "ids,decision,note\npubmed:1;x:2,confirm,\nx:2;embase:7,confirm,\npubmed:1;embase:7,split,\n")))
    records = [ARTICLE, copy(ARTICLE, "x:2", doi=""), copy(ARTICLE, "embase:7")]
    with pytest.raises(ReviewInputError, match=r"dedup.csv, line 3, field 'ids': confirms records that another row splits"):
        duplicate_groups(records, decisions)


def test_an_identifier_in_a_link_is_shared_whatever_else_each_record_links_to() -> None:
    """One record links its DOI and its PubMed page, the other only the PubMed page: the PMID is shared, so the
    pair is judged (and joined) even though their titles differ in wording and nothing places them."""
    a = replace(ARTICLE, doi="", pmid="", year="", volume="", pages="",
                url="https://doi.org/10.1007/s00415-019-09234-1; https://pubmed.ncbi.nlm.nih.gov/30712345/")
    b = copy(a, "embase:1", url="https://pubmed.ncbi.nlm.nih.gov/30712345/",
             title="Autologous bone marrow mononuclear cells in acute ischemic stroke: randomized controlled trial results")
    assert same(a, b)


def test_an_embase_letters_bundle_joins_the_letter_and_the_reply_it_holds() -> None:
    title = "Atypical hemolytic uremic syndrome associated with group A beta hemolytic streptococcus"
    letter = Citation(id="pubmed:1", source="pubmed", position=1, line=1, title=title,
                      authors=("Yildiz, B.", "Kural, N."), year="2004", journal="Pediatric Nephrology",
                      volume="19", issue="8", pages="943-944")
    reply = replace(letter, id="pubmed:2", position=2, title=f"{title} - Reply", pages="945",
                    authors=("Shepherd, A. B.", "Baliga, R."))
    bundle = replace(letter, id="embase:3", source="embase", position=3,
                     title=f"{title} (multiple letters) [1]", pages="943-945",
                     authors=letter.authors + reply.authors)
    assert find_duplicates([letter, reply]) == []  # a reply is not the letter it answers
    assert find_duplicates([letter, reply, bundle]) == [(0, 1, 2)]
    table = duplicate_groups([letter, reply, bundle])
    assert "pages within a letters bundle" in table.loc[0, "evidence"]
    # the bundle holds pages 943-945 of volume 19 only, and letters of its own authors
    assert find_duplicates([replace(reply, pages="947"), bundle]) == []
    assert find_duplicates([replace(reply, volume="20"), bundle]) == []
    assert find_duplicates([replace(reply, authors=("Dubois, M.",)), bundle]) == []
    assert find_duplicates([replace(reply, title="Eculizumab for atypical haemolytic uraemic syndrome"), bundle]) == []
