"""The Results section: selection and the PRISMA flow, characteristics, risk of bias, results, syntheses, certainty."""
from __future__ import annotations

from collections import Counter

import pandas as pd

from reviewkit.core.numbers import EMPTY, fmt_count, fmt_decimal, fmt_interval, fmt_percent, number
from reviewkit.report.blocks import _table_figure, pending, section
from reviewkit.report.effects import effect_results
from reviewkit.report.facts import _designs, _excluded_reports, _overall_rob, _selection_sentence
from reviewkit.report.inputs import Build
from reviewkit.report.references import References
from reviewkit.report.team import agreement_block
from reviewkit.report.typst import Markup, bullets, display, escape, figure, fmt_ratio, heading, paragraph, string, table
from reviewkit.report.update import _update
from reviewkit.report.wording import PRISMA_COLUMNS, _counted, _label, _plural, _were, listed

CHARACTERISTICS_SKIP = {"study_id", "label", "reports", "primary_citation"}
STUDIES_ACROSS = 4  # studies side by side in one characteristics table
ROB_ACROSS = 6  # up to this many appraisals of one tool are columns; more are rows


def _study_selection(build: Build, refs: References) -> Markup:
    out = heading("Study selection", 2, label="study-selection")
    sentence = _selection_sentence(build)
    out += paragraph(sentence) if sentence else pending("tables/records.csv", "tables/prisma_screening.csv",
                                                        what="records and screening")
    prisma_figure = build.figure("prisma")
    prisma = build.table("prisma")
    if prisma_figure:
        out += figure(prisma_figure, "PRISMA 2020 flow diagram.", label="fig-prisma", max_height="20cm")
    if prisma is not None:
        out += _table_figure("PRISMA 2020 flow counts (rows for a source, reason or state are indented).",
                             prisma_counts_table(prisma), "tab-prisma")
    if prisma_figure is None or prisma is None:
        out += pending(*build.missing("figures/prisma.svg", "tables/prisma.csv"), what="PRISMA flow diagram")
    excluded = _excluded_reports(build)
    if not excluded.empty:
        rows = pd.DataFrame([{"Report": Markup(escape(r.title) + refs.cite(f"record:{r.record_id}")),
                              "Reason for exclusion": (build.protocol.reason_label(r.exclusion_reason) if r.exclusion_reason
                                                       else EMPTY),
                              "Reviewers' note": r.note or EMPTY} for r in excluded.itertuples()])
        out += paragraph("Reports excluded at full text, with reasons:") + table(rows)
    return out


def prisma_counts_table(prisma: pd.DataFrame) -> pd.DataFrame:
    """``tables/prisma.csv`` with the PRISMA columns side by side: a row per box (and per source, reason or
    state within it, indented, shown only where some count is not zero)."""
    boxes = list(dict.fromkeys(prisma["box"]))
    keys = sorted(dict.fromkeys(zip(prisma["box"], prisma["source"], prisma["reason"])),
                  key=lambda k: (boxes.index(k[0]), bool(k[1] or k[2])))
    columns = list(dict.fromkeys(prisma["column"]))
    counts = {(r.column, r.box, r.source, r.reason): r.count for r in prisma.itertuples()}
    labels = {(r.box, r.source, r.reason): r.label for r in prisma.itertuples()}
    rows = []
    for key in keys:
        values = [counts.get((c, *key), "") for c in columns]
        detail = bool(key[1] or key[2])
        if detail and not any(number(v) for v in values):
            continue
        label = labels[key]
        rows.append([Markup(f"#h(1.2em){escape(label)}") if detail else label,
                     *[fmt_count(v) if v != "" else EMPTY for v in values]])
    names = [PRISMA_COLUMNS.get(c, c.replace("_", " ").capitalize()) for c in columns]
    return pd.DataFrame(rows, columns=["Box", *names])


def _characteristic_fields(build: Build, chars: pd.DataFrame) -> list[str]:
    """Form fields worth a column: not outcome counts, directions or the citation."""
    skip = set(CHARACTERISTICS_SKIP)
    for o in build.protocol.outcomes:
        skip |= {o.events_field, o.total_field, o.direction_field or ""}
    return [c for c in chars.columns if c not in skip]


