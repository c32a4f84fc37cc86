"""Strict YAML reading: every value keeps the line it came from, and YAML's surprises become errors.

PyYAML silently keeps the last of two equal keys and expands aliases without limit; here duplicate keys
are errors and expansion is capped, so a hand-edited file can neither lose data quietly nor exhaust
memory. Sequences become tuples, so whatever is built from them is immutable.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

Path_ = tuple[str | int, ...]
M = TypeVar("M", bound=BaseModel)

_TEXT_TAG = "tag:yaml.org,2002:str"
_MERGE_TAG = "tag:yaml.org,2002:merge"
_COLLECTION_TAGS = frozenset({"tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"})
MAX_DEPTH = 50  # facts.yaml needs 6 levels; PyYAML itself overflows Python's stack at a few hundred
SECRET_KEYS = frozenset({"token"})  # values never echoed in a message
_BRACKETS = re.compile(r"[\[\]{}]")


@dataclass(frozen=True, slots=True)
class Problem:
    """One error in a file: where it is and what is wrong, ready to show a person."""

    file: str
    line: int | None
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"


class FileErrors(Exception):
    """All the problems found in one or more files, reported together."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(map(str, problems)))


def field_path(path: Path_) -> str:
    """Render ``("facts", 3, "questions")`` as ``facts[3].questions``."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


@dataclass(frozen=True, slots=True)
class Document:
    """A parsed YAML document and the line of every value in it."""

    data: Any
    lines: dict[Path_, int]
    name: str

    def line_of(self, path: Path_) -> int | None:
        """The line of the value at ``path``, or of its nearest enclosing value."""
        for end in range(len(path), -1, -1):
            if (line := self.lines.get(tuple(path[:end]))) is not None:
                return line
        return None

    def problem(self, path: Path_, message: str) -> Problem:
        return Problem(self.name, self.line_of(path), field_path(path), message)


class _Builder:
    """Turns a composed node tree into plain values, recording lines and refusing what YAML hides."""

    def __init__(self, name: str, max_nodes: int) -> None:
        self.name = name
        self.max_nodes = max_nodes
        self.nodes = 0
        self.lines: dict[Path_, int] = {}
        self.problems: list[Problem] = []
        self._constructor = yaml.SafeLoader("")

    def _fail(self, node: yaml.Node, path: Path_, message: str) -> None:
        self.problems.append(Problem(self.name, node.start_mark.line + 1, field_path(path), message))

    def build(self, node: yaml.Node, path: Path_ = ()) -> Any:
        self.nodes += 1
        if self.nodes > self.max_nodes:
            raise _TooBig(node, f"more than {self.max_nodes} values (an alias bomb?)")
        if len(path) > MAX_DEPTH:  # also ends a recursive alias (&a [*a])
            raise _TooBig(node, f"nested more than {MAX_DEPTH} levels deep")
        self.lines[path] = node.start_mark.line + 1
        if isinstance(node, yaml.CollectionNode) and node.tag not in _COLLECTION_TAGS:
            self._fail(node, path, f"YAML tags ({node.tag.replace('tag:yaml.org,2002:', '!!')}) are not supported")
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, path)
        if isinstance(node, yaml.SequenceNode):
            return tuple(self.build(item, (*path, i)) for i, item in enumerate(node.value))
        if node.tag == _TEXT_TAG:
            return node.value
        return self._constructor.construct_object(node, deep=True)

    def _mapping(self, node: yaml.MappingNode, path: Path_) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE_TAG:
                self._fail(key_node, path, "merge keys (<<) are not supported; write the keys out")
                continue
            if not isinstance(key_node, yaml.ScalarNode):
                self._fail(key_node, path, "a key must be plain text")
                continue
            key = key_node.value
            if key in out:
                self._fail(key_node, (*path, key), f"duplicate key {key!r} (YAML would keep only the last)")
                continue
            out[key] = self.build(value_node, (*path, key))
        return out


class _TooBig(Exception):
    def __init__(self, node: yaml.Node, message: str) -> None:
        self.line = node.start_mark.line + 1
        self.message = message


def parse(text: str, name: str, *, max_nodes: int = 200_000) -> Document:
    """Parse one YAML document; raise :class:`FileErrors` naming the file and line of each problem.

    libyaml composes when PyYAML has it (ten times faster on a large fact base); a file with any problem is
    read again by PyYAML's own composer, whose errors and limits the messages here are worded for."""
    if yaml.__with_libyaml__:
        try:
            return _parse(text, name, max_nodes, yaml.CSafeLoader)
        except FileErrors:
            pass
    return _parse(text, name, max_nodes, yaml.SafeLoader)


def _parse(text: str, name: str, max_nodes: int, loader: type) -> Document:
    if problem := _flow_too_deep(text, name):
        raise FileErrors([problem])
    try:
        node = yaml.compose(text, Loader=loader)
    except RecursionError:
        raise FileErrors([_too_deep(text, name)]) from None
    except yaml.reader.ReaderError as exc:  # a control character; it has a position, not a line
        line = text[: exc.position].count("\n") + 1
        message = f"invalid YAML: character U+{exc.character:04X} is not allowed here; delete it"
        raise FileErrors([Problem(name, line, "", message)]) from None
    except yaml.composer.ComposerError as exc:
        if "expected a single document" in str(exc):
            line = exc.problem_mark.line + 1 if exc.problem_mark else None
            raise FileErrors([Problem(name, line, "", "only one YAML document per file")]) from None
        raise FileErrors([_yaml_problem(exc, name)]) from None
    except yaml.YAMLError as exc:
        raise FileErrors([_yaml_problem(exc, name)]) from None
    if node is None:
        raise FileErrors([Problem(name, 1, "", "the file is empty")])
    builder = _Builder(name, max_nodes)
    try:
        data = builder.build(node)
    except _TooBig as big:
        raise FileErrors([Problem(name, big.line, "", big.message)]) from None
    except yaml.YAMLError as exc:
        raise FileErrors([_yaml_problem(exc, name)]) from None
    if builder.problems:
        raise FileErrors(builder.problems)
    return Document(data, builder.lines, name)


