"""Risk-of-bias figures: colours read back from the PNG at cell centres, bar shares, files written."""
from __future__ import annotations

from collections import Counter
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.image as mpimg  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from reviewkit.appraisal.judgments import Appraisal, ItemJudgment  # noqa: E402
from reviewkit.appraisal.plots import RADIUS, cell_xy, level_shares, plot_tools, save_figure, summary_plot, traffic_light  # noqa: E402
from reviewkit.appraisal.tools import read_tools, stated_overall  # noqa: E402
from reviewkit.core.plot_style import DPI  # noqa: E402

# robvis's colours (its get_colour(): "cochrane" default and "colourblind"), written out here so
# that a change to plot_style shows up as a failure; grey for not applicable.
ROBVIS = {
    "cochrane": {"low": "#02C100", "some concerns": "#E2DF07", "high": "#BF0000", "critical": "#820000",
                 "no information": "#4EA1F7", "not applicable": "#CCCCCC"},
    "colourblind": {"low": "#FED98E", "some concerns": "#FE9929", "high": "#D95F0E", "critical": "#993404",
                    "no information": "#FFFFFF", "not applicable": "#CCCCCC"},
}


@pytest.fixture(scope="module")
def tools():
    return read_tools()[0]


def appraisal(tool, study: str, given: list[str], stated: str | None = None, source_type: str | None = None) -> Appraisal:
    items = {i.id: ItemJudgment(i.id, a, tool.answer(a).level, note="n") for i, a in zip(tool.items, given)}
    overall, _ = stated_overall(tool, {k: v.answer for k, v in items.items()}, stated) if len(given) == len(tool.items) else (None, None)
    return Appraisal(study, tool, f"{study}-record", source_type, items, overall)


def rgb(hex_colour: str) -> tuple[int, int, int]:
    return tuple(int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))


def png_pixel(fig, ax, image: np.ndarray, x: float, y: float) -> tuple[int, int, int]:
    """The colour of the saved PNG at data point (x, y) of ``ax``."""
    scale = DPI / fig.dpi
    px, py = ax.transData.transform((x, y)) * scale
    pixel = image[int(round(image.shape[0] - py)), int(round(px))]
    return tuple(int(round(v * 255)) for v in pixel[:3])


def cell_colour(fig, image: np.ndarray, tool, row: int, column: int) -> tuple[int, int, int]:
    """The most common colour on a ring at 70% of the circle's radius (the symbol covers the very centre)."""
    x, y = cell_xy(tool, row, column)
    ring = [png_pixel(fig, fig.axes[0], image, x + 0.7 * RADIUS * np.cos(t), y + 0.7 * RADIUS * np.sin(t))
            for t in np.linspace(0, 2 * np.pi, 24, endpoint=False)]
    return Counter(ring).most_common(1)[0][0]


def close(a: tuple[int, int, int], b: tuple[int, int, int], tolerance: int = 6) -> bool:
    return all(abs(x - y) <= tolerance for x, y in zip(a, b))


@pytest.mark.parametrize("palette", ["cochrane", "colourblind"])
def test_traffic_light_cells_have_the_robvis_colour_of_their_judgment(tmp_path: Path, tools, palette):
    robins = tools["robins_i"]
    rows = [
        appraisal(robins, "a-2020", ["low", "moderate", "serious", "critical", "no information", "low", "low"]),
        appraisal(robins, "b-2021", ["low"] * 6 + ["moderate"]),
        appraisal(robins, "c-2022", ["low", "low"]),  # still pending
    ]
    fig = traffic_light(rows, robins, palette)
    png, svg = save_figure(fig, tmp_path, "traffic")
    image = mpimg.imread(png)
    colours = ROBVIS[palette]
    expected = {
        (0, 0): "low", (0, 1): "some concerns", (0, 2): "high", (0, 3): "critical", (0, 4): "no information",
        (0, 7): "critical",  # overall: the worst domain
        (1, 6): "some concerns", (1, 7): "some concerns",
    }
    for (row, column), level in expected.items():
        assert close(cell_colour(fig, image, robins, row, column), rgb(colours[level])), (row, column, level)
    assert close(cell_colour(fig, image, robins, 2, 3), (255, 255, 255))  # pending: white
    assert svg.read_text().lstrip().startswith("<?xml")


