"""The methods and results of comparative syntheses (two-arm effects), written from the protocol and the tables
notebook 05 wrote: effects, effect_studies, small_studies, leave_one_out, meta_regression, effect_sensitivity."""
from __future__ import annotations

import pandas as pd

from reviewkit.core.numbers import EMPTY, fmt_count, fmt_decimal, interval, number
from reviewkit.core.outcome import SENSITIVITY
from reviewkit.report.blocks import _table_figure, pending
from reviewkit.report.inputs import Build
from reviewkit.report.references import References
from reviewkit.report.typst import Markup, escape, figure, heading, paragraph
from reviewkit.report.wording import _label, _plural, _words

MEASURE_NAMES = {"RR": "risk ratio", "OR": "odds ratio", "RD": "risk difference", "MD": "mean difference",
                 "SMD": "standardised mean difference (Hedges' g)"}
MODELS = {"FE": "a common-effect (inverse-variance) model", "DL": "random effects (DerSimonian–Laird)",
          "REML": "random effects (REML)", "MH": "the Mantel–Haenszel method", "Peto": "Peto's method"}
RATIOS = ("RR", "OR", "HR")


def fmt_effect(measure: str, estimate: object, low: object, high: object) -> str:
    """``0.72 (0.55 to 0.94)``: an effect with its interval, 2 decimals (ratios and small differences)."""
    if number(estimate) is None:
        return EMPTY
    places = 2 if measure in RATIOS or abs(number(estimate)) < 10 else 1
    text = fmt_decimal(estimate, places)
    return text if number(low) is None else interval(text, fmt_decimal(low, places), fmt_decimal(high, places))


def effect_methods(build: Build) -> str:
    """The sentences of the synthesis methods on comparative outcomes, from the protocol."""
    p = build.protocol
    outcomes = [o for o in p.outcomes if o.comparative]
    if not outcomes:
        return ""
    meta = p.meta_analysis
    measures = _words([f"{o.label.lower()}: {MEASURE_NAMES.get(o.measure, o.measure)}" for o in outcomes])
    models = _words(sorted({MODELS[meta.method_for(o)] for o in outcomes}))
    text = [f"Effect measures for the comparative outcomes ({measures}), from each study's arms, with "
            f"{meta.intervention} against {meta.control}. They were pooled with {models}"
            + (", with the Hartung–Knapp–Sidik–Jonkman adjustment (t tests)" if meta.test == "knha" else "")
            + f", when at least {meta.min_studies} studies gave data; random-effects results have a 95% prediction "
            "interval. Zero cells were handled as R's metafor does by default (1/2 added to every cell of a study with "
            "a zero cell for inverse-variance models; Mantel–Haenszel and Peto use the raw counts)."]
    if meta.group_by:
        text.append(f"Subgroups by {_label(meta.group_by).lower()} were pooled apart and compared with the test for "
                    "subgroup differences (a separate τ² per subgroup).")
    text.append("Funnel plots, Egger's regression test and trim-and-fill were planned for outcomes with at least 10 "
                "studies (Cochrane Handbook 13.3.5.4); each pooled outcome was refitted leaving each study out.")
    if meta.moderators:
        text.append(f"Meta-regression on {_words([_label(m).lower() for m in meta.moderators])}.")
    if meta.sensitivity:
        text.append(f"Sensitivity analyses: {_words([SENSITIVITY[s] for s in meta.sensitivity])}.")
    return " ".join(text)


def _measure(build: Build, outcome_id: str) -> str:
    return next((o.measure for o in build.protocol.outcomes if o.id == outcome_id), "")


def _pooled(build: Build, effects: pd.DataFrame) -> Markup:
    frame = pd.DataFrame([{
        "Outcome": r.outcome_label, "Group": r.group, "Studies": fmt_count(r.k), "Measure": r.measure,
        "Effect (95% CI)": fmt_effect(r.measure, r.estimate, r.ci_low, r.ci_high),
        "95% PI": fmt_effect(r.measure, r.pi_low, r.pi_low, r.pi_high).split(" (")[-1].rstrip(")")
        if number(r.pi_low) is not None else EMPTY,
        "τ²": fmt_decimal(r.tau2, 3), "I²": f"{fmt_decimal(r.i2, 0)}%" if number(r.i2) is not None else EMPTY,
        "Model": f"{r.method}{', HKSJ' if r.test == 'knha' else ''}" if r.method else EMPTY,
        "Note": r.note or EMPTY,
    } for r in effects.itertuples()])
    out = _table_figure("Results of comparative syntheses.", frame, "tab-effects", size="7.5pt")
    for r in effects.itertuples():
        if number(r.subgroup_q) is not None:
            out += paragraph(f"{r.outcome_label}: test for subgroup differences Q = {fmt_decimal(r.subgroup_q, 2)}, "
                             f"df = {fmt_count(r.subgroup_df)}, p = {fmt_decimal(r.subgroup_p, 3)}.")
    return out


