"""Data extraction: one form per study in ``review/extraction/<study_id>.yml``, checked against the
protocol's extraction form and the text of the study's reports.

A form maps field keys to ``{value, quote, record, note}``. ``value: not reported`` says the
reports are silent; a field absent from the file is not yet extracted (pending). Every quote must
be found, verbatim up to typography, in the text of the record it names. An optional top-level
``discrepancies`` list records where reports disagree or a report misstates the study.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from reviewkit.core.errors import ReviewInputError, excerpt, raise_collected
from reviewkit.core.evidence import FoundQuote, normalise, verify_quotes
from reviewkit.core.protocol import FormField, Protocol
from reviewkit.core.stage_state import StageState
from reviewkit.core.storage import YamlDoc, locked, read_yaml, save_checked
from reviewkit.core.team import CONFLICT, CONSENSUS, TEXT_DIFFERS, reviewer_path, study_files
from reviewkit.core.yaml_edit import dump_edited, load_for_edit, new_document, set_entry
from reviewkit.extraction.model import NOT_REPORTED, Discrepancy, Entry, Form
from reviewkit.extraction.team import TeamForm, merge
from reviewkit.records.model import Record
from reviewkit.records.studies import Study, load_studies, read_studies

EXTRACTION_DIR = "extraction"
DISCREPANCIES = "discrepancies"
ENTRY_KEYS = {"value", "quote", "record", "note"}
DISCREPANCY_KEYS = {"records", "note", "quote", "record"}


def form_path(review_dir: str | Path, study_id: str) -> Path:
    return Path(review_dir) / EXTRACTION_DIR / f"{study_id}.yml"


def _is_not_reported(value: Any) -> bool:
    return isinstance(value, str) and normalise(value) == NOT_REPORTED


def check_value(field: FormField, value: Any) -> str | None:
    """Why ``value`` is not valid for ``field``, or None when it is."""
    if value is None:
        return "the value is missing (write 'not reported' if the reports are silent)"
    if _is_not_reported(value):
        return None
    if field.type == "integer":
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            return f"expected a whole number (or 'not reported'), got {excerpt(repr(value))}"
    elif field.type == "number":
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value or abs(value) == float("inf"):
            return f"expected a number such as 12.5 or -0.3 (or 'not reported'), got {excerpt(repr(value))}"
    elif field.type == "choice":
        if value not in (field.choices or []):
            return f"expected one of {field.choices} (or 'not reported'), got {excerpt(repr(value))}"
    elif field.type == "list":
        if not isinstance(value, list) or not value or not all(isinstance(v, str) and v.strip() for v in value):
            return f"expected a list of texts (or 'not reported'), got {excerpt(repr(value))}"
    elif not isinstance(value, str) or not value.strip():
        return f"expected text (quote it in YAML if needed), got {excerpt(repr(value))}"
    return None


def _check_quotes(
    quote: Any, record_id: Any, study: Study, records: dict[str, Record], where: dict[str, Any]
) -> tuple[tuple[FoundQuote, ...], list[ReviewInputError]]:
    """The quotes found in the named report of the study (``verify_quotes``), and an error per problem."""
    if quote is None:
        return (), []
    if record_id is None:
        if len(study.records) > 1:
            return (), [ReviewInputError(
                message=f"say which report the quote comes from: 'record' (one of {list(study.records)})", **where
            )]
        record_id = study.records[0]
    record_id = str(record_id)
    if record_id not in study.records:
        return (), [ReviewInputError(
            message=f"record {excerpt(record_id)!r} is not a report of study {study.id!r} (its reports: {list(study.records)})",
            **where,
        )]
    found, problems = verify_quotes(quote, record_id, records[record_id].text, records[record_id].page_starts)
    return found, [ReviewInputError(message=f"study {study.id!r}: {problem}", record=record_id, **where) for problem in problems]


def _parse_entry(
    key: str, raw: Any, field: FormField, study: Study, records: dict[str, Record], doc: YamlDoc
) -> tuple[Entry | None, list[ReviewInputError]]:
    where = {"path": doc.path, "line": doc.line((key,)), "field": key}
    if not isinstance(raw, dict):
        return None, [ReviewInputError(message="expected a mapping with 'value', 'quote', 'record' and 'note'", **where)]
    errors = []
    unknown = sorted(set(raw) - ENTRY_KEYS, key=str)
    if unknown:
        errors.append(ReviewInputError(message=f"unknown key(s) {excerpt(unknown)}; allowed: {sorted(ENTRY_KEYS)}", **where))
    problem = check_value(field, raw.get("value"))
    if problem:
        errors.append(ReviewInputError(message=f"study {study.id!r}: {problem}", **{**where, "line": doc.line((key, "value"))}))
    note = raw.get("note") or ""
    if not isinstance(note, str):
        errors.append(ReviewInputError(message="'note' must be text", **where))
    if raw.get("quote") is None and not _is_not_reported(raw.get("value")):
        errors.append(ReviewInputError(message=f"study {study.id!r}: a value needs the verbatim quote that supports it", **where))
    quote_where = {**where, "line": doc.line((key, "quote"))} if "quote" in raw else where
    evidence, quote_errors = _check_quotes(raw.get("quote"), raw.get("record"), study, records, quote_where)
    errors.extend(quote_errors)
    if errors:
        return None, errors
    value = NOT_REPORTED if _is_not_reported(raw["value"]) else raw["value"]
    return Entry(key, value, evidence, note), []


def _parse_discrepancies(
    raw: Any, study: Study, records: dict[str, Record], doc: YamlDoc
) -> tuple[list[Discrepancy], list[ReviewInputError]]:
    if not isinstance(raw, list):
        return [], [ReviewInputError(doc.path, "'discrepancies' must be a list", line=doc.line((DISCREPANCIES,)),
                                     field=DISCREPANCIES)]
    found, errors = [], []
    for index, item in enumerate(raw):
        where = {
            "path": doc.path,
            "line": doc.line((DISCREPANCIES, index)),
            "field": f"{DISCREPANCIES}[{index}]",
        }
        if not isinstance(item, dict) or not isinstance(item.get("note"), str) or not item["note"].strip():
            errors.append(ReviewInputError(message="a discrepancy needs a 'note' saying what disagrees", **where))
            continue
        unknown = sorted(set(item) - DISCREPANCY_KEYS, key=str)
        if unknown:
            errors.append(ReviewInputError(
                message=f"unknown key(s) {excerpt(unknown)}; allowed: {sorted(DISCREPANCY_KEYS)}", **where))
        named = item.get("records") or ([item["record"]] if item.get("record") else list(study.records))
        named = [str(r) for r in (named if isinstance(named, list) else [named])]
        strangers = [r for r in named if r not in study.records]
        if strangers:
            errors.append(ReviewInputError(message=f"{excerpt(strangers)} not report(s) of study {study.id!r}", **where))
            continue
        record = item.get("record", named[0] if len(named) == 1 else None)
        evidence, quote_errors = _check_quotes(item.get("quote"), record, study, records, where)
        errors.extend(quote_errors)
        if not quote_errors:
            found.append(Discrepancy(tuple(named), item["note"].strip(), evidence))
    return found, errors


def parse_form(
    doc: YamlDoc, study: Study, protocol: Protocol, records: dict[str, Record]
) -> tuple[Form, list[ReviewInputError]]:
    """Check a study's form file; the form holds the entries that passed."""
    data, path = doc.data, doc.path
    if data is None:
        return Form(study, {}), []
    if not isinstance(data, dict):
        return Form(study, {}), [ReviewInputError(path, "expected a mapping of field keys to values", line=1)]
    fields = {f.key: f for f in protocol.extraction_form}
    entries: dict[str, Entry] = {}
    discrepancies: list[Discrepancy] = []
    errors: list[ReviewInputError] = []
    for raw_key, raw in data.items():
        key = str(raw_key)
        if key == DISCREPANCIES:
            discrepancies, found = _parse_discrepancies(raw, study, records, doc)
            errors.extend(found)
        elif key not in fields:
            errors.append(ReviewInputError(
                path, f"unknown field; the protocol's form has {list(fields)}", line=doc.line((key,)), field=key
            ))
        else:
            entry, found = _parse_entry(key, raw, fields[key], study, records, doc)
            errors.extend(found)
            if entry is not None:
                entries[key] = entry
    errors += _count_problems(entries, protocol, doc)
    ordered = {k: entries[k] for k in fields if k in entries}
    return Form(study, ordered, tuple(discrepancies)), errors


