"""Risk-of-bias tools as data: the built-in definitions, user tools, and each tool's roll-up rule."""
from __future__ import annotations

from pathlib import Path

import pytest

from reviewkit.appraisal.tools import read_tools, roll_up, stated_overall


@pytest.fixture(scope="module")
def tools():
    found, errors = read_tools()
    assert errors == []
    return found


def answers(tool, *given: str) -> dict[str, str]:
    """Item answers in the tool's item order."""
    return {item.id: answer for item, answer in zip(tool.items, given, strict=True)}


def test_built_in_tools_have_their_items_and_answers(tools):
    shape = {"jbi_case_series": 10, "robins_i": 7, "rob2": 5, "minors": 8, "aacods": 6}
    assert {t: len(tools[t].items) for t in shape} == shape
    assert [a.answer for a in tools["jbi_case_series"].answers] == ["yes", "no", "unclear", "not applicable"]
    assert [a.answer for a in tools["robins_i"].answers] == ["low", "moderate", "serious", "critical", "no information"]
    assert [a.answer for a in tools["rob2"].answers] == ["low", "some concerns", "high"]
    assert {a.score for a in tools["minors"].answers} == {0, 1, 2}
    assert [i.label for i in tools["aacods"].items] == ["Authority", "Accuracy", "Coverage", "Objectivity", "Date", "Significance"]
    assert all(t.citation for t in tools.values())


@pytest.mark.parametrize("given, expected", [
    (["low"] * 7, "low"),
    (["low"] * 6 + ["moderate"], "moderate"),
    (["low", "serious", "moderate", "low", "low", "low", "low"], "serious"),
    (["critical", "serious", "low", "low", "low", "low", "no information"], "critical"),
    (["moderate", "low", "no information", "low", "low", "low", "low"], "no information"),  # no clear sign of serious
    (["serious", "low", "no information", "low", "low", "low", "low"], "serious"),  # serious trumps missing information
    (["no information"] * 7, "no information"),
])
def test_robins_i_overall_is_the_worst_domain_with_its_no_information_clause(tools, given, expected):
    overall = roll_up(tools["robins_i"], answers(tools["robins_i"], *given))
    assert overall.judgment == expected


@pytest.mark.parametrize("given, expected", [
    (["low"] * 5, "low"),
    (["low", "some concerns", "low", "low", "low"], "some concerns"),
    (["some concerns", "high", "low", "some concerns", "low"], "high"),
])
def test_rob2_overall(tools, given, expected):
    assert roll_up(tools["rob2"], answers(tools["rob2"], *given)).judgment == expected


def test_rob2_reviewer_may_judge_high_for_several_domains_with_some_concerns(tools):
    rob2 = tools["rob2"]
    several = answers(rob2, "some concerns", "some concerns", "low", "low", "low")
    overall, problem = stated_overall(rob2, several, "high")
    assert problem is None and overall.judgment == "high" and overall.level == "high"
    one = answers(rob2, "some concerns", "low", "low", "low", "low")
    assert stated_overall(rob2, one, "high")[1] is not None
    assert "contradicts" in stated_overall(rob2, several, "low")[1]


def test_stated_overall_must_agree_with_a_computed_one(tools):
    robins = tools["robins_i"]
    given = answers(robins, "serious", "low", "low", "low", "low", "low", "low")
    assert stated_overall(robins, given, "serious") == (roll_up(robins, given), None)
    overall, problem = stated_overall(robins, given, "moderate")
    assert overall.judgment == "serious" and "'moderate' contradicts the rule of robins_i" in problem


def test_minors_sums_scores_out_of_16_and_bands_colour_the_total(tools):
    minors = tools["minors"]
    top = roll_up(minors, answers(minors, *["2"] * 8))
    assert (top.judgment, top.level) == ("16/16", "low")
    mixed = answers(minors, "2", "0", "2", "1", "1", "2", "1", "0")
    overall = roll_up(minors, mixed)
    assert (overall.judgment, overall.level) == ("9/16", "some concerns")
    assert roll_up(minors, answers(minors, *["1"] * 8)).level == "high"  # 8/16
    assert stated_overall(minors, mixed, "9")[1] is None
    assert stated_overall(minors, mixed, "9/16")[1] is None
    assert "contradicts" in stated_overall(minors, mixed, "10")[1]


@pytest.mark.parametrize("tool_id, choice, level", [
    ("jbi_case_series", "include", "low"),
    ("jbi_case_series", "exclude", "high"),
    ("aacods", "credibility moderate", "some concerns"),
])
def test_reviewer_tools_take_the_stated_overall_and_require_it(tools, tool_id, choice, level):
    tool = tools[tool_id]
    given = {i.id: tool.answers[0].answer for i in tool.items}
    assert roll_up(tool, given) is None
    overall, problem = stated_overall(tool, given, choice)
    assert problem is None and (overall.judgment, overall.level) == (choice, level)
    assert "state the overall judgment" in stated_overall(tool, given, None)[1]
    assert "is not one of" in stated_overall(tool, given, "maybe")[1]


USER_TOOL = """\
id: {id}
name: A checklist of our own
citation: Ourselves 2025.
answers:
  - {{answer: ok, level: low}}
  - {{answer: bad, level: {bad_level}}}
items:
  - {{id: C1, label: One, text: First question}}
overall:
  rule: worst
  order: [ok, bad]
"""


def test_a_user_adds_a_tool_by_adding_a_file(tmp_path: Path):
    (tmp_path / "rob_tools").mkdir()
    (tmp_path / "rob_tools" / "ours.yml").write_text(USER_TOOL.format(id="ours", bad_level="high"))
    tools, errors = read_tools(tmp_path)
    assert errors == [] and "ours" in tools and "rob2" in tools
    assert roll_up(tools["ours"], {"C1": "bad"}).judgment == "bad"


@pytest.mark.parametrize("name, text, message", [
    ("ours.yml", USER_TOOL.format(id="ours", bad_level="dreadful"), "Input should be"),
    ("ours.yml", USER_TOOL.format(id="ours", bad_level="high").replace("[ok, bad]", "[ok, awful]"), "awful"),
    ("ours.yml", USER_TOOL.format(id="ours", bad_level="high").replace("rule: worst", "rule: vote"), "Input should be"),
    ("other.yml", USER_TOOL.format(id="ours", bad_level="high"), "must be named ours.yml"),
    ("rob2.yml", USER_TOOL.format(id="rob2", bad_level="high"), "is built in"),
])
def test_bad_tool_files_are_errors_naming_the_file(tmp_path: Path, name, text, message):
    (tmp_path / "rob_tools").mkdir()
    (tmp_path / "rob_tools" / name).write_text(text)
    tools, errors = read_tools(tmp_path)
    assert len(errors) == 1
    assert name in str(errors[0]) and message in str(errors[0])
