"""What reading and checking extraction and risk-of-bias forms costs, per form, on a review with many studies.

A copy of the seed review gets --copies copies of each of its four studies (so 4 × 50 = 200 studies by
default): each copy's documents under a new name, its entry in ``studies.yml``, its extraction form and its
risk-of-bias file, the record ids in them renamed. Both stages' readers then read and check every form, quotes
included (each document normalised once, as in a command), with the caches of parsed YAML and normalised
documents cleared before each run. The floor is what no reader can skip: reading each form's text and
composing its YAML with libyaml.

    .venv/bin/python benchmarks/forms.py [--copies 50] [--repeat 3]
"""
from __future__ import annotations

import argparse
import shutil
import tempfile
from pathlib import Path

import yaml
from validate import seconds  # the same timing, from empty caches (benchmarks/ is the script's folder)

from reviewkit.appraisal.judgments import read_appraisals
from reviewkit.core import storage
from reviewkit.core.protocol import load_protocol
from reviewkit.extraction.forms import read_forms
from reviewkit.records.sources import load_records

ROOT = Path(__file__).resolve().parents[1]


def make_review(folder: Path, copies: int) -> Path:
    """The seed review with ``copies`` renamed copies of each study, its documents and its forms."""
    shutil.copytree(ROOT / "seeds", folder / "seeds")
    shutil.copytree(ROOT / "review", folder / "review", ignore=shutil.ignore_patterns("build"))
    review = folder / "review"
    studies = yaml.safe_load((review / "studies.yml").read_text(encoding="utf-8"))
    for n in range(1, copies + 1):
        for study_id, entry in list(studies.items()):
            if "-copy" in study_id:
                continue
            renamed = {r: f"{r}_copy{n}" for r in entry["records"]}
            for old, new in renamed.items():
                shutil.copy(folder / "seeds" / f"{old}.txt", folder / "seeds" / f"{new}.txt")
            copy_id = f"{study_id}-copy{n}"
            studies[copy_id] = yaml.safe_load(_rename(yaml.safe_dump(entry), renamed))
            for stage in ("extraction", "rob"):
                original = review / stage / f"{study_id}.yml"
                if original.exists():
                    text = _rename(original.read_text(encoding="utf-8"), renamed)
                    (review / stage / f"{copy_id}.yml").write_text(text, encoding="utf-8")
    (review / "studies.yml").write_text(yaml.safe_dump(studies, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return review


def _rename(text: str, renamed: dict[str, str]) -> str:
    for old, new in renamed.items():
        text = text.replace(old, new)
    return text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--copies", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        review = make_review(Path(tmp), args.copies)
        protocol = load_protocol(review)
        records = load_records(review, protocol)
        for stage, reader, problems_at in (("extraction", read_forms, 2), ("risk of bias", read_appraisals, 3)):
            files = sorted((review / ("extraction" if stage == "extraction" else "rob")).glob("*.yml"))
            problems = reader(review, protocol, records)[problems_at]
            assert not problems, problems[:3]
            took = seconds(lambda: reader(review, protocol, records), args.repeat)
            floor = seconds(lambda: [yaml.compose(p.read_text(encoding="utf-8"), Loader=storage._FAST_LOADER)
                                     for p in files], args.repeat)
            print(f"{stage}: {len(files)} forms read and checked in {took:.2f} s: {took / len(files) * 1000:.1f} ms per form; "
                  f"floor (read + libyaml compose) {floor / len(files) * 1000:.2f} ms per form; ratio {took / floor:.1f}× "
                  f"(median of {args.repeat})")


if __name__ == "__main__":
    main()
