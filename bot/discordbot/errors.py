"""The two error handlers: one for interactions (commands, buttons), one for gateway events.

Either way the user gets one short message and the log gets the traceback with the ids needed to find
what happened; nothing about the error itself is shown to the user.
"""

from __future__ import annotations

import logging
from typing import Any

import discord
from discord import app_commands

log = logging.getLogger("storybot.discord")

SORRY = "Sorry, something went wrong on my side. Please try again in a moment."


async def on_app_command_error(interaction: discord.Interaction[Any], error: app_commands.AppCommandError) -> None:
    """The command tree's handler (``tree.on_error``)."""
    await report_interaction_error(interaction, getattr(error, "original", error))


async def report_interaction_error(interaction: discord.Interaction[Any], error: BaseException) -> None:
    """Log ``error`` with the command, user and guild ids, and tell the user ephemerally."""
    command = interaction.command.qualified_name if interaction.command else None
    what = f"/{command}" if command else (interaction.data or {}).get("custom_id", interaction.type.name)
    log.error(
        "interaction failed: %s user=%s guild=%s channel=%s",
        what,
        interaction.user.id,
        interaction.guild_id,
        interaction.channel_id,
        exc_info=error,
    )
    try:
        if interaction.response.is_done():
            await interaction.followup.send(SORRY, ephemeral=True)
        else:
            await interaction.response.send_message(SORRY, ephemeral=True)
    except discord.HTTPException:
        log.warning("could not tell user %s about the error", interaction.user.id, exc_info=True)


async def report_event_error(event: str, args: tuple[Any, ...]) -> None:
    """Log the exception being handled for ``event`` (``Client.on_error``) and tell the user briefly."""
    message = next((a for a in args if isinstance(a, discord.Message)), None)
    if message is None:
        log.exception("event %s failed", event)
        return
    log.exception(
        "event %s failed: user=%s guild=%s channel=%s message=%s",
        event,
        message.author.id,
        message.guild.id if message.guild else None,
        message.channel.id,
        message.id,
    )
    try:
        await message.channel.send(SORRY)
    except discord.HTTPException:
        log.warning("could not tell user %s about the error", message.author.id, exc_info=True)
