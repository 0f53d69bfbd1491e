"""PRISMA 2020 counts from the build tables, their checks, and the flow diagram."""
from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.image as mpimg  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
import yaml  # noqa: E402
from conftest import ROOT
from matplotlib.text import Text  # noqa: E402

from reviewkit.core.errors import ReviewInputError  # noqa: E402
from reviewkit.core.plot_style import (
    DPI,  # noqa: E402
    save_figure,  # noqa: E402
)
from reviewkit.core.tables import read_table, write_table  # noqa: E402
from reviewkit.report import check_prisma, plot_prisma, prisma_counts, write_prisma_table  # noqa: E402
from reviewkit.report.prisma import count, reason_counts, source_counts  # noqa: E402

LONG_REASON = ("Outcome data could not be separated for the participants with a chronic neurological "
               "condition from those with other conditions in a mixed cohort")


def make_review(tmp_path: Path) -> Path:
    """A review folder with the seed protocol plus a 'not_retrieved' reason and a long-labelled one."""
    review = tmp_path / "review"
    review.mkdir()
    protocol = yaml.safe_load((ROOT / "review" / "protocol.yml").read_text(encoding="utf-8"))
    protocol["exclusion_reasons"] += [{"id": "not_retrieved", "label": "Report could not be retrieved"},
                                      {"id": "mixed_cohort", "label": LONG_REASON}]
    (review / "protocol.yml").write_text(yaml.safe_dump(protocol, sort_keys=False), encoding="utf-8")
    return review


def write_build(out_dir: Path, sources: list[tuple], screening: dict[str, tuple],
                studies: dict[str, list[str]], duplicates: dict[str, tuple[str, str]] | None = None) -> None:
    """Build tables as the earlier stages write them.

    ``sources``: (source, name, prisma_column, records identified), or with the search round after them
    (round, round_number); ``screening``: record id → (source, title/abstract decision, its reason,
    full-text decision, its reason), a full-text decision of None for a record excluded at
    title/abstract; ``studies``: study id → record ids; ``duplicates``: record id → (source, the record
    it duplicates), records removed before screening (records.csv gets a ``duplicate_of`` column).
    """
    fields = ["source", "name", "prisma_column", "records", "round", "round_number"]
    write_table(pd.DataFrame(sources, columns=fields[:len(sources[0])]), out_dir, "sources")
    records = pd.DataFrame([(r, s[0]) for r, s in screening.items()], columns=["record_id", "source"])
    if duplicates is not None:
        removed = pd.DataFrame([(r, s, of) for r, (s, of) in duplicates.items()], columns=["record_id", "source", "duplicate_of"])
        records = pd.concat([records.assign(duplicate_of=""), removed], ignore_index=True)
    write_table(records, out_dir, "records")
    rows = []
    for record, (_, ta, ta_reason, ft, ft_reason) in screening.items():
        rows.append((record, "title_abstract", ta, ta_reason, False))
        if ft is not None:
            rows.append((record, "full_text", ft, ft_reason, ft == "include"))
    write_table(pd.DataFrame(rows, columns=["record_id", "stage", "decision", "exclusion_reason", "included"]), out_dir, "screening")
    write_table(pd.DataFrame([(s, s.title(), " | ".join(r)) for s, r in studies.items()],
                             columns=["study_id", "label", "records"]), out_dir, "included_studies")


TWO_COLUMNS = {
    "sources": [("medline", "MEDLINE via PubMed", "databases_registers", 6),
                ("web", "Websites of patient organisations", "other_methods", 3)],
    "screening": {
        "m1": ("medline", "exclude", "wrong_population", None, ""),
        "m2": ("medline", "include", "", "include", ""),
        "m3": ("medline", "include", "", "exclude", "mixed_cohort"),
        "m4": ("medline", "unsure", "", "exclude", "not_retrieved"),
        "m5": ("medline", "include", "", "exclude", "mixed_cohort"),
        "w1": ("web", "include", "", "include", ""),
        "w2": ("web", "include", "", "exclude", "wrong_intervention"),
        "w3": ("web", "include", "", "exclude", "no_outcomes"),
    },
    "studies": {"smith-2020": ["m2", "w1"]},
}


