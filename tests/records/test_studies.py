"""Studies: studies.yml checks and link suggestions between reports of one study."""
from pathlib import Path

import pytest

from reviewkit.core.errors import ReviewInputError, ReviewInputErrors
from reviewkit.extraction.links import journal_pattern, suggest_links
from reviewkit.records.sources import read_record
from reviewkit.records.studies import load_studies, read_studies

ARTICLE = (
    "Tanaka Kenji, Moreau Claire, Okonkwo Ada, Lindqvist Per, Rossi Marco\n"
    "J Neurol Res. 2022 Mar 3;15(2):201-209. doi: 10.5555/jnr.2022.0201.\n"
    "Twenty-two patients with chronic stroke received intravenous autologous MSCs. "
    "No serious adverse events occurred.\n"
)
NEWS = (
    "Doctors in Osaka report that stem cells helped 22 patients who had a stroke years ago.\n"
    "The work, led by Tanaka K et al., was published in the Journal of Neurology Research.\n"
    "Source: https://doi.org/10.5555/jnr.2022.0201\n"
)
OTHER = "A bakery opened on Main Street. It sells 22 kinds of bread to people who visit.\n"


def _records(tmp_path: Path, docs: dict[str, str]):
    found = []
    for name, text in docs.items():
        path = tmp_path / f"{name}.txt"
        path.write_text(text, encoding="utf-8")
        found.append(read_record(path, "test"))
    return found


def test_suggest_links_gives_the_evidence_and_skips_unrelated_records(tmp_path):
    records = _records(tmp_path, {"article": ARTICLE, "news": NEWS, "other": OTHER})
    links = suggest_links(records)
    assert list(zip(links["record_a"], links["record_b"])) == [("article", "news")]
    evidence = links.loc[0, "evidence"]
    assert "doi 10.5555/jnr.2022.0201" in evidence
    assert "Tanaka" in evidence
    assert "'Journal of Neurology Research'" in evidence and "J Neurol Res." in evidence
    assert "22 participants" in evidence
    assert links.loc[0, "score"] == 3 + 2 + 1 + 1


def test_suggest_links_marks_pairs_linked_in_studies_yml(tmp_path):
    records = _records(tmp_path, {"article": ARTICLE, "news": NEWS})
    (tmp_path / "studies.yml").write_text("tanaka-2022:\n  records: [article, news]\n", encoding="utf-8")
    studies = load_studies(tmp_path, ["article", "news"])
    assert suggest_links(records, studies)["same_study"].tolist() == [True]
    assert suggest_links(records, load_studies(tmp_path / "none", ["article", "news"]))["same_study"].tolist() == [False]


def test_journal_pattern_matches_abbreviations_only_of_that_journal():
    pattern = journal_pattern("Journal of Clinical Neurology and Neurosurgery")
    assert pattern.search("see J Clin Neurol Neurosurg. 2020")
    assert pattern.search("in the Journal of Clinical Neurology and Neurosurgery")
    assert not pattern.search("J Clin Med. 2024")
    assert not journal_pattern("Nature Medicine").search("Nature Neuroscience")


def test_seed_links_flag_same_group_different_studies(seed_review):
    from reviewkit.core.protocol import load_protocol
    from reviewkit.records.sources import load_records

    records = load_records(seed_review, load_protocol(seed_review))
    studies = load_studies(seed_review, [r.id for r in records])
    links = suggest_links(records, studies)
    pair = links[(links["record_a"] == "002_57e1d13fb9b03d75") & (links["record_b"] == "003_50e99ab7af3fb43d")]
    assert "Honmou" in pair["evidence"].item() and "Kocsis" in pair["evidence"].item()
    assert not pair["same_study"].item()  # the reviewer keeps them apart


def _studies_file(tmp_path: Path, text: str) -> Path:
    (tmp_path / "studies.yml").write_text(text, encoding="utf-8")
    return tmp_path


def test_unlinked_records_are_studies_of_their_own(tmp_path):
    _studies_file(tmp_path, "s1:\n  records: [a, b]\n  primary_record: b\n  label: One study\n")
    studies = load_studies(tmp_path, ["a", "b", "c"])
    assert [(s.id, s.records, s.primary_record) for s in studies] == [("s1", ("a", "b"), "b"), ("c", ("c",), "c")]


def test_study_with_no_reports_is_an_error(tmp_path):
    _studies_file(tmp_path, "s1:\n  records: [a]\nempty-study:\n  records: []\n")
    with pytest.raises(ReviewInputError) as caught:
        load_studies(tmp_path, ["a"])
    assert caught.value.line == 4 and "non-empty list 'records'" in str(caught.value)