def _once(values: list[str]) -> list[str]:
    """A column's values with repeats of the value above left blank (rows grouped by it)."""
    return [v if i == 0 or v != values[i - 1] else Markup("") for i, v in enumerate(values)]


def _characteristics(build: Build, refs: References) -> Markup:
    """One table per group of studies: the form's fields down, the studies across."""
    out, chars = section(build, "Study characteristics", "characteristics", "characteristics", "extraction")
    if chars is None:
        return out
    fields = _characteristic_fields(build, chars)
    out += paragraph(f"{_plural(len(chars), 'study', 'studies')} {_were(len(chars))} included; designs: "
                     f"{_counted(_designs(build))}. The tables give what was extracted from the reports; the quote "
                     "behind each value is in Appendix A.")
    for start in range(0, len(chars), STUDIES_ACROSS):
        group = chars.iloc[start:start + STUDIES_ACROSS]
        frame = pd.DataFrame({"Characteristic": [_label(f) for f in fields]})
        for i, row in enumerate(group.itertuples()):
            frame[str(i)] = [listed(getattr(row, f)) for f in fields]
        frame.columns = ["Characteristic"] + [Markup(escape(r.label or r.study_id) + refs.cite(f"study:{r.study_id}"))
                                              for r in group.itertuples()]
        span = f" (studies {start + 1}–{start + len(group)} of {len(chars)})" if len(chars) > STUDIES_ACROSS else ""
        widths = [1.1] + [2.0] * len(group)
        out += _table_figure(f"Characteristics of the included studies{span}.", frame,
                             "tab-characteristics" if start == 0 else None, widths=widths, size="7.5pt")
    return out + agreement_block(build, "extraction", "Agreement between data extractors")


def _rob_cell(judgment: str, level: str) -> Markup:
    """A judgment with a dot in its robvis colour."""
    from reviewkit.core.plot_style import colour

    dot = f"#box(circle(radius: 3pt, fill: rgb({string(colour(level))}), stroke: 0.4pt + luma(60)))"
    return Markup(f"{dot} {escape(judgment)}")


def _item_names(build: Build, tool_id: str) -> dict[str, str]:
    """Item id → "Q1 Inclusion criteria" for a tool's items, and "Overall"."""
    tool = build.tools.get(tool_id)
    return {**({i.id: f"{i.id} {i.label}" for i in tool.items} if tool else {}), "overall": "Overall"}


def _rob_grid(build: Build, tool_id: str, rows: pd.DataFrame, refs: References) -> pd.DataFrame:
    """One tool's judgments: items down and appraisals across (few appraisals), or the other way round."""
    items = list(dict.fromkeys(rows["item"]))
    names = _item_names(build, tool_id)
    appraisals = list(rows.groupby(["study_id", "source_type"], sort=False))
    cells = {(key, r.item): _rob_cell(r.judgment, r.level) for key, a in appraisals for r in a.itertuples()}
    heads = {key: Markup(escape(key[0] + (f" ({key[1]})" if key[1] else "")) + refs.cite(f"study:{key[0]}"))
             for key, _ in appraisals}
    if len(appraisals) <= ROB_ACROSS:
        frame = pd.DataFrame([{"Item": names.get(i, i),
                               **{str(n): cells.get((key, i), EMPTY) for n, (key, _) in enumerate(appraisals)}}
                              for i in items])
        frame.columns = ["Item"] + [heads[key] for key, _ in appraisals]
        return frame
    frame = pd.DataFrame([{"Appraisal": heads[key], **{i: cells.get((key, i), EMPTY) for i in items}} for key, _ in appraisals])
    frame.columns = ["Appraisal"] + ["Overall" if i == "overall" else i for i in items]
    return frame


