"""Screening prioritisation: our models against baselines (and ASReview itself, where installed) on labelled data.

For every data set in ``../shared/data/screening/*.csv.gz`` (see its README) and every model, the data set is
replayed with ``reviewkit.screening.prioritise.simulate`` from the same prior records (one relevant, one irrelevant, drawn with each
seed), and a table per data set gives WSS@95 (ASReview insights' definition), records screened to 95% and 100%
recall, and seconds per replay: mean and range over the seeds. Then a summary of
WSS@95 per data set and model, where the statistical stopping rule (``reviewkit.screening.prioritise.stopping``, target 95% recall at
95% confidence) would have stopped the default model's replays, and the re-rank latency at 10,000 records.

Models: ``svm_then_lr`` (our default: ``svm`` until 5% of the records are known relevant, then ``lr``), ``svm``
(ASReview's default elas_u4 re-implemented on our loop), ``lr`` (ours) and ``nb`` (ASReview's elas_u3, its version 1
default); ``svm_lr``, ``embed``, ``ensemble`` and ``ngrams`` (the ensemble without ``embed``: what the embeddings add)
with ``--models`` (``reviewkit.screening.prioritise.ranker``). ``svm_then_lr_5`` … ``svm_then_lr_2`` are
``svm_then_lr`` switching at 5% … 2%, registered here for ``--select`` to choose the share among.
Our loop refits after every record for the first 100, then after every 1% of the records screened so far
(``reviewkit.screening.prioritise.simulate``). With ``--asreview-python`` (or an ``asreview`` on PATH), ASReview's own ``asreview
simulate`` runs on the same data with the same prior records and seeds (its default model, refitted after every
record), one replay at a time in parallel with ours, and is scored by the same code.

    .venv/bin/python benchmarks/screening.py [--data ../shared/data/screening] [--seeds 3]
        [--models lr,svm,nb] [--only NAME ...] [--asreview-python /tmp/asr/bin/python | --no-asreview]
        [--no-latency | --latency-only] [--cache benchmarks/out/cache]
    .venv/bin/python benchmarks/screening.py --select [--candidates svm,svm_then_lr_5,…,nb,lr_words,lr,svm_lr,ngrams]
        [--replays benchmarks/out/replays]
        [--asreview-python /tmp/asr/bin/python] [--seeds 3] [--only NAME ...]

``--select`` is how the default ranking model is chosen (``lodo``): every candidate and ASReview are replayed on
every data set and seed, each replay kept under ``--replays`` (a run can be stopped and resumed, and a second run
only reads them); for each data set left out in turn, a candidate is chosen on the others (robustness first: of those
that lose clearly to ASReview on none of them, the best mean WSS@95, or the first candidate listed whose shortfall
against it is within one standard error; ``lodo``) and scored on it, beside ASReview with
the seeds' spread; then, for the chosen model's held-out replays,
where the statistical stopping rule and "k irrelevant in a row" would have stopped. The sentence-embedding models
(``embed``, ``ensemble``) are not among the default candidates: embedding the pool's 56,657 texts takes hours on 2
cores (``benchmarks/embeddings.py``), so they could not be chosen, or rejected, the same way.

The sentence embeddings of every data set are kept in ``--cache`` (default ``benchmarks/out/cache``, ignored by
git), so only the first run pays for them: about 26,000 distinct texts at tens of records a second. The corpus
features are computed once per data set for all our models, and their seconds (embeddings from the cache where
kept) are printed above each table; the seconds per replay are the fitting and ranking alone. The embedding
throughput without a cache is measured on its own, with the latency.

Install ASReview in a venv of its own, never in .venv: ``python3 -m venv /tmp/asr && /tmp/asr/bin/pip install
asreview`` (3.0.8 was used). Time on 2 cores, with ASReview and the embeddings cached: 34 minutes, measured while
other jobs shared the machine (ASReview's replays, one at a time, are the critical path: 200–330 s each on
Hall_2012).
"""
from __future__ import annotations

