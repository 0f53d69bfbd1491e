"""``reviewkit run | status | validate | import | attach | consensus | dedup | export | simulate``: the workbook from the command line."""
from __future__ import annotations

import argparse
import datetime
import errno
import sys
from pathlib import Path

from reviewkit.core.errors import ReviewInputError, ReviewInputErrors
from reviewkit.report.exports import FORMATS, default_out
from reviewkit.workbook.stages import STAGES

# Each command imports what it needs when it runs: `reviewkit --help` loads neither papermill nor pandas.


def _review_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--review", default="review", type=Path, help="the review folder (default: review)")


def _cmd_run(args: argparse.Namespace) -> int:
    from reviewkit.workbook.pipeline import StageFailed, run
    from reviewkit.workbook.validate import validate_review

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
    from reviewkit.workbook.status import review_status

    table = review_status(args.review)
    width = max(len(s) for s in table["label"])
    for row in table.itertuples():
        print(f"{row.label:<{width}}  {row.state:<9}  {row.summary}")
    return 0


def _cmd_validate(args: argparse.Namespace) -> int:
    from reviewkit.workbook.validate import validate_review

    problems = validate_review(args.review)
    for problem in problems:
        print(problem, file=sys.stderr)
    print(f"{args.review}: {len(problems)} problem(s)" if problems else f"{args.review}: valid")
    return 1 if problems else 0


def _cmd_export_pdf(args: argparse.Namespace) -> int:
    from reviewkit.core.tables import write_table
    from reviewkit.report import build_review_pdf, export_notebook
    from reviewkit.workbook.status import review_status

    try:
        if args.notebook is not None:
            path = export_notebook(args.notebook, args.out)
        else:
            out = args.out or args.review / "build"
            write_table(review_status(args.review), out, "status")  # where each stage stands now, as the report says
            path = build_review_pdf(args.review, out)
    except RuntimeError as exc:  # Typst could not typeset: its diagnostic says where
        print(f"reviewkit export: {exc}", file=sys.stderr)
        return 1
    print(f"wrote {path}")
    return 0


def _cmd_export_data(args: argparse.Namespace) -> int:
    from reviewkit.report.exports import export

    for path in export(args.review, args.format, args.out):
        print(f"wrote {path}")
    return 0


