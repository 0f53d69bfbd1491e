"""The package mirrors the review: stages import only the stages before them and core, never the forms or the
workbook; no module grows past what one reader can hold."""
from __future__ import annotations

import ast

import pytest
from conftest import ROOT

PACKAGE = ROOT / "src" / "reviewkit"
ORDER = ["core", "records", "screening", "extraction", "appraisal", "synthesis", "report", "forms", "workbook"]
MAX_LINES = 420


def _imports(path) -> set[str]:
    """The reviewkit subpackages a module imports (at any depth of its code)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names = [node.module] if isinstance(node, ast.ImportFrom) and node.module else (
            [a.name for a in node.names] if isinstance(node, ast.Import) else [])
        found |= {n.split(".")[1] for n in names if n.startswith("reviewkit.") and n.count(".") >= 1}
    return found


MODULES = sorted(p for p in PACKAGE.rglob("*.py") if p.parent != PACKAGE)


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_a_module_imports_only_its_own_stage_the_ones_before_and_core(path):
    own = path.relative_to(PACKAGE).parts[0]
    later = set(ORDER[ORDER.index(own) + 1:])
    assert not _imports(path) & later, f"{path.relative_to(PACKAGE)} imports {sorted(_imports(path) & later)}"


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_module_is_longer_than_a_reader_can_hold(path):
    assert len(path.read_text(encoding="utf-8").splitlines()) <= MAX_LINES


def test_every_subpackage_names_its_public_api():
    import importlib

    for name in ORDER:
        package = importlib.import_module(f"reviewkit.{name}")
        assert package.__all__, name
        for public in package.__all__:
            assert getattr(package, public) is not None, f"reviewkit.{name}.{public}"
