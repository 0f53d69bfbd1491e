"""The review forms as a person uses them: JupyterLab on localhost, driven in headless Chromium by Playwright.

Debian's chromium (/usr/bin/chromium) is used; Playwright never downloads a browser. Screenshots are kept
in tests/artifacts/ (git-ignored). `.ci/run` installs chromium; without it the tests fail in CI and are
skipped elsewhere.
"""
from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Iterator

import pandas as pd
import pytest
from conftest import ROOT

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync"]
REVIEWER = "browser-test"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _need_chromium() -> None:
    """Skip the test without Debian's chromium (fail it in CI)."""
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing: apt-get install -y chromium (.ci/run does)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture
def lab(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """JupyterLab serving a copy of the review (review/, seeds/, notebooks/); yields its URL with token, and the copy."""
    _need_chromium()
    root = tmp_path / "lab"
    shutil.copytree(ROOT / "seeds", root / "seeds")
    shutil.copytree(ROOT / "review", root / "review", ignore=shutil.ignore_patterns("build"))
    shutil.copytree(ROOT / "notebooks", root / "notebooks")
    yield from _serve(tmp_path, root)


@pytest.fixture
def team_lab(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """JupyterLab serving the two-reviewer trials review (tests/two_reviewers.py) with the notebooks."""
    from two_reviewers import make_two_reviewer_review

    _need_chromium()
    root = make_two_reviewer_review(tmp_path / "team").parent
    shutil.copytree(ROOT / "notebooks", root / "notebooks")
    yield from _serve(tmp_path, root)


def _serve(tmp_path: Path, root: Path) -> Iterator[tuple[str, Path]]:
    """Start JupyterLab on ``root``; yield its URL with token, and ``root``."""
    settings = tmp_path / "settings" / "@jupyterlab" / "apputils-extension"
    settings.mkdir(parents=True)  # no prompt about news or updates over the notebook
    (settings / "notification.jupyterlab-settings").write_text(json.dumps({"fetchNews": "false", "checkForUpdates": False}))
    port, token = _free_port(), secrets.token_hex(16)
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(tmp_path / "config"), "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"),
           "JUPYTERLAB_SETTINGS_DIR": str(tmp_path / "settings"), "JUPYTERLAB_WORKSPACES_DIR": str(tmp_path / "workspaces"),
           "IPYTHONDIR": str(tmp_path / "ipython")}
    log = (tmp_path / "jupyterlab.log").open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", "--no-browser", f"--port={port}", "--ServerApp.port_retries=0",
         "--ServerApp.ip=127.0.0.1", "--ServerApp.allow_root=True", f"--IdentityProvider.token={token}",
         f"--ServerApp.root_dir={root}", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"],
        stdout=log, stderr=subprocess.STDOUT, env=env,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            if server.poll() is not None:
                pytest.fail(f"JupyterLab exited: {(tmp_path / 'jupyterlab.log').read_text()[-2000:]}")
            try:
                urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2)
                break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail("JupyterLab did not answer within 90 s")
                time.sleep(0.3)
        yield f"{base}/lab/tree/notebooks/{{notebook}}?token={token}&reset", root
    finally:
        server.terminate()
        try:
            server.wait(15)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


