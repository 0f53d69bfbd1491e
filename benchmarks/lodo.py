"""Leave-one-dataset-out selection of the ranking model, and its figures beside ASReview's (``screening.py --select``).

Every candidate is replayed on every data set with every seed. For each data set in turn (the held-out fold) a
candidate is chosen on the *other* data sets, and the held-out data set's figures are those of that choice: a data set
never helps choose the model it is scored with. The model chosen on all the data sets is the one a new review gets.

The choice puts robustness first, as a reviewer relying on it would: only candidates that lose clearly to the reference
(ASReview's default) on none of those data sets are eligible, and of them the one with the best mean WSS@95 (mean over
seeds per data set, then over data sets) is the *best*. A better mean bought with a clear loss somewhere is not taken.
When none is eligible, the first candidate is chosen (``svm``, ASReview's default in our loop).

Then the one-standard-error rule (Breiman et al. 1984; Hastie, Tibshirani & Friedman, *Elements of Statistical
Learning*, section 7.10): the candidates are listed closest to the reference first, and the first eligible one whose
shortfall against the best, paired by data set, is within one standard error of its mean is chosen. A gain that
cannot be told from the differences between data sets does not buy a model that departs further from ASReview's.

A data set is won or lost against ASReview by the difference of the mean WSS@95 over the seeds; within ``TIE`` it
is a tie, and a loss is *clear* when it is larger than the spread between seeds (the larger of the two models'
max − min over the seeds on that data set).
"""
from __future__ import annotations

from typing import Mapping, NamedTuple, Sequence

import numpy as np

TIE = 0.005  # |difference in WSS@95| within which a data set counts as a tie (half a per cent of the records)
OUTCOMES = ("win", "tie", "loss", "clear loss")  # of a data set, by ``verdict``
HEURISTICS = (50, 100)  # "stop after k irrelevant records in a row", shown beside the statistical stopping rule

Scores = Mapping[str, Mapping[str, Sequence[float]]]  # data set → model → WSS@95 per seed


class Choice(NamedTuple):
    """A fold's choice, the best mean it was weighed against, and every candidate's mean WSS@95 and clear losses."""
    model: str
    best: str
    means: dict[str, float]
    losses: dict[str, int]


def choose(scores: Scores, candidates: Sequence[str], left_out: str | None = None, reference: str | None = None
           ) -> Choice:
    """The choice on the data sets other than ``left_out`` (see above), every candidate's mean WSS@95 there, and
    its number of clear losses there against ``reference`` (none counted without one)."""
    kept = [name for name in scores if name != left_out]
    per_set = {c: np.array([np.mean(scores[name][c]) for name in kept]) for c in candidates}
    means = {c: float(per_set[c].mean()) for c in candidates}
    losses = {c: sum(verdict(scores[name][c], scores[name][reference])[2] == "clear loss" for name in kept)
              if reference else 0 for c in candidates}
    eligible = [c for c in candidates if not losses[c]] or list(candidates[:1])
    best = max(eligible, key=lambda c: (means[c], -candidates.index(c)))
    return Choice(next(c for c in eligible if within_one_se(per_set[best] - per_set[c])), best, means, losses)


def within_one_se(shortfall: np.ndarray) -> bool:
    """Whether a mean shortfall per data set is at most one standard error of that mean (none for a single data set)."""
    return bool(shortfall.mean() <= _standard_error(shortfall)) if len(shortfall) > 1 else not shortfall.any()


def _standard_error(values: Sequence[float]) -> float:
    """The standard error of the mean of ``values``; nan for fewer than two."""
    return float(np.std(values, ddof=1) / np.sqrt(len(values))) if len(values) > 1 else float("nan")


def folds(scores: Scores, candidates: Sequence[str], reference: str | None = None) -> dict[str, Choice]:
    """Per held-out data set: the choice made on the others, and the candidates' means and clear losses there."""
    return {name: choose(scores, candidates, left_out=name, reference=reference) for name in scores}


def verdict(ours: Sequence[float], theirs: Sequence[float]) -> tuple[float, float, str]:
    """The difference of the means, the spread between seeds, and ``win``, ``tie``, ``loss`` or ``clear loss``."""
    difference = float(np.mean(ours) - np.mean(theirs))
    spread = float(max(np.ptp(ours), np.ptp(theirs)))
    if abs(difference) <= TIE:
        return difference, spread, "tie"
    if difference > 0:
        return difference, spread, "win"
    return difference, spread, "clear loss" if -difference > spread else "loss"


def spread(values: Sequence[float], fmt: str) -> str:
    """Mean (min–max) over the seeds."""
    return f"{np.mean(values):{fmt}} ({min(values):{fmt}}–{max(values):{fmt}})"


def fold_table(scores: Scores, chosen: Mapping[str, Choice], reference: str, sizes: Mapping[str, tuple[int, int]],
               to_95: Scores, to_100: Scores) -> list[str]:
    """One line per held-out data set: the choice, its WSS@95 and records to 95% / 100% recall beside the
    reference's, the difference, the seeds' spread and the verdict; then the mean and the counts."""
    lines = [f"  {'held-out data set':<34} {'records':>7} {'rel.':>5} {'chosen':<13} {'WSS@95 chosen':<21} "
             f"{'WSS@95 ' + reference:<21} {'diff':>7} {'spread':>6}  {'verdict':<10} "
             f"{'to 95% chosen / ' + reference:<24} {'to 100% chosen / ' + reference}"]
    differences, counts = [], dict.fromkeys(OUTCOMES, 0)
    for name, (choice, *_) in chosen.items():
        ours, theirs = scores[name][choice], scores[name][reference]
        difference, seeds_spread, outcome = verdict(ours, theirs)
        differences.append(difference)
        counts[outcome] += 1
        n, relevant = sizes[name]
        lines.append(
            f"  {name:<34} {n:>7,} {relevant / n:>5.1%} {choice:<13} {spread(ours, '.3f'):<21} {spread(theirs, '.3f'):<21} "
            f"{difference:>+7.3f} {seeds_spread:>6.3f}  {outcome:<10} "
            f"{np.mean(to_95[name][choice]):>8,.0f} / {np.mean(to_95[name][reference]):<13,.0f} "
            f"{np.mean(to_100[name][choice]):>8,.0f} / {np.mean(to_100[name][reference]):,.0f}")
    ours_mean = np.mean([np.mean(scores[n][c]) for n, (c, *_) in chosen.items()])
    theirs_mean = np.mean([np.mean(scores[n][reference]) for n in chosen])
    lines.append(f"  mean WSS@95 over {len(chosen)} held-out data sets: chosen {ours_mean:.3f}, {reference} {theirs_mean:.3f}, "
                 f"difference {np.mean(differences):+.3f} (standard error {_standard_error(differences):.3f} over the data sets; "
                 f"median {np.median(differences):+.3f}, worst {min(differences):+.3f})")
    lines.append("  " + ", ".join(f"{k} {v}" for k, v in counts.items()) + f" (tie: within {TIE})")
    return lines
