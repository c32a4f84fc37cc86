"""The loader: the shipped knowledge validates, and each kind of bad document gives its exact message."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bot.config import Limits
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


def problems(root: Path, limits: Limits | None = None) -> list[str]:
    with pytest.raises(FileErrors) as caught:
        load_knowledge(root, limits)
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
    with pytest.raises(Exception, match="frozen"):
        fact.answer = "changed"


def test_revision_follows_content(tmp_path):
    first = load_knowledge(write_story(tmp_path, GOOD)).revision
    assert load_knowledge(tmp_path).revision == first
    write_story(tmp_path, GOOD.replace("Alpha signed the pact in Paris.", "Alpha signed it in Paris."))
    assert load_knowledge(tmp_path).revision != first


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            ("      - Where was the pact signed?\n", "      - Where was the pact signed?\n      - 42\n"),
            "demo/facts.yaml:9: facts[0].questions[1]: expected a string, got a number (42); "
            "put it in quotes to keep it as text",
        ),
        (
            ("answer: Alpha signed the pact in Paris.", "answer: yes"),
            "demo/facts.yaml:9: facts[0].answer: expected a string, got a boolean (true); "
            "put it in quotes to keep it as text",
        ),
        (("publisher: Example", "publisher: Example\n  colour: red"), "demo/facts.yaml:5: story.colour: unknown key"),
        (("  publisher: Example\n", ""), "demo/facts.yaml:2: story.publisher: required, but missing"),
        (
            ("source: Alpha signed the pact in Paris on Monday.", "source: Alpha signed the pact in Rome."),
            "demo/facts.yaml:10: facts[0].source: not found verbatim in the article",
        ),
        (
            ("title: Demo story", "title: Demo story\n  title: Again"),
            "demo/facts.yaml:4: story.title: duplicate key 'title' (YAML would keep only the last)",
        ),
        (("id: demo", "id: other"), "demo/facts.yaml:2: story.id: must match the folder name 'demo'"),
        (("facts:\n", "facts:\n  - just text\n"), "demo/facts.yaml:6: facts[0]: expected a mapping (key: value)"),
        (("  publisher: Example", "\tpublisher: Example"), "demo/facts.yaml:4: invalid YAML: while scanning"),
    ],
)
def test_bad_document_messages(tmp_path, change, expected):
    old, new = change
    assert old in GOOD
    found = problems(write_story(tmp_path, GOOD.replace(old, new, 1)))
    assert any(p.startswith(expected) for p in found), found


def test_duplicate_ids_and_questions(tmp_path):
    twice = GOOD + GOOD.split("facts:\n", 1)[1].replace("Where was the pact signed?", "where was the PACT signed")
    found = problems(write_story(tmp_path, twice))
    assert "demo/facts.yaml:11: facts[1].id: duplicate id 'place' (also facts[0])" in found
    assert "demo/facts.yaml:13: facts[1].questions[0]: the same question as facts[0].questions[0]" in found


def test_all_errors_reported_at_once_across_stories(tmp_path):
    write_story(tmp_path, GOOD.replace("answer: Alpha signed the pact in Paris.", "answer: 3"))
    write_story(
        tmp_path, GOOD.replace("id: demo", "id: second").replace("publisher: Example", "publisher: no"), folder="second"
    )
    found = problems(tmp_path)
    assert len(found) == 2
    assert found[0].startswith("demo/facts.yaml:9: facts[0].answer")
    assert found[1].startswith("second/facts.yaml:4: story.publisher")


def test_missing_article_and_empty_file(tmp_path):
    write_story(tmp_path, GOOD)
    (tmp_path / "demo" / "article.txt").unlink()
    assert problems(tmp_path) == ["demo/facts.yaml:2: story.article: no such file: demo/article.txt"]
    (tmp_path / "demo" / "facts.yaml").write_text("# nothing yet\n")
    assert problems(tmp_path) == ["demo/facts.yaml:1: the file is empty"]


def test_not_utf8_and_oversized(tmp_path):
    write_story(tmp_path, GOOD)
    (tmp_path / "demo" / "facts.yaml").write_bytes(GOOD.encode() + b"# caf\xe9\n")
    assert problems(tmp_path) == ["demo/facts.yaml:11: not UTF-8 text (byte 0xe9)"]
    big = GOOD + "#" * 2000 + "\n"
    write_story(tmp_path, big)
    assert problems(tmp_path, Limits(max_file_bytes=1024)) == [
        f"demo/facts.yaml: the file is {len(big)} bytes, over the cap of 1024"
    ]


def test_alias_bomb_is_capped(tmp_path):
    bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
    for name, prev in zip("bcdefgh", "abcdefg", strict=True):
        bomb += f"{name}: &{name} [{', '.join(['*' + prev] * 10)}]\n"
    found = problems(write_story(tmp_path, GOOD + bomb.replace("a: &a", "extra: &a")))
    assert len(found) == 1
    assert "more than 200000 values (an alias bomb?)" in found[0]


def test_symlink_outside_the_knowledge_folder(tmp_path):
    outside = tmp_path / "outside"
    write_story(outside, GOOD)
    root = tmp_path / "knowledge"
    (root / "demo").mkdir(parents=True)
    os.symlink(outside / "demo" / "facts.yaml", root / "demo" / "facts.yaml")
    assert problems(root) == ["demo/facts.yaml: points outside the knowledge folder"]


def test_no_knowledge_folder(tmp_path):
    assert problems(tmp_path / "missing") == [f"{tmp_path / 'missing'}: no knowledge folder here (see --knowledge)"]
