"""The review as it was before a search round, read from git history where the review folder is in a git repository.

The previous version of an updated review is its folder at the commit before the first commit whose
``protocol.yml`` has a source of the round (at ``HEAD`` while the round is not committed yet). It is written out
with ``git archive`` into a folder of the caller's, so that the stages' own readers read it as they read the
review; nothing in the repository or its working tree is touched.
"""
from __future__ import annotations

import io
import subprocess
import tarfile
from pathlib import Path

import yaml

from reviewkit.core.protocol import PROTOCOL_FILE


def _git(cwd: Path, *args: str) -> str | None:
    """What a git command prints, or None where it fails (no git, not a repository, no such commit)."""
    try:
        done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, check=False)
    except OSError:
        return None
    return done.stdout.decode("utf-8", "replace") if done.returncode == 0 else None


def _has_round(text: str, round_id: str) -> bool:
    """Whether a protocol's text lists a source of round ``round_id``."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError:
        return False
    sources = data.get("sources") if isinstance(data, dict) else None
    return any(isinstance(s, dict) and s.get("round") == round_id for s in sources or [])


def version_before(review_dir: str | Path, round_id: str) -> str | None:
    """The commit holding the review as it was before round ``round_id``; None where the review folder is not in
    a git repository, has no commit, or the round was in its first commit (there is no version before it)."""
    review_dir = Path(review_dir)
    prefix = _git(review_dir, "rev-parse", "--show-prefix")
    log = _git(review_dir, "log", "--reverse", "--format=%H", "--", PROTOCOL_FILE)
    if prefix is None or log is None:
        return None
    for commit in log.split():
        text = _git(review_dir, "show", f"{commit}:{prefix.strip()}{PROTOCOL_FILE}")
        if text is not None and _has_round(text, round_id):
            parent = _git(review_dir, "rev-parse", "--verify", "--quiet", f"{commit}^")
            return parent.strip() if parent else None
    head = _git(review_dir, "rev-parse", "--verify", "--quiet", "HEAD")
    return head.strip() if head else None


def write_version(review_dir: str | Path, commit: str, target: str | Path) -> Path:
    """The review folder as it was at ``commit``, written into ``target`` (git archive, run in the review folder,
    gives its paths relative to it); returns ``target``."""
    review_dir, target = Path(review_dir), Path(target)
    done = subprocess.run(["git", "archive", "--format=tar", commit, "--", "."], cwd=review_dir,
                          capture_output=True, check=True)
    with tarfile.open(fileobj=io.BytesIO(done.stdout)) as archive:
        archive.extractall(target, filter="data")
    return target
