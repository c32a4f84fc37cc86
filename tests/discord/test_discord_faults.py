"""Discord misbehaving: rate limits, server errors, slow work, reconnects and lost sessions.

The bot keeps answering through each, no unhandled exception (nothing at ERROR, no traceback) reaches the
log, and the token appears nowhere in it, even at DEBUG level.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

import discord
import pytest
from conftest import Harness, connected
from fake_discord import TOKEN, Interaction, Sent

from bot.discordbot import deadline
from bot.discordbot.errors import SORRY
from bot.engine import Engine

CALLBACK = "interactions/*/*/callback"
MESSAGES = "channels/*/messages"
DEFERRED = 5  # the interaction callback type for "thinking..."


@pytest.fixture
def logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.DEBUG)
    return caplog


def assert_clean(logs: pytest.LogCaptureFixture) -> None:
    """Nothing unhandled, and no token, in anything logged."""
    unhandled = [r for r in logs.records if r.levelno >= logging.ERROR or r.exc_info]
    assert not unhandled, [f"{r.name}: {r.getMessage()}" for r in unhandled]
    assert TOKEN not in logs.text
    assert not any(TOKEN in r.getMessage() for r in logs.records)


async def followup(h: Harness, interaction: Interaction) -> Sent:
    """The message that replaced a deferred interaction's "thinking..."."""
    return await h.fake.wait_for(
        lambda: next((s for s in h.fake.sent if s.interaction_id == interaction.id and s.via == "followup"), None)
    )


def warned(logs: pytest.LogCaptureFixture, fragment: str) -> bool:
    return any(r.levelno == logging.WARNING and fragment in r.getMessage() for r in logs.records)


async def test_a_rate_limited_answer_is_sent_after_retry_after(knowledge: Path, logs: pytest.LogCaptureFixture) -> None:
    async with connected(knowledge) as h:
        fault = h.fake.fail("POST", CALLBACK, 429, retry_after=0.01)
        _, sent = await h.ask(h.alice, "When does the bridge reopen?")

    assert sent.embeds and fault.hits == 1
    assert warned(logs, "rate limited")
    assert_clean(logs)


async def test_a_rate_limited_dm_reply_is_sent_after_retry_after(
    knowledge: Path, logs: pytest.LogCaptureFixture
) -> None:
    async with connected(knowledge) as h:
        fault = h.fake.fail("POST", MESSAGES, 429, retry_after=0.01)
        dm = h.fake.dm(h.alice)
        await h.fake.say(h.alice, dm, "Is there a bike lane?")
        [sent] = await h.said(dm)

    assert sent.embeds[0]["description"] == "A new protected lane on the bridge."
    assert fault.hits == 1
    assert_clean(logs)


async def test_a_server_error_on_the_interaction_callback_is_retried(
    knowledge: Path, logs: pytest.LogCaptureFixture
) -> None:
    async with connected(knowledge) as h:
        fault = h.fake.fail("POST", CALLBACK, 500)
        _, sent = await h.ask(h.alice, "When does the bridge reopen?")  # discord.py retries after a second

    assert sent.embeds and fault.hits == 1
    assert_clean(logs)


async def test_discord_failing_to_send_is_a_warning_and_the_user_hears_back(
    knowledge: Path, logs: pytest.LogCaptureFixture
) -> None:
    async with connected(knowledge) as h:
        fault = h.fake.fail("POST", MESSAGES, 503)  # not retried by discord.py
        dm = h.fake.dm(h.alice)
        await h.fake.say(h.alice, dm, "Is there a bike lane?")
        [sorry] = await h.said(dm)
        await h.fake.say(h.alice, dm, "Is there a bike lane?")
        _, answer = await h.said(dm, 2)

    assert fault.hits == 1 and sorry.content == SORRY
    assert answer.embeds[0]["description"] == "A new protected lane on the bridge."
    assert warned(logs, "Discord said: 503")
    assert_clean(logs)


async def test_an_expired_interaction_is_a_warning_not_a_crash(knowledge: Path, logs: pytest.LogCaptureFixture) -> None:
    async with connected(knowledge) as h:
        h.fake.fail("POST", CALLBACK, 404, times=2)  # "Unknown interaction": the 3 seconds had passed
        interaction = await h.fake.slash(h.alice, h.channel, "When does the bridge reopen?")
        await h.fake.wait_for(lambda: sum(f.hits for f in h.fake.faults) == 2)
        await h.fake.wait_for(lambda: warned(logs, "could not tell user"))
        _, sent = await h.ask(h.alice, "Is there a bike lane?")  # and the next question is answered

    assert interaction.callback is None and sent.embeds
    assert warned(logs, "Discord said: 404")
    assert_clean(logs)


