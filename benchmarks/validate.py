"""What `reviewkit validate` costs on a review with one large document, against reading that document.

A copy of the seed review gets one generated document of --megabytes MB (prose sentences). It is validated
twice: with the document only present, and with an extraction form that quotes its last sentence (so the quote
check reads all of it; the normalised text is kept for further quotes, so each run starts with that cache
cleared). The floor is reading the file's text; the peer is validating the seed review, in the same process.

    .venv/bin/python benchmarks/validate.py [--megabytes 20] [--repeat 3]
"""
from __future__ import annotations

import argparse
import random
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import yaml

from reviewkit.core import evidence, storage
from reviewkit.core.storage import read_text
from reviewkit.workbook.validate import validate_review

ROOT = Path(__file__).resolve().parents[1]
WORDS = ("the patients were treated with mesenchymal stem cells and followed for twelve months after the infusion "
         "in this open label trial of safety").split()


def seconds(call, repeat: int) -> float:
    """The median wall time of ``call`` over ``repeat`` runs, each from empty caches (no normalised text and no
    parsed YAML kept from the last)."""
    times = []
    for _ in range(repeat):
        storage._parse.cache_clear()
        evidence._document.cache_clear()
        began = time.perf_counter()
        call()
        times.append(time.perf_counter() - began)
    return statistics.median(times)


def make_review(folder: Path, megabytes: float) -> tuple[Path, Path]:
    """The seed review with a large document, linked to a study of its own whose form quotes its last sentence."""
    shutil.copytree(ROOT / "seeds", folder / "seeds")
    shutil.copytree(ROOT / "review", folder / "review", ignore=shutil.ignore_patterns("build"))
    rng = random.Random(1)
    sentences, size = [], 0
    while size < megabytes * 1_000_000:
        sentence = " ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 25))).capitalize() + "."
        sentences.append(sentence)
        size += len(sentence) + 1
    sentences.append("In all, 31 participants were treated.")
    document = folder / "seeds" / "999_large_document.txt"
    document.write_text("A large trial report of stem-cell therapy\n\n" + "\n".join(sentences), encoding="utf-8")
    studies = folder / "review" / "studies.yml"
    data = yaml.safe_load(studies.read_text(encoding="utf-8"))
    data["large-trial"] = {"records": [document.stem], "label": "A large trial report"}
    studies.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return folder / "review", document


def quote_it(review: Path) -> None:
    """An extraction form for the large document's study, quoting its last sentence."""
    form = {"n_participants": {"value": 31, "quote": "In all, 31 participants were treated."}}
    (review / "extraction" / "large-trial.yml").write_text(yaml.safe_dump(form), encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--megabytes", type=float, default=20)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        large, document = make_review(Path(tmp) / "large", args.megabytes)
        peer = seconds(lambda: validate_review(ROOT / "review"), args.repeat)
        read = seconds(lambda: read_text(document), args.repeat)
        print(f"document: {args.megabytes:g} MB; median of {args.repeat}")
        print(f"reading its text: {read:.2f} s; validating the seed review (peer): {peer:.2f} s")
        for what in ("present", "quoted"):
            if what == "quoted":
                quote_it(large)
            problems = validate_review(large)
            if problems:
                raise SystemExit("the benchmark review does not validate:\n" + "\n".join(map(str, problems)))
            extra = seconds(lambda: validate_review(large), args.repeat) - peer
            print(f"document {what}: validation takes {extra:.2f} s more than the peer, {extra / read:.0f}× reading it, "
                  f"{extra / args.megabytes:.2f} s per MB")


if __name__ == "__main__":
    main()
