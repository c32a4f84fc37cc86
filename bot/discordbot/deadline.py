"""Discord's 3-second limit: an interaction not acknowledged within 3 s fails for the user.

Work that may be slow (matching a large fact base, a database write waiting for a lock) runs in a worker
thread, so the event loop stays free; if it is not done after :data:`DEFER_AFTER` seconds the interaction
is deferred (Discord shows "thinking...") and the reply later replaces that message. Fast work, the usual
case, is answered directly, with no extra message. Matching a small fact base is quick enough to run on the
event loop itself (:func:`quick`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import discord

from bot.engine import Engine

DEFER_AFTER = 2.0  # seconds: leaves a second of the 3 for the defer to reach Discord
QUICK_FACTS = 2_000
"""Up to this many facts a question is matched in a few milliseconds at worst (benchmarks/engine.py and
benchmarks/hostile.py), less than handing it to a thread costs: at 16 concurrent askers of the shipped story,
matching on the event loop served about a third more answers a second (benchmarks/discord_e2e.py)."""

T = TypeVar("T")


def quick(engine: Engine) -> bool:
    """Whether the engine matches a question fast enough to do it on the event loop (see :data:`QUICK_FACTS`);
    a larger fact base is matched in a thread, so one slow question never holds up the others."""
    return engine.kb.fact_count <= QUICK_FACTS


async def in_time(
    interaction: discord.Interaction[Any], work: Callable[[], T], *, ephemeral: bool = True, inline: bool = False
) -> T:
    """``work()`` in a thread, deferring the interaction (visible as ``ephemeral`` says) if it runs long; or
    right here, when it is known to be quick (``inline``)."""
    if inline:
        return work()
    task = asyncio.ensure_future(asyncio.to_thread(work))
    done, _ = await asyncio.wait({task}, timeout=DEFER_AFTER)
    if not done and not interaction.response.is_done():
        await interaction.response.defer(thinking=True, ephemeral=ephemeral)
    return await task


def sender(interaction: discord.Interaction[Any]) -> Callable[..., Awaitable[Any]]:
    """How to send the reply: the interaction's response, or once deferred the followup that replaces "thinking..."."""
    return interaction.followup.send if interaction.response.is_done() else interaction.response.send_message
