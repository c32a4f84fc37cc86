"""Property tests on questions: whatever a user types, the reply is well formed, bounded and safe to echo."""

from __future__ import annotations

import json
import re
import unicodedata

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.config import Matching
from bot.discordbot import render as discord_render
from bot.engine import Engine, Reason, Reply, Status
from bot.engine.index import StoryIndex
from bot.engine.text import words
from bot.render import as_json, render_text

CAP = Matching().max_question_length
MAX_WORDS = Matching().max_question_words
PROPERTIES = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Pieces people paste that Discord would format, ping with, link or reorder.
HOSTILE = [
    "@everyone", "@here", "<@123456789012345678>", "<@!123456789012345678>", "<@&123456789012345678>",
    "@\u200beveryone", "**", "__", "~~", "||", "`", "```", "> ", ">>> ", "# ", "-# ", "\\", "[x](https://evil.example)",
    "https://evil.example/a_b_", "<https://evil.example>", "\u202e", "\u202d", "\u2066", "\u2069", "\u200f", "\u200b",
    "\u200d", "\ufeff", "\u2028", "\n", "\r\n", "\t", "\x00", "مرحبا", "שלום", "👨‍👩‍👧",
]  # fmt: skip


def story_words(engine: Engine) -> list[str]:
    return sorted({w for s in engine.kb.stories for f in s.facts for q in f.questions for w in q.split()})


@pytest.fixture(scope="module")
def vocabulary(engine: Engine) -> list[str]:
    return story_words(engine)


def questions(vocabulary: list[str]) -> st.SearchStrategy[str]:
    """Arbitrary unicode, story words mixed with noise, and hostile pieces, up to the length cap."""
    piece = st.one_of(st.sampled_from(vocabulary), st.sampled_from(HOSTILE), st.text(max_size=8))
    mixed = st.lists(piece, max_size=40).map(" ".join)
    return st.one_of(st.text(max_size=CAP), mixed.map(lambda q: q[:CAP]))


def assert_well_formed(reply: Reply, question: str, engine: Engine) -> None:
    m = engine.matching
    assert reply.question == question
    assert reply.revision == engine.kb.revision
    assert (reply.reason is Reason.EMPTY) == (not question.strip())
    assert (reply.reason is Reason.TOO_LONG) == (bool(question.strip()) and len(question) > m.max_question_length)
    assert reply.answered == (reply.status is Status.ANSWERED)
    if reply.answered:
        assert reply.match is not None and 0 <= reply.match.score <= 100
        assert reply.match.fact in reply.match.story.facts
        assert reply.match.variant in reply.match.fact.questions
    else:
        assert reply.match is None
    assert len(reply.suggestions) <= m.max_suggestions
    assert all(m.suggest_threshold <= s.score <= 100 for s in reply.suggestions)
    assert (reply.status is Status.SUGGESTIONS) == (bool(reply.suggestions) or reply.hint is not None)


def assert_renders(reply: Reply) -> None:
    assert render_text(reply, CAP)
    assert json.loads(json.dumps(as_json(reply)))["revision"] == reply.revision
    if reply.answered:
        for embed in (True, False):
            out = discord_render.answer(reply, embed=embed)
            if out.embed is not None:
                assert len(out.embed) <= 6000 and len(out.embed.title or "") <= discord_render.TITLE_LIMIT
            else:
                assert out.content is not None and len(out.content) <= discord_render.CONTENT_LIMIT
    else:
        text = discord_render.decline(reply, max_question_length=CAP, echo=True)
        assert 0 < len(text) <= discord_render.CONTENT_LIMIT


def test_any_question_up_to_the_cap_gets_a_well_formed_reply(engine: Engine, vocabulary: list[str]) -> None:
    @PROPERTIES
    @given(question=questions(vocabulary))
    def check(question: str) -> None:
        reply = engine.answer(question)
        assert_well_formed(reply, question, engine)
        assert_renders(reply)

    check()


@PROPERTIES
@given(question=st.text(min_size=CAP + 1, max_size=2 * CAP).filter(str.strip))
def test_an_overlong_question_gets_a_clear_message(engine: Engine, question: str) -> None:
    reply = engine.answer(question)
    assert reply.reason is Reason.TOO_LONG and reply.status is Status.NO_MATCH
    too_long = f"That question is too long (the limit is {CAP} characters); please ask it in fewer words."
    assert render_text(reply, CAP) == too_long
    text = discord_render.decline(reply, max_question_length=CAP, echo=True)
    assert text == render_text(reply, CAP)  # not echoed back


def _raw_markdown(text: str) -> list[str]:
    """Markdown characters not escaped by a backslash."""
    found, i = [], 0
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if text[i] in "*_~|`":
            found.append(text[i])
        i += 1
    return found


@PROPERTIES
@given(text=st.one_of(st.text(), st.lists(st.one_of(st.sampled_from(HOSTILE), st.text(max_size=4))).map("".join)))
def test_echoed_text_cannot_format_ping_link_or_reorder(text: str) -> None:
    out = discord_render.shown(text, discord_render.ASKED_LIMIT)
    assert len(out) <= discord_render.ASKED_LIMIT
    assert "\n" not in out and "\r" not in out
    assert not _raw_markdown(out), out
    assert not re.search(r"@(everyone|here)|<@[!&]?\d+>", out), out
    assert "://" not in out
    # the only format characters left are the zero-width spaces escaping put after "@" and ":"
    for i, c in enumerate(out):
        if unicodedata.category(c) == "Cf":
            assert c == "\u200b" and i > 0 and out[i - 1] in "@:", (out, i)


@settings(PROPERTIES, max_examples=50)  # two full matches of 60+ words per example
@given(data=st.data())
def test_only_the_first_words_of_a_question_are_read(
    engine: Engine, vocabulary: list[str], data: st.DataObject
) -> None:
    many = st.lists(st.sampled_from(vocabulary), min_size=MAX_WORDS + 1, max_size=2 * MAX_WORDS)
    question = " ".join(data.draw(many))
    head = " ".join(words(question)[:MAX_WORDS])
    assert engine.assess(question) == engine.assess(head)


def test_typo_correction_is_bounded_by_the_word_cap(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = 0
    correct = StoryIndex.correct

    def counting(self: StoryIndex, word: str) -> str:
        nonlocal calls
        calls += 1
        return correct(self, word)

    monkeypatch.setattr(StoryIndex, "correct", counting)
    question = " ".join(["sined", "nucler", "signd", "alied"] * 30)[:CAP]  # misspelt, so each is corrected
    assert len(words(question)) > MAX_WORDS
    engine.answer(question)
    assert calls == MAX_WORDS * len(engine.kb.stories)
