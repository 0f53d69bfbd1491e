"""The Methods section: protocol, eligibility, sources, selection, data collection, risk of bias, synthesis, certainty."""
from __future__ import annotations

import hashlib

import pandas as pd

from reviewkit.core.numbers import EMPTY, fmt_count, fmt_decimal, fmt_percent, interval, number
from reviewkit.core.protocol import PROTOCOL_FILE
from reviewkit.report.blocks import section
from reviewkit.report.effects import effect_methods
from reviewkit.report.facts import _reviewers
from reviewkit.report.inputs import Build
from reviewkit.report.team import how_done
from reviewkit.report.typst import Markup, heading, paragraph, table
from reviewkit.report.wording import PRISMA_COLUMNS, _label, _plural, _were, _words
from reviewkit.screening.prioritise.models import DEFAULT_MODEL, describe


def _registration(build: Build) -> Markup:
    path = build.review_dir / PROTOCOL_FILE
    digest = hashlib.sha256(path.read_bytes()).hexdigest()[:12]
    return heading("Protocol and registration", 2, label="registration") + paragraph(
        f"Registration: {build.protocol.registration} The protocol is the file {PROTOCOL_FILE} of the review folder "
        f"(SHA-256 {digest}…), which also defines the eligibility rules, the extraction form and the risk-of-bias tools "
        "reported below.")


def _eligibility(build: Build) -> Markup:
    p = build.protocol
    pico = pd.DataFrame({"Element": ["Population", "Intervention", "Comparator", "Outcomes", "Study designs"],
                         "Criterion": [p.pico.population, p.pico.intervention, p.pico.comparator, p.pico.outcomes,
                                       p.pico.study_designs]})
    criteria = pd.DataFrame([{"Criterion": c.label, "Description": c.description,
                              "Exclusion reason if not met": p.reason_label(c.exclusion_reason)} for c in p.eligibility])
    return (heading("Eligibility criteria", 2, label="eligibility") + table(pico)
            + paragraph(f"The {len(p.eligibility)} criteria, each with the exclusion reason recorded for a report "
                        "that does not meet it:")
            + table(criteria))


def _sources(build: Build) -> Markup:
    counts = build.table("sources")
    per_source = dict(zip(counts["source"], counts["records"])) if counts is not None else {}
    p = build.protocol
    rounds = {r.id: r.label or r.id for r in p.rounds}
    rows = pd.DataFrame([{"Source": s.name, **({"Search round": rounds[p.round_id(p.round_number(s))]} if rounds else {}),
                          "PRISMA 2020 column": PRISMA_COLUMNS[s.kind],
                          "Search and dates": s.searched or EMPTY, "Records": fmt_count(per_source.get(s.id, ""))}
                         for s in p.sources_by_round()])
    text = paragraph(f"{_plural(len(rows), 'source')} {_were(len(rows))} searched or consulted. "
                     "The search of each source is described as the protocol records it.")
    if len(p.rounds) > 1:
        dated = [f"{r.label or r.id}" + (f" ({r.date:%-d %B %Y})" if r.date else "") for r in p.rounds]
        text += paragraph(f"The review was updated: the searches were run in {_plural(len(p.rounds), 'round')}, "
                          f"{_words(dated)}. The records of each later round were de-duplicated against those of the "
                          "earlier rounds, keeping the earlier record with its decisions, so no record was screened "
                          "twice.")
    return heading("Information sources and search", 2, label="sources") + text + table(rows)


def _selection(build: Build) -> Markup:
    out, screening = section(build, "Selection process", "selection", "screening", "screening")
    if screening is None:
        return out
    stages = {"title_abstract": "title and abstract", "full_text": "full text"}
    who = [f"at {label}, {_plural(len(_reviewers(build, s)), 'reviewer')} ({_words(_reviewers(build, s))})"
           for s, label in stages.items() if _reviewers(build, s)]
    out += paragraph(
        "Records were screened in two stages, on title and abstract and then in full. For every record, reviewkit "
        "suggested whether each criterion was met from the protocol's text rules (regular expressions matched "
        "sentence by sentence), and showed the sentences that matched; the reviewers made the decisions "
        f"({'; '.join(who)}). Disagreements between reviewers are resolved by a consensus decision. "
        f"{_ranking(build.protocol.ranking_model)}")
    agreement = build.table("screening_agreement")
    if agreement is not None and not agreement.empty:
        rows = pd.DataFrame([{
            "Stage": stages.get(r.stage, r.stage).capitalize(), "Compared": f"{r.rater_a} and {r.rater_b}",
            "Records": fmt_count(r.records), "Agreement": fmt_percent(r.agreement),
            "Cohen's kappa (95% CI)": interval(fmt_decimal(r.kappa), fmt_decimal(r.kappa_low), fmt_decimal(r.kappa_high))
                                      if number(r.kappa_low) is not None else fmt_decimal(r.kappa),
        } for r in agreement.itertuples()])
        out += paragraph("Agreement between raters (a reviewer and the rule-based suggestions where there is one reviewer):")
        out += table(rows)
    return out


