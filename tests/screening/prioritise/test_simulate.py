"""Replays of labelled data, their metrics against hand-computed values, the stopping rule, the CLI and the figure."""
from __future__ import annotations

import gzip
import json

import pytest
from matplotlib.figure import Figure
from test_ranker import corpus

from reviewkit.core.errors import ReviewInputError
from reviewkit.core.plot_style import save_figure
from reviewkit.screening.plots import plot_recall
from reviewkit.screening.prioritise.simulate import batch_size, read_labelled, records_to_recall, replay, wss
from reviewkit.screening.prioritise.stopping import estimate, h0_p_value
from reviewkit.workbook.cli import main

# ---------------------------------------------------------------- metrics, by hand

def test_wss_at_95_as_asreview_insights_computes_it():
    # 10 records after the priors, 2 relevant, found first. Recall levels are 1/2 and 2/2; the largest <= 0.95 is
    # 1/2: found after 1 record (index 0). Random order finds round(linspace(0, 2, 10)) = 0 0 0 1 1 1 1 2 2 2,
    # its first relevant at index 3. WSS = (3 - 0) / 10.
    assert wss([1, 1] + [0] * 8) == pytest.approx(0.3)
    # 100 records, 20 relevant: 19 first, the last at the very end. 19/20 = 0.95 counts: the 19th is found at
    # index 18; random order reaches 19 where round(20 i / 99) >= 19, i.e. i >= 91.575: index 92.
    assert wss([1] * 19 + [0] * 80 + [1]) == pytest.approx((92 - 18) / 100)
    # the worst order: relevant records last
    assert wss([0] * 8 + [1, 1]) == pytest.approx((3 - 8) / 10)
    with pytest.raises(ValueError, match="at least one relevant"):
        wss([0, 0, 0])


def test_records_to_recall_counts_screened_records_until_the_level_rounded_up():
    history = [True, False, True, False, False, True]
    assert records_to_recall(history, 3, 0.95) == 6  # ceil(2.85) = 3 relevant
    assert records_to_recall(history, 3, 0.5) == 3  # ceil(1.5) = 2
    assert records_to_recall(history, 3, 1.0) == 6
    assert records_to_recall([True] * 20 + [False], 20, 0.95) == 19  # 0.95 x 20 is 19, not 20
    with pytest.raises(ValueError, match="fewer than 4"):
        records_to_recall(history, 4, 1.0)


def test_the_model_is_refitted_every_record_then_every_percent_of_those_screened():
    assert [batch_size(n) for n in (2, 99, 100, 250, 1_000, 5_432)] == [1, 1, 1, 2, 10, 54]


# ---------------------------------------------------------------- replays

def test_a_replay_sees_only_screened_labels_and_finds_every_relevant_record():
    texts, labels = corpus()
    run = replay(texts, labels, seed=4, model="svm")
    assert labels[run.order[0]] and not labels[run.order[1]]  # one relevant, one irrelevant prior
    assert len(set(run.order)) == len(run.order) and run.relevant == [bool(labels[i]) for i in run.order]
    assert run.n_relevant == labels.sum() and run.relevant[-1]  # stops at the last relevant record
    assert run.records_to_100 == len(run.order) <= 14  # random order needs about 53
    assert run.wss_95 > 0.6
    again = replay(texts, labels, seed=4, model="svm")
    assert again.order == run.order
    assert replay(texts, labels, seed=5, model="svm").order[:2] != run.order[:2]


