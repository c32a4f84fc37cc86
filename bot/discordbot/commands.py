"""The /ask slash command and its autocomplete.

No ``from __future__ import annotations`` here: the question option's length limit comes from the
config, and discord.py reads it from the annotation object built when the command is defined.
"""

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands

from bot.discordbot import deadline, feedback, render
from bot.engine import Reply
from bot.knowledge import Story

if TYPE_CHECKING:
    from bot.discordbot.app import StoryBot

log = logging.getLogger(__name__)

CHOICES_LIMIT = 25
CHOICE_LIMIT = 100
NO_STORY = "That story is no longer loaded; ask again without choosing one."


def ask_command(max_length: int, stories: Sequence[Story] = ()) -> app_commands.Command[Any, ..., None]:
    """Build /ask, whose question option takes at most ``max_length`` characters; with two ``stories`` or
    more it also offers an optional ``story`` to ask about (Discord shows at most 25 choices)."""

    async def ask(
        interaction: discord.Interaction["StoryBot"],
        question: app_commands.Range[str, 1, max_length],
        private: bool | None = None,
    ) -> None:
        async with interaction.client.in_flight.track():
            await answer(interaction, question, private)

    async def ask_story(
        interaction: discord.Interaction["StoryBot"],
        question: app_commands.Range[str, 1, max_length],
        story: str | None = None,
        private: bool | None = None,
    ) -> None:
        async with interaction.client.in_flight.track():
            await answer(interaction, question, private, story)

    described = {
        "question": "Pick a suggestion as you type, or write your own question.",
        "private": "Show the answer only to you (the server's default otherwise).",
    }
    callback: Any = ask
    if len(stories) > 1:
        choices = [
            app_commands.Choice(name=render.shorten(s.meta.title, CHOICE_LIMIT), value=s.id)
            for s in stories[:CHOICES_LIMIT]
        ]
        callback = app_commands.choices(story=choices)(ask_story)
        described["story"] = "The story to ask about (default: all of them)."
    for decorate in (
        app_commands.describe(**described),
        app_commands.allowed_contexts(guilds=True, dms=True, private_channels=False),
        app_commands.allowed_installs(guilds=True, users=False),
        app_commands.autocomplete(question=suggest_questions),
    ):
        callback = decorate(callback)
    return app_commands.command(name="ask", description="Ask a question about the story; answers come only from it.")(
        callback
    )


async def answer(
    interaction: discord.Interaction["StoryBot"], question: str, private: bool | None = None, story: str | None = None
) -> None:
    """Answer publicly (or to the asker alone, when ``private`` or the config's default says so); decline
    ephemerally, with "did you mean" buttons when there are candidates. Then keep what curators need."""
    bot = interaction.client
    verdict = bot.cooldown.check(interaction.user.id)
    if not verdict.allowed:
        await interaction.response.send_message(render.cooldown_notice(verdict.retry_after), ephemeral=True)
        return
    engine = bot.engine
    if story is not None and story not in {s.id for s in engine.kb.stories}:
        await interaction.response.send_message(NO_STORY, ephemeral=True)
        return
    ephemeral = bot.config.discord.private_answers if private is None else private
    reply = await deadline.in_time(
        interaction, lambda: engine.answer(question, story), ephemeral=ephemeral, inline=deadline.quick(engine)
    )
    await _respond(interaction, reply, ephemeral)
    feedback.record(bot, interaction.user.id, reply, direct=interaction.guild_id is None)


async def _respond(interaction: discord.Interaction["StoryBot"], reply: Reply, ephemeral: bool) -> None:
    bot = interaction.client
    send = deadline.sender(interaction)
    if reply.answered:
        out = render.answer(reply, embed=interaction.app_permissions.embed_links)
        await send(
            content=out.content,
            embed=out.embed or discord.utils.MISSING,
            ephemeral=ephemeral,
            view=feedback.votes(reply),
        )
        return
    log.debug("declined /ask (%s): %r", reply.reason or reply.status, reply.question)
    # after a public "thinking..." (a slow reply) a decline is public too, so it is kept short, as in channels
    echo = ephemeral or not interaction.response.is_done()
    text = render.decline(reply, max_question_length=bot.config.matching.max_question_length, echo=echo)
    if not reply.suggestions:
        await send(text, ephemeral=True)
        return
    key, view = bot.offers.open(interaction.user.id, reply)
    await send(text, view=view, ephemeral=True)
    bot.offers.attach(key, lambda disabled: interaction.edit_original_response(view=disabled))


async def suggest_questions(
    interaction: discord.Interaction["StoryBot"], current: str
) -> list[app_commands.Choice[str]]:
    """Fact-base questions ranked against what the user has typed so far; never raises.

    discord.py swallows autocomplete errors, so they are logged here, and the user just sees no choices.
    """
    try:
        engine = interaction.client.engine
        variants = engine.complete(current[: interaction.client.config.matching.max_question_length])
        fitting = [v for v in variants if 0 < len(v) <= CHOICE_LIMIT]  # longer ones are left out
        return [app_commands.Choice(name=v, value=v) for v in fitting[:CHOICES_LIMIT]]
    except Exception:
        log.exception("autocomplete failed: user=%s guild=%s", interaction.user.id, interaction.guild_id)
        return []
