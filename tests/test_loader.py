"""The loader: the shipped knowledge validates, immutably, with a revision naming its content.

Every kind of bad file is in the corpus under ``tests/data/bad`` (see ``test_bad_files.py``).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from bot.knowledge import load_knowledge
from bot.yamlfile import FileErrors

ARTICLE = "Alpha signed the pact in Paris on Monday. Beta was not there.\n"
GOOD = """\
story:
  id: demo
  title: Demo story
  publisher: Example
facts:
  - id: place
    questions:
      - Where was the pact signed?
    answer: Alpha signed the pact in Paris.
    source: Alpha signed the pact in Paris on Monday.
"""


def write_story(root: Path, facts: str, article: str = ARTICLE, folder: str = "demo") -> Path:
    story = root / folder
    story.mkdir(parents=True, exist_ok=True)
    (story / "facts.yaml").write_text(facts, encoding="utf-8")
    (story / "article.txt").write_text(article, encoding="utf-8")
    return root


def problems(root: Path) -> list[str]:
    with pytest.raises(FileErrors) as caught:
        load_knowledge(root)
    return [str(p) for p in caught.value.problems]


def test_shipped_knowledge_is_valid():
    kb = load_knowledge(Path(__file__).resolve().parent.parent / "knowledge")
    assert [s.id for s in kb.stories] == ["ncg-guidelines"]
    assert kb.fact_count >= 40
    assert len(kb.revision) == 12


def test_good_story_loads_immutably(tmp_path):
    kb = load_knowledge(write_story(tmp_path, GOOD))
    fact = kb.story("demo").facts[0]
    assert fact.questions == ("Where was the pact signed?",)
    with pytest.raises(dataclasses.FrozenInstanceError):
        fact.answer = "changed"


def test_facts_citing_one_sentence_share_it():
    """A large fact base holds each cited sentence once, however many facts cite it."""
    story = load_knowledge(Path(__file__).resolve().parent.parent / "knowledge").stories[0]
    by_text: dict[str, set[int]] = {}
    for fact in story.facts:
        by_text.setdefault(fact.source, set()).add(id(fact.source))
    assert any(len([f for f in story.facts if f.source == text]) > 1 for text in by_text)
    assert all(len(ids) == 1 for ids in by_text.values())


def test_revision_follows_content(tmp_path):
    first = load_knowledge(write_story(tmp_path, GOOD)).revision
    assert load_knowledge(tmp_path).revision == first
    write_story(tmp_path, GOOD.replace("Alpha signed the pact in Paris.", "Alpha signed it in Paris."))
    assert load_knowledge(tmp_path).revision != first


def test_no_knowledge_folder(tmp_path):
    assert problems(tmp_path / "missing") == [f"{tmp_path / 'missing'}: no knowledge folder here (see --knowledge)"]