_PAIRS = (("events_field", "total_field"), ("events_t_field", "total_t_field"), ("events_c_field", "total_c_field"))
_POSITIVE = ("total_field", "total_t_field", "total_c_field", "n_t_field", "n_c_field", "sd_t_field", "sd_c_field",
             "se_field")


def _count_problems(entries: dict[str, Entry], protocol: Protocol, doc: YamlDoc) -> list[ReviewInputError]:
    """Each outcome's data must be poolable: positive totals, sizes, SDs and SEs; no more events than the total;
    a CI's lower limit below its upper one (and above 0 on a log scale)."""
    problems = []

    def value(key: str | None) -> Any:
        entry = entries.get(key) if key else None
        return None if entry is None or entry.value == NOT_REPORTED else entry.value

    def problem(key: str, message: str) -> None:
        problems.append(ReviewInputError(doc.path, message, line=doc.line((key,)), field=key))

    for outcome in protocol.outcomes:
        fields = outcome.fields
        for role in _POSITIVE:
            key = fields.get(role)
            if key and value(key) is not None and value(key) <= 0:
                problem(key, f"{role.removesuffix('_field').replace('_', ' ')} of outcome {outcome.id!r} must be "
                             f"positive, not {value(key)}")
        for events_role, total_role in _PAIRS:
            events, total = value(fields.get(events_role)), value(fields.get(total_role))
            if events is not None and total is not None and total > 0 and events > total:
                problem(fields[events_role], f"{events} events is more than the total of {total} ({fields[total_role]})")
        low, high = value(fields.get("ci_low_field")), value(fields.get("ci_high_field"))
        if low is not None and high is not None and not low < high:
            problem(fields["ci_low_field"], f"the 95% CI of outcome {outcome.id!r} runs from {low} to {high}: the lower "
                                            "limit must be below the upper")
        if outcome.scale == "log":
            for role in ("estimate_field", "ci_low_field", "ci_high_field"):
                key = fields.get(role)
                if key and value(key) is not None and value(key) <= 0:
                    problem(key, f"outcome {outcome.id!r} is a ratio (scale: log): {value(key)} is not above 0")
    return problems