def test_every_problem_in_studies_yml_is_reported(tmp_path):
    _studies_file(
        tmp_path,
        "s1:\n  records: [a, ghost]\n  primary_record: z\n  colour: red\ns2:\n  records: [a]\n",
    )
    studies, errors = read_studies(tmp_path, ["a", "b"])
    messages = " | ".join(str(e) for e in errors)
    assert "no record has this id" in messages and "'ghost'" in messages
    assert "primary record is not one of the study's records" in messages
    assert "unknown key(s) ['colour']" in messages
    assert "already a report of study 's1'" in messages
    with pytest.raises(ReviewInputErrors):
        load_studies(tmp_path, ["a", "b"])


def test_malformed_studies_yml_names_the_line(tmp_path):
    _studies_file(tmp_path, "s1:\n  records: [a\n  label: x\n")
    with pytest.raises(ReviewInputError) as caught:
        load_studies(tmp_path, ["a"])
    assert "malformed YAML" in str(caught.value) and caught.value.line is not None


def test_seed_studies_file_is_valid(seed_review):
    ids = sorted(p.stem for p in (seed_review.parent / "seeds").iterdir())
    studies = {s.id: s for s in load_studies(seed_review, ids)}
    assert studies["hirota-2024"].records == ("002_57e1d13fb9b03d75",)
    assert studies["honmou-2021"].records == ("003_50e99ab7af3fb43d",)
    assert "001_196e19df0f4e6c1c" in studies  # not linked: a study of its own


def _export_records(texts: list[str]):
    from reviewkit.core.text import find_dois
    from reviewkit.records.model import Record

    return [Record(id=f"db:{i}", source="db", path=f"db/{i}", text=text, title=text[:40], dois=tuple(find_dois(text)))
            for i, text in enumerate(texts)]


def test_a_value_many_records_share_pairs_none_of_them():
    """60 records that all report 20 participants are not 1,770 suggested pairs; two that share a rare count are."""
    texts = [f"Trial {i}: twenty patients were randomised. n = 20 patients in total." for i in range(60)]
    texts += ["A cohort of 137 patients was followed.", "Outcomes of the 137 patients are reported here."]
    links = suggest_links(_export_records(texts))
    assert list(zip(links["record_a"], links["record_b"])) == [("db:60", "db:61")]
    assert links.loc[0, "evidence"] == "both report 137 participants"


def test_blocking_finds_every_link_that_comparing_all_pairs_finds():
    """On records whose shared values are rarer than MAX_BLOCK, the blocked pairs give the same suggestions as
    weighing every pair (``link_evidence``), but for two database records that share only their journal; database
    records (with their journal) and documents (naming journals in their text) are mixed."""
    import random
    from dataclasses import replace
    from itertools import combinations

    from reviewkit.core.text import join_cell
    from reviewkit.extraction.links import MAX_BLOCK, link_evidence
    from reviewkit.records.citation import Citation

    rng = random.Random(3)
    surnames = ["Okafor", "Lindqvist", "Tanaka", "Moreau", "Rossi", "Haddad", "Novak", "Silva"]
    journals = ["Journal of Neurology Research", "Stem Cell Reports", "Clinical Trials Today"]
    texts = []
    for i in range(40):
        authors = ", ".join(rng.sample(surnames, 4))
        mention = f" A paper by {rng.choice(surnames)} et al. is discussed." if rng.random() < 0.3 else ""
        doi = f" doi: 10.5555/x.{rng.randint(1, 12)}" if rng.random() < 0.5 else ""
        cited = f" As reported in {rng.choice(journals)}." if rng.random() < 0.3 else ""
        texts.append(f"{authors}\n{rng.randint(30, 45)} patients were enrolled; approval 2019{rng.randint(10, 60)}."
                     f"{mention}{doi}{cited}")
    records = _export_records(texts)
    for i in range(0, 40, 2):  # every other record a database record with its journal; the rest documents
        journal = rng.choice(journals)
        records[i] = replace(records[i], journals_mentioned=(journal,),
                             citation=Citation(id=records[i].id, source="db", position=i + 1, line=i + 1, journal=journal))
    for i in range(1, 40, 4):
        records[i] = replace(records[i], journals_mentioned=(rng.choice(journals),))
    found = {(r.record_a, r.record_b): r.evidence for r in suggest_links(records).itertuples()}
    brute = {}
    for a, b in combinations(records, 2):
        evidence = link_evidence(a, b)
        if not evidence or (set(evidence) == {"journal"} and a.citation and b.citation):
            continue
        brute[(a.id, b.id)] = join_cell(e for kind in evidence.values() for e in kind)
    assert len(records) < MAX_BLOCK and len(brute) > 50
    assert sum("names the journal" in e for e in brute.values()) > 10
    assert found == brute
