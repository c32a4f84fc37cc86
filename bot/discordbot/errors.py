"""The two error handlers: one for interactions (commands, buttons), one for gateway events.

Either way the user gets one short message and the log gets the traceback with the ids needed to find
what happened; nothing about the error itself is shown to the user. When Discord itself failed, refused
or had forgotten something (a 5xx, a rate limit, 403, 404) the log gets a warning saying so, without a
traceback: that is weather, not a bug in storybot.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

import discord
from discord import app_commands

log = logging.getLogger("storybot.discord")

SORRY = "Sorry, something went wrong on my side. Please try again in a moment."


async def on_app_command_error(interaction: discord.Interaction[Any], error: app_commands.AppCommandError) -> None:
    """The command tree's handler (``tree.on_error``): a failed check is a refusal, told as is."""
    if isinstance(error, app_commands.CheckFailure):
        await interaction.response.send_message(str(error), ephemeral=True)
        return
    await report_interaction_error(interaction, getattr(error, "original", error))


async def report_interaction_error(interaction: discord.Interaction[Any], error: BaseException) -> None:
    """Log ``error`` with the command, user and guild ids, and tell the user ephemerally."""
    command = interaction.command.qualified_name if interaction.command else None
    what = f"/{command}" if command else (interaction.data or {}).get("custom_id", interaction.type.name)
    ids = (interaction.user.id, interaction.guild_id, interaction.channel_id)
    _log_failure(error, "interaction failed: %s user=%s guild=%s channel=%s", what, *ids)
    try:
        if interaction.response.is_done():
            await interaction.followup.send(SORRY, ephemeral=True)
        else:
            await interaction.response.send_message(SORRY, ephemeral=True)
    except discord.HTTPException as exc:
        log.warning("could not tell user %s about the error: %s", interaction.user.id, exc)


async def report_event_error(event: str, args: tuple[Any, ...]) -> None:
    """Log the exception being handled for ``event`` (``Client.on_error``) and tell the user briefly."""
    error = sys.exc_info()[1]
    message = next((a for a in args if isinstance(a, discord.Message)), None)
    if message is None:
        _log_failure(error, "event %s failed", event)
        return
    guild = message.guild.id if message.guild else None
    ids = (message.author.id, guild, message.channel.id, message.id)
    _log_failure(error, "event %s failed: user=%s guild=%s channel=%s message=%s", event, *ids)
    try:
        await message.channel.send(SORRY)
    except discord.HTTPException as exc:
        log.warning("could not tell user %s about the error: %s", message.author.id, exc)


def _log_failure(error: BaseException | None, message: str, *args: Any) -> None:
    """A warning when Discord failed or refused (no traceback: nothing to fix here), else an error with it."""
    if isinstance(error, discord.RateLimited) or (
        isinstance(error, discord.HTTPException) and (error.status in {403, 404, 429} or error.status >= 500)
    ):
        log.warning(message + "; Discord said: %s", *args, error)
    else:
        log.error(message, *args, exc_info=error)
