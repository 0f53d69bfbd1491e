"""The rule-based extractors on held-out sentences written for these tests (not from the seed documents)."""
import pytest

from reviewkit.core.errors import ReviewInputError
from reviewkit.extraction.grammar import parse_number
from reviewkit.extraction.suggest import (
    suggest,
    suggest_cell_source,
    suggest_design,
    suggest_donor,
    suggest_follow_up,
    suggest_n_participants,
    suggest_route,
    suggest_schedule,
    suggest_serious_adverse_events,
    suggestions_table,
)
from reviewkit.extraction.vocabularies import REVIEW_VOCABULARIES_FILE, load_vocabularies, package_vocabularies


@pytest.mark.parametrize(
    "token, number", [("7", 7), ("1,200", 1200), ("seven", 7), ("Twenty-four", 24), ("thirty one", 31), ("many", None)]
)
def test_parse_number(token, number):
    assert parse_number(token) == number


@pytest.mark.parametrize(
    "text, count",
    [
        ("Twenty-four adults with Parkinson's disease were enrolled and received two infusions.", 24),
        ("We treated 31 patients with ALS; 12 healthy volunteers served as controls.", 31),
        ("A total of 9 children with cerebral palsy underwent the procedure.", 9),
        ("Eleven patients were infused. Walking improved in 6 of 11 patients at one year.", 11),
        ("The trial (n = 16) met its primary end point.", 16),
    ],
)
def test_n_participants(text, count):
    found = suggest_n_participants(text)
    assert found is not None and found.value == count
    assert found.quote == text[found.start:found.end]


def test_n_participants_none_without_people_counted():
    assert suggest_n_participants("Stem cells may one day repair the spinal cord.") is None


@pytest.mark.parametrize(
    "text, route",
    [
        ("The cells were delivered intrathecally via lumbar puncture.", "intrathecal"),
        ("Each dose was given by intravenous infusion over 30 minutes.", "intravenous"),
        ("Exosomes were nebulised for inhalation after two intravenous doses.", "intravenous and inhalation"),
        ("Neurosurgeons performed intracerebral implantation of the graft.", "intracerebral"),
        ("Cells were injected into the spinal cord at the lesion.", "other"),
        ("Participants had intramuscular injections into the calf.", "intramuscular"),
    ],
)
def test_route(text, route):
    found = suggest_route(text)
    assert found is not None and found.value == route
    assert found.quote == text[found.start:found.end]


def test_route_none_when_not_stated():
    assert suggest_route("The product was well tolerated.") is None


@pytest.mark.parametrize(
    "text, source",
    [
        ("MSCs were isolated from bone marrow aspirates of each patient.", "bone marrow"),
        ("Cells derived from Wharton's jelly were expanded in culture.", "umbilical cord"),
        ("Stromal cells obtained from lipoaspirate and from placenta were pooled.", "adipose tissue and placenta"),
    ],
)
def test_cell_source(text, source):
    found = suggest_cell_source(text)
    assert found is not None and found.value == source


def test_cell_source_ignores_tissue_named_without_cells():
    assert suggest_cell_source("Bone marrow biopsies were normal at baseline.") is None


@pytest.mark.parametrize(
    "text, donor",
    [
        ("Allogeneic cells from healthy donors were thawed before use.", "allogeneic"),
        ("Each participant received the patient's own adipose-derived cells.", "autologous"),
        ("Eight received autologous and four received allogeneic grafts.", "mixed"),
    ],
)
def test_donor(text, donor):
    found = suggest_donor(text)
    assert found is not None and found.value == donor


def test_donor_none():
    assert suggest_donor("Cells were expanded under GMP.") is None


def test_schedule_counts_and_interval():
    found = suggest_schedule("Patients received two infusions at four-week intervals.")
    assert found is not None and found.value == "two infusions at four-week intervals"
    single = suggest_schedule("All had a single intrathecal injection of 10 million cells.")
    assert single is not None and single.value == "a single intrathecal injection"


@pytest.mark.parametrize(
    "text, value",
    [
        ("Patients were followed up for 24 months after the last dose.", "24 months"),
        ("Function was assessed at 3, 6 and 12 months after transplantation.", "12 months"),
        ("Safety was monitored over a 52-week follow-up.", "52 weeks"),
        ("One year later, nine patients were walking unaided.", "1 year"),
    ],
)
def test_follow_up_takes_longest_time_point(text, value):
    found = suggest_follow_up(text)
    assert found is not None and found.value == value


@pytest.mark.parametrize(
    "text, value",
    [
        ("No treatment-related serious adverse events were reported.", "none"),
        ("Two patients experienced serious adverse events (pneumonia, fall).", "2 with serious adverse events"),
        ("The infusions were given without complications.", "none (no complications)"),
    ],
)
def test_serious_adverse_events(text, value):
    found = suggest_serious_adverse_events(text)
    assert found is not None and found.value == value


@pytest.mark.parametrize(
    "text, design",
    [
        ("In this randomised, double-blind, placebo-controlled trial, 40 patients took part.", "randomised controlled trial"),
        ("We conducted a phase 2 open-label study in Lyon.", "single-arm trial"),
        ("This retrospective study reviewed clinic charts.", "observational study"),
        ("We describe a case series of five children.", "case series"),
        ("We report a case of a 60-year-old man given cells.", "case report"),
    ],
)
def test_design(text, design):
    found = suggest_design(text)
    assert found is not None and found.value == design


