"""/reload: swap in a freshly validated fact base, for the bot's operators only.

The knowledge is shared by every server the bot is in, so who may reload is the operator's choice, not
a server's: the application's owner (or its team), the user ids in ``discord.admins``, and members with
Manage Server in the servers listed in ``discord.admin_guilds``. ``default_permissions`` only hides the
command from other members, and server admins can re-scope that hint, so the check here decides.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord
from discord import app_commands

from bot.library import ReloadResult

if TYPE_CHECKING:
    from bot.discordbot.app import StoryBot

log = logging.getLogger("storybot.discord")

CONTENT_LIMIT = 2000
LISTED = 15  # fact ids named per kind of change; the rest are counted
KEPT = "the previous fact base stays in use"


class NotOperator(app_commands.CheckFailure):
    """Raised by the run-time check; its text is what the user sees."""

    def __init__(self) -> None:
        super().__init__(
            "Only the bot's operators can reload the fact base: its owner, the admins named in its config, "
            "and members with Manage Server in the servers its config names."
        )


def is_operator(interaction: discord.Interaction[StoryBot]) -> bool:
    """Whether the user may change what every server's copy of the bot answers."""
    bot, user = interaction.client, interaction.user
    settings = bot.config.discord
    if user.id in settings.admins:
        return True
    app = bot.application
    if app is not None:
        owners = {m.id for m in app.team.members} if app.team else {app.owner.id}
        if user.id in owners:
            return True
    return interaction.guild_id in settings.admin_guilds and interaction.permissions.manage_guild


async def _operator_only(interaction: discord.Interaction[StoryBot]) -> bool:
    if is_operator(interaction):
        return True
    log.info("reload refused: user %s in guild %s is not an operator", interaction.user.id, interaction.guild_id)
    raise NotOperator


@app_commands.command(name="reload", description="Re-read and validate the knowledge files, then swap them in.")
@app_commands.default_permissions(manage_guild=True)
@app_commands.allowed_contexts(guilds=True, dms=True, private_channels=False)
@app_commands.allowed_installs(guilds=True, users=False)
@app_commands.check(_operator_only)
async def reload_command(interaction: discord.Interaction[StoryBot]) -> None:
    bot = interaction.client
    async with bot.in_flight.track():
        await interaction.response.defer(ephemeral=True, thinking=True)  # reading files can pass 3 s
        result = await bot.reload_knowledge(f"{interaction.user} ({interaction.user.id})")
        await interaction.followup.send(reload_report(result), ephemeral=True)


def reload_report(result: ReloadResult) -> str:
    """What a reload did, for the operator: the revisions and the changed fact ids, or the problems."""
    if not result.ok:
        problems = "\n".join(str(p) for p in result.problems).replace("```", "`\u200b``")
        head = f"The fact base was not reloaded ({len(result.problems)} problems):\n```\n"
        tail = f"\n```\nThe previous fact base stays in use (revision `{result.revision}`)."
        room = CONTENT_LIMIT - len(head) - len(tail)
        if len(problems) > room:
            problems = problems[: room - 2].rsplit("\n", 1)[0] + "\n…"
        return head + problems + tail
    lines = [f"Reloaded the fact base: revision `{result.old_revision}` → `{result.revision}`."]
    for kind, ids in (("Added", result.added), ("Removed", result.removed), ("Changed", result.changed)):
        if ids:
            more = f" and {len(ids) - LISTED} more" if len(ids) > LISTED else ""
            lines.append(f"{kind} ({len(ids)}): {', '.join(f'`{i}`' for i in ids[:LISTED])}{more}")
    if len(lines) == 1:
        lines.append("No facts changed.")
    text = "\n".join(lines)
    return text if len(text) <= CONTENT_LIMIT else text[: CONTENT_LIMIT - 1] + "…"


def describe(result: ReloadResult) -> str:
    """One log line's worth of a reload's result."""
    if not result.ok:
        return f"failed, {KEPT} (revision {result.revision}): " + "; ".join(map(str, result.problems))
    return (
        f"revision {result.old_revision} -> {result.revision}: "
        f"{len(result.added)} added, {len(result.removed)} removed, {len(result.changed)} changed"
    )
