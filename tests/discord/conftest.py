"""The Discord tests' harness: a fake Discord, the real bot connected to it, and a clock tests move.

``async def`` tests run under :func:`asyncio.run` (pytest-asyncio is not needed), each with its own fake
Discord on 127.0.0.1. discord.py is pointed at the fake through its class attributes, patched only while
a test runs.
"""

from __future__ import annotations

import asyncio
import inspect
import textwrap
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from unittest.mock import patch

import pytest
from discord.gateway import DiscordWebSocket
from discord.http import Route
from fake_discord import TOKEN, Channel, FakeDiscord, Interaction, Sent, User, snowflake

from bot.config import Config
from bot.discordbot.app import StoryBot, create_bot
from bot.engine import Engine
from bot.library import Library

TEST_TIMEOUT = 20.0

ARTICLE = """\
The harbour bridge will reopen to traffic on Thursday after three months of repairs.
The repairs cost 12 million dollars, the city said.
Mayor Ana Lopez said cyclists would get a new protected lane on the bridge.
Engineers found corrosion in two of the bridge's steel cables during an inspection last year.
"""

FACTS = """\
story:
  id: harbour-bridge
  title: "Harbour bridge to reopen after repairs"
  publisher: Example Gazette
  url: https://example.org/news/harbour-bridge
  published: 2024-07-11

facts:
  - id: reopening
    questions:
      - When does the bridge reopen?
      - When will the bridge open again?
      - >-
        What day does the harbour bridge reopen to traffic after the repairs that kept it closed
        for three whole months this year?
    answer: On Thursday.
    source: The harbour bridge will reopen to traffic on Thursday after three months of repairs.
  - id: cost
    questions:
      - How much did the repairs cost?
      - What was the cost of the repairs?
    answer: 12 million dollars.
    source: The repairs cost 12 million dollars, the city said.
    not_answered:
      - questions: ["Who paid for the repairs?"]
        says: The story only says the repairs cost 12 million dollars, not who paid.
  - id: cyclists
    questions:
      - What do cyclists get?
      - Is there a bike lane?
    answer: A new protected lane on the bridge.
    source: Mayor Ana Lopez said cyclists would get a new protected lane on the bridge.
  - id: corrosion
    questions:
      - Why was the bridge closed?
      - What did engineers find?
    answer: Corrosion in two of the bridge's steel cables.
    source: Engineers found corrosion in two of the bridge's steel cables during an inspection last year.
"""


LANE_FACT = """\
  - id: lane
    questions:
      - Who said cyclists would get a lane?
    answer: Mayor Ana Lopez.
    source: Mayor Ana Lopez said cyclists would get a new protected lane on the bridge.
"""
"""A fact to append to FACTS, as a curator adding one would."""


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem: pytest.Function) -> bool | None:
    """Run ``async def`` tests in a fresh event loop, with an overall timeout."""
    if not inspect.iscoroutinefunction(pyfuncitem.obj):
        return None
    kwargs = {name: pyfuncitem.funcargs[name] for name in pyfuncitem._fixtureinfo.argnames}
    asyncio.run(asyncio.wait_for(pyfuncitem.obj(**kwargs), TEST_TIMEOUT))
    return True


@pytest.fixture(autouse=True)
def _state_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Keep what the bot records (the synced commands' hash) out of the real state directory."""
    state = tmp_path / "state"
    monkeypatch.setenv("XDG_STATE_HOME", str(state))
    return state / "storybot"


@pytest.fixture
def knowledge(tmp_path: Path) -> Path:
    """A one-story knowledge folder in the shipped format."""
    story = tmp_path / "knowledge" / "harbour-bridge"
    story.mkdir(parents=True)
    (story / "article.txt").write_text(ARTICLE, encoding="utf-8")
    (story / "facts.yaml").write_text(textwrap.dedent(FACTS), encoding="utf-8")
    return story.parent


class FakeClock:
    """A monotonic clock that moves only when a test says so."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@dataclass
class Harness:
    fake: FakeDiscord
    bot: StoryBot
    clock: FakeClock
    alice: User
    bob: User

    @property
    def channel(self) -> Channel:
        return self.fake.channel

    async def ask(self, user: User, question: str, channel: Channel | None = None) -> tuple[Interaction, Sent]:
        """Use /ask as ``user`` and wait for the bot's reply."""
        interaction = await self.fake.slash(user, channel or self.channel, question)
        return interaction, await self.fake.reply_to(interaction)

    async def said(self, channel: Channel, count: int = 1) -> list[Sent]:
        """Wait until the bot has posted ``count`` messages in ``channel``; return them."""
        return await self.fake.wait_for(lambda: (s := self.fake.sent_in(channel))[count - 1 :] and s)


@asynccontextmanager
async def pointed_at(fake: FakeDiscord) -> AsyncIterator[None]:
    """Send discord.py's REST calls and gateway connection to ``fake`` (this process only)."""
    await fake.start()
    try:
        with (
            patch.object(Route, "BASE", fake.api_base),
            patch.object(DiscordWebSocket, "DEFAULT_GATEWAY", fake.gateway_url),
        ):
            yield
    finally:
        await fake.close()


@asynccontextmanager
async def connected(
    knowledge: Path, config: Config | None = None, *, permissions: int | None = None, fake: FakeDiscord | None = None
) -> AsyncIterator[Harness]:
    """The real bot, logged in to a fake Discord and holding its guild, until the block ends.

    ``permissions`` replaces what the bot may do in the guild's channel; pass ``fake`` to connect to the
    same fake Discord (the same application) again, as a restarted bot would.
    """
    config = config or Config()
    fake = fake or FakeDiscord()
    if permissions is not None:
        fake.guild.permissions = permissions
    clock = FakeClock()
    async with pointed_at(fake):
        bot = create_bot(config, lambda: Library.open(knowledge, config), clock=clock)
        await bot.login(TOKEN)
        # registered before connecting, so the guild cannot arrive unseen
        guild_ready = asyncio.ensure_future(bot.wait_for("guild_available"))
        running = asyncio.create_task(bot.connect())
        try:
            await asyncio.wait_for(guild_ready, 5)
            yield Harness(fake, bot, clock, User(snowflake(), "alice"), User(snowflake(), "bob"))
        finally:
            await bot.close()
            await asyncio.wait_for(running, 5)
            assert not fake.unhandled, f"the bot called routes the fake lacks: {fake.unhandled}"


def allowed_mentions_none(sent: Sent) -> bool:
    """Whether a message was sent with nothing allowed to ping (no parse, users, roles or replied user)."""
    allowed = sent.body.get("allowed_mentions")
    return allowed is not None and allowed.items() <= {"parse": [], "replied_user": False}.items()


@pytest.fixture
def engine_on_fire(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make every question raise, to exercise the error handlers."""

    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("engine on fire")

    monkeypatch.setattr(Engine, "answer", broken)