def _parse_file(path: Path, study: Study, protocol: Protocol, records: dict[str, Record]
                ) -> tuple[Form, YamlDoc | None, list[ReviewInputError]]:
    try:
        doc = read_yaml(path)
    except ReviewInputError as exc:
        return Form(study, {}), None, [exc]
    form, errors = parse_form(doc, study, protocol, records)
    return form, doc, errors


def read_team_form(
    review_dir: str | Path, study: Study, protocol: Protocol, records: dict[str, Record]
) -> tuple[TeamForm | None, list[ReviewInputError]]:
    """The reviewers' forms of a study extracted by two or more reviewers, compared (None for a study of one
    reviewer), and every problem in its files."""
    files, errors = study_files(Path(review_dir) / EXTRACTION_DIR, study.id)
    if not files.team:
        return None, errors
    reviewers = {}
    for reviewer, path in files.reviewers.items():
        reviewers[reviewer], _, found = _parse_file(path, study, protocol, records)
        errors += found
    consensus, doc = None, None
    if files.consensus is not None:
        consensus, doc, found = _parse_file(files.consensus, study, protocol, records)
        errors += found
    team, found = merge(study, reviewers, consensus, doc, protocol.extraction_form,
                        protocol.independent_reviewers.extraction)
    return team, errors + found


