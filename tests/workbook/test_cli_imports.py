"""The command line imports what the chosen command needs: help loads no notebook runner, status no statistics."""
from __future__ import annotations

import subprocess
import sys

import pytest
from conftest import ROOT

PROBE = """
import sys
from reviewkit.workbook.cli import main
try:
    code = main(sys.argv[1:])
except SystemExit as exc:  # argparse's --help
    code = exc.code
heavy = ("papermill", "nbformat", "pandas", "scipy", "sklearn", "matplotlib", "openpyxl", "tokenizers", "safetensors")
print("loaded:", *sorted(m for m in heavy if m in sys.modules), file=sys.stderr)
sys.exit(code)
"""


def _loaded(*args: str) -> set[str]:
    done = subprocess.run([sys.executable, "-c", PROBE, *args], capture_output=True, text=True, cwd=ROOT, check=True)
    [line] = [line for line in done.stderr.splitlines() if line.startswith("loaded:")]
    return set(line.split()[1:])


@pytest.mark.parametrize("args", [["--help"], ["status", "--help"], ["run", "--help"], ["export", "pdf", "--help"],
                                  ["export", "ris", "--help"]])
def test_help_loads_nothing_heavy(args):
    assert _loaded(*args) == set()


@pytest.mark.parametrize("command", ["status", "validate"])
def test_status_and_validate_load_no_runner_statistics_or_models(command):
    assert _loaded(command, "--review", str(ROOT / "review")) == {"pandas"}
