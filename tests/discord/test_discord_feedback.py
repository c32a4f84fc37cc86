"""Votes under answers, the record of what people asked, and /ask's story option with several stories."""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import sqlite3
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import allowed_mentions_none, connected
from fake_discord import EVERYONE_PERMISSIONS, FakeDiscord

from bot.config import Config, Records
from bot.discordbot import feedback
from bot.engine import Reply, Status
from bot.misses import DATABASE, AskLog, MissStore

TESTS = Path(__file__).resolve().parents[1]
SHIPPED = TESTS.parent / "knowledge"
SAMPLE = TESTS / "data" / "port-alder-barrier"

Recorded = Callable[[], Awaitable[Reply]]
EMBED_LINKS = 1 << 14


@pytest.fixture
def recorded(monkeypatch: pytest.MonkeyPatch) -> Recorded:
    """Wait for the bot to finish recording its next reply (its recording thread writes after the reply)."""
    done: asyncio.Queue[Reply] = asyncio.Queue()
    original = feedback.record

    def traced(bot: Any, user_id: int, reply: Reply, **how: bool) -> None:
        original(bot, user_id, reply, **how)
        loop = asyncio.get_running_loop()
        with contextlib.suppress(RuntimeError):  # closed: nothing more is written
            bot.recorder.submit(loop.call_soon_threadsafe, done.put_nowait, reply)  # once its write is done

    monkeypatch.setattr(feedback, "record", traced)
    return lambda: asyncio.wait_for(done.get(), 5)


def store(state: Path) -> MissStore:
    return MissStore(state / DATABASE)


async def test_answers_carry_votes_one_per_user_per_answer(knowledge: Path, _state_dir: Path) -> None:
    async with connected(knowledge) as h:
        _, answer = await h.ask(h.alice, "When does the bridge reopen?")
        up, down = answer.buttons
        assert (up["emoji"]["name"], down["emoji"]["name"]) == ("👍", "👎")
        key = feedback.fact_key("harbour-bridge", "reopening")
        assert (up["custom_id"], down["custom_id"]) == (f"storybot:vote:up:{key}", f"storybot:vote:down:{key}")

        thanks = await h.fake.reply_to(await h.fake.press(h.alice, answer, down["custom_id"]))
        assert thanks.ephemeral and thanks.content == feedback.THANKS["down"]
        assert allowed_mentions_none(thanks)
        changed = await h.fake.reply_to(await h.fake.press(h.alice, answer, up["custom_id"]))
        assert changed.content == feedback.CHANGED.format("👍")
        await h.fake.reply_to(await h.fake.press(h.bob, answer, down["custom_id"]))

    votes = store(_state_dir).votes()
    assert sorted((v.up, v.story, v.fact, v.question) for v in votes) == [
        (False, "harbour-bridge", "reopening", "When does the bridge reopen?"),
        (True, "harbour-bridge", "reopening", "When does the bridge reopen?"),
    ]


async def test_a_vote_on_a_plain_text_answer_keeps_its_question(knowledge: Path, _state_dir: Path) -> None:
    async with connected(knowledge, permissions=EVERYONE_PERMISSIONS & ~EMBED_LINKS) as h:
        _, answer = await h.ask(h.alice, "Is there a *bike* lane?")
        assert not answer.embeds
        await h.fake.reply_to(await h.fake.press(h.alice, answer, answer.buttons[1]["custom_id"]))
    [vote] = store(_state_dir).votes()
    assert (vote.fact, vote.question, vote.up) == ("cyclists", "Is there a *bike* lane?", False)


async def test_vote_buttons_work_after_a_restart(knowledge: Path, _state_dir: Path) -> None:
    fake = FakeDiscord()
    async with connected(knowledge, fake=fake) as h:
        _, answer = await h.ask(h.alice, "Is there a bike lane?", h.fake.dm(h.alice))
    async with connected(knowledge, fake=fake) as h:  # a new process: nothing in memory
        press = await h.fake.press(h.alice, answer, answer.buttons[1]["custom_id"])
        assert (await h.fake.reply_to(press)).content == feedback.THANKS["down"]
    [vote] = store(_state_dir).votes()
    assert (vote.fact, vote.up) == ("cyclists", False)


async def test_declines_and_re_asks_are_recorded_without_ids(
    knowledge: Path, _state_dir: Path, recorded: Recorded
) -> None:
    async with connected(knowledge) as h:
        await h.ask(h.alice, "Who paid for the repairs?")
        assert (await recorded()).status is Status.SUGGESTIONS
        await h.ask(h.alice, "When does the bridge reopen?")  # asked again within a minute
        assert (await recorded()).answered
        await h.fake.say(
            h.bob, h.channel, f"<@{h.fake.bot.id}> when does the bridge open again?", mentions=(h.fake.bot,)
        )
        await recorded()  # an answer not worth keeping: nothing is written for bob

    asks = store(_state_dir).asks()
    assert [(a.kind, a.question, a.reasked) for a in asks] == [
        ("declined", "Who paid for the repairs?", True),
        ("answered", "When does the bridge reopen?", False),
    ]
    dump = "\n".join(sqlite3.connect(_state_dir / DATABASE).iterdump())
    for secret in (h.alice.id, h.bob.id, h.fake.guild.id, h.channel.id):
        assert str(secret) not in dump


