"""``reviewkit run | status | validate | export``: the workbook from the command line."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .errors import ReviewInputError, ReviewInputErrors
from .pipeline import STAGES, StageFailed, run
from .status import review_status
from .validate import validate_review


def _review_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--review", default="review", type=Path, help="the review folder (default: review)")


def _cmd_run(args: argparse.Namespace) -> int:
    problems = validate_review(args.review)
    if problems:
        print(f"The review does not validate ({len(problems)} problem(s)); nothing was run:", file=sys.stderr)
        for problem in problems:
            print(f"  {problem}", file=sys.stderr)
        return 1
    out = args.out or args.review / "build"
    try:
        runs = run(args.review, out, notebooks_dir=args.notebooks, only=args.only, start=args.start, jobs=args.jobs)
    except StageFailed as exc:
        print(f"reviewkit run: {exc}", file=sys.stderr)
        print("The stages before it kept what they wrote.", file=sys.stderr)
        return 1
    print(f"{len(runs)} notebook(s) run in {sum(r.seconds for r in runs):.1f} s; output in {out}")
    return 0


def _cmd_status(args: argparse.Namespace) -> int:
    table = review_status(args.review)
    width = max(len(s) for s in table["stage"])
    for row in table.itertuples():
        print(f"{row.stage:<{width}}  {row.state:<9}  {row.summary}")
    return 0


def _cmd_validate(args: argparse.Namespace) -> int:
    problems = validate_review(args.review)
    for problem in problems:
        print(problem, file=sys.stderr)
    print(f"{args.review}: {len(problems)} problem(s)" if problems else f"{args.review}: valid")
    return 1 if problems else 0


def _cmd_export_pdf(args: argparse.Namespace) -> int:
    from .export import export_notebook
    from .report import build_review_pdf

    try:
        if args.notebook is not None:
            path = export_notebook(args.notebook, args.out)
        else:
            path = build_review_pdf(args.review, args.out or args.review / "build")
    except RuntimeError as exc:  # Typst could not typeset: its diagnostic says where
        print(f"reviewkit export: {exc}", file=sys.stderr)
        return 1
    print(f"wrote {path}")
    return 0


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="reviewkit", description=__doc__)
    commands = top.add_subparsers(dest="command", required=True)
    run_cmd = commands.add_parser("run", help="run the review's notebooks with papermill")
    _review_args(run_cmd)
    run_cmd.add_argument("--out", type=Path, help="output folder (default: REVIEW/build)")
    run_cmd.add_argument("--only", help=f"run one stage ({', '.join(STAGES)})")
    run_cmd.add_argument("--from", dest="start", help="run from this stage on")
    run_cmd.add_argument("--jobs", type=int, help="study notebooks run at once (default: the cores)")
    run_cmd.add_argument("--notebooks", type=Path, help="the notebooks folder (default: reviewkit's own)")
    run_cmd.set_defaults(func=_cmd_run)
    status_cmd = commands.add_parser("status", help="what is done and what is pending, per stage")
    _review_args(status_cmd)
    status_cmd.set_defaults(func=_cmd_status)
    validate_cmd = commands.add_parser("validate", help="check every file of the review")
    _review_args(validate_cmd)
    validate_cmd.set_defaults(func=_cmd_validate)
    export_cmd = commands.add_parser("export", help="export the review or a notebook")
    formats = export_cmd.add_subparsers(dest="format", required=True)
    pdf_cmd = formats.add_parser(
        "pdf", help="an executed notebook as PDF, code hidden; without a notebook, the review PDF",
        description="With NOTEBOOK: write it as PDF (code hidden) to --out (default: beside it). "
                    "Without: build the review PDF from --review and its build folder --out (default: REVIEW/build).")
    pdf_cmd.add_argument("notebook", nargs="?", type=Path, help="an executed notebook (.ipynb)")
    _review_args(pdf_cmd)
    pdf_cmd.add_argument("--out", type=Path, help="the PDF (with NOTEBOOK) or the build folder (without)")
    pdf_cmd.set_defaults(func=_cmd_export_pdf)
    return top


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return args.func(args)
    except (ReviewInputError, ReviewInputErrors, ValueError) as exc:
        print(f"reviewkit {args.command}: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