def write_csv(tmp_path, name: str, text: str, gz: bool = False):
    path = tmp_path / name
    if gz:
        with gzip.open(path, "wt", encoding="utf-8") as handle:
            handle.write(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def test_read_labelled_keeps_records_without_text_and_names_them(tmp_path):
    path = write_csv(tmp_path, "ok.csv.gz", "record_id,title,abstract,label_included\n1,Stem cells,For SCI,1\n2,,,0\n3,Rain,,0\n", gz=True)
    data = read_labelled(path)
    assert data.texts == ["Stem cells\nFor SCI", "", "Rain"]
    assert data.labels.tolist() == [True, False, False] and data.empty_rows == (3,)


@pytest.mark.parametrize("text, message, where", [
    ("title,abstract\nA,B\n", "no labels", "field 'label_included'"),
    ("title,abstract,label_included\nA,B,1\nC,D,1\n", "one class only", "field 'label_included'"),
    ("title,abstract,label_included\nA,B,1\nC,D,yes\n", "label 'yes' is not 0 or 1", "line 3, field 'label_included'"),
    ("title,abstract,label_included\n,,1\n , ,0\n", "empty texts", "field 'title'"),
    ("record_id,label_included\n1,1\n2,0\n", "no text", "field 'title'"),
])
def test_bad_labelled_data_is_refused_naming_file_and_column(tmp_path, text, message, where):
    path = write_csv(tmp_path, "bad.csv", text)
    with pytest.raises(ReviewInputError, match=message) as caught:
        read_labelled(path)
    assert str(caught.value).startswith(f"{path}, {where}")


def test_cli_simulate_prints_one_json_object_per_seed(tmp_path, capsys):
    texts, labels = corpus()
    rows = "".join(f"{i},\"{t}\",,{int(y)}\n" for i, (t, y) in enumerate(zip(texts, labels)))
    path = write_csv(tmp_path, "set.csv", "record_id,title,abstract,label_included\n" + rows)
    assert main(["simulate", str(path), "--seed", "1", "--seed", "2", "--json", "--model", "svm"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    objects = [json.loads(line) for line in lines]
    assert [o["seed"] for o in objects] == [1, 2]
    for o in objects:
        assert {"wss_95", "records_to_95", "records_to_100", "seconds"} <= set(o)
        assert o["records_to_95"] <= o["records_to_100"] <= len(texts) and o["n_relevant"] == labels.sum()
    assert main(["simulate", str(path), "--seeds", "2", "--model", "svm"]) == 0
    out = capsys.readouterr().out
    assert "WSS@95" in out and "mean (range)" in out and "recall curve" in out


def test_cli_simulate_reports_bad_input_and_exits_1(tmp_path, capsys):
    path = write_csv(tmp_path, "nolabels.csv", "title,abstract\nA,B\n")
    assert main(["simulate", str(path)]) == 1
    assert f"{path}, field 'label_included': no labels" in capsys.readouterr().err


# ---------------------------------------------------------------- stopping rule, hand-made histories

def test_stopping_rule_on_a_run_of_irrelevant_records():
    # 10 relevant then 50 irrelevant. Recall < 95% would need floor(10/0.95) + 1 = 11 relevant in all, so at
    # least 1 among the last 50 and the unscreened. Seeing none in 50 draws from an urn of 50 + R holding one
    # has probability R / (50 + R): the smallest p over the windows.
    history = [True] * 10 + [False] * 50
    assert h0_p_value(history, 950) == pytest.approx(950 / 1000)
    far = estimate(history, 950)
    assert not far.suggest_stop and far.p_value == pytest.approx(0.95) and far.recall_lower < 0.95
    near = estimate(history, 2)
    assert near.p_value == pytest.approx(2 / 52) and near.suggest_stop and near.recall_lower == 1.0
    assert "You may stop" in near.statement and "no more likely to be relevant" in near.statement
    assert near.irrelevant_run == 50 and near.recall_estimate == 1.0


def test_stopping_rule_while_relevant_records_keep_coming():
    history = [i % 5 == 0 for i in range(200)]  # 1 in 5 relevant to the end
    result = estimate(history, 800)
    assert not result.suggest_stop and result.p_value > 0.5
    # the last 50 hold 10 relevant: 800 x 10/50 = 160 missed, recall 40 / 200
    assert result.recall_estimate == pytest.approx(40 / 200)
    assert "Go on screening" in result.statement


def test_stopping_edge_cases_and_the_heuristic():
    assert estimate([], 10).recall_estimate is None and not estimate([], 10).suggest_stop
    assert estimate([True, False], 0).suggest_stop  # nothing left to screen
    heuristic = estimate([True] * 3 + [False] * 100, 5000, stop_after_irrelevant=100)
    assert heuristic.suggest_stop and heuristic.p_value > 0.05 and "no guarantee" in heuristic.statement
    assert not estimate([True] * 3 + [False] * 99, 5000, stop_after_irrelevant=100).suggest_stop
    with pytest.raises(ValueError, match="between 0 and 1"):
        estimate([True], 5, recall_target=95)


# ---------------------------------------------------------------- the figure

def test_recall_plot_for_a_replay_and_for_a_review_in_progress(tmp_path):
    fig = plot_recall({"seed 1": [True, False, True, True], "seed 2": [False, True, True, True]}, 10, n_relevant=3)
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    assert ax.get_ylabel() == "Recall (%)" and ax.get_xlim() == (0, 10)
    steps = [line for line in ax.get_lines() if line.get_label().startswith("seed")]
    assert [float(line.get_ydata()[-1]) for line in steps] == [100.0, 100.0]
    paths = save_figure(fig, tmp_path, "recall")
    assert [p.suffix for p in paths] == [".png", ".svg"] and all(p.stat().st_size > 0 for p in paths)
    history = [True] * 10 + [False] * 50
    fig = plot_recall(history, 1010, estimate=estimate(history, 950))
    labels = [line.get_label() for line in fig.axes[0].get_lines()]
    assert fig.axes[0].get_ylabel() == "Relevant records found"
    assert any(label.startswith("estimated relevant") for label in labels)
    with pytest.raises(ValueError, match="n_total"):
        plot_recall(history, 5)
