"""The leave-one-dataset-out selection never lets a data set choose the model it is scored with."""
from __future__ import annotations

import sys

import pytest
from conftest import ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))
import lodo  # noqa: E402


def test_a_held_out_set_is_scored_with_the_choice_made_on_the_others():
    scores = {"a": {"svm": [0.50, 0.52], "lr": [0.55, 0.57]},
              "b": {"svm": [0.40, 0.40], "lr": [0.45, 0.45]},
              "c": {"svm": [0.30, 0.30], "lr": [0.90, 0.90]}}  # lr far ahead on c alone
    folds = lodo.folds(scores, ["svm", "lr"])
    assert {name: fold.model for name, fold in folds.items()} == {"a": "lr", "b": "lr", "c": "lr"}
    scores["a"]["lr"], scores["b"]["lr"] = [0.30, 0.30], [0.20, 0.20]  # now lr is better on c only
    folds = lodo.folds(scores, ["svm", "lr"])
    assert folds["c"].model == "svm"  # c cannot choose lr for itself
    assert folds["a"].best == "lr" and folds["a"].means["lr"] == pytest.approx((0.20 + 0.90) / 2)
    assert folds["a"].model == "svm"  # lr's lead there rests on c alone: within one standard error


def test_a_better_mean_bought_with_a_clear_loss_elsewhere_is_not_chosen():
    """Robustness first: lr is ahead on average but clearly behind ASReview on b, so only a fold without b takes it."""
    scores = {"a": {"svm": [0.50, 0.51], "lr": [0.70, 0.71], "asreview": [0.50, 0.51]},
              "b": {"svm": [0.40, 0.41], "lr": [0.30, 0.31], "asreview": [0.40, 0.41]},  # lr clearly behind
              "c": {"svm": [0.30, 0.31], "lr": [0.50, 0.51], "asreview": [0.30, 0.31]}}
    folds = lodo.folds(scores, ["svm", "lr"], reference="asreview")
    assert {name: fold.model for name, fold in folds.items()} == {"a": "svm", "b": "lr", "c": "svm"}
    assert folds["a"].losses == {"svm": 0, "lr": 1} and folds["b"].losses == {"svm": 0, "lr": 0}
    assert lodo.folds(scores, ["svm", "lr"])["a"].best == "lr"  # without a reference, lr is eligible
    assert lodo.choose(scores, ["lr"], reference="asreview").model == "lr"  # none eligible: the first candidate


def test_a_gain_within_one_standard_error_goes_to_the_candidate_listed_first():
    """Ahead by 0.01 on every data set is a gain; ahead on four and behind on one, by a mean of 0.002, is not."""
    svm = [0.50, 0.40, 0.60, 0.30, 0.70]
    steady = {f"set{i}": {"svm": [s], "lr": [s + 0.01]} for i, s in enumerate(svm)}
    assert lodo.choose(steady, ["svm", "lr"]) == ("lr", "lr", pytest.approx({"svm": 0.50, "lr": 0.51}), {"svm": 0, "lr": 0})
    uneven = {f"set{i}": {"svm": [s], "lr": [s + (0.01 if i else -0.03)]} for i, s in enumerate(svm)}
    choice = lodo.choose(uneven, ["svm", "lr"])
    assert (choice.model, choice.best) == ("svm", "lr")
    assert lodo.choose(uneven, ["lr", "svm"]).model == "lr"  # the best is never passed over for one listed after it


def test_a_tie_goes_to_the_simpler_candidate_listed_first():
    scores = {"a": {"svm": [0.5], "lr": [0.5]}, "b": {"svm": [0.6], "lr": [0.6]}}
    assert lodo.choose(scores, ["svm", "lr"]).model == "svm"


@pytest.mark.parametrize(("ours", "theirs", "outcome"), [
    ([0.60, 0.62], [0.50, 0.52], "win"),
    ([0.503, 0.50], [0.50, 0.50], "tie"),
    ([0.48, 0.56], [0.50, 0.56], "loss"),  # behind by 0.01, within the seeds' spread of 0.08
    ([0.40, 0.41], [0.50, 0.52], "clear loss"),
])
def test_verdict_weighs_the_difference_against_the_spread_between_seeds(ours, theirs, outcome):
    assert lodo.verdict(ours, theirs)[2] == outcome