def _iso_date(text: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date as YYYY-MM-DD: {text!r}") from None


def _cmd_import(args: argparse.Namespace) -> int:
    from reviewkit.records.imports import add_import

    result = add_import(args.review, args.file, source=args.source, name=args.name, kind=args.kind,
                        on_error=args.on_error, searched=args.searched, round=args.round, round_date=args.round_date)
    imported, result = result, result.result
    print(result.summary())
    for problem in result.skipped:
        print(f"  skipped: {problem}", file=sys.stderr)
    for warning in result.warnings:
        print(f"  warning: {warning}", file=sys.stderr)
    if imported.round:
        print(f"round {imported.round!r}: {len(imported.earlier)} record(s) duplicate records already in the review "
              f"and will not be screened again; {imported.new} new")
    print(f"added source {result.source!r} to {args.review / 'protocol.yml'}")
    return 0


def _cmd_attach(args: argparse.Namespace) -> int:
    from reviewkit.records.fulltext import attach

    for record_id, path in attach(args.review, args.pdfs, record=args.record):
        print(f"attached {path.name} to record {record_id}")
    return 0


def _cmd_consensus(args: argparse.Namespace) -> int:
    if args.stage == "risk_of_bias":
        from reviewkit.appraisal.consensus import start_rob_consensus as start
    else:
        from reviewkit.extraction.consensus import start_consensus as start

    path = start(args.review, args.study)
    print(f"wrote {path}: the agreed answers are filled in; settle each CONFLICT marked in it")
    return 0


def _cmd_dedup(args: argparse.Namespace) -> int:
    import time

    from reviewkit.core.tables import write_csv
    from reviewkit.records.dedup.decisions import ID_SEPARATOR, read_dedup_decisions
    from reviewkit.records.dedup.groups import duplicate_groups
    from reviewkit.records.readers import read_file

    inputs = {p.resolve() for p in [*args.files, *([args.decisions] if args.decisions else [])]}
    if args.out.resolve() in inputs:
        print(f"reviewkit dedup: --out {args.out} is one of the input files; choose another name", file=sys.stderr)
        return 1
    began = time.perf_counter()
    citations = []
    for path in args.files:
        result = read_file(path, on_error=args.on_error)
        print(result.summary())
        for problem in result.skipped:
            print(f"  skipped: {problem}", file=sys.stderr)
        citations += result.citations
    decisions = read_dedup_decisions(args.decisions) if args.decisions else []
    groups = duplicate_groups(citations, decisions)
    write_csv(groups, args.out)
    removed = sum(len(ids.split(ID_SEPARATOR)) - 1 for ids in groups["merged_ids"])
    print(f"{len(citations)} records read; {len(groups)} duplicate groups; {len(citations) - removed} records left "
          f"after merging; {time.perf_counter() - began:.1f} s; groups written to {args.out}")
    return 0


def _cmd_simulate(args: argparse.Namespace) -> int:
    import json

    from reviewkit.screening.prioritise.models import DEFAULT_MODEL
    from reviewkit.screening.prioritise.simulate import CURVE_LEVELS, read_labelled, records_to_recall, replays

    model = args.model or DEFAULT_MODEL
    if args.seeds < 1:
        raise ValueError(f"--seeds must be 1 or more, not {args.seeds}")
    data = read_labelled(args.data)
    seeds = args.seed or list(range(1, args.seeds + 1))
    runs = replays(data, seeds, model, cache=args.cache)
    if args.json:
        for run_ in runs:
            print(json.dumps({"data": str(args.data), **run_.summary()}))
        return 0
    n = len(data.labels)
    print(f"{args.data}: {n:,} records, {data.n_relevant:,} relevant ({data.n_relevant / n:.1%}); model {model}; "
          f"seeds {', '.join(map(str, seeds))}")
    if data.empty_rows:
        lines = ", ".join(map(str, data.empty_rows[:5])) + (" …" if len(data.empty_rows) > 5 else "")
        print(f"  {len(data.empty_rows)} record(s) with neither title nor abstract (line {lines}): kept, ranked on no text")
    print(f"{'seed':>6}  {'WSS@95':>6}  {'to 95%':>7}  {'to 100%':>7}  {'seconds':>7}")
    for run_ in runs:
        print(f"{run_.seed:>6}  {run_.wss_95:>6.3f}  {run_.records_to_95:>7,}  {run_.records_to_100:>7,}  {run_.seconds:>7.1f}")
    if len(runs) > 1:
        def spread(values: list[float], fmt: str) -> str:
            return f"{sum(values) / len(values):{fmt}} ({min(values):{fmt}}–{max(values):{fmt}})"
        print(f"mean (range): WSS@95 {spread([r.wss_95 for r in runs], '.3f')}; records to 95% "
              f"{spread([r.records_to_95 for r in runs], ',.0f')}; to 100% {spread([r.records_to_100 for r in runs], ',.0f')}; "
              f"seconds {spread([r.seconds for r in runs], '.1f')}")
    curve = ", ".join(
        f"{level:.0%} after {sum(records_to_recall(r.relevant, r.n_relevant, level) for r in runs) / len(runs):,.0f}"
        for level in CURVE_LEVELS
    )
    print(f"recall curve (records screened, mean over seeds, of {n:,}): {curve}")
    return 0


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="reviewkit", description=__doc__)
    commands = top.add_subparsers(dest="command", required=True)
    run_cmd = commands.add_parser("run", help="run the review's notebooks with papermill")
    _review_args(run_cmd)
    run_cmd.add_argument("--out", type=Path, help="output folder (default: REVIEW/build)")
    run_cmd.add_argument("--only", help=f"run one stage ({', '.join(s.name for s in STAGES)}; or its notebook's name or number)")
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
    import_cmd = commands.add_parser("import", help="add a database export (RIS, nbib, BibTeX, CSV/TSV/XLSX) as a source")
    import_cmd.add_argument("file", type=Path, help="the export file")
    _review_args(import_cmd)
    import_cmd.add_argument("--source", help="the source id (default: from the file name)")
    import_cmd.add_argument("--name", help="the database or other source it came from, e.g. 'MEDLINE via PubMed'")
    import_cmd.add_argument("--kind", choices=["databases_registers", "other_methods"], default="databases_registers",
                            help="the PRISMA 2020 column it counts in (default: databases_registers)")
    import_cmd.add_argument("--on-error", choices=["skip", "stop"], default="skip",
                            help="a malformed record: skip it and count it, or stop (default: skip)")
    import_cmd.add_argument("--searched", help="when and how the source was searched, for the report")
    import_cmd.add_argument("--round", help="a later search round of the review (an updated review): its id; records "
                                            "already in the review are recognised and not screened again")
    import_cmd.add_argument("--round-date", type=_iso_date, help="the date the round's searches were run "
                                                                 "(YYYY-MM-DD; default today), for a round not yet listed")
    import_cmd.set_defaults(func=_cmd_import)
    attach_cmd = commands.add_parser("attach", help="link full-text PDFs to imported records (by DOI or PMID, or --record)")
    attach_cmd.add_argument("pdfs", nargs="+", type=Path, metavar="PDF", help="the full texts")
    _review_args(attach_cmd)
    attach_cmd.add_argument("--record", help="the record id of the one PDF given (default: found by its DOI or PMID)")
    attach_cmd.set_defaults(func=_cmd_attach)
    consensus_cmd = commands.add_parser("consensus", help="start the consensus form of a study extracted or appraised by "
                                                          "two or more reviewers: agreed answers filled in, conflicts marked")
    consensus_cmd.add_argument("study", help="the study id")
    consensus_cmd.add_argument("--stage", choices=["extraction", "risk_of_bias"], default="extraction",
                               help="the consensus of the extraction forms (default) or of the risk-of-bias files")
    _review_args(consensus_cmd)
    consensus_cmd.set_defaults(func=_cmd_consensus)
    dedup_cmd = commands.add_parser("dedup", help="find duplicate records in export files; write the groups as CSV")
    dedup_cmd.add_argument("files", nargs="+", type=Path, help="RIS, nbib, BibTeX, CSV/TSV/XLSX files")
    dedup_cmd.add_argument("--out", type=Path, required=True, help="the groups CSV (one group per row, merged_ids)")
    dedup_cmd.add_argument("--decisions", type=Path, help="a reviewer's dedup.csv (confirm / split) to apply")
    dedup_cmd.add_argument("--on-error", choices=["skip", "stop"], default="skip",
                           help="a malformed record: skip it and count it, or stop (default: skip)")
    dedup_cmd.set_defaults(func=_cmd_dedup)
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
    for name, what in FORMATS.items():
        data_cmd = formats.add_parser(name, help=what, description=f"Write {what}.")
        _review_args(data_cmd)
        folder = "folder" if name in ("csv", "revman") else "file"
        data_cmd.add_argument("--out", type=Path, help=f"the {folder} to write (default: "
                                                       f"{default_out('REVIEW', name)}; never inside REVIEW but its build/)")
        data_cmd.set_defaults(func=_cmd_export_data)
    simulate_cmd = commands.add_parser(
        "simulate", help="replay a labelled data set with prioritised screening; WSS@95, records to 95%% and 100%% recall",
        description="Replay screening of a labelled CSV/CSV.GZ (title, abstract, label_included 0/1) from one relevant "
                    "and one irrelevant record drawn with each seed, the model ranking the rest after each decision.")
    simulate_cmd.add_argument("data", type=Path, help="the labelled data set (CSV or CSV.GZ)")
    seeds = simulate_cmd.add_mutually_exclusive_group()
    seeds.add_argument("--seeds", type=int, default=3, help="replay with seeds 1..N (default: 3)")
    seeds.add_argument("--seed", type=int, action="append", help="replay with this seed (repeat for several)")
    simulate_cmd.add_argument("--json", action="store_true", help="one JSON object per seed, a line each")
    simulate_cmd.add_argument("--model", help="the ranking model: svm_then_lr, svm, lr, lr_words, nb, svm_lr, ngrams, embed or ensemble (default: "
                                                "reviewkit's, see reviewkit.screening.prioritise.ranker)")
    simulate_cmd.add_argument("--cache", type=Path,
                              help="a folder to keep the sentence embeddings in, so that a second run reads them back")
    simulate_cmd.set_defaults(func=_cmd_simulate)
    return top