def test_minors_overall_cell_takes_the_colour_of_its_band(tmp_path: Path, tools):
    minors = tools["minors"]
    rows = [appraisal(minors, "s1", ["2"] * 8), appraisal(minors, "s2", ["2", "0", "2", "1", "1", "2", "1", "0"])]
    fig = traffic_light(rows, minors)
    image = mpimg.imread(save_figure(fig, tmp_path, "minors")[0])
    low, concerns = rgb(ROBVIS["cochrane"]["low"]), rgb(ROBVIS["cochrane"]["some concerns"])
    assert close(cell_colour(fig, image, minors, 0, 8), low)
    assert close(cell_colour(fig, image, minors, 1, 8), concerns)
    assert close(cell_colour(fig, image, minors, 1, 1), rgb(ROBVIS["cochrane"]["high"]))


def test_png_is_at_least_150_dpi(tmp_path: Path, tools):
    jbi = tools["jbi_case_series"]
    fig = traffic_light([appraisal(jbi, "s1", ["yes"] * 10, "include")], jbi)
    width_in = fig.get_figwidth()
    image = mpimg.imread(save_figure(fig, tmp_path, "jbi")[0])
    assert image.shape[1] / width_in >= 150


def test_summary_shares_and_bar_colours(tmp_path: Path, tools):
    rob2 = tools["rob2"]
    rows = [appraisal(rob2, "a", ["low"] * 5), appraisal(rob2, "b", ["high"] + ["low"] * 4),
            appraisal(rob2, "c", ["some concerns"] + ["low"] * 4), appraisal(rob2, "d", ["low"] * 5)]
    shares = level_shares(rows, rob2)
    assert shares["D1"] == {"low": 0.5, "some concerns": 0.25, "high": 0.25}
    assert shares["overall"] == {"low": 0.5, "some concerns": 0.25, "high": 0.25}
    assert level_shares(rows, rob2, {"a": 3, "b": 1, "c": 0, "d": 0})["D1"] == {"low": 0.75, "some concerns": 0.0, "high": 0.25}
    fig = summary_plot(rows, rob2)
    image = mpimg.imread(save_figure(fig, tmp_path, "summary")[0])
    ax = fig.axes[0]
    colours = ROBVIS["cochrane"]
    assert close(png_pixel(fig, ax, image, 25, 0), rgb(colours["low"]))  # D1: 0-50 low
    assert close(png_pixel(fig, ax, image, 62, 0), rgb(colours["some concerns"]))  # 50-75
    assert close(png_pixel(fig, ax, image, 88, 0), rgb(colours["high"]))  # 75-100
    assert close(png_pixel(fig, ax, image, 50, 1), rgb(colours["low"]))  # D2: all low


def test_plot_tools_writes_png_and_svg_per_tool_in_use(tmp_path: Path, tools):
    rows = [appraisal(tools["jbi_case_series"], "s1", ["unclear"] * 10, "seek further info"),
            appraisal(tools["aacods"], "s1", ["no"] * 6, "credibility low", source_type="press release")]
    paths = plot_tools(rows, tools, tmp_path, palette="colourblind")
    names = sorted(p.name for p in paths)
    assert names == sorted(f"rob_{kind}_{tool}.{ext}" for kind in ("traffic", "summary")
                           for tool in ("jbi_case_series", "aacods") for ext in ("png", "svg"))
    assert all(p.parent == tmp_path / "figures" and p.stat().st_size > 0 for p in paths)


def test_unknown_palette_is_an_error(tools):
    with pytest.raises(ValueError, match="unknown palette"):
        traffic_light([appraisal(tools["rob2"], "a", ["low"] * 5)], tools["rob2"], "neon")
