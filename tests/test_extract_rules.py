"""The rule-based extractors on held-out sentences written for these tests (not from the seed documents)."""
import pytest

from reviewkit.extraction.suggest import (
    parse_number,
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
