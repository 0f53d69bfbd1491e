"""Risk-of-bias judgments: ``review/rob/<study_id>.yml``, checked against the tools and the reports' text.

A file holds a list ``appraisals``. The study's own appraisal uses the tool the protocol maps its
design to (``design`` in the extraction form), unless ``override: {tool, reason}`` says otherwise;
an appraisal with a ``source_type`` (press release, news article, blog) appraises one report with
the tool the protocol maps that source type to. Per item: an ``answer`` the tool allows, and the
verbatim ``quote`` that supports it (found in ``record``, a report of the study) or a ``note`` where
the judgment rests on an absence. The overall judgment is computed where the tool has a rule and
checked where the reviewer states it; a tool without a rule needs the reviewer's. An item not yet
answered leaves the appraisal pending. Files are never rewritten, except by ``record_judgment``.

With two or more independent reviewers (the protocol's ``independent_reviewers.risk_of_bias``), each reviewer
has ``review/rob/<study_id>/<reviewer>.yml`` and the answers agreed after a disagreement go in
``review/rob/<study_id>/consensus.yml``, each in the same format (``core.team``, ``appraisal.team``).
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq

from reviewkit.appraisal.model import PENDING as PENDING
from reviewkit.appraisal.model import Appraisal
from reviewkit.appraisal.model import ItemJudgment as ItemJudgment
from reviewkit.appraisal.parse import parse_rob_file
from reviewkit.appraisal.team import TeamAppraisals, merge
from reviewkit.appraisal.tools import Tool, read_tools
from reviewkit.core.errors import ReviewInputError, raise_collected
from reviewkit.core.protocol import Protocol
from reviewkit.core.storage import YamlDoc, load_yaml, locked, read_yaml, save_checked
from reviewkit.core.team import CONSENSUS, reviewer_path, study_files
from reviewkit.core.yaml_edit import dump_edited, load_for_edit, new_document, set_entry
from reviewkit.extraction.forms import EXTRACTION_DIR, form_path
from reviewkit.records.model import Record
from reviewkit.records.studies import Study, read_studies

ROB_DIR = "rob"


def rob_path(review_dir: str | Path, study_id: str) -> Path:
    return Path(review_dir) / ROB_DIR / f"{study_id}.yml"


def _design_in(path: Path | None) -> str | None:
    try:
        data = load_yaml(path) if path is not None and path.exists() else None
    except ReviewInputError:
        return None
    entry = data.get("design") if isinstance(data, dict) else None
    value = entry.get("value") if isinstance(entry, dict) else None
    return value if isinstance(value, str) else None


def study_design(review_dir: str | Path, study_id: str) -> str | None:
    """The design recorded in the study's extraction form, if any; with independent extractors, the consensus's,
    else the one every extractor gave (problems there are the extraction stage's)."""
    files, _ = study_files(Path(review_dir) / EXTRACTION_DIR, study_id)
    if not files.team:
        return _design_in(form_path(review_dir, study_id))
    given = {_design_in(path) for path in files.reviewers.values()}
    return _design_in(files.consensus) or (given.pop() if len(given) == 1 else None)


def _read_file(
    path: Path, study: Study, protocol: Protocol, records: dict[str, Record], tools: dict[str, Tool], design: str | None,
) -> tuple[list[Appraisal], YamlDoc | None, list[ReviewInputError]]:
    try:
        doc = read_yaml(path)
    except ReviewInputError as exc:
        return [], None, [exc]
    found, errors = parse_rob_file(doc, study, protocol, records, tools, design)
    return found, doc, errors


def read_team_appraisals(
    review_dir: str | Path, study: Study, protocol: Protocol, records: dict[str, Record], tools: dict[str, Tool],
) -> tuple[TeamAppraisals | None, list[ReviewInputError]]:
    """The reviewers' appraisals of a study judged by two or more reviewers, compared (None for a study of one
    reviewer), and every problem in its files."""
    files, errors = study_files(Path(review_dir) / ROB_DIR, study.id)
    if not files.team:
        return None, errors
    design = study_design(review_dir, study.id)
    reviewers = {}
    for reviewer, path in files.reviewers.items():
        reviewers[reviewer], _, found = _read_file(path, study, protocol, records, tools, design)
        errors += found
    consensus, doc = None, None
    if files.consensus is not None:
        consensus, doc, found = _read_file(files.consensus, study, protocol, records, tools, design)
        errors += found
    team, found = merge(study.id, reviewers, consensus, doc, protocol.independent_reviewers.risk_of_bias)
    return team, errors + found


def read_study_appraisals(
    review_dir: str | Path, study: Study, protocol: Protocol, records: dict[str, Record], tools: dict[str, Tool],
) -> tuple[list[Appraisal], list[ReviewInputError]]:
    """A study's appraisals and every problem in its files: its rob file's, or for a study of two or more
    reviewers the appraisals that stand (the consensus's answers, else those every reviewer gave)."""
    team, errors = read_team_appraisals(review_dir, study, protocol, records, tools)
    if team is not None:
        return team.standing, errors
    path = rob_path(review_dir, study.id)
    if not path.exists():
        return [], errors
    found, _, more = _read_file(path, study, protocol, records, tools, study_design(review_dir, study.id))
    return found, errors + more


def _strays(folder: Path, known: set[str]) -> list[ReviewInputError]:
    """Files and folders of the rob folder not named after a study."""
    errors = []
    for path in sorted(folder.iterdir()) if folder.is_dir() else []:
        if path.is_dir() and not path.name.startswith(".") and path.name not in known:
            errors.append(ReviewInputError(path, "no study has this id: name a folder of reviewers' judgments "
                                                 "<study_id>/ after a study of studies.yml"))
        elif path.is_file() and path.name.endswith((".yml", ".yaml")) and (path.suffix != ".yml" or path.stem not in known):
            errors.append(ReviewInputError(path, "name judgment files <study_id>.yml after a study of studies.yml"))
    return errors


def read_appraisals(
    review_dir: str | Path, protocol: Protocol, records: list[Record]
) -> tuple[list[Study], dict[str, list[Appraisal]], dict[str, Tool], list[ReviewInputError]]:
    """Every study, its appraisals, the tools, and every problem in the tool and judgment files.

    A study judged by two or more reviewers has the appraisals that stand (``read_team_appraisals``). Problems in
    ``studies.yml`` are the extraction stage's to report; here its studies are used as they are.
    """
    by_id = {r.id: r for r in records}
    studies, _ = read_studies(review_dir, list(by_id))
    tools, errors = read_tools(review_dir)
    appraisals: dict[str, list[Appraisal]] = {s.id: [] for s in studies}
    for study in sorted(studies, key=lambda s: s.id):
        appraisals[study.id], found = read_study_appraisals(review_dir, study, protocol, by_id, tools)
        errors.extend(found)
    errors += _strays(Path(review_dir) / ROB_DIR, set(appraisals))
    return studies, appraisals, tools, errors


def read_teams(
    review_dir: str | Path, protocol: Protocol, records: list[Record]
) -> tuple[list[TeamAppraisals], list[ReviewInputError]]:
    """The studies judged by two or more reviewers, their appraisals compared (``appraisal.agreement`` tabulates
    them), and every problem in their files."""
    by_id = {r.id: r for r in records}
    studies, _ = read_studies(review_dir, list(by_id))
    tools, errors = read_tools(review_dir)
    teams = []
    for study in sorted(studies, key=lambda s: s.id):
        team, found = read_team_appraisals(review_dir, study, protocol, by_id, tools)
        errors.extend(found)
        teams += [team] if team is not None else []
    return teams, errors


def validate(review_dir: str | Path, protocol: Protocol, records: list[Record]) -> list[ReviewInputError]:
    """Every problem in the review's tool files and risk-of-bias judgments (for ``reviewkit validate``)."""
    return read_appraisals(review_dir, protocol, records)[3]


def load_appraisals(
    review_dir: str | Path, protocol: Protocol, records: list[Record]
) -> tuple[list[Study], dict[str, list[Appraisal]], dict[str, Tool]]:
    """Studies, their appraisals and the tools; raises naming every problem if any file is invalid."""
    studies, appraisals, tools, errors = read_appraisals(review_dir, protocol, records)
    if errors:
        raise_collected(errors)
    return studies, appraisals, tools


def raw_appraisal(data: Any, study: Study, tool_id: str, source_type: str | None, record: str) -> dict[str, Any] | None:
    """The appraisal with ``tool_id`` in a rob file's data: the study's (``source_type`` None) or that of report ``record``."""
    appraisals = data.get("appraisals") if isinstance(data, dict) else None
    return next((a for a in appraisals or [] if isinstance(a, dict) and a.get("tool") == tool_id
                 and a.get("source_type") == source_type
                 and (source_type is None or a.get("record", study.primary_record) == record)), None)


def _rob_file(review_dir: str | Path, study_id: str, protocol: Protocol, reviewer: str | None) -> Path:
    """The file a reviewer's judgment goes in: the study's rob file, or with independent reviewers the reviewer's own."""
    team = protocol.independent_reviewers.risk_of_bias
    if team > 1 and not reviewer:
        raise ReviewInputError(rob_path(review_dir, study_id), f"the protocol has {team} independent reviewers for "
                               "risk of bias: give your reviewer id, so the judgment goes in your own file",
                               field="reviewer")
    if reviewer == CONSENSUS:
        return Path(review_dir) / ROB_DIR / study_id / f"{CONSENSUS}.yml"
    return reviewer_path(Path(review_dir) / ROB_DIR, study_id, reviewer) if team > 1 else rob_path(review_dir, study_id)


def _by(reviewer: str | None, protocol: Protocol) -> str:
    if reviewer == CONSENSUS:
        return " (the reviewers' consensus)"
    return f" by reviewer {reviewer}" if reviewer and protocol.independent_reviewers.risk_of_bias > 1 else ""


def record_judgment(
    review_dir: str | Path, study_id: str, tool_id: str, item: str, answer: str | None, *,
    protocol: Protocol, records: list[Record], quote: str | list[str] | None = None,
    record: str | None = None, note: str | None = None, source_type: str | None = None, reviewer: str | None = None,
) -> None:
    """Write one item's judgment (``item="overall"``: the overall judgment, ``answer`` its text, or None to leave
    it to the tool's rule) into a study's rob file, atomically, after checking the whole file as it would be. In a
    review whose protocol has two or more independent reviewers for risk of bias, it is ``reviewer``'s own file of
    the study (``<study>/<reviewer>.yml``; ``consensus`` for the consensus file).

    Everything else in the file is kept as the reviewer wrote it, comments and layout included (ruamel.yaml
    round trip); a file that has problems already is reported and left alone. The appraisal is the study's
    (``source_type`` None; ``record`` is then the report quoted) or that of report ``record`` with ``source_type``.
    """
    by_id = {r.id: r for r in records}
    studies, _ = read_studies(review_dir, list(by_id))
    path = _rob_file(review_dir, study_id, protocol, reviewer)
    study = next((s for s in studies if s.id == study_id), None)
    if study is None:
        raise ReviewInputError(path, f"no study has the id {study_id!r}")
    tools = read_tools(review_dir)[0]
    tool = tools.get(tool_id)
    if tool is None:
        raise ReviewInputError(path, f"unknown tool {tool_id!r}", field=item)
    design = study_design(review_dir, study_id)
    with locked(path):
        if path.exists():
            raise_collected(parse_rob_file(read_yaml(path), study, protocol, by_id, tools, design)[1])
        data = load_for_edit(path)
        if data is None:
            data = new_document(f"Risk-of-bias judgments of study {study_id}{_by(reviewer, protocol)}. Reviewer-owned "
                                "data: edit by hand or "
                                "with the form in\nnotebook 04, validate with `reviewkit validate`.", appraisals=CommentedSeq())
        _set_judgment(data, study, tool, item, answer, quote=quote, record=record, note=note, source_type=source_type)
        text = dump_edited(data)
        save_checked(path, text, parse_rob_file(YamlDoc(path, text), study, protocol, by_id, tools, design)[1])


def _set_judgment(
    data: Any, study: Study, tool: Tool, item: str, answer: str | None, *, quote: str | list[str] | None,
    record: str | None, note: str | None, source_type: str | None,
) -> None:
    """Put one judgment into a rob file's round-trip data, adding the appraisal if it is not there yet."""
    appraised = record if source_type and record else study.primary_record
    entry = raw_appraisal(data, study, tool.id, source_type, appraised)
    if entry is None:
        entry = CommentedMap(tool=tool.id, record=appraised, **({"source_type": source_type} if source_type else {}))
        data["appraisals"].append(entry)
    if not entry.get("items"):
        entry["items"] = CommentedMap()  # block style, also in place of a reviewer's empty ``items: {}``
    if item == "overall":
        if answer is None and note is None:
            entry.pop("overall", None)
        else:
            set_entry(entry, "overall", {"judgment": answer, "note": note}, ["items", "overall"])
    else:
        given = int(answer) if isinstance(answer, str) and answer.isdigit() else answer
        values = {"answer": given, "quote": quote, "record": None if record == appraised else record, "note": note}
        set_entry(entry["items"], item, values, [i.id for i in tool.items])
