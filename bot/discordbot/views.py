"""The "did you mean" buttons under a decline, and what pressing one does.

Each decline opens an :class:`Offer` kept under a random key; the buttons carry only that key and an
index. The buttons are :class:`discord.ui.DynamicItem` s, so a press is routed by its custom id alone:
after an offer has expired, been evicted or outlived a restart, a press still reaches the bot and gets
"ask again" instead of Discord's bare "This interaction failed".
"""

from __future__ import annotations

import logging
import re
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import discord

from bot.discordbot import feedback, render
from bot.discordbot.cooldown import Clock
from bot.discordbot.errors import report_interaction_error
from bot.engine import Engine, Reply

if TYPE_CHECKING:
    from bot.discordbot.app import StoryBot

log = logging.getLogger(__name__)

EXPIRED = "These suggestions have expired; please ask again."
NOT_YOURS = "These buttons are for the person who asked. Ask your own question with /ask."

Retract = Callable[[discord.ui.View], Awaitable[Any]]
"""Edits the message carrying an offer's buttons to show the given (disabled) view."""


@dataclass(slots=True)
class Offer:
    """Facts offered to one asker for one question, until ``expires_at`` on the bot's clock."""

    asker_id: int
    question: str
    picks: tuple[tuple[str, str], ...]  # (story id, fact id)
    labels: tuple[str, ...]
    expires_at: float
    retract: Retract | None = None


class Offers:
    """The live offers, by key; bounded, so a flood of declines cannot grow memory without end."""

    def __init__(self, clock: Clock, lifetime: float, capacity: int = 2000) -> None:
        self.clock = clock
        self.lifetime = lifetime
        self.capacity = capacity
        self._live: dict[str, Offer] = {}

    def open(self, asker_id: int, reply: Reply) -> tuple[str, discord.ui.View]:
        """Keep an offer of ``reply.suggestions`` for ``asker_id``; return its key and its buttons."""
        if len(self._live) >= self.capacity:
            del self._live[next(iter(self._live))]  # the oldest: its buttons will say "ask again"
        key = secrets.token_hex(8)
        self._live[key] = Offer(
            asker_id=asker_id,
            question=reply.question,
            picks=tuple((m.story.id, m.fact.id) for m in reply.suggestions),
            labels=tuple(render.shorten(label, render.BUTTON_LABEL_LIMIT) for label in _labels(reply)),
            expires_at=self.clock() + self.lifetime,
        )
        return key, self.view(key)

    def attach(self, key: str, retract: Retract) -> None:
        """Remember how to disable the buttons once the message carrying them exists."""
        if (offer := self._live.get(key)) is not None:
            offer.retract = retract

    def get(self, key: str) -> Offer | None:
        """The live offer under ``key``, or None when there is none or it has expired."""
        offer = self._live.get(key)
        return offer if offer is not None and self.clock() < offer.expires_at else None

    def view(self, key: str, *, disabled: bool = False) -> discord.ui.View:
        """The offer's buttons (disabled ones for an expired offer)."""
        view = discord.ui.View(timeout=None)
        for index, label in enumerate(self._live[key].labels):
            view.add_item(OfferButton(key, index, label, disabled=disabled))
        return view

    def pop_expired(self) -> list[tuple[Offer, discord.ui.View]]:
        """Forget every expired offer; return each with its disabled buttons, to retract them."""
        now = self.clock()
        done = [key for key, offer in self._live.items() if now >= offer.expires_at]
        out = [(self._live[key], self.view(key, disabled=True)) for key in done]
        for key in done:
            del self._live[key]
        return out


def _labels(reply: Reply) -> list[str]:
    """Each suggestion's question; with suggestions from several stories, also the story it is about."""
    if len({m.story.id for m in reply.suggestions}) < 2:
        return [m.variant for m in reply.suggestions]
    return [f"{m.variant} · {m.story.meta.title}" for m in reply.suggestions]


class OfferButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"storybot:offer:(?P<key>[0-9a-f]{16}):(?P<index>[0-2])",
):
    """One "did you mean" button: answers its fact for the asker, refuses everyone else."""

    def __init__(self, key: str, index: int, label: str = "…", *, disabled: bool = False) -> None:
        button: discord.ui.Button[Any] = discord.ui.Button(
            label=label,
            custom_id=f"storybot:offer:{key}:{index}",
            style=discord.ButtonStyle.secondary,
            disabled=disabled,
        )
        super().__init__(button)
        self.key = key
        self.index = index

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> OfferButton:
        return cls(match["key"], int(match["index"]))

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        # discord.py only logs what a dynamic item raises; route it to the handler that tells the user
        try:
            async with interaction.client.in_flight.track():
                await press(interaction, self.key, self.index)
        except Exception as exc:
            await report_interaction_error(interaction, exc)


async def press(interaction: discord.Interaction[StoryBot], key: str, index: int) -> None:
    """Answer the pressed suggestion, checking here (not trusting the client) who pressed and when."""
    bot = interaction.client
    offer = bot.offers.get(key)
    if offer is None or index >= len(offer.picks):
        await interaction.response.send_message(EXPIRED, ephemeral=True)
        return
    if interaction.user.id != offer.asker_id:
        await interaction.response.send_message(NOT_YOURS, ephemeral=True)
        return
    verdict = bot.cooldown.check(interaction.user.id)
    if not verdict.allowed:
        await interaction.response.send_message(render.cooldown_notice(verdict.retry_after), ephemeral=True)
        return
    engine = bot.engine
    story_id, fact_id = offer.picks[index]
    if not _has_fact(engine, story_id, fact_id):  # the fact base was reloaded without it
        await interaction.response.send_message(EXPIRED, ephemeral=True)
        return
    reply = engine.answer_fact(story_id, fact_id, offer.question)
    out = render.answer(reply, embed=interaction.app_permissions.embed_links)
    await interaction.response.send_message(
        content=out.content, embed=out.embed or discord.utils.MISSING, view=feedback.votes(reply)
    )
    feedback.record(bot, interaction.user.id, reply, direct=interaction.guild_id is None, picked=True)


def _has_fact(engine: Engine, story_id: str, fact_id: str) -> bool:
    story = next((s for s in engine.kb.stories if s.id == story_id), None)
    return story is not None and any(f.id == fact_id for f in story.facts)
