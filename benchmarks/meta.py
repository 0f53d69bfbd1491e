"""What pooling costs: ``pool_binary`` (risk ratio) on 1,000 and 100,000 simulated 2×2 tables with each method,
and ``pool_continuous`` (SMD) with the inverse-variance ones, against the same fits in R's metafor.

The studies are simulated (seeded): arm sizes 20–400, a control risk of 5–40%, a log risk ratio of −0.3 with
between-study SD 0.2; means with a standardised difference of 0.3. Each fit's wall time is the median of
--repeat runs. Where ``Rscript`` (with metafor) is on the PATH, the same data are written to a temporary CSV and
fitted in one Rscript call, each fit timed by ``system.time`` (R's start-up and reading excluded), and the ratio
R / Python printed. metafor's ``rma`` builds k × k matrices (80 GB for 100,000 studies), so it is not run
above --r-max-k studies (default 20,000); ``rma.mh`` and ``rma.peto`` are.

    .venv/bin/python benchmarks/meta.py [--studies 1000 100000] [--repeat 3] [--seed 17] [--r-max-k 20000]
"""
from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from reviewkit.synthesis import pool_binary, pool_continuous

FITS = [("binary", "RR", "FE"), ("binary", "RR", "DL"), ("binary", "RR", "REML"), ("binary", "RR", "MH"),
        ("binary", "OR", "Peto"), ("continuous", "SMD", "FE"), ("continuous", "SMD", "DL"), ("continuous", "SMD", "REML")]
R_CALLS = {
    ("binary", "MH"): 'rma.mh(measure = "{measure}", ai = ai, n1i = n1i, ci = ci, n2i = n2i, data = d)',
    ("binary", "Peto"): "rma.peto(ai = ai, n1i = n1i, ci = ci, n2i = n2i, data = d)",
    ("binary", "IV"): 'rma(measure = "{measure}", ai = ai, n1i = n1i, ci = ci, n2i = n2i, data = d, method = "{method}")',
    ("continuous", "IV"): 'rma(measure = "{measure}", m1i = m1i, sd1i = sd1i, n1i = n1i, m2i = m2i, sd2i = sd2i, '
                          'n2i = n2i, data = d, method = "{method}")',
}
R_TEMPLATE = """suppressPackageStartupMessages(library(metafor))
d <- read.csv("{path}")
time_fit <- function(expr) {{
  result <- tryCatch(system.time(expr)[["elapsed"]], error = function(e) paste("fails:", conditionMessage(e)))
  cat(gsub("[[:space:]]+", " ", result), "\\n", sep = "")
}}
{calls}
"""


def simulate(k: int, seed: int) -> pd.DataFrame:
    """``k`` studies with both 2×2 counts and means, SDs and sizes."""
    rng = np.random.default_rng(seed)
    n1, n2 = rng.integers(20, 401, k), rng.integers(20, 401, k)
    control = rng.uniform(0.05, 0.4, k)
    treated = np.clip(control * np.exp(-0.3 + 0.2 * rng.standard_normal(k)), 0.001, 0.999)
    delta = 0.3 + 0.2 * rng.standard_normal(k)
    sd1, sd2 = rng.uniform(5, 15, k), rng.uniform(5, 15, k)
    return pd.DataFrame({
        "ai": rng.binomial(n1, treated), "n1i": n1, "ci": rng.binomial(n2, control), "n2i": n2,
        "m1i": 50 + delta * 10 + rng.standard_normal(k) * sd1 / np.sqrt(n1), "sd1i": sd1,
        "m2i": 50 + rng.standard_normal(k) * sd2 / np.sqrt(n2), "sd2i": sd2})


def python_seconds(data: pd.DataFrame, kind: str, measure: str, method: str, repeat: int) -> float:
    if kind == "binary":
        call = lambda: pool_binary(data["ai"], data["n1i"], data["ci"], data["n2i"], measure=measure, method=method)  # noqa: E731
    else:
        call = lambda: pool_continuous(data["m1i"], data["sd1i"], data["n1i"], data["m2i"], data["sd2i"], data["n2i"],  # noqa: E731
                                       measure=measure, method=method)
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        call()
        times.append(time.perf_counter() - began)
    return statistics.median(times)


def r_seconds(data: pd.DataFrame, r_max_k: int) -> list[str]:
    """Each fit of FITS timed in one Rscript call: seconds, or why R did not fit it."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "studies.csv"
        data.to_csv(path, index=False)
        calls = []
        for kind, measure, method in FITS:
            template = R_CALLS.get((kind, method), R_CALLS[(kind, "IV")])
            if template.startswith("rma(") and len(data) > r_max_k:
                gb = len(data) ** 2 * 8 / 1e9
                calls.append(f'cat("not run: rma builds k x k matrices ({gb:,.0f} GB)\\n")')
                continue
            calls.append(f"time_fit({template.format(measure=measure, method='EE' if method == 'FE' else method)})")
        script = Path(folder) / "fits.R"
        script.write_text(R_TEMPLATE.format(path=path, calls="\n".join(calls)), encoding="utf-8")
        done = subprocess.run(["Rscript", str(script)], capture_output=True, text=True, check=True)
    return done.stdout.strip().splitlines()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--studies", type=int, nargs="+", default=[1000, 100_000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=17)
    parser.add_argument("--r-max-k", type=int, default=20_000, help="fit metafor's rma up to this many studies")
    args = parser.parse_args()
    with_r = shutil.which("Rscript") is not None
    for k in args.studies:
        data = simulate(k, args.seed)
        r_times = r_seconds(data, args.r_max_k) if with_r else [""] * len(FITS)
        print(f"{k:,} studies (median of {args.repeat}){'' if with_r else '; Rscript not found: Python only'}")
        for (kind, measure, method), r_time in zip(FITS, r_times):
            seconds = python_seconds(data, kind, measure, method, args.repeat)
            line = f"  {measure:4} {method:5} python {seconds:8.4f} s"
            if with_r:
                try:
                    line += f"   R {float(r_time):8.4f} s   R / python {float(r_time) / seconds:6.1f}"
                except ValueError:
                    line += f"   R {r_time[:90]}"
            print(line)


if __name__ == "__main__":
    main()
