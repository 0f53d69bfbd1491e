"""The reference values of tests/reference/metafor_comparative.R, and the fits they check."""
from __future__ import annotations

import pandas as pd
from conftest import ROOT

from reviewkit.synthesis.comparative import PooledEffect, pool_binary, pool_continuous, pool_generic

REFERENCE = ROOT / "tests" / "reference"
CLOSED_FORM = 1e-6  # FE, DL, MH, Peto, escalc
ITERATIVE = 1e-4  # REML (Fisher scoring stops at a change of 1e-5)


def reference(name: str) -> pd.DataFrame:
    return pd.read_csv(REFERENCE / f"metafor_comparative_{name}.csv")


DATA = reference("data")
MODERATORS = reference("moderators")


def tolerance(method: str) -> float:
    return ITERATIVE if method == "REML" else CLOSED_FORM


def studies(dataset: str) -> pd.DataFrame:
    return DATA[DATA["dataset"] == dataset].sort_values("study")


def fit(dataset: str, measure: str, method: str, test: str) -> PooledEffect:
    """The Python fit of one reference row."""
    d = studies(dataset)
    labels = d["label"].tolist()
    if measure in ("RR", "OR", "RD"):
        return pool_binary(d["events_t"], d["total_t"], d["events_c"], d["total_c"], measure=measure, method=method,
                           test=test, labels=labels)
    if measure in ("MD", "SMD"):
        return pool_continuous(d["mean_t"], d["sd_t"], d["n_t"], d["mean_c"], d["sd_c"], d["n_c"], measure=measure,
                               method=method, test=test, labels=labels)
    return pool_generic(d["estimate"], d["std_error"], method=method, test=test, labels=labels,
                        scale="log" if dataset == "bcg_logrr" else "identity")


def keys(table: pd.DataFrame) -> list[tuple]:
    return sorted({tuple(row) for row in table[["dataset", "measure", "method", "test"]].itertuples(index=False)})


def rows(table: pd.DataFrame, key: tuple) -> pd.DataFrame:
    dataset, measure, method, test = key
    return table[(table["dataset"] == dataset) & (table["measure"] == measure) & (table["method"] == method)
                 & (table["test"] == test)]