def _rob_results(build: Build, refs: References) -> Markup:
    out, rob = section(build, "Risk of bias in studies", "rob-results", "rob", "risk of bias")
    if rob is None:
        return out
    summary = []
    for tool_id, rows in _overall_rob(build).groupby("tool", sort=False):
        name = build.tool_name(tool_id)
        judgments = ", ".join(f"{what} ({n})" for what, n in Counter(rows["judgment"]).most_common())
        summary.append(f"{name}: {judgments}, of {_plural(len(rows), 'appraisal')}")
    out += paragraph("Overall judgments by tool (each item's supporting quote or note is in Appendix A):") + bullets(summary)
    for tool_id, rows in rob.groupby("tool", sort=False):
        name = build.tool_name(tool_id)
        out += heading(name, 3) + _table_figure(f"{name}: judgments per item.", _rob_grid(build, tool_id, rows, refs),
                                                size="7.5pt")
        for kind, what, height in (("traffic", "judgments per item and study", "14cm"),
                                   ("summary", "share of appraisals at each level per item", "9cm")):
            path = build.figure(f"rob_{kind}_{tool_id}")
            if path:
                out += figure(path, f"{name}: {what}.", max_height=height)
    return out + agreement_block(build, "rob", "Agreement between risk-of-bias assessors")


def _individual_results(build: Build, refs: References) -> Markup:
    if all(o.comparative for o in build.protocol.outcomes):
        return Markup("")
    out, studies = section(build, "Results of individual studies", "individual-results", "synthesis_studies", "synthesis")
    if studies is None:
        return out
    labels = {o.id: o.label for o in build.protocol.outcomes}
    for outcome, rows in studies.groupby("outcome", sort=False):
        frame = pd.DataFrame([{
            "Study": Markup(escape(r.label or r.study_id) + refs.cite(f"study:{r.study_id}")),
            "Group": r.group or EMPTY, "Events/total": fmt_ratio(r.events, r.total),
            "Proportion (95% CI)": fmt_interval(r.proportion, r.ci_low, r.ci_high),
            "Weight": fmt_percent(r.weight, scale=1) if number(r.weight) is not None else EMPTY,
            "In pooled estimate": "yes" if str(r.pooled).lower() == "true" else ("no: " + r.reason if r.reason else "no"),
        } for r in rows.itertuples()])
        caption = f"{labels.get(outcome, outcome)}: results of individual studies."
        out += _table_figure(caption, frame)
    return out


def _synthesis_results(build: Build) -> Markup:
    if all(o.comparative for o in build.protocol.outcomes):
        return Markup("")
    out = heading("Results of syntheses", 2, label="synthesis-results")
    synthesis = build.table("synthesis")
    if synthesis is None:
        out += pending("tables/synthesis.csv", what="synthesis")
    elif synthesis.empty:
        out += paragraph("No outcome data yet: no included study has counts or findings extracted.")
    else:
        frame = pd.DataFrame([{
            "Outcome": r.outcome_label, "Group": r.group or EMPTY, "Studies": fmt_count(r.k),
            "Events/participants": fmt_ratio(r.events, r.participants),
            "Estimate (95% CI)": fmt_interval(r.estimate, r.ci_low, r.ci_high),
            "τ²": fmt_decimal(r.tau2, 3), "I²": fmt_percent(r.i2, places=0, scale=1),
            "Model": f"{r.method}, {r.transform}" if r.method else EMPTY, "Note": r.note or EMPTY,
        } for r in synthesis.itertuples()])
        frame["Outcome"] = _once(list(frame["Outcome"]))
        out += paragraph("Pooled and single-study proportions by outcome and group; an empty estimate means the group "
                         "was not pooled, and the note says why.")
        out += _table_figure("Results of syntheses.", frame, "tab-synthesis", size="7.5pt")
    sensitivity = build.table("sensitivity")
    if sensitivity is not None and not sensitivity.empty:
        labels = {o.id: o.label for o in build.protocol.outcomes}
        frame = pd.DataFrame([{
            "Outcome": labels.get(r.outcome, r.outcome), "Scale": r.transform, "Model": r.method,
            "Estimate (95% CI)": fmt_interval(r.estimate, r.ci_low, r.ci_high), "τ²": fmt_decimal(r.tau2, 3),
            "I²": fmt_percent(r.i2, places=0, scale=1), "Note": r.note or EMPTY} for r in sensitivity.itertuples()])
        frame["Outcome"] = _once(list(frame["Outcome"]))
        out += heading("Sensitivity analyses", 3) + _table_figure(
            "Sensitivity analyses: pooled estimates on other scales and with other models.", frame, "tab-sensitivity",
            size="7.5pt")
    studies = build.table("synthesis_studies")
    for outcome in (o for o in build.protocol.outcomes if not o.comparative):
        path = build.figure(f"forest_{outcome.id}")
        with_counts = studies is not None and any(
            number(r.total) for r in studies[studies["outcome"] == outcome.id].itertuples())
        if path:
            out += figure(path, f"Forest plot: {outcome.label.lower()}.", label=f"fig-forest-{outcome.id}")
        elif with_counts:
            out += pending(f"figures/forest_{outcome.id}.svg", what=f"forest plot of {outcome.label.lower()}")
        elif studies is not None:
            out += paragraph(f"No forest plot of {outcome.label.lower()}: no study reports its counts.")
    return out