def _studies(build: Build, studies: pd.DataFrame, refs: References) -> Markup:
    out = Markup("")
    labels = {o.id: o.label for o in build.protocol.outcomes}
    for outcome, rows in studies.groupby("outcome", sort=False):
        measure = _measure(build, outcome)
        frame = pd.DataFrame([{
            "Study": Markup(escape(r.label or r.study_id) + refs.cite(f"study:{r.study_id}")),
            "Group": r.group or EMPTY, "Arms (intervention vs control)": r.arms or EMPTY,
            f"{measure} (95% CI)": fmt_effect(measure, r.estimate, r.ci_low, r.ci_high),
            "Weight": f"{fmt_decimal(r.weight, 1)}%" if number(r.weight) is not None else EMPTY,
            "Risk of bias": r.risk_of_bias or EMPTY,
            "In pooled estimate": "yes" if str(r.pooled).lower() == "true" else ("no: " + r.reason if r.reason else "no"),
        } for r in rows.itertuples()])
        out += _table_figure(f"{labels.get(outcome, outcome)}: results of individual studies.", frame, size="7.5pt")
    return out


def _figures(build: Build, small: pd.DataFrame | None) -> Markup:
    out = Markup("")
    notes = dict(zip(small["outcome"], small["note"])) if small is not None else {}
    for outcome in (o for o in build.protocol.outcomes if o.comparative):
        forest = build.figure(f"forest_{outcome.id}")
        if forest:
            out += figure(forest, f"Forest plot with risk of bias: {outcome.label.lower()}.",
                          label=f"fig-forest-{outcome.id}")
        funnel = build.figure(f"funnel_{outcome.id}")
        if funnel:
            out += figure(funnel, f"Funnel plot with trim-and-fill: {outcome.label.lower()}.",
                          label=f"fig-funnel-{outcome.id}", max_height="9cm")
        elif notes.get(outcome.id):
            out += paragraph(f"{outcome.label}: {notes[outcome.id]}.")
    return out


def _small_studies(build: Build, small: pd.DataFrame | None) -> Markup:
    tested = [r for r in small.itertuples() if number(r.egger_z) is not None] if small is not None else []
    return Markup("".join(paragraph(
        f"Small-study effects ({r.outcome}): Egger's test "
        f"{f't({fmt_count(r.egger_df)})' if number(r.egger_df) is not None else 'z'} = {fmt_decimal(r.egger_z, 2)}, p = "
        f"{fmt_decimal(r.egger_p, 3)}; trim-and-fill added {_plural(int(number(r.k0)), 'study', 'studies')} on the "
        f"{r.side} side, giving {fmt_effect(_measure(build, r.outcome), r.adjusted_estimate, r.adjusted_ci_low, r.adjusted_ci_high)}.")
        for r in tested))


def _leave_one_out(build: Build, loo: pd.DataFrame | None) -> Markup:
    if loo is None or loo.empty:
        return Markup("")
    out = Markup("")
    for outcome, rows in loo.groupby("outcome", sort=False):
        measure = _measure(build, outcome)
        estimates = pd.to_numeric(rows["estimate"], errors="coerce")
        low, high = estimates.idxmin(), estimates.idxmax()
        out += paragraph(f"Leave-one-out ({outcome}): the pooled {measure} ranged from "
                         f"{fmt_effect(measure, rows.loc[low, 'estimate'], None, None)} (without "
                         f"{rows.loc[low, 'omitted']}) to {fmt_effect(measure, rows.loc[high, 'estimate'], None, None)} "
                         f"(without {rows.loc[high, 'omitted']}).")
    return out


def _tables(build: Build, regression: pd.DataFrame | None, sensitivity: pd.DataFrame | None) -> Markup:
    out = Markup("")
    if regression is not None and not regression.empty:
        frame = pd.DataFrame([{"Outcome": r.outcome, "Term": r.term or EMPTY,
                               "Coefficient": fmt_decimal(r.coef, 3), "SE": fmt_decimal(r.se, 3),
                               "p": fmt_decimal(r.p, 3), "τ²": fmt_decimal(r.tau2, 3),
                               "Note": r.note or EMPTY} for r in regression.itertuples()])
        out += _table_figure("Meta-regression on the protocol's moderators (analysis scale).", frame, size="7.5pt")
    if sensitivity is not None and not sensitivity.empty:
        frame = pd.DataFrame([{"Outcome": r.outcome, "Analysis": r.label, "Studies": fmt_count(r.k),
                               "Effect (95% CI)": fmt_effect(_measure(build, r.outcome), r.estimate, r.ci_low, r.ci_high),
                               "I²": f"{fmt_decimal(r.i2, 0)}%" if number(r.i2) is not None else EMPTY,
                               "Note": r.note or EMPTY} for r in sensitivity.itertuples()])
        out += _table_figure("Sensitivity analyses of the comparative outcomes.", frame, size="7.5pt")
    return out


def effect_results(build: Build, refs: References) -> Markup:
    """Results of the comparative syntheses; nothing when the protocol has no comparative outcome."""
    if not any(o.comparative for o in build.protocol.outcomes):
        return Markup("")
    out = heading("Results of comparative syntheses", 2, label="effect-results")
    effects, studies = build.table("effects"), build.table("effect_studies")
    if effects is None or studies is None:
        return out + pending("tables/effects.csv", "tables/effect_studies.csv", what="synthesis")
    if effects.empty:
        return out + paragraph("No comparative outcome data yet.")
    small = build.table("small_studies")
    return (out + _pooled(build, effects) + _figures(build, small) + _small_studies(build, small)
            + _leave_one_out(build, build.table("leave_one_out"))
            + _tables(build, build.table("meta_regression"), build.table("effect_sensitivity"))
            + heading("Comparative outcomes in each study", 3) + _studies(build, studies, refs))
