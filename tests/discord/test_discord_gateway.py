"""Connecting: login, READY and the guild, the commands published, and resuming after a dropped connection."""

from __future__ import annotations

from pathlib import Path

from conftest import connected

PRIVILEGED = (1 << 1) | (1 << 8) | (1 << 15)  # members, presences, message content


async def test_connects_and_publishes_the_commands(knowledge: Path) -> None:
    async with connected(knowledge) as h:
        assert h.bot.user is not None and h.bot.user.id == h.fake.bot.id
        assert h.bot.get_guild(h.fake.guild.id) is not None
        commands = {c["name"]: c for c in h.fake.commands}
        assert sorted(commands) == ["about", "ask", "reload", "topics"]
        ask = commands["ask"]
        assert ask["name"] == "ask" and ask["contexts"] == [0, 1] and ask["integration_types"] == [0]
        question, private = ask["options"]
        assert question["autocomplete"] and question["required"] and question["max_length"] == 500
        assert private["name"] == "private" and not private["required"]
        assert h.fake.identifies == 1
        assert h.fake.intents is not None and not h.fake.intents & PRIVILEGED


async def test_answers_again_after_the_connection_drops_and_resumes(knowledge: Path) -> None:
    async with connected(knowledge) as h:
        await h.fake.drop_connection()
        during = await h.fake.slash(h.alice, h.channel, "When does the bridge reopen?")  # held for the resume
        await h.fake.wait_for(lambda: h.fake.resumes == 1)
        assert (await h.fake.reply_to(during)).embeds
        _, after = await h.ask(h.alice, "Is there a bike lane?")

    assert after.embeds
    assert h.fake.identifies == 1  # resumed, not a new session
