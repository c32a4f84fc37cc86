"""The /ask slash command and its autocomplete.

No ``from __future__ import annotations`` here: the question option's length limit comes from the
config, and discord.py reads it from the annotation object built when the command is defined.
"""

import logging
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands

from bot.discordbot import render

if TYPE_CHECKING:
    from bot.discordbot.app import StoryBot

log = logging.getLogger(__name__)

CHOICES_LIMIT = 25
CHOICE_LIMIT = 100


def ask_command(max_length: int) -> app_commands.Command[Any, ..., None]:
    """Build /ask, whose question option takes at most ``max_length`` characters."""

    @app_commands.command(name="ask", description="Ask a question about the story; answers come only from it.")
    @app_commands.describe(question="Pick a suggestion as you type, or write your own question.")
    @app_commands.allowed_contexts(guilds=True, dms=True, private_channels=False)
    @app_commands.allowed_installs(guilds=True, users=False)
    @app_commands.autocomplete(question=suggest_questions)
    async def ask(
        interaction: discord.Interaction["StoryBot"], question: app_commands.Range[str, 1, max_length]
    ) -> None:
        await answer(interaction, question)

    return ask


async def answer(interaction: discord.Interaction["StoryBot"], question: str) -> None:
    """Answer publicly; decline ephemerally, with "did you mean" buttons when there are candidates."""
    bot = interaction.client
    verdict = bot.cooldown.check(interaction.user.id)
    if not verdict.allowed:
        await interaction.response.send_message(render.cooldown_notice(verdict.retry_after), ephemeral=True)
        return
    reply = bot.engine.answer(question)
    if reply.answered:
        out = render.answer(reply, embed=interaction.app_permissions.embed_links)
        await interaction.response.send_message(content=out.content, embed=out.embed or discord.utils.MISSING)
        return
    text = render.decline(reply, max_question_length=bot.config.matching.max_question_length, echo=True)
    if not reply.suggestions:
        await interaction.response.send_message(text, ephemeral=True)
        return
    key, view = bot.offers.open(interaction.user.id, reply)
    await interaction.response.send_message(text, view=view, ephemeral=True)
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