async def test_slow_work_is_deferred_and_the_answer_follows(
    knowledge: Path, logs: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    slow, release, answer = "When does the bridge reopen?", threading.Event(), Engine.answer

    def stuck(engine: Engine, question: str, story: str | None = None):
        if question == slow:
            release.wait(10)
        return answer(engine, question, story)

    monkeypatch.setattr(Engine, "answer", stuck)
    monkeypatch.setattr(deadline, "DEFER_AFTER", 0)  # "later than the limit" is anything not done at once
    monkeypatch.setattr(deadline, "QUICK_FACTS", 0)  # matched in a thread, as a large fact base is
    try:
        async with connected(knowledge) as h:
            waiting = await h.fake.slash(h.alice, h.channel, slow)
            deferred = await h.fake.wait_for(lambda: waiting.callback)
            # the event loop is not blocked: another question is answered meanwhile (deferred too, at 0 s)
            meanwhile = await followup(h, await h.fake.slash(h.bob, h.channel, "Is there a bike lane?"))
            assert not release.is_set()
            release.set()
            answered = await followup(h, waiting)
    finally:
        release.set()

    assert deferred["type"] == DEFERRED and not (deferred.get("data") or {}).get("flags")  # public, as answers are
    assert answered.embeds[0]["description"] == "On Thursday, the story says."
    assert meanwhile.embeds[0]["description"] == "A new protected lane on the bridge."
    assert_clean(logs)


async def test_a_small_fact_base_is_matched_on_the_event_loop_and_a_large_one_in_threads(
    knowledge: Path, logs: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    threads: list[str] = []
    answer, loop = Engine.answer, threading.current_thread().name  # this test runs on the bot's event loop

    def traced(engine: Engine, question: str, story: str | None = None):
        threads.append(threading.current_thread().name)
        return answer(engine, question, story)

    monkeypatch.setattr(Engine, "answer", traced)
    async with connected(knowledge) as h:
        await h.ask(h.alice, "Is there a bike lane?")
        await h.fake.say(h.alice, h.fake.dm(h.alice), "Is there a bike lane?")
        await h.said(h.fake.dm(h.alice))
        monkeypatch.setattr(deadline, "QUICK_FACTS", 0)
        await h.ask(h.alice, "When does the bridge reopen?")
        await h.fake.say(h.alice, h.fake.dm(h.alice), "When does the bridge reopen?")
        await h.said(h.fake.dm(h.alice), 2)

    assert threads[:2] == [loop, loop]
    assert loop not in threads[2:] and len(threads) == 4
    assert_clean(logs)


async def test_a_slow_decline_after_a_public_defer_does_not_echo_the_question(
    knowledge: Path, logs: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(deadline, "DEFER_AFTER", 0)
    monkeypatch.setattr(deadline, "QUICK_FACTS", 0)
    async with connected(knowledge) as h:
        waiting = await h.fake.slash(h.alice, h.channel, "Who paid for the repairs?")
        declined = await followup(h, waiting)

    assert waiting.callback is not None and waiting.callback["type"] == DEFERRED
    assert declined.content.startswith("The story doesn't say.") and "You asked" not in declined.content
    assert_clean(logs)


async def test_answers_again_after_discord_asks_to_reconnect(knowledge: Path, logs: pytest.LogCaptureFixture) -> None:
    async with connected(knowledge) as h:
        await h.fake.request_reconnect()
        await h.fake.wait_for(lambda: h.fake.resumes == 1)
        _, sent = await h.ask(h.alice, "Is there a bike lane?")

    assert sent.embeds and h.fake.identifies == 1  # resumed the same session
    assert_clean(logs)


async def test_answers_again_after_the_session_is_invalidated(
    knowledge: Path, logs: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def at_once(*_args: object, **_kwargs: object) -> None:
        """discord.py's default waits 5 s before identifying again (Discord's identify rate limit)."""

    monkeypatch.setattr(discord.Client, "before_identify_hook", at_once)
    async with connected(knowledge) as h:
        await h.fake.invalidate_session()
        await h.fake.wait_for(lambda: h.fake.identifies == 2)
        _, sent = await h.ask(h.alice, "Is there a bike lane?")
        await h.fake.drop_connection()  # and the new session resumes like the first
        await h.fake.wait_for(lambda: h.fake.resumes == 1)
        _, again = await h.ask(h.alice, "When does the bridge reopen?")

    assert sent.embeds and again.embeds
    assert_clean(logs)


async def test_proxy_variables_cannot_redirect_the_bot(
    knowledge: Path, logs: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a session that trusted these would send every request, token included, to port 9 and fail
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "WS_PROXY", "WSS_PROXY", "ALL_PROXY"):
        monkeypatch.setenv(name, "http://127.0.0.1:9")
        monkeypatch.setenv(name.lower(), "http://127.0.0.1:9")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    async with connected(knowledge) as h:
        _, sent = await h.ask(h.alice, "Is there a bike lane?")

    assert sent.embeds and h.bot.http.proxy is None
    assert_clean(logs)