def built(tmp_path: Path, tables: dict) -> tuple[Path, Path]:
    """A review folder and its build holding ``tables`` (``write_build``'s arguments)."""
    review, out = make_review(tmp_path), tmp_path / "build"
    write_build(out, **tables)
    return review, out


@pytest.fixture
def two_columns(tmp_path: Path) -> tuple[Path, Path]:
    return built(tmp_path, TWO_COLUMNS)


def test_counts_follow_each_column_from_identification_to_inclusion(two_columns):
    counts = prisma_counts(*two_columns)
    db = {box: count(counts, box, "databases_registers") for box in
          ("identified", "duplicates_removed", "screened", "excluded_screening", "sought", "not_retrieved",
           "assessed", "excluded_full_text", "included_full_text", "reports_included")}
    assert db == {"identified": 6, "duplicates_removed": 1, "screened": 5, "excluded_screening": 1, "sought": 4,
                  "not_retrieved": 1, "assessed": 3, "excluded_full_text": 2, "included_full_text": 1,
                  "reports_included": 1}
    assert count(counts, "identified", "other_methods") == 3
    assert count(counts, "duplicates_removed", "other_methods") == 0
    assert count(counts, "excluded_full_text", "other_methods") == 2
    assert count(counts, "identified") == 9 and count(counts, "screened") == 8
    assert count(counts, "studies_included") == 1 and count(counts, "reports_included") == 2
    assert source_counts(counts, "databases_registers").values.tolist() == [["medline", "MEDLINE via PubMed", 6]]
    assert check_prisma(counts) == []


def test_full_text_exclusions_are_counted_per_reason_with_the_protocols_labels(two_columns):
    counts = prisma_counts(*two_columns)
    used = reason_counts(counts, "excluded_full_text").query("count > 0")
    assert dict(zip(used["reason"], used["count"])) == {"wrong_intervention": 1, "no_outcomes": 1, "mixed_cohort": 2}
    assert used.set_index("reason").loc["mixed_cohort", "label"] == LONG_REASON
    assert "not_retrieved" not in set(reason_counts(counts, "excluded_full_text")["reason"])
    assert count(counts, "not_retrieved") == 1


def test_records_awaiting_a_decision_are_counted_apart_and_reported_as_a_draft(tmp_path):
    review, out = make_review(tmp_path), tmp_path / "build"
    screening = {**TWO_COLUMNS["screening"],
                 "m6": ("medline", "pending", "", "pending", ""),
                 "w3": ("web", "include", "", "conflict", ""),
                 "w4": ("web", "unsure", "", "unsure", "")}
    sources = [("medline", "MEDLINE via PubMed", "databases_registers", 6),
               ("web", "Websites of patient organisations", "other_methods", 4)]
    write_build(out, sources, screening, TWO_COLUMNS["studies"])
    counts = prisma_counts(review, out)
    assert count(counts, "awaiting_screening", "databases_registers", reason="pending") == 1
    assert count(counts, "sought", "databases_registers") == 4  # the pending record is not passed on
    assert count(counts, "duplicates_removed", "databases_registers") == 0
    assert count(counts, "awaiting_full_text", "other_methods") == 2
    assert count(counts, "excluded_full_text", "other_methods") == 1  # the record in conflict is not excluded
    messages = check_prisma(counts)
    assert len(messages) == 2, messages
    assert "1 record(s) await a decision at title/abstract screening (pending 1)" in messages[0]
    assert "2 record(s) await a decision at full-text assessment (reviewers in conflict 1, unsure 1)" in messages[1]


def test_check_prisma_names_the_boxes_and_numbers_that_do_not_add_up(two_columns):
    counts = prisma_counts(*two_columns)
    other = (counts["column"] == "other_methods") & (counts["source"] == "")
    broken = counts.copy()
    broken.loc[other & (broken["box"] == "sought") & (broken["reason"] == ""), "count"] = 2
    messages = check_prisma(broken)
    assert ("Other methods: Records screened (3) − Records excluded (0) − Records awaiting a screening decision (0) "
            "= 3, but Reports sought for retrieval = 2") in messages
    assert "Total: Reports sought for retrieval (7) is not the sum of the columns (6)" in messages

    broken = counts.copy()
    broken.loc[other & (broken["reason"] == "no_outcomes"), "count"] = 3
    assert any(m.startswith("Other methods: Reports excluded per reason add up to 4") and m.endswith("Reports excluded = 2")
               for m in check_prisma(broken))

    broken = counts.copy()
    broken.loc[broken["box"] == "studies_included", "count"] = 5
    assert "Total: Studies included in review (5) exceed Reports of included studies (2)" in check_prisma(broken)


