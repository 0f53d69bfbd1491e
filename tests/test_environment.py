"""environment.yml (conda) lists the same dependencies as pyproject.toml."""
from pathlib import Path

import tomllib
import yaml
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[1]


def _normalise(specs: list[str]) -> set[tuple[str, str]]:
    out = set()
    for spec in specs:
        req = Requirement(spec.replace(" ", ""))
        out.add((req.name.lower().replace("_", "-"), str(req.specifier)))
    return out


def test_environment_yml_matches_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    wanted = _normalise(project["dependencies"] + project["optional-dependencies"]["test"])
    env = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    conda = [d for d in env["dependencies"] if isinstance(d, str) and not d.startswith(("python", "pip"))]
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    listed = _normalise(conda + [p for p in pip if not p.startswith("-e")])
    assert listed == wanted, f"only in pyproject: {wanted - listed}; only in environment.yml: {listed - wanted}"