import argparse
import functools
import json
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import zipfile
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path
from typing import Sequence

import lodo
import numpy as np

from reviewkit.core.storage import atomic_write_text
from reviewkit.screening.prioritise import embeddings, ranker
from reviewkit.screening.prioritise.models import DEFAULT_MODEL
from reviewkit.screening.prioritise.ranker import Ranker, corpus_features
from reviewkit.screening.prioritise.simulate import LabelledData, Replay, prior_records, read_labelled, replay, replays
from reviewkit.screening.prioritise.stopping import h0_p_value

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "screening"
MODELS = tuple(dict.fromkeys((DEFAULT_MODEL, "svm", "lr", "nb")))  # and the others of ranker.MODELS with --models
CACHE = ROOT / "benchmarks" / "out" / "cache"
REPLAYS = ROOT / "benchmarks" / "out" / "replays"
SWITCH_SHARES = (5, 4, 3, 2)  # per cent known relevant at which the candidates svm_then_lr_5 … _2 switch to lr
for _share in SWITCH_SHARES:  # at import, so that worker processes have them too
    ranker.MODELS[f"svm_then_lr_{_share}"] = ranker.MODELS["svm_then_lr"]
    ranker.SWITCH_AT[f"svm_then_lr_{_share}"] = _share / 100
# What --select chooses among, closest to ASReview's default first (lodo's one-standard-error rule prefers the
# earlier): svm itself, the switching models latest switch first, then the models that differ from the first ranking.
CANDIDATES = ("svm", *(f"svm_then_lr_{share}" for share in SWITCH_SHARES), "nb", "lr_words", "lr", "svm_lr", "ngrams")
LABELS = {"ensemble": "ensemble (ours)", "ngrams": "ensemble without embeddings", "lr": "lr word+char (ours)",
          "svm_lr": "svm + lr, equal weights (ours)", "lr_words": "lr words (ours)",
          "svm_then_lr": "svm, then lr from 5% known relevant (ours)",
          "embed": "lr embeddings (ours)",
          "svm": "svm = ASReview elas_u4 (our loop)",
          "nb": "nb = ASReview elas_u3 (our loop)", "asreview": "ASReview {version} elas_u4"}
LATENCY_RECORDS = 10_000
EMBED_SAMPLE = 1_000


# ---------------------------------------------------------------- ASReview, in its own Python

def asreview_python(given: str | None, disabled: bool) -> str | None:
    """The Python of an ASReview install: the one given, else the one behind ``asreview`` on PATH."""
    if disabled:
        return None
    if given:
        return given
    found = shutil.which("asreview")
    if not found:
        return None
    first = Path(found).read_text(errors="replace").splitlines()[0]
    return first[2:].strip() if first.startswith("#!") else None