def test_a_study_linking_a_report_that_was_not_included_is_reported(tmp_path):
    review, out = make_review(tmp_path), tmp_path / "build"
    write_build(out, TWO_COLUMNS["sources"], TWO_COLUMNS["screening"], {"smith-2020": ["m2", "m3"]})
    messages = check_prisma(prisma_counts(review, out))
    assert messages == ["Databases and registers: Reports of included studies (2) exceed Reports included at full text (1): "
                        "a study links a report that was not included"]


def test_the_counts_table_round_trips_through_csv(two_columns):
    review, out = two_columns
    counts = prisma_counts(review, out)
    path = write_prisma_table(counts, out)
    assert path == out / "tables" / "prisma.csv"
    again = read_table(out, "prisma")
    assert list(again.columns) == ["column", "box", "source", "reason", "label", "count"]
    assert check_prisma(again) == [] and count(again, "assessed", "databases_registers") == 3


def test_bad_tables_are_named_with_line_record_and_field(two_columns):
    review, out = two_columns
    screening = read_table(out, "screening")
    screening.loc[2, "record_id"] = "x9"
    write_table(screening, out, "screening")
    with pytest.raises(ReviewInputError) as error:
        prisma_counts(review, out)
    assert error.value.path.endswith("screening.csv") and error.value.line == 4
    assert error.value.record == "x9" and error.value.field == "record_id"

    sources = read_table(out, "sources")
    sources.loc[1, "prisma_column"] = "grey_literature"
    write_table(sources, out, "sources")
    with pytest.raises(ReviewInputError, match="grey_literature") as error:
        prisma_counts(review, out)
    assert error.value.path.endswith("sources.csv") and error.value.line == 3 and error.value.field == "prisma_column"


def _texts(fig) -> str:
    return "\n".join(" ".join(t.get_text().split()) for t in fig.findobj(Text))


def test_the_diagram_draws_both_columns_with_their_counts_and_saves_png_and_svg(two_columns, tmp_path):
    counts = prisma_counts(*two_columns)
    fig = plot_prisma(counts, title="Flow of records")
    drawn = _texts(fig)
    for text in ("Identification of studies via databases and registers", "Identification of studies via other methods",
                 "MEDLINE via PubMed (n = 6)", "Duplicate records removed (n = 1)", "Records screened (n = 5)",
                 "Records excluded (n = 1)", "Reports sought for retrieval (n = 4)", "Reports not retrieved (n = 1)",
                 "Reports assessed for eligibility (n = 3)", "Reports excluded (n = 2):",
                 "Studies included in review (n = 1)", "Reports of included studies (n = 2)",
                 "Identification", "Screening", "Included"):
        assert text in drawn, text
    assert f"{LONG_REASON} (n = 2)" in drawn  # wrapped, but all of it
    width, height = fig.get_size_inches()
    png, svg = save_figure(fig, tmp_path / "out", "prisma")
    assert png == tmp_path / "out" / "figures" / "prisma.png" and svg.name == "prisma.svg"
    rows, columns = mpimg.imread(png).shape[:2]
    assert abs(rows - height * DPI) <= 1 and abs(columns - width * DPI) <= 1
    assert "Reports not retrieved" in svg.read_text(encoding="utf-8")
    assert not list((tmp_path / "out" / "figures").glob(".*"))  # no temporary file left behind


def test_no_text_overflows_its_box(two_columns):
    counts = prisma_counts(*two_columns)
    fig = plot_prisma(counts)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    patches = {p.get_gid()[4:]: p.get_window_extent(renderer) for p in fig.axes[0].patches if p.get_gid()}
    texts = [t for t in fig.findobj(Text) if (t.get_gid() or "").startswith("text:")]
    assert len(texts) >= 2 * 2 * 4 + 1 + 2 + 3  # boxes of both columns, included box, headings, phases
    for text in texts:
        inner, outer = text.get_window_extent(renderer), patches[text.get_gid()[5:]]
        assert outer.x0 <= inner.x0 and inner.x1 <= outer.x1 and outer.y0 <= inner.y0 and inner.y1 <= outer.y1, text.get_gid()


