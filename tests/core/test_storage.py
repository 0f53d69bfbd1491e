import os

import pytest

from reviewkit.core.storage import atomic_write_text


def test_atomic_write_replaces_the_file(tmp_path):
    path = tmp_path / "sub" / "decisions.csv"
    atomic_write_text(path, "a,b\n1,2\n")
    atomic_write_text(path, "a,b\n3,4\n")
    assert path.read_text(encoding="utf-8") == "a,b\n3,4\n"
    assert [p.name for p in path.parent.iterdir()] == ["decisions.csv"]


def test_failed_write_keeps_the_old_file_and_leaves_no_temporary(tmp_path, monkeypatch):
    path = tmp_path / "decisions.csv"
    path.write_text("old\n", encoding="utf-8")

    def crash(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError, match="disk full"):
        atomic_write_text(path, "new\n")
    assert path.read_text(encoding="utf-8") == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["decisions.csv"]
