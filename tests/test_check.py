"""``storybot check`` with two stories: coverage, confusions across stories, unknown names, the table."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pytest

from bot.check import check, confusions, names
from bot.config import Config
from bot.engine import Engine
from bot.knowledge import KnowledgeBase, load_knowledge

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "tests" / "data" / "port-alder-barrier"


@pytest.fixture
def two_stories(knowledge_copy: Path) -> Path:
    shutil.copytree(SAMPLE, knowledge_copy / SAMPLE.name)
    return knowledge_copy


def test_check_reports_each_story_and_sums_up(two_stories: Path, capsys: pytest.CaptureFixture[str]) -> None:
    facts = two_stories / SAMPLE.name / "facts.yaml"
    text = facts.read_text(encoding="utf-8")
    text = text.replace(
        "      - How high is the barrier?\n", "      - How high is the barrier?\n      - Did Trump fund it?\n"
    )
    facts.write_text(text, encoding="utf-8")

    assert check(two_stories, Config(), held_out=False) == 0  # holding out the shipped story's variants is slow
    out = capsys.readouterr().out

    sample = out.split("\nport-alder-barrier: ")[1].split("\n\n")[0]
    assert sample.startswith("9 facts, 26 question variants, 7/19 sentences cited")
    assert "  not cited: 4. If completed, it would be the largest flood barrier built in the U.S." in sample
    # the same vague question in both stories: each side is declined as too close to the other
    assert (
        "  ambiguous: council-vote / ncg-guidelines/presidents-approve-update:\n"
        "    “Who approved it?”: within the margin of ncg-guidelines/presidents-approve-update (100; council-vote 100)"
    ) in sample
    assert "  not in the article: barrier-height: “Did Trump fund it?” names Trump" in sample
    shipped = out.split("\nncg-guidelines: ")[1].split("\n\n")[0]
    assert "“Who approved it?”: within the margin of port-alder-barrier/council-vote" in shipped

    table = out.split("\n\n")[-1].splitlines()
    assert table[0].split() == ["story", "facts", "variants", "sentences", "cited", "ambiguous", "unknown", "names"]
    rows = {line.split()[0]: line.split()[1:] for line in table[2:]}
    assert rows["port-alder-barrier"][:3] == ["9", "26", "7/19"]
    assert int(rows["port-alder-barrier"][4]) == 1
    assert rows["all"][0] == str(int(rows["ncg-guidelines"][0]) + 9)


def test_a_variant_held_out_that_another_fact_would_answer(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    shutil.copytree(SAMPLE, tmp_path / SAMPLE.name)
    assert check(tmp_path, Config()) == 0
    out = capsys.readouterr().out
    assert (
        "  ambiguous: council-vote / governor-approval:\n"
        "    “Who approved it?”: without it, answered as governor-approval (78; council-vote 42)\n"
    ) in out
    assert check(tmp_path, Config(), held_out=False) == 0
    assert "ambiguous" not in capsys.readouterr().out.split("\n\n")[1]


def test_check_fails_on_invalid_files(knowledge_copy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (knowledge_copy / "ncg-guidelines" / "facts.yaml").write_text("story: [\n", encoding="utf-8")
    assert check(knowledge_copy, Config()) == 1
    assert "the knowledge is not valid" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("question", "found"),
    [
        ("Did Trump sign it?", ["Trump"]),
        ("What did the U.S. and South Korea sign?", ["U.S", "South Korea"]),
        ("NATO or the U.N.?", ["NATO", "U.N"]),
        ("Was it signed on Friday in May?", []),
        ("Who signed it?", []),
        ("Did Kim Jong Un react?", ["Kim Jong Un"]),
    ],
)
def test_names_in_a_question(question: str, found: list[str]) -> None:
    assert names(question) == found


def test_a_facts_only_variant_can_be_held_out(tmp_path: Path) -> None:
    shutil.copytree(SAMPLE, tmp_path / SAMPLE.name)
    story = load_knowledge(tmp_path).stories[0]
    facts = tuple(
        dataclasses.replace(f, questions=("Who approved it?",)) if f.id == "council-vote" else f for f in story.facts
    )
    lonely = dataclasses.replace(story, facts=facts)
    [found] = confusions(Engine(KnowledgeBase((lonely,), "test"), Config().matching), lonely)
    assert (found.fact, found.verdict, found.other, found.held_out) == (
        "council-vote",
        "answered as",
        "port-alder-barrier/governor-approval",
        True,
    )


def test_a_variant_of_function_words_only_is_reported_and_harms_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """No question can reach "What is it?" (every word asks nothing); the curator is told, and every other
    question is answered as before (it once made bounding its fact divide by zero)."""
    shutil.copytree(SAMPLE, tmp_path / SAMPLE.name)
    facts = tmp_path / SAMPLE.name / "facts.yaml"
    text = facts.read_text(encoding="utf-8")
    variant = "      - How high is the barrier?\n"
    facts.write_text(text.replace(variant, variant + "      - What is it?\n"), encoding="utf-8")
    engine = Engine(load_knowledge(tmp_path), Config().matching)
    reply = engine.answer("how high is the barrier")
    assert reply.answered and reply.match.fact.id == "barrier-height"
    assert check(tmp_path, Config(), held_out=False) == 0
    assert "“What is it?”: declined: every word of it asks nothing" in capsys.readouterr().out