def test_a_column_without_sources_is_left_out(tmp_path):
    review, out = make_review(tmp_path), tmp_path / "build"
    write_build(out, [("seeds", "Websites, organisations and news", "other_methods", 2)],
                {"a": ("seeds", "include", "", "include", ""), "b": ("seeds", "include", "", "exclude", "non_human")},
                {"a-2020": ["a"]})
    drawn = _texts(plot_prisma(prisma_counts(review, out)))
    assert "Identification of studies via other methods" in drawn
    assert "databases and registers" not in drawn
    assert "Animal or laboratory study only (n = 1)" in drawn




def test_reports_without_a_full_text_and_no_full_text_decision_are_not_retrieved(tmp_path):
    """An imported record passed on to full text whose PDF is not attached counts as not retrieved, not awaiting."""
    review, out = make_review(tmp_path), tmp_path / "build"
    write_build(out, sources=[("medline", "MEDLINE via PubMed", "databases_registers", 3)], screening={
        "m1": ("medline", "include", "", "include", ""),    # its PDF attached, included
        "m2": ("medline", "include", "", None, ""),         # no PDF, no full-text decision: not retrieved
        "m3": ("medline", "include", "", None, ""),         # its PDF attached, not yet assessed: awaiting
    }, studies={"a": ["m1"]})
    records = read_table(out, "records").assign(full_text=["yes", "", "yes"])
    write_table(records, out, "records")
    counts = prisma_counts(review, out)
    boxes = {box: count(counts, box, "databases_registers") for box in ("sought", "not_retrieved", "assessed",
                                                                         "awaiting_full_text", "included_full_text")}
    assert boxes == {"sought": 3, "not_retrieved": 1, "assessed": 2, "awaiting_full_text": 1, "included_full_text": 1}
    [draft] = check_prisma(counts)  # the boxes add up; m3 still awaits its decision
    assert draft.startswith("Draft: 1 record(s) await a decision at full-text assessment")


# An updated review: round 1 (2023) screened 8 records (one more removed as a duplicate) and included two
# studies; round 2 (2025) found 8 records, 3 of them duplicates of round-1 records, and adds one new study
# (two reports, one per column) and one new report (c3) of a round-1 study.
TWO_ROUNDS = {
    "sources": [("medline-2023", "MEDLINE via PubMed", "databases_registers", 6, "2023", 1),
                ("web-2023", "Websites of patient organisations", "other_methods", 2, "2023", 1),
                ("medline-2025", "MEDLINE via PubMed", "databases_registers", 6, "2025-update", 2),
                ("web-2025", "Websites of patient organisations", "other_methods", 2, "2025-update", 2)],
    "screening": {
        "a1": ("medline-2023", "exclude", "wrong_population", None, ""),
        "a2": ("medline-2023", "include", "", "include", ""),
        "a3": ("medline-2023", "include", "", "exclude", "mixed_cohort"),
        "a4": ("medline-2023", "include", "", "include", ""),
        "a5": ("medline-2023", "unsure", "", "exclude", "no_outcomes"),
        "b1": ("web-2023", "include", "", "include", ""),
        "b2": ("web-2023", "exclude", "wrong_population", None, ""),
        "c3": ("medline-2025", "include", "", "include", ""),
        "c4": ("medline-2025", "include", "", "include", ""),
        "c5": ("medline-2025", "exclude", "wrong_population", None, ""),
        "c6": ("medline-2025", "include", "", "exclude", "mixed_cohort"),
        "d2": ("web-2025", "include", "", "include", ""),
    },
    "studies": {"jones-2021": ["a2", "a4", "c3"], "lee-2022": ["b1"], "park-2024": ["c4", "d2"]},
    "duplicates": {"a6": ("medline-2023", "a2"), "c1": ("medline-2025", "a2"), "c2": ("medline-2025", "a3"),
                   "d1": ("web-2025", "b2")},
}
FLOW_BOXES = ("identified", "duplicates_removed", "removed_other", "screened", "excluded_screening",
              "awaiting_screening", "sought", "not_retrieved", "assessed", "excluded_full_text",
              "awaiting_full_text", "included_full_text", "reports_included")