def _narrative(build: Build, refs: References) -> Markup:
    out, narrative = section(build, "Narrative synthesis (SWiM)", "narrative", "narrative", "narrative synthesis")
    if narrative is None:
        return out
    for outcome, rows in narrative.groupby("outcome", sort=False):
        label = rows.iloc[0]["outcome_label"] or outcome
        directions = Counter(rows["direction"])
        out += heading(label, 3) + paragraph(f"Direction of effect across {_plural(len(rows), 'study', 'studies')}: "
                                             f"{_counted(directions)}.")
        frame = pd.DataFrame([{
            "Study": Markup(escape(r.label or r.study_id) + refs.cite(f"study:{r.study_id}")), "Group": r.group or EMPTY,
            "Design": r.design or EMPTY, "N": fmt_count(r.participants), "Finding": r.finding or EMPTY,
            "Direction": r.direction or EMPTY, "Risk of bias": r.risk_of_bias or EMPTY,
            "Not pooled because": r.reason_not_pooled or EMPTY,
        } for r in rows.itertuples()])
        out += table(frame, size="7.5pt")
    return out


def _certainty_results(build: Build) -> Markup:
    out, sof = section(build, "Certainty of evidence", "certainty-results", "sof", "GRADE summary of findings")
    if sof is None:
        return out
    if sof.empty:
        return out + paragraph("No summary of findings yet: no outcome data to rate.")
    absolute = "risk_control" in sof and sof["risk_control"].fillna("").astype(str).str.len().gt(0).any()
    frame = pd.DataFrame([{"Outcome": r.outcome_label, "Studies": fmt_count(r.studies), "Participants": fmt_count(r.participants),
                           "Estimate (95% CI)": display(r.estimate) if number(r.estimate) is None else fmt_percent(r.estimate),
                           **({"Risk with control": display(r.risk_control) or EMPTY,
                               "Risk with intervention (95% CI)": display(r.risk_intervention) or EMPTY} if absolute else {}),
                           "Certainty": r.certainty or EMPTY, "Comments": listed(r.comments)} for r in sof.itertuples()])
    out += _table_figure("Summary of findings.", frame, "tab-sof")
    grade = build.table("grade")
    if grade is not None and not grade.empty:
        labels = dict(zip(sof["outcome"], sof["outcome_label"]))
        frame = pd.DataFrame([{"Outcome": labels.get(r.outcome, r.outcome), "Domain": r.domain.replace("_", " "),
                               "Change": r.change.replace("-", "−"),
                               "Reason": r.reason or EMPTY} for r in grade.itertuples()])
        frame["Outcome"] = _once(list(frame["Outcome"]))
        out += paragraph("GRADE judgments by domain:") + table(frame)
    elif grade is None:
        out += pending("tables/grade.csv", what="GRADE judgments by domain")
    return out


def _results(build: Build, refs: References) -> Markup:
    return (heading("Results", 1) + _study_selection(build, refs) + _update(build) + _characteristics(build, refs)
            + _rob_results(build, refs)
            + _individual_results(build, refs) + _synthesis_results(build) + effect_results(build, refs)
            + _narrative(build, refs) + _certainty_results(build))
