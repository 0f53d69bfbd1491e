"""One style for the workbook's figures: fonts, sizes, and the robvis colours and symbols of risk-of-bias levels.

Colours are those of robvis (McGuinness & Higgins 2021, Res Synth Methods 12:55-61): the default
"cochrane" palette and its "colourblind" option, with grey for not applicable.
"""
from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import matplotlib as mpl
import matplotlib.pyplot as plt
from matplotlib.figure import Figure

PALETTES: dict[str, dict[str, str]] = {
    "cochrane": {
        "low": "#02C100",
        "some concerns": "#E2DF07",
        "high": "#BF0000",
        "critical": "#820000",
        "no information": "#4EA1F7",
        "not applicable": "#CCCCCC",
    },
    "colourblind": {
        "low": "#FED98E",
        "some concerns": "#FE9929",
        "high": "#D95F0E",
        "critical": "#993404",
        "no information": "#FFFFFF",
        "not applicable": "#CCCCCC",
    },
}
SYMBOLS = {"low": "+", "some concerns": "−", "high": "×", "critical": "!", "no information": "?", "not applicable": ""}
PENDING_COLOUR = "#FFFFFF"
EDGE_COLOUR = "#333333"
DPI = 200
RC = {
    "font.family": "DejaVu Sans",
    "font.size": 9,
    "axes.titlesize": 11,
    "axes.titleweight": "bold",
    "svg.fonttype": "none",
    "savefig.facecolor": "white",
    "figure.facecolor": "white",
}


def colour(level: str, palette: str = "cochrane") -> str:
    """The fill colour of a level ("pending" and unknown levels are white)."""
    if palette not in PALETTES:
        raise ValueError(f"unknown palette {palette!r}; use one of {list(PALETTES)}")
    return PALETTES[palette].get(level, PENDING_COLOUR)


@contextmanager
def style() -> Iterator[None]:
    """Draw with the workbook's fonts and sizes."""
    with mpl.rc_context(RC):
        yield


def save_figure(fig: Figure, out_dir: str | Path, name: str) -> list[Path]:
    """Save as ``out_dir/figures/<name>.png`` (``DPI``) and ``.svg``, each written to a temporary file then
    renamed, and close the figure; returns the paths."""
    folder = Path(out_dir) / "figures"
    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / f"{name}.png", folder / f"{name}.svg"]
    for path in paths:
        fd, partial = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=path.suffix, dir=folder)
        os.close(fd)
        try:
            fig.savefig(partial, dpi=DPI, format=path.suffix[1:])
            os.replace(partial, path)
        except BaseException:
            Path(partial).unlink(missing_ok=True)
            raise
    plt.close(fig)
    return paths
