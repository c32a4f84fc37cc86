"""The Discord client: safe defaults, the /ask tree, message questions, and expiry of "did you mean" offers."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import discord
from discord import app_commands

from bot.config import Config
from bot.discordbot import feedback, messages, ops
from bot.discordbot.admin import describe, reload_command
from bot.discordbot.commands import ask_command
from bot.discordbot.cooldown import Clock, Cooldown
from bot.discordbot.errors import on_app_command_error, report_event_error
from bot.discordbot.sync import publish, syncs_commands
from bot.discordbot.topics import TopicsPage, about_command, topics_command
from bot.discordbot.views import OfferButton, Offers
from bot.engine import Engine
from bot.knowledge import Story
from bot.library import Library, ReloadResult
from bot.misses import AskLog

log = logging.getLogger(__name__)

# No privileged intents: DMs and messages that mention the bot arrive with their text anyway.
INTENTS = discord.Intents(guilds=True, guild_messages=True, dm_messages=True)
SWEEP_SECONDS = 15.0

ClientT = TypeVar("ClientT", bound=discord.Client)


class StoryBot(discord.Client):
    """storybot on Discord. Nothing it sends can ping anyone: allowed mentions are off for every message."""

    def __init__(
        self, config: Config, open_library: Callable[[], Library], *, clock: Clock = time.monotonic, **options: Any
    ) -> None:
        super().__init__(intents=INTENTS, allowed_mentions=discord.AllowedMentions.none(), **options)
        self.config = config
        self._open_library = open_library
        self._library: Library | None = None
        self._background: list[asyncio.Task[None]] = []
        self.liveness: ops.Liveness | None = None
        self.in_flight = ops.InFlight()
        self.cooldown = Cooldown(config.discord.cooldown_rate, config.discord.cooldown_seconds, clock)
        self.offers = Offers(clock, config.discord.suggestion_seconds)
        self.asks: AskLog | None = None  # the curators' record of questions, opened in setup_hook
        # One thread records the asks, in the order they came, while the replies go on (see feedback.record).
        self.recorder = ThreadPoolExecutor(max_workers=1, thread_name_prefix="storybot-record")
        self.tree: app_commands.CommandTree[StoryBot] = command_tree(self, config)

    async def setup_hook(self) -> None:
        """Runs once Discord has accepted the token: only then load the fact base and publish the commands."""
        self._library = self._open_library()
        self.asks = feedback.open_log(self.config)
        stories = self.engine.kb.stories
        if len(stories) > 1:  # /ask gets a story option
            self.tree.add_command(ask_command(self.config.matching.max_question_length, stories), override=True)
        self.add_dynamic_items(OfferButton, TopicsPage, feedback.VoteButton)
        if syncs_commands(self.config):
            await publish(self.tree, self.config)
        self._background.append(asyncio.create_task(self._sweep_offers(), name="storybot-offer-sweeper"))
        if self.config.discord.watch_knowledge:
            watcher = ops.watch_knowledge(self, self.library.knowledge_dir)
            self._background.append(asyncio.create_task(watcher, name="storybot-knowledge-watcher"))
        if self.config.discord.health_port is not None:
            self.liveness = ops.Liveness(self, self.config.discord.health_port)
            await self.liveness.start()

    @property
    def library(self) -> Library:
        if self._library is None:
            raise RuntimeError("the fact base is loaded in setup_hook, after login")
        return self._library

    @property
    def engine(self) -> Engine:
        """The engine for one question: read once per question, so a reload never splits a reply."""
        return self.library.engine

    async def reload_knowledge(self, who: str) -> ReloadResult:
        """Re-read the knowledge off the event loop and swap it in if it is all valid; log who and what."""
        async with self.in_flight.track():  # a stop waits for it, like for a reply
            result = await asyncio.to_thread(self.library.reload)  # Library runs one reload at a time
        log.log(logging.INFO if result.ok else logging.WARNING, "reload by %s: %s", who, describe(result))
        return result

    async def on_ready(self) -> None:
        kb = self.engine.kb
        log.info(
            "ready as %s: %d stories, %d facts, revision %s, %d guilds",
            self.user,
            len(kb.stories),
            kb.fact_count,
            kb.revision,
            len(self.guilds),
        )

    async def on_message(self, message: discord.Message) -> None:
        async with self.in_flight.track():
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
        for task in self._background:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self.liveness is not None:
            await self.liveness.close()
        await super().close()
        await asyncio.to_thread(self.recorder.shutdown)  # the asks already queued are still recorded


def command_tree(client: ClientT, config: Config, stories: Sequence[Story] = ()) -> app_commands.CommandTree[ClientT]:
    """Every slash command, with the error handler; ``storybot sync`` publishes the same tree.

    /ask depends on the ``stories`` (a story option when there are several): the bot, which loads them
    after building its tree, replaces /ask in setup_hook.
    """
    tree: app_commands.CommandTree[ClientT] = app_commands.CommandTree(client)
    ask = ask_command(config.matching.max_question_length, stories)
    for command in (ask, topics_command, about_command, reload_command):
        tree.add_command(command)
    tree.on_error = on_app_command_error  # type: ignore[method-assign]
    return tree


class ShardedStoryBot(StoryBot, discord.AutoShardedClient):
    """storybot on several gateway connections (shards), for bots in many servers."""


def create_bot(config: Config, open_library: Callable[[], Library], **options: Any) -> StoryBot:
    """A :class:`ShardedStoryBot` when the config names shards, else a plain :class:`StoryBot`."""
    settings = config.discord
    if settings.shard_count is None:
        return StoryBot(config, open_library, **options)
    ids = list(settings.shard_ids) if settings.shard_ids is not None else None
    return ShardedStoryBot(config, open_library, shard_count=settings.shard_count, shard_ids=ids, **options)