def read_reviewer_form(
    review_dir: str | Path, study: Study, protocol: Protocol, records: dict[str, Record], reviewer: str
) -> tuple[Form, list[ReviewInputError]]:
    """One reviewer's own form of a study (``<study>/<reviewer>.yml``) and its problems, read alone: nothing of the
    other reviewers' forms (blind extraction); no file means every field is pending."""
    path = reviewer_path(Path(review_dir) / EXTRACTION_DIR, study.id, reviewer)
    if not path.exists():
        return Form(study, {}), []
    form, _, errors = _parse_file(path, study, protocol, records)
    return form, errors


def read_form(
    review_dir: str | Path, study: Study, protocol: Protocol, records: dict[str, Record]
) -> tuple[Form, list[ReviewInputError]]:
    """A study's form and every problem in its files; no file means every field is pending. For a study of two or
    more reviewers, the form that stands: the consensus's values, else those every reviewer gave."""
    team, errors = read_team_form(review_dir, study, protocol, records)
    if team is not None:
        return team.standing, errors
    path = form_path(review_dir, study.id)
    if not path.exists():
        return Form(study, {}), errors
    form, _, found = _parse_file(path, study, protocol, records)
    return form, errors + found


def read_forms(
    review_dir: str | Path, protocol: Protocol, records: list[Record]
) -> tuple[list[Study], dict[str, Form], list[ReviewInputError]]:
    """Every study, its form, and every problem in ``studies.yml`` and the extraction files."""
    by_id = {r.id: r for r in records}
    studies, errors = read_studies(review_dir, list(by_id))
    forms = {}
    for study in studies:
        forms[study.id], found = read_form(review_dir, study, protocol, by_id)
        errors.extend(found)
    folder = Path(review_dir) / EXTRACTION_DIR
    if folder.is_dir():
        known = {s.id for s in studies}
        for path in sorted(folder.glob("*.yaml")):
            errors.append(ReviewInputError(path, "name extraction forms <study_id>.yml, not .yaml"))
        for path in sorted(folder.glob("*.yml")):
            if path.stem not in known:
                errors.append(ReviewInputError(
                    path, "no study has this id: name the file <study_id>.yml after a study of studies.yml"
                ))
        for path in sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith(".")):
            if path.name not in known:
                errors.append(ReviewInputError(path, "no study has this id: name a folder of reviewers' forms "
                                                     "<study_id>/ after a study of studies.yml"))
    return studies, forms, errors


def validate(review_dir: str | Path, protocol: Protocol, records: list[Record]) -> list[ReviewInputError]:
    """Every problem in ``studies.yml`` and the extraction forms (for ``reviewkit validate``)."""
    return read_forms(review_dir, protocol, records)[2]


def load_forms(
    review_dir: str | Path, protocol: Protocol, records: list[Record]
) -> tuple[list[Study], dict[str, Form]]:
    """Studies and their forms; raises naming every problem if any file is invalid."""
    studies, forms, errors = read_forms(review_dir, protocol, records)
    if errors:
        raise_collected(errors)
    return studies, forms


def _form_file(review_dir: str | Path, study_id: str, protocol: Protocol, reviewer: str | None) -> Path:
    """The file a reviewer's value goes in: the study's form, or with independent reviewers the reviewer's own."""
    team = protocol.independent_reviewers.extraction
    if team > 1 and not reviewer:
        raise ReviewInputError(form_path(review_dir, study_id), f"the protocol has {team} independent reviewers for "
                               "extraction: give your reviewer id, so the value goes in your own form", field="reviewer")
    if reviewer == CONSENSUS:
        return Path(review_dir) / EXTRACTION_DIR / study_id / f"{CONSENSUS}.yml"
    return reviewer_path(Path(review_dir) / EXTRACTION_DIR, study_id, reviewer) if team > 1 else form_path(review_dir, study_id)