def asreview_version(python: str) -> str:
    done = subprocess.run([python, "-c", "import asreview; print(asreview.__version__)"], capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(f"{python} cannot import asreview: {done.stderr.strip()}")
    return done.stdout.strip()


def asreview_replay(python: str, data: LabelledData, csv: Path, seed: int, work: Path) -> Replay:
    """``asreview simulate`` from the same prior records as our replays; its screening order read back."""
    priors = prior_records(data.labels, seed)
    project = work / f"{csv.stem}_{seed}.asreview"
    began = time.perf_counter()
    done = subprocess.run([python, "-m", "asreview", "simulate", str(csv), "--prior-idx", *map(str, priors),
                           "--seed", str(seed), "-o", str(project)], capture_output=True, text=True)
    seconds = time.perf_counter() - began
    if done.returncode:
        raise RuntimeError(f"asreview simulate failed on {csv.name}: {done.stderr.strip()[-800:]}")
    with zipfile.ZipFile(project) as archive:
        archive.extract("results.db", work / project.stem)
    with sqlite3.connect(work / project.stem / "results.db") as db:
        rows = db.execute("SELECT record_id, label FROM results ORDER BY rowid").fetchall()
    order = [int(r) for r, _ in rows]
    relevant = [bool(label) for _, label in rows]
    if sorted(order[:2]) != sorted(priors) or relevant != [bool(data.labels[i]) for i in order]:
        raise RuntimeError(f"ASReview's record ids on {csv.name} do not match the rows of the data set")
    return Replay(seed, "asreview", order, relevant, len(data.labels), seconds, len(order) - 2)


def asreview_csv(data: LabelledData, work: Path) -> Path:
    """The data set as ASReview reads it (plain CSV; record_id = row number, so its ids are our indices)."""
    import pandas as pd

    path = work / (Path(data.path).name.removesuffix(".gz").removesuffix(".csv") + ".csv")
    pd.DataFrame({"record_id": range(len(data.texts)), "title": data.texts, "abstract": "",
                  "label_included": data.labels.astype(int)}).to_csv(path, index=False)
    return path


# ---------------------------------------------------------------- replays kept on disk

def replay_path(folder: Path, model: str, name: str, seed: int) -> Path:
    return folder / model / f"{name}_{seed}.json"


def kept_replay(folder: Path | None, model: str, name: str, seed: int, run) -> Replay:
    """The replay of ``model`` on data set ``name`` with ``seed``: read from ``folder`` when kept there, else
    ``run()`` and kept (written to a temporary file, then renamed), so that a long benchmark can be resumed
    and the selection (``--select``) re-read without replaying."""
    path = replay_path(folder, model, name, seed) if folder else None
    if path and path.exists():
        kept = json.loads(path.read_text())
        return Replay(seed, model, kept["order"], kept["relevant"], kept["n_records"], kept["seconds"], kept["fits"])
    done = run()
    if path:
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_text(path, json.dumps({"order": done.order, "relevant": done.relevant, "n_records": done.n_records,
                                            "seconds": done.seconds, "fits": done.fits}))
    return done


# ---------------------------------------------------------------- stopping rule on a replay

def stop_point(run: Replay, every: int = 10) -> tuple[int, float]:
    """Records screened when the stopping rule (p < 0.05 for recall below 95%) first suggests stopping, checked
    every ``every`` records, and the recall then. After the last relevant record a replay meets irrelevant
    records only, so the history goes on with those."""
    history = list(run.relevant) + [False] * (run.n_records - len(run.relevant))
    for screened in [*range(2 + every, run.n_records, every), run.n_records]:
        if h0_p_value(history[:screened], run.n_records - screened, 0.95) < 0.05:
            return screened, sum(history[:screened]) / run.n_relevant
    return run.n_records, 1.0


def run_of_irrelevant(run: Replay, k: int) -> tuple[int, float]:
    """Records screened when the heuristic "stop after ``k`` irrelevant records in a row" says stop, and the recall
    then (the history goes on with irrelevant records after the last relevant one, as in ``stop_point``)."""
    history = np.array(list(run.relevant) + [False] * (run.n_records - len(run.relevant)), dtype=int)
    at = np.arange(len(history))
    in_a_row = at - np.maximum.accumulate(np.where(history == 1, at, -1))
    reached = np.flatnonzero(in_a_row >= k)
    screened = int(reached[0]) + 1 if len(reached) else run.n_records
    return screened, float(history[:screened].sum() / run.n_relevant)


# ---------------------------------------------------------------- re-rank latency

def latency(paths: list[Path], cache: Path, n_records: int = LATENCY_RECORDS, repeats: int = 5) -> list[str]:
    """Milliseconds to refit and re-rank ``n_records`` records after a decision, with 2 … 5,000 decisions made,
    and the seconds the features take once (the embeddings from ``cache`` where they are there), then the
    embedding throughput without a cache on ``EMBED_SAMPLE`` of the records. The corpus is the largest data set,
    filled up with records of the others counted as irrelevant; the decisions are, as in prioritised screening,
    the relevant records first (up to half of the decisions), then irrelevant ones drawn at random."""
    ordered = sorted(paths, key=lambda p: -p.stat().st_size)
    main_set = read_labelled(ordered[0])
    texts, y = list(main_set.texts), list(main_set.labels)
    for path in ordered[1:]:
        if len(texts) >= n_records:
            break
        texts += read_labelled(path).texts
    texts = texts[:n_records]
    y = np.array(y + [False] * (len(texts) - len(y)))
    rng = np.random.default_rng(0)
    relevant, irrelevant = np.flatnonzero(y), rng.permutation(np.flatnonzero(~y))
    lines = []
    for model in dict.fromkeys((DEFAULT_MODEL, "svm")):
        began = time.perf_counter()
        features = Ranker(texts, model, cache=cache).features  # what a first ranking waits for
        built = time.perf_counter() - began
        timings = []
        for decided in (2, 100, 1_000, 5_000):
            chosen = list(relevant[: max(1, min(len(relevant), decided // 2))])
            known = {int(i): True for i in chosen} | {int(i): False for i in irrelevant[: decided - len(chosen)]}
            ranker = Ranker(texts, model, features=features)
            seconds = []
            for _ in range(repeats):
                began = time.perf_counter()
                ranker.update(known)
                ranker.ranking()
                seconds.append(time.perf_counter() - began)
            timings.append(f"{len(known):,} decided {1000 * float(np.median(seconds)):,.0f} ms")
        lines.append(f"  {model:<11} features once {built:.1f} s ({', '.join(features)}); re-rank (median of {repeats}): "
                     + ", ".join(timings))
    sample = [texts[i] for i in rng.choice(len(texts), min(EMBED_SAMPLE, len(texts)), replace=False)]
    embeddings._model.cache_clear()  # so that the time includes loading the model, as a first run's does
    began = time.perf_counter()
    embeddings.embed(sample)
    seconds = time.perf_counter() - began
    lines.append(f"  embedding without a cache: {len(sample):,} records in {seconds:.1f} s, model loading included "
                 f"({len(sample) / seconds:.1f} records/s; {len(texts):,} records would take about "
                 f"{len(texts) / len(sample) * seconds / 60:.0f} min)")
    return [f"Re-rank latency at {len(texts):,} records ({Path(main_set.path).name.split('.')[0]} and filler), "
            f"refit and rank all undecided records (features: embeddings from {cache} where kept):", *lines]


# ---------------------------------------------------------------- leave-one-dataset-out selection

def candidate_replays(path: str, name: str, seed: int, candidates: Sequence[str], folder: Path, cache: Path
                      ) -> list[Replay]:
    """Each candidate's replay of one data set with one seed (kept in ``folder``); the corpus features are computed
    once, and only if a replay is not kept yet. Run in a worker process."""
    data = read_labelled(path)
    features = functools.cache(lambda: corpus_features(data.texts, *candidates, cache=cache))
    runs = []
    for model in candidates:
        runs.append(kept_replay(folder, model, name, seed,
                                lambda: replay(data.texts, data.labels, seed=seed, model=model, features=features())))
        print(f"  {name} seed {seed} {model}: WSS@95 {runs[-1].wss_95:.3f} ({runs[-1].seconds:.1f} s)", flush=True)
    return runs


def select(datasets: dict[str, LabelledData], seeds: list[int], candidates: Sequence[str], folder: Path,
           python: str | None, cache: Path, jobs: int) -> list[str]:
    """Replay every candidate (in ``jobs`` processes) and ASReview (with ``python``, one replay at a time beside
    them) on every data set and seed, seeds first and small data sets first, each replay kept in ``folder`` (so a
    run can be resumed, and re-read at once); then the leave-one-dataset-out choice (``lodo``) and the held-out
    figures beside ASReview's."""
    results: dict[str, dict[str, list[Replay]]] = {name: {} for name in datasets}
    tasks = [(name, seed) for seed in seeds for name in datasets]
    with (tempfile.TemporaryDirectory() as tmp, ThreadPoolExecutor(max_workers=1) as theirs_pool,
          ProcessPoolExecutor(max_workers=jobs) as ours_pool):
        theirs: dict[tuple[str, int], Future] = {}
        if python:
            for name, seed in tasks:
                data, work = datasets[name], Path(tmp) / f"{name}_{seed}"
                work.mkdir()
                run = functools.partial(asreview_replay, python, data, asreview_csv(data, work), seed, work)
                theirs[name, seed] = theirs_pool.submit(kept_replay, folder, "asreview", name, seed, run)
        ours = {(name, seed): ours_pool.submit(candidate_replays, datasets[name].path, name, seed, candidates, folder, cache)
                for name, seed in tasks}
        for (name, seed), future in ours.items():
            for model, done in zip(candidates, future.result()):
                results[name].setdefault(model, []).append(done)
        for (name, seed), future in theirs.items():
            results[name].setdefault("asreview", []).append(future.result())
    return selection_report(datasets, results, candidates, "asreview" if python else "svm")


def selection_report(datasets: dict[str, LabelledData], results: dict[str, dict[str, list[Replay]]],
                     candidates: Sequence[str], reference: str) -> list[str]:
    """The choice per held-out fold, the held-out table against ``reference`` and the stopping figures."""
    def figure(attribute: str) -> dict[str, dict[str, list[float]]]:
        return {name: {m: [getattr(r, attribute) for r in runs] for m, runs in by_model.items()}
                for name, by_model in results.items()}

    wss, to_95, to_100 = figure("wss_95"), figure("records_to_95"), figure("records_to_100")
    chosen = lodo.folds(wss, candidates, reference)
    final = lodo.choose(wss, candidates, reference=reference)
    sizes = {name: (len(d.labels), d.n_relevant) for name, d in datasets.items()}
    lines = ["Leave-one-dataset-out choice per held-out fold: the eligible candidate with the best mean, the one chosen "
             "(the first within one standard error of it), and each candidate's mean WSS@95 on the other data sets "
             f"with, in brackets, its clear losses there against {reference} (a candidate with any is not eligible, lodo.py):"]
    for name, fold in chosen.items():
        lines.append(f"  {name:<34} best {fold.best:<13} chose {fold.model:<13} "
                     + "  ".join(f"{c} {fold.means[c]:.4f} ({fold.losses[c]})" for c in candidates))
    lines += ["", f"Chosen on all {len(datasets)} data sets (the default of a new review): {final.model}, best mean "
              f"{final.best} (" + ", ".join(f"{c} {final.means[c]:.4f} ({final.losses[c]} clear losses)" for c in candidates)
              + ")", "",
              f"Held-out figures: each data set scored with the model chosen without it, beside {reference} "
              f"(mean (min–max) over seeds {', '.join(str(r.seed) for r in next(iter(results.values()))[reference])}):",
              *lodo.fold_table(wss, chosen, reference, sizes, to_95, to_100), "",
              f"Each candidate on all {len(datasets)} data sets against {reference} (what the choice weighed):"]
    for candidate in candidates:
        outcomes = [lodo.verdict(wss[name][candidate], wss[name][reference]) for name in datasets]
        worst = min(outcomes, key=lambda o: o[0])
        lines.append(f"  {candidate:<9} mean difference {np.mean([o[0] for o in outcomes]):+.4f}; "
                     + ", ".join(f"{k} {sum(o[2] == k for o in outcomes)}" for k in lodo.OUTCOMES)
                     + f"; worst {worst[0]:+.3f}")
    lines.append("")
    lines.append("Stopping, on the held-out replays of the chosen model: the statistical rule (95% recall target, 95% "
                 "confidence, checked every 10 records) beside stopping after k irrelevant records in a row; share of "
                 "the records screened and recall reached when each says stop, mean over seeds")
    lines.append(f"  {'data set':<34} {'statistical rule':<22} " + " ".join(f"{f'{k} in a row':<22}" for k in lodo.HEURISTICS))
    for name, (choice, *_) in chosen.items():
        runs, n = results[name][choice], sizes[name][0]
        cells = [[stop_point(r) for r in runs]] + [[run_of_irrelevant(r, k) for r in runs] for k in lodo.HEURISTICS]
        lines.append(f"  {name:<34} " + " ".join(
            f"{np.mean([p[0] for p in cell]) / n:>6.1%} recall {np.mean([p[1] for p in cell]):.3f}      " for cell in cells))
    return lines


# ---------------------------------------------------------------- tables

def table(name: str, data: LabelledData, results: dict[str, list[Replay]], labels: dict[str, str]) -> list[str]:
    n = len(data.labels)
    seeds = ", ".join(str(r.seed) for r in next(iter(results.values())))
    lines = [f"{name}: {n:,} records, {data.n_relevant} relevant ({data.n_relevant / n:.1%}); seeds {seeds}",
             f"  {'model':<36} {'WSS@95':<21} {'records to 95%':<22} {'records to 100%':<22} {'seconds':<16}"]
    for model, runs in results.items():
        lines.append(
            f"  {labels[model]:<36} {lodo.spread([r.wss_95 for r in runs], '.3f'):<21} "
            f"{lodo.spread([r.records_to_95 for r in runs], ',.0f'):<22} {lodo.spread([r.records_to_100 for r in runs], ',.0f'):<22} "
            f"{lodo.spread([r.seconds for r in runs], '.1f'):<16}")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DATA, help="folder of labelled *.csv.gz / *.csv")
    parser.add_argument("--seeds", type=int, default=3, help="seeds 1..N (default 3)")
    parser.add_argument("--models", default=",".join(MODELS), help=f"comma-separated (default {','.join(MODELS)})")
    parser.add_argument("--only", nargs="+", help="data set names (file stems) to run")
    parser.add_argument("--asreview-python", help="the Python of an ASReview install (default: asreview on PATH)")
    parser.add_argument("--no-asreview", action="store_true", help="do not run ASReview")
    parser.add_argument("--no-latency", action="store_true", help="skip the latency measurement")
    parser.add_argument("--latency-only", action="store_true", help="only measure the latency")
    parser.add_argument("--cache", type=Path, default=CACHE, help=f"folder of the embeddings cache (default {CACHE})")
    parser.add_argument("--select", action="store_true",
                        help="leave-one-dataset-out choice among --candidates, scored against ASReview")
    parser.add_argument("--candidates", default=",".join(CANDIDATES), help=f"for --select (default {','.join(CANDIDATES)})")
    parser.add_argument("--jobs", type=int, default=1, help="for --select: processes for our replays (default 1)")
    parser.add_argument("--replays", type=Path, default=REPLAYS, help=f"for --select: folder of kept replays (default {REPLAYS})")
    args = parser.parse_args(argv)
    began = time.perf_counter()
    paths = sorted(p for p in args.data.iterdir() if p.name.endswith((".csv", ".csv.gz")))
    if args.only:
        paths = [p for p in paths if p.name.split(".")[0] in args.only]
    if args.latency_only:
        print("\n".join(latency(paths, args.cache)))
        return 0
    models = [m.strip() for m in args.models.split(",") if m.strip()]
    seeds = list(range(1, args.seeds + 1))
    python = asreview_python(args.asreview_python, args.no_asreview)
    if args.select:
        datasets = {p.name.split(".")[0]: read_labelled(p) for p in sorted(paths, key=lambda p: p.stat().st_size)}
        candidates = [c.strip() for c in args.candidates.split(",") if c.strip()]
        print("\n".join(select(datasets, seeds, candidates, args.replays, python, args.cache, args.jobs)))
        print(f"\nTotal {time.perf_counter() - began:.0f} s")
        return 0
    labels = dict(LABELS)
    if python:
        labels["asreview"] = LABELS["asreview"].format(version=asreview_version(python))
        print(f"ASReview: {python} ({labels['asreview']}), run in parallel with ours, one replay at a time", flush=True)
    else:
        print("ASReview: not found (give --asreview-python); only our models run", flush=True)
    summary: dict[str, dict[str, list[Replay]]] = {}
    stops: dict[str, list[tuple[int, float]]] = {}
    with tempfile.TemporaryDirectory() as tmp, ThreadPoolExecutor(max_workers=1) as pool:
        work = Path(tmp)
        datasets = {p.name.split(".")[0]: read_labelled(p) for p in paths}
        pending: dict[str, list[Future]] = {}
        if python:  # queued first: ASReview's replays run one at a time on the other core while ours run
            for name, data in datasets.items():
                csv = asreview_csv(data, work)
                pending[name] = [pool.submit(asreview_replay, python, data, csv, s, work) for s in seeds]
        for name, data in datasets.items():
            began_features = time.perf_counter()
            features = corpus_features(data.texts, *models, cache=args.cache)
            feature_seconds = time.perf_counter() - began_features
            results = {m: replays(data, seeds, m, features) for m in models}
            if name in pending:
                results["asreview"] = [f.result() for f in pending[name]]
            summary[name] = results
            if DEFAULT_MODEL in results:
                stops[name] = [stop_point(r) for r in results[DEFAULT_MODEL]]
            print(f"{name}: corpus features for our models in {feature_seconds:.1f} s")
            print("\n".join(table(name, data, results, labels)) + "\n", flush=True)
    shown = list(next(iter(summary.values())))
    print("WSS@95, mean over seeds (best per data set marked *):")
    print(f"  {'data set':<20} " + " ".join(f"{m:>10}" for m in shown))
    for name, results in summary.items():
        means = {m: np.mean([r.wss_95 for r in runs]) for m, runs in results.items()}
        best = max(means.values())
        print(f"  {name:<20} " + " ".join(f"{means[m]:>9.3f}{'*' if means[m] == best else ' '}" for m in shown))
    averages = {m: np.mean([np.mean([r.wss_95 for r in summary[n][m]]) for n in summary]) for m in shown}
    print(f"  {'average':<20} " + " ".join(f"{averages[m]:>9.3f} " for m in shown))
    for reference in ("asreview", "svm"):
        if reference in shown:
            for model in (m for m in shown if m not in ("asreview", "svm")):
                outcomes = [lodo.verdict([r.wss_95 for r in summary[n][model]], [r.wss_95 for r in summary[n][reference]])[2]
                            for n in summary]
                print(f"  {model} against {reference} on {len(summary)} data sets: "
                      + ", ".join(f"{k} {outcomes.count(k)}" for k in lodo.OUTCOMES)
                      + f" (tie: within {lodo.TIE}; clear: by more than the seeds' spread); "
                      f"average difference {averages[model] - averages[reference]:+.3f}")
            break
    if stops:
        print("\nStatistical stopping rule on the default model's replays (95% recall target, 95% confidence, checked every "
              "10 records): records screened when it suggests stopping, and the recall reached then")
        for name, points in stops.items():
            n = len(datasets[name].labels)
            print(f"  {name:<20} screened {lodo.spread([p[0] for p in points], ',.0f'):<24} of {n:>6,}; "
                  f"recall {lodo.spread([p[1] for p in points], '.3f')}")
    if not args.no_latency:
        print()
        print("\n".join(latency(paths, args.cache)))
    print(f"\nTotal {time.perf_counter() - began:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
