"""Several stories at once: each is answered from its own facts, and a question both fit is declined."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.config import Config
from bot.engine import Engine, Status
from bot.knowledge import load_knowledge
from bot.render import render_text

SAMPLE = Path(__file__).resolve().parent / "data" / "port-alder-barrier"


@pytest.fixture
def two(knowledge_copy: Path) -> Engine:
    shutil.copytree(SAMPLE, knowledge_copy / SAMPLE.name)
    return Engine(load_knowledge(knowledge_copy), Config().matching)


def test_each_story_answers_its_own_questions(two: Engine) -> None:
    ours = two.answer("Where were the guidelines signed?")
    theirs = two.answer("How tall will the barrier be?")
    assert ours.match is not None and ours.match.story.id == "ncg-guidelines"
    assert theirs.match is not None and (theirs.match.story.id, theirs.match.fact.id) == (
        "port-alder-barrier",
        "barrier-height",
    )


def test_a_question_both_stories_fit_equally_is_declined_with_suggestions_from_both(two: Engine) -> None:
    reply = two.answer("Who approved it?")
    assert reply.status is Status.SUGGESTIONS
    assert {m.story.id for m in reply.suggestions} == {"ncg-guidelines", "port-alder-barrier"}
    assert {m.fact.id for m in reply.suggestions[:2]} == {"presidents-approve-update", "council-vote"}
    shown = render_text(reply, 500)  # the same question in two stories: each suggestion names its story
    assert "Who approved it? (Port Alder council approves $4.3 billion storm-surge barrier)" in shown


def test_naming_the_story_settles_it(two: Engine) -> None:
    reply = two.answer("Who approved it?", "port-alder-barrier")
    assert reply.answered and reply.match is not None and reply.match.fact.id == "council-vote"


def test_a_second_story_changes_no_answer_of_the_first(engine: Engine, two: Engine) -> None:
    """Word statistics are per story: every curated variant of the shipped story is answered as before,
    unless the other story has the same question ("Who approved it?"), which is then declined with both."""
    for fact in engine.kb.story("ncg-guidelines").facts:
        for question in fact.questions:
            alone, together = engine.answer(question), two.answer(question)
            same = (alone.status, alone.match and alone.match.fact.id) == (
                together.status,
                together.match and together.match.fact.id,
            )
            tie = (
                alone.match is not None
                and together.status is Status.SUGGESTIONS
                and any(
                    m.story.id == "port-alder-barrier" and m.score >= alone.match.score for m in together.suggestions
                )
            )
            assert same or tie, question


def test_another_storys_near_miss_must_fit_better_than_the_best_fact(knowledge_copy: Path) -> None:
    """A near miss says what its own story does not say: tying the best fact of another story it declines
    nothing, fitting better it does (the question is likelier its story's)."""
    barrier = knowledge_copy / SAMPLE.name
    shutil.copytree(SAMPLE, barrier)
    facts = barrier / "facts.yaml"
    note = '"How much will the barrier cost to maintain?", "Where were the guidelines signed?", "Who designed it?"'
    facts.write_text(facts.read_text().replace('["How much will the barrier cost to maintain?"]', f"[{note}]"))
    two = Engine(load_knowledge(knowledge_copy), Config().matching)
    tied = two.answer("Where were the guidelines signed?")
    assert tied.status is Status.ANSWERED and tied.match is not None
    assert tied.match.fact.id == "signing-place"
    better = two.answer("Who designed it?")
    assert (
        better.status is Status.SUGGESTIONS
        and better.hint == "The story gives only the $4.3 billion cost of building the barrier."
    )