@pytest.fixture
def two_rounds(tmp_path: Path) -> tuple[Path, Path]:
    return built(tmp_path, TWO_ROUNDS)


def test_an_updated_review_counts_the_latest_round_and_the_studies_of_the_previous_version(two_rounds):
    review, out = two_rounds
    counts = prisma_counts(review, out)
    flow = {column: [count(counts, box, column) for box in FLOW_BOXES]
            for column in ("databases_registers", "other_methods", "total")}
    assert flow == {"databases_registers": [6, 2, 0, 4, 1, 0, 3, 0, 3, 1, 0, 2, 2],
                    "other_methods": [2, 1, 0, 1, 0, 0, 1, 0, 1, 0, 0, 1, 1],
                    "total": [8, 3, 0, 5, 1, 0, 4, 0, 4, 1, 0, 3, 3]}
    assert source_counts(counts, "databases_registers").values.tolist() == [["medline-2025", "MEDLINE via PubMed", 6]]
    assert dict(reason_counts(counts, "excluded_full_text").query("count > 0")[["reason", "count"]].values) == {
        "mixed_cohort": 1}  # c6; a3 and a5 were excluded in round 1
    assert {box: count(counts, box, "previous") for box in ("studies_previous", "reports_previous")} == {
        "studies_previous": 2, "reports_previous": 3}  # jones-2021 (a2, a4) and lee-2022 (b1)
    assert {box: count(counts, box) for box in ("studies_new", "reports_new", "studies_included", "reports_total")} == {
        "studies_new": 1, "reports_new": 2, "studies_included": 3, "reports_total": 6}
    labels = counts.set_index(["column", "box"]).query("source == '' and reason == ''")["label"]
    assert labels[("total", "studies_included")] == "Total studies included in review"
    assert labels[("previous", "studies_previous")] == "Studies included in previous version of review"
    assert labels[("total", "reports_total")] == "Reports of total included studies"
    assert check_prisma(counts) == []
    write_prisma_table(counts, out)
    assert check_prisma(read_table(out, "prisma")) == []


def test_a_single_round_number_is_a_review_of_one_round(two_columns, tmp_path):
    review, out = two_columns
    sources = read_table(out, "sources").assign(round="2024", round_number="1")
    write_table(sources, tmp_path / "rounds", "sources")
    for name in ("records", "screening", "included_studies"):
        write_table(read_table(out, name), tmp_path / "rounds", name)
    pd.testing.assert_frame_equal(prisma_counts(review, tmp_path / "rounds"), prisma_counts(review, out))


def test_check_prisma_names_the_boxes_of_an_updated_review_that_do_not_add_up(two_rounds):
    counts = prisma_counts(*two_rounds)

    def broken(box: str, column: str, value: int) -> list[str]:
        changed = counts.copy()
        changed.loc[(changed["column"] == column) & (changed["box"] == box) & (changed["reason"] == ""), "count"] = value
        return check_prisma(changed)

    assert broken("studies_new", "total", 2) == [
        "Total: Studies included in previous version of review (2) + New studies included in review (2) = 4, "
        "but Total studies included in review = 3"]
    assert broken("reports_previous", "previous", 4) == [
        "Total: Reports of studies included in previous version of review (4) + Reports of included studies (3) = 7, "
        "but Reports of total included studies = 6"]
    assert "Total: Reports of new included studies (4) exceed Reports of included studies (3): a new study links a " \
           "report that is not of the latest round" in broken("reports_new", "total", 4)
    assert check_prisma(counts[counts["column"] != "previous"]) == [
        "no count for Studies included in previous version of review (studies_previous) in column 'previous'",
        "no count for Reports of studies included in previous version of review (reports_previous) in column 'previous'"]


def test_bad_round_numbers_and_a_source_in_two_rounds_are_named(two_rounds):
    review, out = two_rounds
    sources = read_table(out, "sources")
    write_table(sources.assign(round_number=["1", "1", "two", "2"]), out, "sources")
    with pytest.raises(ReviewInputError, match="round_number 'two'") as error:
        prisma_counts(review, out)
    assert error.value.line == 4 and error.value.field == "round_number"
    write_table(sources.assign(source=["medline", "web-2023", "medline", "web-2025"]), out, "sources")
    records = read_table(out, "records")
    write_table(records.assign(source=records["source"].str.replace(r"medline-\d+", "medline", regex=True)), out, "records")
    with pytest.raises(ReviewInputError, match="source 'medline' is listed twice") as error:
        prisma_counts(review, out)
    assert error.value.line == 4 and error.value.field == "source"