_WHAT_TO_DO = {
    errno.EACCES: "permission denied: check that you may write there, or choose another folder (--out)",
    errno.EPERM: "not permitted: check the file's permissions, or choose another folder (--out)",
    errno.EROFS: "the file system is read-only: choose another folder (--out)",
    errno.ENOSPC: "the disk is full: free some space and run again (nothing written so far was cut short)",
    errno.EDQUOT: "the disk quota is used up: free some space and run again",
    errno.ENOENT: "no such file or folder (moved or deleted while the command ran?): check the path and run again",
    errno.ENOTDIR: "a file stands where a folder is needed: check the path",
    errno.EISDIR: "a folder stands where a file is needed: check the path",
}


def os_error_message(exc: OSError) -> str:
    """A fault of the machine in one line: the path, what happened, and what to do."""
    where = " → ".join(str(f) for f in (exc.filename, exc.filename2) if f) or "(no path)"
    return f"{where}: {_WHAT_TO_DO.get(exc.errno, exc.strerror or str(exc))}"


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return args.func(args)
    except (ReviewInputError, ReviewInputErrors, ValueError) as exc:
        print(f"reviewkit {args.command}: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:  # permission denied, disk full, a file gone mid-run: the machine, not the review
        print(f"reviewkit {args.command}: {os_error_message(exc)}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
