"""Editing a reviewer's YAML file in place: ruamel.yaml round trip, so comments, key order and layout stay as
the reviewer wrote them; the files are still read with PyYAML, so values are written as PyYAML will read them."""
from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import yaml
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError as RuamelError
from ruamel.yaml.scalarstring import DoubleQuotedScalarString

from reviewkit.core.errors import ReviewInputError
from reviewkit.core.storage import read_text


def _yaml_editor() -> YAML:
    """ruamel.yaml in round-trip mode, set to the layout of the review's files; long lines are not re-wrapped."""
    editor = YAML()
    editor.indent(mapping=2, sequence=4, offset=2)
    editor.width = 4096
    editor.preserve_quotes = True
    return editor


def load_for_edit(path: str | Path) -> Any:
    """A reviewer's YAML file as round-trip data (comments, key order, quoting and layout kept); None if absent."""
    path = Path(path)
    if not path.exists():
        return None
    try:
        return _yaml_editor().load(read_text(path))
    except RuamelError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise ReviewInputError(
            path, f"cannot edit the file: {getattr(exc, 'problem', None) or exc}", line=mark.line + 1 if mark else None
        ) from None


def dump_edited(data: Any) -> str:
    """The text of round-trip data as ``load_for_edit`` read it, with the edits made to it."""
    stream = io.StringIO()
    _yaml_editor().dump(data, stream)
    return stream.getvalue()


_RESOLVER = yaml.SafeLoader("")
_STR_TAG = "tag:yaml.org,2002:str"


def yaml_value(value: Any) -> Any:
    """``value`` ready for ``dump_edited``: a text that PyYAML, which reads the files, would take for something
    else (``no``, ``1.5``, ``2024-01-31``) is quoted; a list is written in block style."""
    if isinstance(value, str) and _RESOLVER.resolve(yaml.ScalarNode, value, (True, False)) != _STR_TAG:
        return DoubleQuotedScalarString(value)
    if isinstance(value, list):
        return CommentedSeq(yaml_value(v) for v in value)
    return value


def set_entry(data: CommentedMap, key: str, values: dict[str, Any], order: list[str]) -> None:
    """Set the mapping ``data[key]`` to ``values`` in place (a None value removes its key), keeping the comments
    of the keys that stay; a new ``key`` goes where ``order`` puts it among the keys already there."""
    if key not in data:
        rank = order.index(key) if key in order else len(order)
        later = [i for i, k in enumerate(data) if k in order and order.index(k) > rank]
        data.insert(later[0] if later else len(data), key, CommentedMap())
    entry = data[key]
    for name, value in values.items():
        if value is None:
            entry.pop(name, None)
        else:
            entry[name] = yaml_value(value)


def new_document(comment: str, **keys: Any) -> CommentedMap:
    """A new reviewer file: a mapping of ``keys`` under a comment that says whose data it is."""
    data = CommentedMap(**keys)
    data.yaml_set_start_comment(comment)
    return data