def test_design_ignores_designs_called_for_in_future():
    assert suggest_design("Randomised controlled trials will be needed to confirm this.") is None


def test_suggest_covers_a_whole_unseen_abstract():
    text = (
        "Background: Adipose-derived cells may help chronic stroke.\n"
        "Methods: In this single-arm pilot study, fourteen patients with chronic stroke received three "
        "intravenous infusions of allogeneic adipose-derived MSCs every 4 weeks. Patients were followed "
        "for 18 months.\nResults: No serious adverse events occurred. Motor scores improved in 8 of 14 patients."
    )
    found = {s.field: s for s in suggest(text)}
    assert {k: found[k].value for k in found} == {
        "design": "single-arm trial",
        "n_participants": 14,
        "cell_source": "adipose tissue",
        "donor": "allogeneic",
        "route": "intravenous",
        "schedule": "three intravenous infusions every 4 weeks",
        "follow_up": "18 months",
        "serious_adverse_events": "none",
    }
    assert all(s.quote == text[s.start:s.end] for s in found.values())


def test_suggestions_table_columns(tmp_path):
    from reviewkit.records.sources import read_record

    path = tmp_path / "r1.txt"
    path.write_text("Ten patients with MS received intrathecal autologous cells.", encoding="utf-8")
    table = suggestions_table([read_record(path, "s")])
    assert list(table.columns) == ["record_id", "field", "value", "quote", "start", "end"]
    assert set(table["field"]) == {"n_participants", "route", "donor"}


RETINA = "Ten patients with macular degeneration received intravitreal injections of cells from the retina."


def review_with(tmp_path, text):
    (tmp_path / REVIEW_VOCABULARIES_FILE).write_text(text, encoding="utf-8")
    return tmp_path


def test_a_review_without_its_own_vocabularies_gets_the_package_ones(tmp_path):
    assert load_vocabularies(tmp_path) is package_vocabularies() is load_vocabularies()


def test_a_review_vocabulary_changes_the_suggestions_without_code(tmp_path):
    review = review_with(tmp_path, r"""
fields:
  administration: route    # a field of this review's form, suggested by the route kind
  route: null              # a field its form does not have
  n_participants: null
route:
  terms:
    intravitreal: ['\bintra-?vitreal(?:ly)?\b']
cell_source:
  terms:
    retina: ['\bretina(?:l)?\b']
""")
    assert {s.field: s.value for s in suggest(RETINA)} == {"n_participants": 10}
    vocabularies = load_vocabularies(review)
    found = {s.field: s.value for s in suggest(RETINA, vocabularies)}
    assert found == {"cell_source": "retina", "administration": "intravitreal"}
    assert "intravenous" in vocabularies.route.terms  # merged over the package's terms, not replacing them
    assert suggest_route("Given intravenously.", vocabularies).value == "intravenous"


def test_suggestions_table_takes_the_review_vocabularies(tmp_path):
    from reviewkit.records.sources import read_record

    review = review_with(tmp_path, "fields:\n  administration: route\n  n_participants: null\n")
    (tmp_path / "r1.txt").write_text("Ten patients with MS received intrathecal autologous cells.", encoding="utf-8")
    table = suggestions_table([read_record(tmp_path / "r1.txt", "s")], load_vocabularies(review))
    assert table["field"].tolist() == ["donor", "route", "administration"]
    assert table["value"].tolist() == ["autologous", "intrathecal", "intrathecal"]


def test_a_review_can_add_remove_and_prefer_designs(tmp_path):
    review = review_with(tmp_path, r"""
design:
  terms:
    randomised controlled trial: null
    crossover trial: ['\bcross-?over\b']
  preferred: crossover trial
""")
    text = "We describe a case series within a crossover trial of 12 patients."
    assert suggest_design(text).value == "case series"
    assert suggest_design(text, load_vocabularies(review)).value == "crossover trial"
    assert suggest_design("A randomised controlled trial.") is not None
    assert suggest_design("A randomised controlled trial.", load_vocabularies(review)) is None


@pytest.mark.parametrize(
    "text, line, field, message",
    [
        ("fields:\n  route: [intravenous\n", 3, None, "malformed YAML"),
        ("fields:\n  administration: routes\n", 2, "fields.administration", "unknown kind 'routes'"),
        ("route:\n  terms:\n    intravitreal: ['intra(vitreal']\n", 3, "route.terms.intravitreal.0", "not a valid regular"),
        ("participants:\n  people: patients\n", 2, "participants.people", "valid list"),
        ("fields:\n  route: route\nrute: {}\n", 3, "rute", "unknown key"),
        ("follow_up:\n  patterns:\n    - 'followed for a while'\n", 3, "follow_up.patterns.0", "has no {duration}"),
        ("fields:\n  route: route\n  route: donor\n", 3, "route", "key given twice"),
        ("- route\n", 1, None, "must be a mapping"),
    ],
)
def test_a_malformed_review_vocabulary_names_the_file_line_and_key(tmp_path, text, line, field, message):
    review = review_with(tmp_path, text)
    with pytest.raises(ReviewInputError) as caught:
        load_vocabularies(review)
    error = caught.value
    assert error.path == str(review / REVIEW_VOCABULARIES_FILE) and error.path in str(error)
    assert (error.line, error.field) == (line, field) and message in error.message