def _drawn(fig) -> tuple[dict, dict, dict]:
    """The diagram's texts, patches and arrows by gid."""
    ax = fig.axes[0]
    texts = {t.get_gid()[5:]: " ".join(t.get_text().split()) for t in fig.findobj(Text)
             if (t.get_gid() or "").startswith("text:")}
    patches = {p.get_gid()[4:]: p for p in ax.patches if p.get_gid()}
    arrows = {a.get_gid(): a for a in ax.texts if (a.get_gid() or "").startswith("arrow:")}
    return texts, patches, arrows


def test_the_diagram_of_an_updated_review_has_the_previous_studies_and_total_boxes(two_rounds):
    fig = plot_prisma(prisma_counts(*two_rounds))
    texts, patches, arrows = _drawn(fig)
    assert texts["header/previous"] == "Previous studies"
    assert texts["header/databases_registers"] == "Identification of new studies via databases and registers"
    assert texts["header/other_methods"] == "Identification of new studies via other methods"
    assert patches["header/previous"].get_facecolor()[:3] == pytest.approx((0xD9 / 255,) * 3)
    assert patches["header/databases_registers"].get_facecolor()[:3] == pytest.approx((1, 0xC0 / 255, 0))
    assert texts["previous/studies_previous"] == ("Studies included in previous version of review (n = 2) "
                                                  "Reports of studies included in previous version of review (n = 3)")
    assert texts["included"] == ("New studies included in review (n = 1) Reports of new included studies (n = 2) "
                                 "New reports of previous studies (n = 1)")
    assert texts["total_included"] == "Total studies included in review (n = 3) Reports of total included studies (n = 6)"
    assert "MEDLINE via PubMed (n = 6)" in texts["databases_registers/identified"]
    assert texts["databases_registers/duplicates_removed"].count("(n = 2)") == 1

    def box(name: str) -> tuple[float, float, float, float]:  # left, top, right, bottom (y grows downwards)
        p = patches[name]
        return p.get_x(), p.get_y(), p.get_x() + p.get_width(), p.get_y() + p.get_height()

    previous, total, new = box("previous/studies_previous"), box("total_included"), box("included")
    identified = box("databases_registers/identified")
    assert previous[2] < identified[0] and previous[1] == identified[1]  # left of the first column, same row
    assert total[0] == previous[0] and total[1] > new[3] and total[2] < new[0]  # below the new studies, left of them
    assert box("band/included")[1] == new[1] and box("band/included")[3] == total[3]
    down, across = arrows["arrow:previous"], arrows["arrow:new_studies"]
    assert down.xyann == ((previous[0] + previous[2]) / 2, previous[3]) and down.xy == ((total[0] + total[2]) / 2, total[1])
    assert across.xy == (total[2], (total[1] + total[3]) / 2) and across.xyann[0] == (new[0] + new[2]) / 2
    [line] = [line for line in fig.axes[0].lines if line.get_gid() == "line:new_studies"]
    assert list(line.get_ydata()) == [new[3], across.xy[1]]


def test_no_text_of_an_updated_review_overflows_its_box(two_rounds):
    fig = plot_prisma(prisma_counts(*two_rounds), title="Flow of records")
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    patches = {p.get_gid()[4:]: p.get_window_extent(renderer) for p in fig.axes[0].patches if p.get_gid()}
    texts = [t for t in fig.findobj(Text) if (t.get_gid() or "").startswith("text:")]
    assert {"text:previous/studies_previous", "text:header/previous", "text:total_included"} <= {t.get_gid() for t in texts}
    for text in texts:
        inner, outer = text.get_window_extent(renderer), patches[text.get_gid()[5:]]
        assert outer.x0 <= inner.x0 and inner.x1 <= outer.x1 and outer.y0 <= inner.y0 and inner.y1 <= outer.y1, text.get_gid()
    boxes = [b for name, b in patches.items() if not name.startswith("band/")]
    assert not any(a.overlaps(b) for i, a in enumerate(boxes) for b in boxes[i + 1:])