def _ranking(chosen: str | None) -> str:
    """How the records were ordered for title/abstract screening (PRISMA 2020 item 8: an automation tool)."""
    model = chosen or DEFAULT_MODEL
    described, which = describe(model), f"reviewkit's model “{model}”{'' if chosen else ', its default'}"
    # one bracket: "… (ASReview's default, ELAS u4; reviewkit's model …)", not two in a row
    named = f"{described[:-1]}; {which})" if described.endswith(")") else f"{described} ({which})"
    return (f"Records not yet screened on title and abstract were shown in prioritised order, ranked by {named} and "
            "refitted on the decisions made so far; the ranking ordered the records and decided none of them.")


def _data_collection(build: Build) -> Markup:
    p = build.protocol
    form = pd.DataFrame([{"Field": f.key, "Type": f.type, "Description": f.description
                          + (f" Choices: {', '.join(f.choices)}." if f.choices else "")} for f in p.extraction_form])
    outcomes = pd.DataFrame([{"Outcome": o.label, "Measure": o.measure,
                              "Counts (events / total)": f"{o.events_field} / {o.total_field}",
                              "Critical": "yes" if o.critical else "no",
                              "Direction": "desirable" if o.desirable else "undesirable"} for o in p.outcomes])
    return (heading("Data collection process and data items", 2, label="data-collection")
            + paragraph(f"Data were collected on the protocol's form of {len(p.extraction_form)} fields. "
                        f"{how_done(build, 'extraction')} Each value was recorded with the verbatim quote that supports it and the report it comes from; "
                        "reviewkit checked every quote against the report's text (whitespace, case, dashes and quotation "
                        "marks normalised). A value a report does not give was recorded as not reported. Reports of the "
                        "same study were linked as one study, and discrepancies between or within reports were noted.")
            + table(form) + paragraph("Outcomes for which data were sought:")
            + table(outcomes))


_RULES = {"worst": "the most severe item judgment", "sum": "the sum of item scores",
          "reviewer": "the reviewer's judgment, with reasons"}


def _rob_methods(build: Build) -> Markup:
    rows = []
    for kind, tool_id in build.protocol.risk_of_bias_tools.items():
        tool = build.tools.get(tool_id)
        rows.append({"Design or source type": kind, "Tool": tool.name if tool else tool_id,
                     "Overall judgment": _RULES[tool.overall.rule] if tool else EMPTY})
    return (heading("Risk of bias and credibility assessment", 2, label="rob-methods")
            + paragraph("Each study was appraised with the tool for its design, and each report that is grey literature "
                        "(press release, news, blog) also with a credibility appraisal. Each item judgment is supported "
                        "by a verbatim quote from the report, checked against its text, or by a note where it rests on "
                        f"an absence. {how_done(build, 'rob')} Tools by design or source type:")
            + table(pd.DataFrame(rows)))


def _synthesis_methods(build: Build) -> Markup:
    p = build.protocol
    meta = p.meta_analysis
    proportions = [o for o in p.outcomes if not o.comparative]
    grouped = f"; studies were grouped by {_label(meta.group_by).lower()} (subgroups)" if meta.group_by else ""
    text = [p.synthesis]
    if proportions:
        text += [f"Effect measure: for each single-arm outcome ({_words([o.label.lower() for o in proportions])}), the "
                 "proportion of participants with the event, from the counts each study reports.",
                 f"Model: {meta.method if meta.method in ('FE', 'DL', 'REML', 'GLMM') else 'REML'}, with proportions "
                 f"on the {meta.transform} scale; a pooled estimate needs at least {meta.min_studies} studies with "
                 f"counts{grouped}. Heterogeneity is reported as τ² and I².",
                 "Results of individual studies are tabulated with exact (Clopper–Pearson) 95% confidence intervals "
                 "and shown in forest plots."]
    text.append(effect_methods(build))
    text.append("Studies without usable data are synthesised narratively, following the SWiM guideline, by direction "
                "of effect.")
    sensitivity = build.table("sensitivity")
    if sensitivity is not None and not sensitivity.empty:
        text.append(f"Sensitivity analyses of the proportions: each pooled estimate was recomputed on the "
                    f"{_words(list(dict.fromkeys(sensitivity['transform'])))} scales with the "
                    f"{_words(list(dict.fromkeys(sensitivity['method'])))} models.")
    elif not meta.sensitivity:
        text.append("No sensitivity analysis was run.")
    return heading("Synthesis methods", 2, label="synthesis-methods") + paragraph(" ".join(t for t in text if t))


def _certainty_methods(build: Build) -> Markup:
    grade = build.table("grade")
    rated = grade is not None and (grade["domain"] == "publication_bias").any()
    bias = ("Reporting bias (missing results) was judged per outcome within GRADE, in its publication bias domain, "
            "from who reported each study and how; no statistical test of small-study effects was run."
            if rated else "Reporting bias (missing results) was not assessed: no GRADE assessment rates it yet.")
    return (heading("Reporting bias and certainty assessment", 2, label="certainty-methods")
            + paragraph(f"Certainty of evidence: {build.protocol.certainty} {bias}"))


def _methods(build: Build) -> Markup:
    return (heading("Methods", 1) + _registration(build) + _eligibility(build) + _sources(build) + _selection(build)
            + _data_collection(build) + _rob_methods(build) + _synthesis_methods(build) + _certainty_methods(build))