@pytest.fixture
def browser_page(tmp_path: Path):
    """A page of headless Debian Chromium with a new, empty profile."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path / "chromium-profile"), executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_FLAGS,
            viewport={"width": 1400, "height": 1100},
        )
        try:
            yield context.new_page()
        finally:
            context.close()


def _run_all(page, url: str):
    """Open a notebook, run all its cells, and return the form it shows."""
    page.goto(url)
    page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=60_000)
    page.locator(".jp-StatusBar-TextItem", has_text="Idle").first.wait_for(timeout=60_000)  # the kernel is up
    page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
    page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click()
    form = page.locator(".rk-form")
    try:
        form.wait_for(timeout=120_000)
    except Exception:
        _keep(page, "failed_run_all.png")
        raise
    page.wait_for_function(  # every cell has run, so no later output moves the form under the mouse
        "() => ![...document.querySelectorAll('.jp-InputPrompt')].some((p) => p.textContent.includes('*'))",
        timeout=120_000)
    form.scroll_into_view_if_needed()
    return form


def _keep(page_or_locator, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / name
    page_or_locator.screenshot(path=str(path))
    return path


def test_screening_two_records_in_jupyterlab(lab, browser_page):
    url, root = lab
    page = browser_page
    form = _run_all(page, url.format(notebook="02_screening.ipynb"))
    cells, markdown = (page.locator(f".jp-Notebook {kind}").count() for kind in (".jp-Cell", ".jp-MarkdownCell"))
    status = form.locator(".widget-html", has_text="Saved")

    reviewer = form.locator("input[type=text]").first
    reviewer.fill(REVIEWER)
    reviewer.press("Enter")
    form.get_by_text(f"by {REVIEWER}").wait_for()
    first = form.locator("code").first.inner_text()
    form.get_by_role("button", name="Include").click()  # the mouse, on the first record
    status.filter(has_text=f"Saved include for {first}").wait_for()
    second = form.locator("code").first.inner_text()
    assert second != first

    form.get_by_text("Keys, after a click").click()  # then the keyboard: reason 3, exclude
    page.keyboard.press("3")
    page.keyboard.press("e")
    status.filter(has_text=f"Saved exclude (no_primary_clinical_data) for {second}").wait_for()
    form.get_by_text("2 of 5 records screened").wait_for()
    _keep(form, "screening_form.png")
    _keep(page, "screening_notebook.png")

    saved = pd.read_csv(root / "review" / "screening" / "title_abstract" / f"{REVIEWER}.csv", dtype=str, keep_default_na=False)
    assert saved[["record_id", "decision", "exclusion_reason", "reviewer"]].values.tolist() == [
        [first, "include", "", REVIEWER],
        [second, "exclude", "no_primary_clinical_data", REVIEWER],
    ]
    # the keys did not reach JupyterLab's commands (3 would have made the cell a heading, e is not bound)
    assert page.locator(".jp-Notebook .jp-Cell").count() == cells
    assert page.locator(".jp-Notebook .jp-MarkdownCell").count() == markdown


def _build(root: Path, last_stage: str) -> None:
    """Run the stages up to ``last_stage`` in batch, as a reviewer would have before stepping through the next."""
    from reviewkit.workbook.pipeline import run

    stages = ["records", "screening", "extraction"]
    for stage in stages[: stages.index(last_stage) + 1]:
        run(root / "review", root / "review" / "build", notebooks_dir=root / "notebooks", only=stage, report=lambda line: None)


def _drag_select(page, box, phrase: str) -> None:
    """Select ``phrase`` in a text box with the mouse, as a reviewer does: scroll it into view, press before its first
    letter, release after its last. A drag the page moved under is made again (at most three times): what is tested is
    the form's reading of a selection, not the steadiness of the layout."""
    for _ in range(3):
        _scroll_to(box, phrase)
        _drag(page, box, phrase)
        if page.evaluate("() => window.getSelection().toString()") == phrase:
            return


def _drag(page, box, phrase: str) -> None:
    """Press the mouse before the first letter of ``phrase`` in ``box`` and release it after its last."""
    rect = box.evaluate(
        """(el, phrase) => {
             const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
             let text = '', nodes = [];
             while (walker.nextNode()) { nodes.push([walker.currentNode, text.length]); text += walker.currentNode.data; }
             const at = text.indexOf(phrase);
             const locate = (offset) => { const [node, start] = nodes.filter(([, s]) => s <= offset).pop(); return [node, offset - start]; };
             const range = document.createRange();
             range.setStart(...locate(at));
             range.setEnd(...locate(at + phrase.length));
             const rects = range.getClientRects();
             const first = rects[0], last = rects[rects.length - 1];
             return {x0: first.left, y0: (first.top + first.bottom) / 2, x1: last.right, y1: (last.top + last.bottom) / 2};
           }""",
        phrase,
    )
    page.mouse.move(rect["x0"] + 0.5, rect["y0"])
    page.mouse.down()
    page.mouse.move(rect["x1"] - 0.5, rect["y1"], steps=8)
    page.mouse.up()