def _flow_too_deep(text: str, name: str) -> Problem | None:
    """Brackets nested past :data:`MAX_DEPTH`, found before PyYAML, whose scanner takes time quadratic in them.

    Brackets inside quoted text count too; no real file nests 50 of them.
    """
    if text.count("[") + text.count("{") <= MAX_DEPTH:
        return None
    depth = 0
    for bracket in _BRACKETS.finditer(text):
        depth = depth + 1 if bracket.group() in "[{" else max(0, depth - 1)
        if depth > MAX_DEPTH:
            line = text.count("\n", 0, bracket.start()) + 1
            return Problem(name, line, "", f"nested more than {MAX_DEPTH} levels deep")
    return None


def _too_deep(text: str, name: str) -> Problem:
    """Where ``text`` first nests deeper than :data:`MAX_DEPTH` (the parser, unlike the composer, is not recursive)."""
    depth = 0
    for event in yaml.parse(text, Loader=yaml.SafeLoader):
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                return Problem(name, event.start_mark.line + 1, "", f"nested more than {MAX_DEPTH} levels deep")
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
    return Problem(name, None, "", f"nested more than {MAX_DEPTH} levels deep")


def _yaml_problem(exc: yaml.YAMLError, name: str) -> Problem:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    line = mark.line + 1 if mark else None
    what = getattr(exc, "problem", None) or str(exc)
    context = getattr(exc, "context", None)
    started = getattr(exc, "context_mark", None)
    if context and started and mark and started.line != mark.line:
        context += f" that starts on line {started.line + 1}"
    message = f"{context}, {what}" if context else str(what)
    if "'\\t'" in message:
        message += " (indent with spaces; YAML does not allow tabs there)"
    return Problem(name, line, "", f"invalid YAML: {message}")


def read_text(path: Path, name: str, *, max_bytes: int) -> str:
    """Read a UTF-8 file no larger than ``max_bytes``, or raise :class:`FileErrors` saying why not."""
    try:
        size = path.stat().st_size
        if size > max_bytes:
            message = f"the file is {size} bytes, over the cap of {max_bytes} (limits.max_file_bytes)"
            raise FileErrors([Problem(name, None, "", message)])
        raw = path.read_bytes()
    except OSError as exc:
        raise FileErrors([Problem(name, None, "", f"cannot read: {exc.strerror or exc}")]) from None
    try:
        text = raw.decode("utf-8-sig")  # editors may start a file with a byte-order mark; that one is fine
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise FileErrors([Problem(name, line, "", f"not UTF-8 text (byte {raw[exc.start]:#04x})")]) from None
    if (at := text.find("\ufeff")) >= 0:  # invisible, and it would become part of a key or a word
        line = text[:at].count("\n") + 1
        raise FileErrors([Problem(name, line, "", "a byte-order mark (U+FEFF) inside the file; delete it")])
    return text


def validate(model: type[M], doc: Document) -> M:
    """Validate ``doc`` against ``model``; every error names its line and field path."""
    try:
        return model.model_validate(doc.data)
    except ValidationError as exc:
        raise FileErrors(list(_problems(exc, doc))) from None


def _problems(exc: ValidationError, doc: Document) -> Iterator[Problem]:
    errors = [(tuple(p for p in e["loc"] if isinstance(p, str | int)), e) for e in exc.errors(include_url=False)]
    for path, error in errors:
        # pydantic also calls a list too short when its only items failed; the item errors say more
        if error["type"] == "too_short" and any(len(p) > len(path) and p[: len(path)] == path for p, _ in errors):
            continue
        yield doc.problem(path, _message(error, secret=bool(path) and path[-1] in SECRET_KEYS))


def _message(error: Any, *, secret: bool = False) -> str:
    kind, given = error["type"], error.get("input")
    if kind == "extra_forbidden":
        return "unknown key"
    if kind == "missing":
        return "required, but missing"
    if kind == "string_type":
        if isinstance(given, bool | int | float) or given is None:
            return f"expected a string, got {_yaml_word(given, secret)}; put it in quotes to keep it as text"
        return "expected a string"
    if kind in {"int_type", "float_type"} and isinstance(given, str) and not secret:
        return f"expected a number, got text ({given!r}); write it without quotes"
    if kind in {"tuple_type", "list_type"}:
        return "expected a list"
    if kind in {"dict_type", "model_type", "model_attributes_type"}:
        return "expected a mapping (key: value)"
    if kind == "too_short":
        least = error["ctx"]["min_length"]
        return "must not be empty" if least == 1 else f"needs at least {least} items"
    if kind == "too_long":
        return f"{error['ctx']['actual_length']} items, over the limit of {error['ctx']['max_length']}"
    if kind == "string_too_long":
        return f"{len(given)} characters, over the limit of {error['ctx']['max_length']}"
    return error["msg"][0].lower() + error["msg"][1:]


def _yaml_word(value: object, secret: bool) -> str:
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return f"a boolean ({str(value).lower()})"
    return "a number" if secret else f"a number ({value})"