def record_value(
    review_dir: str | Path,
    study_id: str,
    field: str,
    value: Any,
    quote: str | list[str] | None = None,
    record: str | None = None,
    note: str | None = None,
    *,
    protocol: Protocol | None = None,
    records: list[Record] | None = None,
    reviewer: str | None = None,
) -> Entry:
    """Set one field of a study's form, checking the whole form before writing it atomically. In a review whose
    protocol has two or more independent reviewers for extraction, it is ``reviewer``'s own form of the study
    (``<study>/<reviewer>.yml``; ``consensus`` for the consensus form).

    An existing file with problems is reported and left as it is. The rest of the file is kept as the
    reviewer wrote it, comments and layout included (ruamel.yaml round trip); a new field goes in the
    protocol's field order. ``protocol`` and ``records`` save reloading them (the forms pass them).
    """
    from reviewkit.core.protocol import load_protocol
    from reviewkit.records.sources import load_records

    protocol = protocol or load_protocol(review_dir)
    by_id = {r.id: r for r in (records if records is not None else load_records(review_dir, protocol))}
    study = {s.id: s for s in load_studies(review_dir, list(by_id))}.get(study_id)
    path = _form_file(review_dir, study_id, protocol, reviewer)
    if study is None:
        raise ReviewInputError(path, f"no study has the id {study_id!r}")
    if field not in {f.key for f in protocol.extraction_form}:
        raise ReviewInputError(path, "unknown field; it is not in the protocol's extraction form", field=field)
    with locked(path):
        if path.exists():
            raise_collected(parse_form(read_yaml(path), study, protocol, by_id)[1])
        data = load_for_edit(path)
        if data is None:
            data = new_document(f"Extraction form of study {study_id}. Reviewer-owned data: edit by hand or with the "
                                "form in\nnotebook 03, validate with `reviewkit validate`.")
        order = [f.key for f in protocol.extraction_form] + [DISCREPANCIES]
        set_entry(data, field, {"value": value, "quote": quote, "record": record, "note": note}, order)
        text = dump_edited(data)
        form, problems = parse_form(YamlDoc(path, text), study, protocol, by_id)
        save_checked(path, text, problems)
    return form.entries[field]


def stage_status(review_dir: Path, protocol: Protocol, records: list[Record]) -> StageState:
    """Extraction: problems in the files, else how many fields of the started forms are filled (and, with independent
    reviewers, how many wait for a consensus)."""

    studies, forms, errors = read_forms(review_dir, protocol, records)
    if errors:
        return StageState("pending", f"{len(errors)} problem(s) in studies.yml or extraction forms")
    folder = Path(review_dir) / EXTRACTION_DIR
    started = [forms[s.id] for s in studies if form_path(review_dir, s.id).exists() or (folder / s.id).is_dir()]
    if not started:
        return StageState("pending", "no extraction forms yet")
    keys = [f.key for f in protocol.extraction_form]
    statuses = [form.status(k) for form in started for k in keys]
    pending = statuses.count("pending")
    by_id = {r.id: r for r in records}
    teams = [t for s in studies if (folder / s.id).is_dir() for t in [read_team_form(review_dir, s, protocol, by_id)[0]] if t]
    unsettled = sum(c.standing is None and c.status in (CONFLICT, TEXT_DIFFERS) for t in teams for c in t.fields)
    summary = (
        f"{len(started)} study form(s): {statuses.count('extracted')} values, "
        f"{statuses.count(NOT_REPORTED)} not reported, {pending} pending"
        + (f" ({unsettled} of them in conflict between reviewers)" if unsettled else "")
    )
    return StageState("pending" if pending else "done", summary)
