"""Discord's 3-second limit: an interaction not acknowledged within 3 s fails for the user.

Work that may be slow (matching on a starved CPU, a database write waiting for a lock) runs in a worker
thread, so the event loop stays free; if it is not done after :data:`DEFER_AFTER` seconds the interaction
is deferred (Discord shows "thinking...") and the reply later replaces that message. Fast work, the usual
case, is answered directly, with no extra message.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import discord

DEFER_AFTER = 2.0  # seconds: leaves a second of the 3 for the defer to reach Discord

T = TypeVar("T")


async def in_time(interaction: discord.Interaction[Any], work: Callable[[], T], *, ephemeral: bool = True) -> T:
    """``work()`` in a thread, deferring the interaction (visible as ``ephemeral`` says) if it runs long."""
    task = asyncio.ensure_future(asyncio.to_thread(work))
    done, _ = await asyncio.wait({task}, timeout=DEFER_AFTER)
    if not done and not interaction.response.is_done():
        await interaction.response.defer(thinking=True, ephemeral=ephemeral)
    return await task


def sender(interaction: discord.Interaction[Any]) -> Callable[..., Awaitable[Any]]:
    """How to send the reply: the interaction's response, or once deferred the followup that replaces "thinking..."."""
    return interaction.followup.send if interaction.response.is_done() else interaction.response.send_message