def test_extraction_quote_from_a_selection_in_jupyterlab(lab, browser_page):
    url, root = lab
    form_file = root / "review" / "extraction" / "msc-cm-chronic-fatigue-2025.yml"
    text = form_file.read_text(encoding="utf-8")
    start, end = text.index("route:\n"), text.index("schedule:\n")
    form_file.write_text(text[:start] + text[end:], encoding="utf-8")  # the route is still to extract
    _build(root, "screening")
    page = browser_page
    form = _run_all(page, url.format(notebook="03_extraction.ipynb"))
    form.get_by_text("Pre-filled with the suggestion").wait_for()
    assert form.locator(".rk-value select").input_value() == "intravenous and inhalation"  # the suggested route

    phrase = "received systemic administration of MSC-CM intravenously"
    _drag_select(page, form.locator(".rk-text"), phrase)
    quote = form.locator(".rk-quote textarea")
    page.wait_for_function("([el, phrase]) => el.value === phrase", arg=[quote.element_handle(), phrase])
    form.get_by_role("button", name="Save field").click()
    form.get_by_text("Saved route of msc-cm-chronic-fatigue-2025").wait_for()
    _keep(form, "extraction_form.png")

    saved = form_file.read_text(encoding="utf-8")
    assert "route:\n  value: intravenous and inhalation\n  quote: received systemic administration of MSC-CM intravenously\n" in saved
    assert saved.startswith(text[:start])  # the reviewer's comments and the fields before are as they were
    assert saved.endswith(text[end:])


def _page_text(page) -> str:
    """Everything in the page, hidden or not: its text and the values of its inputs."""
    return page.evaluate("""() => document.body.textContent + '\\n'
        + [...document.querySelectorAll('input, textarea, select')].map((el) => el.value).join('\\n')""")


def _scroll_to(box, phrase: str) -> None:
    """Scroll the record's box, then the notebook, so that ``phrase`` is in the middle of both (a drag at the edge
    of a scrolling box would scroll it under the mouse)."""
    box.evaluate("""(el, phrase) => {
        const node = [...el.querySelectorAll('*'), el].flatMap((e) => [...e.childNodes])
          .find((n) => n.nodeType === 3 && n.data.includes(phrase));
        const range = document.createRange();
        range.setStart(node, node.data.indexOf(phrase));
        range.setEnd(node, node.data.indexOf(phrase) + phrase.length);
        const top = () => range.getBoundingClientRect().top;
        el.scrollTop += top() - el.getBoundingClientRect().top - el.clientHeight / 2;
        let outer = el.parentElement;
        while (outer && !(outer.scrollHeight > outer.clientHeight && /auto|scroll/.test(getComputedStyle(outer).overflowY)))
          outer = outer.parentElement;
        if (outer) outer.scrollTop += top() - window.innerHeight / 2;
      }""", phrase)


def _choose_field(form, label: str) -> None:
    """Pick a field in the extraction form's list and wait for its inputs."""
    form.locator(".widget-select select").select_option(label=label)
    key = label.split(" ", 1)[1]
    form.locator(".widget-html b", has_text=re.compile(f"^{key}$")).wait_for()


