"""Replay a fully labelled data set as a reviewer would meet it, and measure the work prioritisation saves.

A replay starts from one relevant and one irrelevant record, drawn with the seed (ASReview's "prior
knowledge"), then repeatedly ranks the records not yet screened with ``prioritise.Ranker`` — which sees only
the labels of the records screened so far — and screens the top of the ranking, until every relevant record
is found. The model is refitted after every record for the first ``EVERY_STEP_UNTIL`` records, then after
every ``n_screened // 100`` records (1% of those screened so far): ASReview refits after every record, so this
is a (small) handicap for our side of a comparison, and it keeps a replay of 9,000 records to seconds.

Metrics:

- ``wss_95``: work saved over sampling at 95% recall, as ASReview insights (asreview-insights 1.x,
  ``metrics._wss`` with ``priors=False``) computes it: the prior records are left out; the others, in the
  order screened (unscreened ones last, as irrelevant), are compared with random screening at the largest
  recall level k/R' ≤ 0.95 (R' = relevant records other than the prior one): WSS = (records random order
  needs to reach k − records the replay needed) / records, where random order finds
  ``round(linspace(0, R', N'))`` relevant records after each of the N' records.
- ``records_to_95`` / ``records_to_100``: records screened, the two prior records included, until at least
  95% (rounded up to a whole record) / all of the relevant records were found.
"""
from __future__ import annotations

import dataclasses
import math
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

import numpy as np
import pandas as pd

from reviewkit.core.errors import ReviewInputError
from reviewkit.screening.prioritise.models import DEFAULT_MODEL
from reviewkit.screening.prioritise.ranker import Ranker, corpus_features

LABEL_COLUMN = "label_included"
TEXT_COLUMNS = ("title", "abstract")
EVERY_STEP_UNTIL = 100
CURVE_LEVELS = (0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 1.0)


@dataclass(frozen=True)
class LabelledData:
    """A labelled data set: one text (title and abstract) and one label per record."""

    path: str
    texts: list[str]
    labels: np.ndarray  # bool, one per record
    empty_rows: tuple[int, ...] = ()  # CSV lines of records with neither title nor abstract

    @property
    def n_relevant(self) -> int:
        return int(self.labels.sum())


def read_labelled(path: str | Path) -> LabelledData:
    """Read a CSV or CSV.GZ with ``title``, ``abstract`` (either may be missing) and ``label_included`` (0/1).

    Raises ReviewInputError naming the file, and the column or line, for a missing label column, a label that is
    not 0 or 1, a data set with one class only, or one without any text. Records with no text are kept (they are
    met in a real review too) and their lines listed in ``empty_rows``.
    """
    path = Path(path)
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        raise ReviewInputError(path, f"cannot be read as CSV: {exc}") from exc
    if LABEL_COLUMN not in frame.columns:
        raise ReviewInputError(path, f"no labels: the column {LABEL_COLUMN!r} (1 relevant, 0 irrelevant) is missing",
                               field=LABEL_COLUMN)
    present = [c for c in TEXT_COLUMNS if c in frame.columns]
    if not present:
        raise ReviewInputError(path, "no text: neither a 'title' nor an 'abstract' column", field="title")
    values = frame[LABEL_COLUMN].str.strip()
    bad = values[~values.isin(["0", "1"])]
    if len(bad):
        line = int(bad.index[0]) + 2  # the header is line 1
        raise ReviewInputError(path, f"label {bad.iloc[0]!r} is not 0 or 1 ({len(bad)} such row(s))", line=line, field=LABEL_COLUMN)
    labels = (values == "1").to_numpy()
    if len(labels) == 0 or labels.all() or not labels.any():
        kind = "no records" if len(labels) == 0 else f"every record has {LABEL_COLUMN} = {int(labels[0])}"
        raise ReviewInputError(path, f"one class only ({kind}): a replay needs relevant and irrelevant records",
                               field=LABEL_COLUMN)
    parts = [frame[c].str.strip() for c in present]
    texts = (parts[0] if len(parts) == 1 else parts[0].str.cat(parts[1], sep="\n")).str.strip()
    empty = tuple(int(i) + 2 for i in np.flatnonzero(texts == ""))
    if len(empty) == len(texts):
        raise ReviewInputError(path, f"empty texts: every record's {' and '.join(present)} is empty", field=present[0])
    return LabelledData(str(path), texts.tolist(), labels, empty)


