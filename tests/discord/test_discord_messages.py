"""Questions by message: DMs, mentions, what must not trigger the bot, and the shared cooldown."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from conftest import allowed_mentions_none, connected
from fake_discord import EVERYONE_PERMISSIONS, User, snowflake

from bot.config import Config, Discord
from bot.discordbot import views
from bot.discordbot.errors import SORRY
from bot.discordbot.messages import question_in
from bot.engine import Status

SEND_MESSAGES = 1 << 11


async def test_a_dm_is_a_question(knowledge: Path) -> None:
    async with connected(knowledge) as h:
        dm = h.fake.dm(h.alice)
        asked = await h.fake.say(h.alice, dm, "When does the bridge reopen?")
        [sent] = await h.said(dm)

    assert sent.replied_to == asked
    assert allowed_mentions_none(sent)
    assert sent.embeds[0]["description"] == "On Thursday, the story says."
    assert "title" not in sent.embeds[0]  # the question is right above it


async def test_a_dm_decline_offers_buttons_that_work(knowledge: Path) -> None:
    async with connected(knowledge) as h:
        dm = h.fake.dm(h.alice)
        await h.fake.say(h.alice, dm, "bridge")
        [decline] = await h.said(dm)
        assert "You asked: “bridge”" in decline.content
        press = await h.fake.press(h.alice, decline, decline.buttons[0]["custom_id"])
        answer = await h.fake.reply_to(press)

    assert answer.embeds and answer.embeds[0]["title"] == "bridge"


@pytest.mark.parametrize("form", ["<@{id}>", "<@!{id}>"])
async def test_a_mention_is_answered_with_every_mention_stripped(knowledge: Path, form: str) -> None:
    async with connected(knowledge) as h:
        me = form.format(id=h.fake.bot.id)
        text = f"{me} {h.fake.guild.role_mention()} <@{h.bob.id}> @here when does the bridge reopen?"
        asked = await h.fake.say(h.alice, h.channel, text, mentions=(h.fake.bot, h.bob))
        [sent] = await h.said(h.channel)

    assert sent.replied_to == asked
    assert allowed_mentions_none(sent)
    assert sent.embeds[0]["footer"]["text"].startswith("Matched “When does the bridge reopen?” · 100%")


async def test_a_mention_decline_is_short_and_its_buttons_guard_the_asker(knowledge: Path) -> None:
    async with connected(knowledge) as h:
        await h.fake.say(h.alice, h.channel, f"<@{h.fake.bot.id}> bridge", mentions=(h.fake.bot,))
        [decline] = await h.said(h.channel)
        assert decline.content == "The story doesn't say.\nDid you mean:"
        assert decline.buttons

        refused = await h.fake.reply_to(await h.fake.press(h.bob, decline, decline.buttons[0]["custom_id"]))
        assert refused.ephemeral and refused.content == views.NOT_YOURS
        answer = await h.fake.reply_to(await h.fake.press(h.alice, decline, decline.buttons[0]["custom_id"]))
        assert answer.embeds and not answer.ephemeral

        h.clock.advance(h.bot.config.discord.suggestion_seconds)
        await h.bot.expire_offers()
        assert all(b["disabled"] for b in decline.buttons)


async def test_pings_without_the_bots_mention_in_the_text_are_ignored(knowledge: Path) -> None:
    async with connected(knowledge) as h:
        await h.fake.say(h.alice, h.fake.dm(h.alice), "When does the bridge reopen?")
        [earlier] = await h.said(h.fake.dm(h.alice))
        other_bot = User(snowflake(), "otherbot", bot=True)

        mine = f"<@{h.fake.bot.id}>"
        await h.fake.say(h.alice, h.channel, "when does it reopen?", reply_to=earlier, mentions=(h.fake.bot,))
        await h.fake.say(h.alice, h.channel, "@everyone when does the bridge reopen?", mention_everyone=True)
        await h.fake.say(h.alice, h.channel, "@here when does the bridge reopen?", mention_everyone=True)
        await h.fake.say(
            h.alice, h.channel, f"{h.fake.guild.role_mention()} when?", mention_roles=(h.fake.guild.id + 1,)
        )
        await h.fake.say(other_bot, h.channel, f"{mine} when does the bridge reopen?", mentions=(h.fake.bot,))
        sentinel = await h.fake.say(h.bob, h.channel, f"{mine} bike lane?", mentions=(h.fake.bot,))
        [only] = await h.said(h.channel)

    assert only.replied_to == sentinel


async def test_no_reply_where_the_bot_may_not_send(knowledge: Path) -> None:
    async with connected(knowledge, permissions=EVERYONE_PERMISSIONS & ~SEND_MESSAGES) as h:
        await h.fake.say(h.alice, h.channel, f"<@{h.fake.bot.id}> when does the bridge reopen?")
        await h.fake.say(h.alice, h.fake.dm(h.alice), "When does the bridge reopen?")
        await h.said(h.fake.dm(h.alice))
        assert not h.fake.sent_in(h.channel)


async def test_the_cooldown_is_shared_and_said_once(knowledge: Path) -> None:
    config = Config(discord=Discord(cooldown_rate=2, cooldown_seconds=30))
    async with connected(knowledge, config) as h:
        dm = h.fake.dm(h.alice)
        await h.ask(h.alice, "When does the bridge reopen?")
        await h.fake.say(h.alice, dm, "Is there a bike lane?")
        await h.said(dm)

        _, slowed = await h.ask(h.alice, "How much did the repairs cost?")
        assert slowed.ephemeral and slowed.content == "You're asking quickly; try again in 30 s."

        h.clock.advance(10)
        await h.fake.say(h.alice, h.channel, f"<@{h.fake.bot.id}> what did engineers find?")
        [notice] = await h.said(h.channel)
        assert notice.content == "You're asking quickly; try again in 20 s."
        await h.fake.say(h.alice, h.channel, f"<@{h.fake.bot.id}> what did engineers find?")  # not told twice
        await h.fake.say(h.bob, h.channel, f"<@{h.fake.bot.id}> what did engineers find?")  # bob is not slowed
        _, bobs = await h.said(h.channel, 2)
        assert bobs.embeds

        h.clock.advance(20)
        _, again = await h.ask(h.alice, "How much did the repairs cost?")
        assert again.embeds and not again.ephemeral


def test_question_in() -> None:
    assert question_in("<@1> <@!1>  why?  <#5> <@&7>", 1, direct=False) == "why?"
    assert question_in("<@2> why?", 1, direct=False) is None
    assert question_in("why?", 1, direct=True) == "why?"
    assert question_in("<@1>", 1, direct=False) == ""


async def test_an_empty_mention_gets_a_nudge(knowledge: Path) -> None:
    async with connected(knowledge) as h:
        assert h.bot.engine.answer("").status is Status.NO_MATCH
        await h.fake.say(h.alice, h.channel, f"<@{h.fake.bot.id}>")
        [sent] = await h.said(h.channel)
    assert sent.content == "Ask a question about the story."


async def test_event_errors_reach_the_user_briefly_and_the_log_fully(
    knowledge: Path, caplog: pytest.LogCaptureFixture, engine_on_fire: None
) -> None:
    async with connected(knowledge) as h:
        dm = h.fake.dm(h.alice)
        asked = await h.fake.say(h.alice, dm, "When does the bridge reopen?")
        [sent] = await h.said(dm)

    assert sent.content == SORRY
    [record] = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert f"event on_message failed: user={h.alice.id} guild=None channel={dm.id} message={asked}" in (
        record.getMessage()
    )
    assert record.exc_info is not None and "engine on fire" in str(record.exc_info[1])
