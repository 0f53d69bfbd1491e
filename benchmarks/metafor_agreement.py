"""How closely the meta-analysis agrees with R's metafor: the largest absolute difference, per function and
method, between reviewkit's numbers and the committed reference values of tests/reference/metafor_reference.R
and metafor_comparative.R (fits metafor refuses are left out: the tests check that reviewkit refuses them too).

    .venv/bin/python benchmarks/metafor_agreement.py
"""
from __future__ import annotations

import sys
from collections import defaultdict
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "tests"), str(ROOT / "tests" / "synthesis")]

from metafor_comparative import MODERATORS, REFERENCE, fit, keys, reference, rows, studies  # noqa: E402
from test_bias_moderators import GROUPINGS, fit_rows  # noqa: E402

from reviewkit.synthesis import egger_test, leave_one_out, meta_regression, pool_proportions, subgroup_test, trim_and_fill  # noqa: E402

WORST: dict[str, float] = defaultdict(float)


def note(name: str, *differences: float) -> None:
    WORST[name] = max(WORST[name], *(float(np.nanmax(np.abs(d))) for d in differences))


def pooled() -> None:
    table, study_table = reference("pooled"), reference("studies")
    for key in keys(table):
        ref = rows(table, key).iloc[0]
        if isinstance(ref["error"], str):
            continue
        result = fit(*key)
        kind = {"RR": "binary", "OR": "binary", "RD": "binary", "MD": "continuous", "SMD": "continuous"}.get(key[1], "generic")
        fields = ["estimate", "ci_low", "ci_high", "beta", "se", "p", "tau2", "q", "q_p"]
        fields += [] if key[2] in ("FE", "MH", "Peto") else ["pi_low", "pi_high"]
        note(f"pool_{kind} {key[2]}", *(getattr(result, f) - ref[f] for f in fields))
        note(f"pool_{kind} {key[2]} I2 (percent)", result.i2 - ref["i2"])
        ref_studies = rows(study_table, key).sort_values("study")
        note("escalc yi, vi", np.array([s.yi for s in result.studies]) - ref_studies["yi"],
             np.array([s.vi for s in result.studies]) - ref_studies["vi"])
        note("study weights (percent)", np.array([s.weight for s in result.studies]) - ref_studies["weight"])


def bias_and_moderators() -> None:
    regtest, trimfill, leave1out = reference("regtest"), reference("trimfill"), reference("leave1out")
    for key in keys(regtest):
        ref, test = rows(regtest, key).iloc[0], egger_test(fit(*key))
        note(f"egger_test {key[2]}", test.z - ref["z"], test.p - ref["p"], test.intercept - ref["intercept"],
             test.slope - ref["slope"])
    for key in keys(trimfill):
        ref, filled = rows(trimfill, key).iloc[0], trim_and_fill(fit(*key))
        note(f"trim_and_fill {key[2]}", *(getattr(filled, f) - ref[f] for f in ("estimate", "ci_low", "ci_high")),
             filled.result.tau2 - ref["tau2"], filled.k0 - ref["k0"])
    for key in keys(leave1out):
        ref, table = rows(leave1out, key).sort_values("study"), leave_one_out(fit(*key))
        note(f"leave_one_out {key[2]}", *(table[c].to_numpy() - ref[c].to_numpy()
                                          for c in ("estimate", "ci_low", "ci_high", "tau2", "q", "q_p")))
        note(f"leave_one_out {key[2]} I2 (percent)", table["i2"].to_numpy() - ref["i2"].to_numpy())
    subgroup = reference("subgroup")
    for dataset, measure, method, test in keys(subgroup):
        groups = MODERATORS[MODERATORS["dataset"] == dataset].sort_values("study")[GROUPINGS[dataset][0]].to_numpy()
        data = studies(dataset)
        result = subgroup_test({g: fit_rows(data[groups == g], measure, method, test) for g in sorted(set(groups))})
        ref = rows(subgroup, (dataset, measure, method, test)).iloc[0]
        note(f"subgroup_test {method}", result.q - ref["q"], result.p - ref["p"])
    metareg = reference("metareg")
    for (dataset, measure, model, method, test), ref in metareg.groupby(["dataset", "measure", "model", "method", "test"]):
        effects = fit(dataset, measure, "FE", "z").studies
        moderators = MODERATORS[MODERATORS["dataset"] == dataset].sort_values("study")[model.split(" + ")]
        result = meta_regression([s.yi for s in effects], [np.sqrt(s.vi) for s in effects], moderators, method=method,
                                 test=test)
        note(f"meta_regression {method}", *(np.array([getattr(result, f)[t] for t in ref["term"]]) - ref[f].to_numpy()
                                            for f in ("coef", "se", "p")),
             result.tau2 - ref["tau2"].iloc[0], result.qm - ref["qm"].iloc[0], result.qm_p - ref["qm_p"].iloc[0])


def proportions() -> None:
    table, study_table = pd.read_csv(REFERENCE / "metafor_pooled.csv"), pd.read_csv(REFERENCE / "metafor_studies.csv")
    for _, ref in table[table["error"].isna()].iterrows():
        if ref["test"] == "knha" and ref["k"] == 1:  # metafor falls back to z; reviewkit refuses
            continue
        data = study_table[(study_table["dataset"] == ref["dataset"]) & (study_table["transform"] == ref["transform"])
                           & (study_table["method"] == ref["method"]) & (study_table["test"] == ref["test"])]
        result = pool_proportions(data["events"], data["total"], transform=ref["transform"], method=ref["method"],
                                  test=ref["test"])
        fields = ["estimate", "ci_low", "ci_high", "tau2"] + ([] if ref["method"] == "FE" else ["pi_low", "pi_high"])
        note(f"pool_proportions {ref['method']} {ref['test']}", *(getattr(result, f) - ref[f] for f in fields))


def main() -> None:
    pooled()
    bias_and_moderators()
    proportions()
    for name, worst in WORST.items():
        print(f"{name:45} {worst:.1e}")


if __name__ == "__main__":
    main()