def test_extraction_blind_to_the_other_reviewer_until_both_finished_in_jupyterlab(team_lab, browser_page):
    import yaml

    url, root = team_lab
    folder = root / "review" / "extraction" / "brennan-2011"
    r1 = yaml.safe_load((folder / "R1.yml").read_text(encoding="utf-8"))  # R1 finished; R2 has no funding yet
    r1["setting"]["note"] = "R1-only note: the clinic is hospital-run"  # R1: hospital, R2: community
    r1["intervention"]["value"] = "R1 wording: graded cycling and walking, twice weekly for twelve weeks"
    (folder / "R1.yml").write_text(yaml.safe_dump(r1, sort_keys=False, width=4096), encoding="utf-8")
    r1_bytes = (folder / "R1.yml").read_bytes()
    secrets_of_r1 = ["R1-only note", "R1 wording"]
    _build(root, "screening")
    page = browser_page
    form = _run_all(page, url.format(notebook="03_extraction.ipynb"))
    form.locator(".widget-dropdown select").first.select_option(
        label="Brennan et al. 2011, graded aerobic exercise in a hospital outpatient clinic")
    form.get_by_text("Type your reviewer id").wait_for()
    assert form.locator(".rk-value").count() == 0 or not form.locator(".rk-value").is_visible()
    assert not [s for s in secrets_of_r1 if s in _page_text(page)]
    _keep(form, "extraction_team_no_id.png")

    reviewer = form.locator(".rk-reviewer input")
    reviewer.fill("R2")
    reviewer.press("Enter")
    form.get_by_text("1 of 2 reviewers finished: the comparison opens when all have").wait_for()
    assert form.locator(".rk-comparison table").count() == 0
    _choose_field(form, "✓ setting")
    page.wait_for_function("el => el.value === 'community'", arg=form.locator(".rk-value select").element_handle())
    _choose_field(form, "✓ intervention")
    page.wait_for_function("el => el.value.startsWith('a structured exercise programme')",
                           arg=form.locator(".rk-value textarea").element_handle())
    assert not [s for s in secrets_of_r1 if s in _page_text(page)]  # nor in the notebook's tables of conflicts

    _choose_field(form, "○ funding")
    value = form.locator(".rk-value textarea")
    page.wait_for_function("el => el.value === ''", arg=value.element_handle())
    _keep(form, "extraction_team_blind.png")
    value.fill("The trial was funded by a hospital research grant")
    phrase = "The trial was funded by a hospital research grant."
    _drag_select(page, form.locator(".rk-text"), phrase)
    quote = form.locator(".rk-quote textarea")
    page.wait_for_function("([el, phrase]) => el.value === phrase", arg=[quote.element_handle(), phrase])
    form.get_by_role("button", name="Save field").click()
    form.get_by_text("Saved funding of brennan-2011 in extraction/brennan-2011/R2.yml").wait_for()

    table = form.locator(".rk-comparison table")
    table.wait_for()
    setting = table.locator("tr", has_text="setting").first.inner_text()
    assert "hospital" in setting and "community" in setting and "conflict" in setting
    intervention = table.locator("tr", has=page.locator("td", has_text="intervention")).first.inner_text()
    assert "R1 wording" in intervention and "text differs" in intervention
    assert "agreed" in table.locator("tr", has_text="funding").first.inner_text()
    _keep(form.locator(".rk-comparison"), "extraction_team_comparison.png")

    assert (folder / "R1.yml").read_bytes() == r1_bytes
    saved = yaml.safe_load((folder / "R2.yml").read_text(encoding="utf-8"))["funding"]
    assert saved == {"value": "The trial was funded by a hospital research grant", "quote": phrase,
                     "record": "001_brennan_2011"}


def test_risk_of_bias_item_in_jupyterlab(lab, browser_page):
    url, root = lab
    rob_file = root / "review" / "rob" / "msc-cm-chronic-fatigue-2025.yml"
    text = rob_file.read_text(encoding="utf-8")
    start, end = text.index("      Q10:\n"), text.index("    overall:\n")
    rob_file.write_text(text[:start] + text[end:], encoding="utf-8")  # Q10 is still to answer
    _build(root, "extraction")
    page = browser_page
    form = _run_all(page, url.format(notebook="04_risk_of_bias.ipynb"))
    form.get_by_text("Q10 Statistics").first.wait_for()
    form.get_by_text("pending (items Q10 not answered)").wait_for()

    form.get_by_role("button", name="unclear", exact=True).click()
    form.locator(".rk-note textarea").fill("No statistical method is reported.")
    form.get_by_role("button", name="Save item").click()
    form.get_by_text("Saved Q10: unclear").wait_for()
    form.get_by_text("seek further info").first.wait_for()
    _keep(form, "rob_form.png")

    saved = rob_file.read_text(encoding="utf-8")
    assert "      Q10:\n        answer: unclear\n        note: No statistical method is reported.\n    overall:\n" in saved
    assert saved.startswith(text[:start]) and saved.endswith(text[end:])
