"""How data extraction and risk-of-bias appraisal were done, told from the files (one reviewer per study, or two or
more independently with a consensus), and how far independent reviewers agreed (``tables/<stage>_comparison.csv``
and ``<stage>_agreement.csv`` of notebooks 03 and 04)."""
from __future__ import annotations

import pandas as pd

from reviewkit.core.numbers import fmt_count, fmt_decimal, fmt_percent, interval, number
from reviewkit.report.blocks import _table_figure
from reviewkit.report.inputs import Build
from reviewkit.report.typst import Markup, heading, paragraph
from reviewkit.report.wording import _plural, _words

STAGES = {"extraction": ("extracted", "form", "field"), "rob": ("appraised", "file", "item")}


def _comparison(build: Build, stage: str) -> pd.DataFrame:
    table = build.table(f"{stage}_comparison")
    return table if table is not None else pd.DataFrame(columns=["study_id", "status", "consensus"])


def how_done(build: Build, stage: str) -> str:
    """The sentence of the methods: who did ``stage`` (``extraction`` or ``rob``) for how many studies."""
    done, file, _ = STAGES[stage]
    comparison = _comparison(build, stage)
    team = list(dict.fromkeys(comparison["study_id"]))
    total = len(build.studies)
    if not team:
        return f"Each study was {done} by one reviewer, on one {file} per study."
    agreement = build.table(f"{stage}_agreement")
    pairs = agreement if agreement is not None else pd.DataFrame(columns=["rater_a", "rater_b"])
    reviewers = sorted(set(pairs["rater_a"]) | set(pairs["rater_b"]))
    settled = comparison[comparison["consensus"] != ""]["study_id"].nunique()
    others = total - len(team)
    return (f"{_plural(len(team), 'study', 'studies').capitalize()} {'was' if len(team) == 1 else 'were'} {done} "
            f"independently by {_plural(len(reviewers), 'reviewer')} ({_words(reviewers)}), each on a {file} of their "
            f"own, compared {STAGES[stage][2]} by {STAGES[stage][2]}; disagreements were settled by consensus "
            f"({_plural(settled, 'study', 'studies')} with a consensus file), and a {STAGES[stage][2]} still in "
            "conflict is reported as pending."
            + (f" The other {_plural(others, 'study', 'studies')} {'was' if others == 1 else 'were'} {done} by one "
               "reviewer." if others > 0 else ""))


def agreement_block(build: Build, stage: str, title: str) -> Markup:
    """The agreement between independent reviewers of ``stage``: a table per pair, nothing with one reviewer."""
    agreement = build.table(f"{stage}_agreement")
    if agreement is None or agreement.empty:
        return Markup("")
    what = STAGES[stage][2]
    name = "field" if "field" in agreement.columns else "item"
    count = "studies" if "studies" in agreement.columns else "compared"
    whole = agreement[name].isin(["all fields", "all items"])
    differ = pd.to_numeric(agreement["agreement"], errors="coerce") < 1
    if "text_differs" in agreement.columns:
        differ |= pd.to_numeric(agreement["text_differs"], errors="coerce").fillna(0) > 0
    shown = agreement[whole | differ]
    rows = pd.DataFrame([{
        **({"Tool": build.tool_name(r.tool).split(",")[0]} if "tool" in agreement.columns else {}),
        what.capitalize(): getattr(r, name), "Reviewers": f"{r.rater_a} and {r.rater_b}",
        "Answers compared": fmt_count(getattr(r, count)), "Agreement": fmt_percent(r.agreement),
        "Cohen's kappa (95% CI)": (interval(fmt_decimal(r.kappa), fmt_decimal(r.kappa_low), fmt_decimal(r.kappa_high))
                                   if number(r.kappa_low) is not None else fmt_decimal(r.kappa)),
        **({"Text that differs": fmt_count(r.text_differs)} if "text_differs" in agreement.columns else {}),
    } for r in shown.itertuples()])
    conflicts = build.table(f"{stage}_conflicts")
    open_ = conflicts if conflicts is not None else pd.DataFrame()
    text = (f"Agreement between the reviewers who {STAGES[stage][0]} the same studies independently, per {what} and over "
            f"all, before consensus; kappa is given for answers from a fixed list. The table lists the {what}s on which "
            f"they differed; they agreed on the other {_plural(int((~whole & ~differ).sum()), what)} wherever both "
            "answered. "
            + (f"{_plural(len(open_), what)} {'is' if len(open_) == 1 else 'are'} still in conflict and pending."
               if len(open_) else "Every disagreement was settled by consensus."))
    return heading(title, 3) + paragraph(text) + _table_figure(f"{title}.", rows, f"tab-{stage}-agreement", size="7.5pt")
