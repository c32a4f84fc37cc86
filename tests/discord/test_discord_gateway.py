"""Connecting: login, READY and the guild, /ask published, and resuming after a dropped connection."""

from __future__ import annotations

from pathlib import Path

from conftest import connected


async def test_connects_and_publishes_ask(knowledge: Path) -> None:
    async with connected(knowledge) as h:
        assert h.bot.user is not None and h.bot.user.id == h.fake.bot.id
        assert h.bot.get_guild(h.fake.guild.id) is not None
        assert [c["name"] for c in h.fake.commands] == ["ask"]
        assert h.fake.identifies == 1