@dataclass(frozen=True)
class Replay:
    """One replay: which records were screened in which order, and what that was worth."""

    seed: int
    model: str
    order: list[int]  # record indices in the order screened: the two prior records, then the model's picks
    relevant: list[bool]  # the label of each record in ``order``
    n_records: int
    seconds: float  # fitting and ranking (``replays`` adds the time of the corpus features)
    fits: int
    n_relevant: int = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "n_relevant", int(sum(self.relevant)))

    @property
    def wss_95(self) -> float:
        padded = list(self.relevant) + [False] * (self.n_records - len(self.relevant))
        return wss(padded[2:], 0.95)

    @property
    def records_to_95(self) -> int:
        return records_to_recall(self.relevant, self.n_relevant, 0.95)

    @property
    def records_to_100(self) -> int:
        return records_to_recall(self.relevant, self.n_relevant, 1.0)

    def summary(self) -> dict:
        """The figures of this replay, for JSON."""
        return {
            "seed": self.seed, "model": self.model, "n_records": self.n_records, "n_relevant": self.n_relevant,
            "wss_95": round(self.wss_95, 6), "records_to_95": self.records_to_95, "records_to_100": self.records_to_100,
            "seconds": round(self.seconds, 3), "fits": self.fits,
            "records_to_recall": {f"{level:g}": records_to_recall(self.relevant, self.n_relevant, level) for level in CURVE_LEVELS},
        }


def wss(labels: Sequence[bool], recall: float = 0.95) -> float:
    """Work saved over sampling as ASReview insights computes it (see the module docstring).

    ``labels``: every record but the prior ones, in the order screened (1/True relevant).
    """
    y = np.asarray(labels, dtype=int)
    n_docs, n_pos = len(y), int(y.sum())
    if n_pos == 0:
        raise ValueError("WSS needs at least one relevant record besides the prior ones")
    targets = np.arange(1, n_pos + 1)
    found_at = np.searchsorted(np.cumsum(y), targets)
    random_at = np.searchsorted(np.round(np.linspace(0, n_pos, n_docs)), targets)
    levels = targets / n_pos
    saved = (random_at - found_at) / n_docs
    return float(saved[np.searchsorted(levels, recall, side="right") - 1])


def records_to_recall(relevant: Sequence[bool], n_relevant: int, recall: float) -> int:
    """Records screened, in order, until at least ``recall`` of ``n_relevant`` were found (rounded up)."""
    needed = max(1, math.ceil(recall * n_relevant - 1e-9))
    found = np.cumsum(np.asarray(relevant, dtype=int))
    if not len(found) or found[-1] < needed:
        raise ValueError(f"the history finds {int(found[-1]) if len(found) else 0} relevant records, fewer than {needed}")
    return int(np.searchsorted(found, needed)) + 1


def prior_records(labels: np.ndarray, seed: int) -> list[int]:
    """One relevant and one irrelevant record, drawn with ``seed``."""
    rng = np.random.default_rng(seed)
    return [int(rng.choice(np.flatnonzero(labels))), int(rng.choice(np.flatnonzero(~labels)))]


def batch_size(n_screened: int) -> int:
    """How many records are screened from one ranking (see the module docstring)."""
    return 1 if n_screened < EVERY_STEP_UNTIL else n_screened // 100


def replay(texts: Sequence[str], labels: np.ndarray, *, seed: int = 1, model: str = DEFAULT_MODEL,
           features: dict | None = None) -> Replay:
    """Replay screening of ``texts`` with ``labels`` (bool per record) until every relevant record is found."""
    labels = np.asarray(labels, dtype=bool)
    ranker = Ranker(texts, model, seed=seed, features=features)
    began = time.perf_counter()
    order = prior_records(labels, seed)
    known = {i: bool(labels[i]) for i in order}
    found, total, fits = int(labels[order].sum()), int(labels.sum()), 0
    while found < total:
        ranker.update(known)
        fits += 1
        for index in ranker.ranking()[: batch_size(len(order))]:
            order.append(index)
            known[index] = bool(labels[index])
            found += known[index]
            if found == total:
                break
    return Replay(seed, model, order, [bool(labels[i]) for i in order], len(labels), time.perf_counter() - began, fits)


def replays(data: LabelledData, seeds: Sequence[int], model: str = DEFAULT_MODEL,
            features: dict | None = None, cache: str | Path | None = None) -> list[Replay]:
    """Replays of ``data``, one per seed, sharing one computation of the features (``cache``: the embeddings'
    folder); each replay's ``seconds`` include the time the features took, as a single replay would need them.
    Given ``features`` computed before, nothing is computed and the seconds are the fitting and ranking alone."""
    began = time.perf_counter()
    features = features if features is not None else corpus_features(data.texts, model, cache=cache)
    feature_seconds = time.perf_counter() - began
    runs = [replay(data.texts, data.labels, seed=s, model=model, features=features) for s in seeds]
    return [dataclasses.replace(r, seconds=r.seconds + feature_seconds) for r in runs]


def recall_curve(relevant: Sequence[bool], n_relevant: int | None = None) -> np.ndarray:
    """Recall after each record screened (``n_relevant``: the total, default the relevant records in the history)."""
    found = np.cumsum(np.asarray(relevant, dtype=int))
    return found / (n_relevant or max(int(found[-1]) if len(found) else 1, 1))