async def test_an_ask_outliving_the_bot_is_not_recorded_and_says_so(
    knowledge: Path, _state_dir: Path, recorded: Recorded, caplog: pytest.LogCaptureFixture
) -> None:
    async with connected(knowledge) as h:
        await h.ask(h.alice, "Who paid for the repairs?")
        reply = await recorded()
    feedback.record(h.bot, h.bob.id, reply, direct=False)  # as a reply still running after close would
    assert "not recording a question: the bot has closed" in caplog.text
    assert [a.question for a in store(_state_dir).asks()] == ["Who paid for the repairs?"]


async def test_a_failed_write_is_logged_and_the_asker_still_has_the_answer(
    knowledge: Path, recorded: Recorded, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    def locked(*_args: object, **_kwargs: object) -> None:
        raise sqlite3.OperationalError("database is locked")

    monkeypatch.setattr(AskLog, "ask", locked)
    async with connected(knowledge) as h:
        _, sent = await h.ask(h.alice, "Who paid for the repairs?")
        await recorded()
    assert sent.content.startswith("The story doesn't say.")
    assert "could not record a question" in caplog.text and "database is locked" in caplog.text


async def test_a_picked_suggestion_is_recorded_with_its_fact(
    knowledge: Path, _state_dir: Path, recorded: Recorded
) -> None:
    async with connected(knowledge) as h:
        _, decline = await h.ask(h.alice, "bridge")
        await recorded()
        press = await h.fake.press(h.alice, decline, decline.buttons[0]["custom_id"])
        answer = await h.fake.reply_to(press)
        assert [b["emoji"]["name"] for b in answer.buttons] == ["👍", "👎"]
        picked = await recorded()

    asks = store(_state_dir).asks()
    assert [(a.kind, a.question) for a in asks] == [("declined", "bridge"), ("picked", "bridge")]
    assert picked.match is not None and asks[1].fact == picked.match.fact.id


async def test_dms_are_left_out_when_the_config_says_so(knowledge: Path, _state_dir: Path, recorded: Recorded) -> None:
    async with connected(knowledge, Config(records=Records(record_dms=False))) as h:
        await h.ask(h.alice, "Who paid for the repairs?", h.fake.dm(h.alice))
        await recorded()
        await h.ask(h.alice, "Who paid for the repairs?")
        await recorded()
    assert len(store(_state_dir).asks()) == 1


async def test_with_records_off_nothing_is_written_and_votes_still_thank(knowledge: Path, _state_dir: Path) -> None:
    async with connected(knowledge, Config(records=Records(enabled=False))) as h:
        _, answer = await h.ask(h.alice, "When does the bridge reopen?")
        thanks = await h.fake.reply_to(await h.fake.press(h.alice, answer, answer.buttons[0]["custom_id"]))
    assert thanks.content == feedback.NOT_KEPT
    assert not (_state_dir / DATABASE).exists()


async def test_ask_offers_a_story_choice_when_several_are_loaded(tmp_path: Path, knowledge: Path) -> None:
    both = tmp_path / "both"
    shutil.copytree(SHIPPED, both)
    shutil.copytree(SAMPLE, both / SAMPLE.name)
    async with connected(both) as h:
        [ask] = [c for c in h.fake.commands if c["name"] == "ask"]
        [story] = [o for o in ask["options"] if o["name"] == "story"]
        assert not story.get("required")
        assert {c["value"] for c in story["choices"]} == {"ncg-guidelines", SAMPLE.name}

        _, vague = await h.ask(h.alice, "Who approved it?")
        assert vague.ephemeral and len(vague.buttons) >= 2
        labels = {b["label"] for b in vague.buttons}  # the same question in two stories: which is which
        assert {"Who approved it? · Port Alder council approves $4.3 billion storm-surge barrier"} <= labels
        chosen = await h.fake.command(h.alice, h.channel, "ask", question="Who approved it?", story=SAMPLE.name)
        answer = await h.fake.reply_to(chosen)
        assert answer.embeds[0]["description"] == "The Port Alder city council voted 7-2 to build the barrier."

    async with connected(knowledge) as h:  # one story: no choice to make
        [ask] = [c for c in h.fake.commands if c["name"] == "ask"]
        assert "story" not in {o["name"] for o in ask["options"]}
