"""👍 / 👎 under every answer, and what Discord questions leave in the curators' record (bot/misses.py).

The vote buttons are :class:`discord.ui.DynamicItem` s whose custom id holds only the direction and a
digest of the answered fact, so they work after a restart or a reload (as long as the fact exists) with
no state kept per message. The answer a vote is about is its message: one vote per user per message,
and a second press changes it. Database work runs in a thread (asks in the bot's one recording thread, after
the reply, without being waited for), and a failure to record is logged, never shown: the asker gets the
answer either way.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import re
import sqlite3
from concurrent.futures import Future
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import discord

from bot.config import Config
from bot.discordbot import deadline, messages  # a module import: messages imports this one too
from bot.discordbot.errors import report_interaction_error
from bot.engine import Engine, Reply
from bot.misses import AskLog

if TYPE_CHECKING:
    from bot.discordbot.app import StoryBot

log = logging.getLogger(__name__)

THANKS = {"up": "Thanks! Glad that helped.", "down": "Thanks for telling us; a curator will look at this answer."}
CHANGED = "Your vote on this answer is now {}."
GONE = "That answer's fact is no longer in the fact base; thanks all the same."
NOT_KEPT = "Thanks! (This bot keeps no record of votes.)"
_ESCAPED = re.compile(r"\\([\\*_`~|>#\-\[\]()])")
_QUESTION_LINE = "**Q:** "


def fact_key(story_id: str, fact_id: str) -> str:
    """A fixed-length stand-in for a fact in a custom id (ids may be 64 characters each; custom ids 100)."""
    return hashlib.sha256(f"{story_id}/{fact_id}".encode()).hexdigest()[:16]


def votes(reply: Reply) -> discord.ui.View:
    """The 👍 / 👎 buttons for an answered reply."""
    assert reply.match is not None, "only answers are voted on"
    key = fact_key(reply.match.story.id, reply.match.fact.id)
    view = discord.ui.View(timeout=None)
    view.add_item(VoteButton("up", key))
    view.add_item(VoteButton("down", key))
    return view


class VoteButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"storybot:vote:(?P<way>up|down):(?P<key>[0-9a-f]{16})",
):
    """One of the two vote buttons; routed by its custom id alone."""

    def __init__(self, way: Literal["up", "down"], key: str) -> None:
        button: discord.ui.Button[Any] = discord.ui.Button(
            emoji="👍" if way == "up" else "👎",
            custom_id=f"storybot:vote:{way}:{key}",
            style=discord.ButtonStyle.secondary,
        )
        super().__init__(button)
        self.way = way
        self.key = key

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> VoteButton:
        return cls("up" if match["way"] == "up" else "down", match["key"])

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        try:
            await vote(interaction, self.way, self.key)
        except Exception as exc:  # discord.py only logs what a dynamic item raises
            await report_interaction_error(interaction, exc)


async def vote(interaction: discord.Interaction[StoryBot], way: str, key: str) -> None:
    """Record the press as this user's vote on this answer message, and thank them privately."""
    bot = interaction.client
    found = _fact_for(bot.engine, key)
    if found is None or interaction.message is None:
        await interaction.response.send_message(GONE, ephemeral=True)
        return
    if bot.asks is None:
        await interaction.response.send_message(NOT_KEPT, ephemeral=True)
        return
    story, fact = found
    store, message_id, user_id = bot.asks.store, interaction.message.id, interaction.user.id
    question = question_of(interaction.message, bot.user.id if bot.user else 0)
    first = await deadline.in_time(  # the database may wait up to its busy timeout for another writer
        interaction,
        lambda: store.vote(message_id, user_id, story=story, fact=fact, question=question, up=way == "up"),
    )
    text = THANKS[way] if first else CHANGED.format("👍" if way == "up" else "👎")
    await deadline.sender(interaction)(text, ephemeral=True)


def _fact_for(engine: Engine, key: str) -> tuple[str, str] | None:
    return next(
        ((s.id, f.id) for s in engine.kb.stories for f in s.facts if fact_key(s.id, f.id) == key),
        None,
    )


def question_of(message: discord.Message, bot_id: int) -> str | None:
    """The question an answer message answers: its embed title or "Q:" line, else the message it replies to."""
    if message.embeds and message.embeds[0].title:
        return _ESCAPED.sub(r"\1", message.embeds[0].title)
    first = message.content.splitlines()[0] if message.content else ""
    if first.startswith(_QUESTION_LINE):
        return _ESCAPED.sub(r"\1", first.removeprefix(_QUESTION_LINE))
    asked = message.reference.resolved if message.reference else None
    return messages.question_in(asked.content, bot_id, direct=True) if isinstance(asked, discord.Message) else None


def open_log(config: Config) -> AskLog | None:
    """The curators' record, or None when it is off or cannot be opened (the bot answers anyway)."""
    try:
        return AskLog.open(config)
    except (OSError, sqlite3.Error):
        log.exception("cannot open the record of questions under %s; not recording", config.storage.state_path)
        return None


def record(bot: StoryBot, user_id: int, reply: Reply, *, direct: bool, picked: bool = False) -> None:
    """Hand the ask to the curators' record, which keeps it if it wants it (a decline, a near answer, a re-ask,
    a picked suggestion). The bot's recording thread writes it in turn; nothing waits for that, since waking
    the event loop when it is done would cost more than the write."""
    if bot.asks is None:
        return
    keep = functools.partial(bot.asks.pick if picked else bot.asks.ask, user_id, reply, direct=direct)
    try:
        bot.recorder.submit(keep).add_done_callback(functools.partial(_report, bot.asks.store.path))
    except RuntimeError:  # the recorder has shut down: a reply that outlived the bot's close
        log.warning("not recording a question: the bot has closed")


def _report(path: Path, written: Future[int | None]) -> None:
    """Log a write that failed (called in the recording thread); the asker had the reply either way."""
    if (error := written.exception()) is not None:
        log.error("could not record a question in %s", path, exc_info=error)
