"""Load every story folder under ``knowledge/`` into one validated, immutable :class:`KnowledgeBase`.

Start-up, reload, ``storybot check`` and the tests all come through :func:`load_knowledge`, so a file
that passes here passes everywhere, and a broken one is reported the same way everywhere: every problem
at once, each naming the file (relative to the knowledge folder), the line and the field.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from types import MappingProxyType

from bot.config import Limits
from bot.knowledge.base import Fact, KnowledgeBase, NotAnswered, Story
from bot.knowledge.schema import FactFile
from bot.yamlfile import Document, FileErrors, Problem, field_path, parse, read_text, validate

FACTS_FILE = "facts.yaml"


def load_knowledge(root: Path, limits: Limits | None = None) -> KnowledgeBase:
    """Load and validate every story under ``root``; raise :class:`FileErrors` listing all problems."""
    limits = limits or Limits()
    if not root.is_dir():
        raise FileErrors([Problem(str(root), None, "", "no knowledge folder here (see --knowledge)")])
    folders = story_folders(root)
    if not folders:
        raise FileErrors([Problem(str(root), None, "", "no story folders (each story is a folder)")])
    stories: list[Story] = []
    digests: list[str] = []
    problems: list[Problem] = []
    for folder in folders:
        try:
            story, digest = _load_story(root.resolve(), folder, limits)
        except FileErrors as exc:
            problems += exc.problems
        else:
            stories.append(story)
            digests.append(f"{folder.name}:{digest}")
    if problems:
        raise FileErrors(problems)
    revision = hashlib.sha256("\n".join(digests).encode()).hexdigest()[:12]
    return KnowledgeBase(tuple(stories), revision)


def story_folders(root: Path) -> list[Path]:
    """The story folders under ``root``, in load order; hidden and ``_``-prefixed folders are not stories."""
    return sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith((".", "_")))


def _inside(root: Path, path: Path, name: str) -> None:
    if not path.resolve().is_relative_to(root):
        raise FileErrors([Problem(name, None, "", "points outside the knowledge folder")])


def _load_story(root: Path, folder: Path, limits: Limits) -> tuple[Story, str]:
    name = f"{folder.name}/{FACTS_FILE}"
    path = folder / FACTS_FILE
    if not path.is_file():
        raise FileErrors([Problem(name, None, "", "missing: every story folder needs one")])
    _inside(root, path, name)
    text = read_text(path, name, max_bytes=limits.max_file_bytes)
    doc = parse(text, name, max_nodes=limits.max_yaml_values)
    facts = validate(FactFile, doc)
    article_name = f"{folder.name}/{facts.story.article}"
    article_path = folder / facts.story.article
    if not article_path.is_file():
        raise FileErrors([doc.problem(("story", "article"), f"no such file: {article_name}")])
    if not article_path.resolve().is_relative_to(folder.resolve()):
        raise FileErrors([doc.problem(("story", "article"), "must name a file inside the story's folder")])
    article = read_text(article_path, article_name, max_bytes=limits.max_file_bytes)
    problems = list(_check(doc, facts, article, folder.name))
    if problems:
        raise FileErrors(problems)
    sentences: dict[str, str] = {}  # facts citing one sentence share its string
    kept = tuple(
        Fact(
            f.id,
            f.questions,
            f.answer,
            sentences.setdefault(f.source, f.source),
            tuple(NotAnswered(n.questions, n.says) for n in f.not_answered),
        )
        for f in facts.facts
    )
    story = Story(facts.story, article, MappingProxyType(dict(facts.aliases)), kept)
    digest = hashlib.sha256(text.encode() + b"\0" + article.encode()).hexdigest()
    return story, digest


def _squash(text: str) -> str:
    return " ".join(text.split())


def _question_key(text: str) -> str:
    return re.sub(r"[\W_]+", " ", text.casefold()).strip()


def _check(doc: Document, facts: FactFile, article: str, folder: str):
    """What the schema cannot see: ids, duplicates and sources against the article."""
    if facts.story.id != folder:
        yield doc.problem(("story", "id"), f"must match the folder name {folder!r}")
    flat_article = _squash(article)
    ids: dict[str, int] = {}
    asked: dict[str, str] = {}
    for i, fact in enumerate(facts.facts):
        if fact.id in ids:
            yield doc.problem(("facts", i, "id"), f"duplicate id {fact.id!r} (also facts[{ids[fact.id]}])")
        ids.setdefault(fact.id, i)
        if _squash(fact.source) not in flat_article:
            yield doc.problem(("facts", i, "source"), "not found verbatim in the article")
        places = [(("facts", i, "questions", j), q) for j, q in enumerate(fact.questions)]
        places += [
            (("facts", i, "not_answered", k, "questions", j), q)
            for k, near in enumerate(fact.not_answered)
            for j, q in enumerate(near.questions)
        ]
        for path, question in places:
            key = _question_key(question)
            where = field_path(path)
            if key in asked:
                yield doc.problem(path, f"the same question as {asked[key]}")
            else:
                asked[key] = where
    seen: dict[str, str] = {}
    for canonical, phrases in facts.aliases.items():
        for phrase in (canonical, *phrases):
            key = _question_key(phrase)
            if key in seen and seen[key] != canonical:
                yield doc.problem(("aliases", canonical), f"{phrase!r} is already an alias of {seen[key]!r}")
            seen.setdefault(key, canonical)
