"""``reviewkit validate`` and ``status`` as a user calls them."""
from reviewkit.workbook.cli import main


def test_validate_reports_every_problem_with_file_and_line(seed_review, capsys):
    protocol = seed_review / "protocol.yml"
    text = protocol.read_text(encoding="utf-8")
    protocol.write_text(text.replace("registration:", "registraton:").replace("certainty:", "certaintee:"), encoding="utf-8")
    before = protocol.read_bytes()
    assert main(["validate", "--review", str(seed_review)]) == 1
    err = capsys.readouterr().err
    assert "'registraton'" in err and "'certaintee'" in err and "unknown key" in err
    assert "protocol.yml, line" in err
    assert protocol.read_bytes() == before


def test_validate_names_each_bad_document(seed_review, capsys):
    seeds = seed_review.parent / "seeds"
    (seeds / "zz_empty.txt").write_text("\n", encoding="utf-8")
    (seeds / "zz_latin1.txt").write_bytes("caf\xe9".encode("latin-1"))
    assert main(["validate", "--review", str(seed_review)]) == 1
    err = capsys.readouterr().err
    assert "zz_empty.txt" in err and "zz_latin1.txt" in err


def test_missing_sources_folder(seed_review, capsys):
    (seed_review.parent / "seeds").rename(seed_review.parent / "elsewhere")
    assert main(["validate", "--review", str(seed_review)]) == 1
    assert "does not exist" in capsys.readouterr().err


def test_seed_review_is_valid_and_status_lists_stages(seed_review, capsys):
    assert main(["validate", "--review", str(seed_review)]) == 0
    assert main(["status", "--review", str(seed_review)]) == 0
    out = capsys.readouterr().out
    assert "5 records" in out
    for stage in ("records", "screening", "extraction", "risk of bias", "synthesis", "report"):
        assert stage in out
