"""The Discord client: safe defaults, the /ask tree, message questions, and expiry of "did you mean" offers."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from typing import Any

import discord
from discord import app_commands

from bot.config import Config
from bot.discordbot import messages
from bot.discordbot.commands import ask_command
from bot.discordbot.cooldown import Clock, Cooldown
from bot.discordbot.errors import on_app_command_error, report_event_error
from bot.discordbot.views import OfferButton, Offers
from bot.engine import Engine
from bot.library import Library

log = logging.getLogger(__name__)

# No privileged intents: DMs and messages that mention the bot arrive with their text anyway.
INTENTS = discord.Intents(guilds=True, guild_messages=True, dm_messages=True)
SWEEP_SECONDS = 15.0


class StoryBot(discord.Client):
    """storybot on Discord. Nothing it sends can ping anyone: allowed mentions are off for every message."""

    def __init__(self, config: Config, open_library: Callable[[], Library], *, clock: Clock = time.monotonic) -> None:
        super().__init__(intents=INTENTS, allowed_mentions=discord.AllowedMentions.none())
        self.config = config
        self._open_library = open_library
        self._library: Library | None = None
        self._sweeper: asyncio.Task[None] | None = None
        self.cooldown = Cooldown(config.discord.cooldown_rate, config.discord.cooldown_seconds, clock)
        self.offers = Offers(clock, config.discord.suggestion_seconds)
        self.tree: app_commands.CommandTree[StoryBot] = app_commands.CommandTree(self)
        self.tree.add_command(ask_command(config.matching.max_question_length))
        self.tree.on_error = on_app_command_error  # type: ignore[method-assign]

    async def setup_hook(self) -> None:
        """Runs once Discord has accepted the token: only then load the fact base and publish /ask."""
        self._library = self._open_library()
        self.add_dynamic_items(OfferButton)
        await self.tree.sync()
        self._sweeper = asyncio.create_task(self._sweep_offers(), name="storybot-offer-sweeper")

    @property
    def library(self) -> Library:
        if self._library is None:
            raise RuntimeError("the fact base is loaded in setup_hook, after login")
        return self._library

    @property
    def engine(self) -> Engine:
        """The engine for one question: read once per question, so a reload never splits a reply."""
        return self.library.engine

    async def on_ready(self) -> None:
        kb = self.engine.kb
        log.info(
            "ready as %s: %d stories, %d facts, revision %s", self.user, len(kb.stories), kb.fact_count, kb.revision
        )

    async def on_message(self, message: discord.Message) -> None:
        await messages.on_message(self, message)

    async def on_error(self, event_method: str, /, *args: Any, **kwargs: Any) -> None:
        await report_event_error(event_method, args)

    async def expire_offers(self) -> None:
        """Disable the buttons of every expired offer (their presses already say "ask again")."""
        for offer, disabled in self.offers.pop_expired():
            if offer.retract is None:
                continue
            try:
                await offer.retract(disabled)
            except discord.HTTPException as exc:  # deleted meanwhile, or the token ran out
                log.info("could not disable expired buttons: %s", exc)

    async def _sweep_offers(self) -> None:
        while True:
            await asyncio.sleep(SWEEP_SECONDS)
            try:
                await self.expire_offers()
            except Exception:
                log.exception("sweeping expired offers failed")

    async def close(self) -> None:
        if self._sweeper is not None:
            self._sweeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._sweeper
        await super().close()
