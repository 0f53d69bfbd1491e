"""The ranking models by name: what each ranks with, in words, and the default (``ranker.MODELS`` builds them).

Kept apart from ``ranker`` so that the report and the notebooks can name a model without loading scikit-learn.
The default is the model that ``benchmarks/screening.py --select`` chose by leave-one-dataset-out comparison on
the labelled reviews of ``../shared/data/screening``, robustness first (see ``ranker``).
"""
from __future__ import annotations

DEFAULT_MODEL = "svm_then_lr"

DESCRIPTIONS = {
    "svm": "a linear SVM on TF-IDF word 1–2-grams (ASReview's default, ELAS u4)",
    "nb": "naive Bayes on TF-IDF words (ASReview's ELAS u3)",
    "lr": "logistic regression on TF-IDF word 1–2-grams and character 3–5-grams",
    "lr_words": "logistic regression on TF-IDF word 1–2-grams",
    "embed": "logistic regression on sentence embeddings (all-MiniLM-L6-v2)",
    "ensemble": "the linear SVM on word n-grams, logistic regression on word and character n-grams and logistic "
                "regression on sentence embeddings (all-MiniLM-L6-v2), weighed by how well each has ranked so far",
    "ngrams": "the linear SVM on word n-grams and logistic regression on word and character n-grams, weighed by how "
              "well each has ranked so far",
    "svm_lr": "the linear SVM on TF-IDF word 1–2-grams and logistic regression on word 1–2-grams and character "
              "3–5-grams, their standardised scores averaged",
    "svm_then_lr": "a linear SVM on TF-IDF word 1–2-grams (ASReview's default, ELAS u4) until 5% of the records are "
                   "known relevant, then logistic regression on word 1–2-grams and character 3–5-grams",
}


def describe(model: str) -> str:
    """What ``model`` ranks with, in a phrase for the notebook and the report."""
    if model not in DESCRIPTIONS:
        raise ValueError(f"unknown model {model!r}; use one of {', '.join(DESCRIPTIONS)}")
    return DESCRIPTIONS[model]
