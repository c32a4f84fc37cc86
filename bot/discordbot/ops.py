"""Running as a service: logging, in-flight replies and graceful stops, signals, liveness, file watching."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import os
import signal
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING

import discord
import watchfiles
from aiohttp import web

from bot.config import Config

if TYPE_CHECKING:
    from bot.discordbot.app import StoryBot

log = logging.getLogger("storybot.discord")

STOP_GRACE_SECONDS = 8.0
"""How long a stop waits for replies in flight; with closing, well inside a supervisor's 10 s."""
WATCH_DEBOUNCE_MS = 1000
"""Changes within this window (an editor saving several files) make one reload."""


class StartupError(Exception):
    """Something the bot needs at start-up is not available; the message says what, for one line on stderr."""


def setup_logging(config: Config) -> None:
    """discord.py's logging setup, with the level and (optional) format from the config."""
    fmt = config.logging.format
    formatter = logging.Formatter(fmt) if fmt else discord.utils.MISSING
    discord.utils.setup_logging(level=logging.getLevelName(config.logging.level), formatter=formatter)


class InFlight:
    """Counts replies being worked on, so a stop can let them finish before closing the connection."""

    def __init__(self) -> None:
        self.count = 0
        self._idle = asyncio.Event()
        self._idle.set()

    @contextlib.asynccontextmanager
    async def track(self) -> AsyncIterator[None]:
        self.count += 1
        self._idle.clear()
        try:
            yield
        finally:
            self.count -= 1
            if self.count == 0:
                self._idle.set()

    async def drained(self, timeout: float) -> bool:
        """Wait until nothing is in flight; False when ``timeout`` ran out first."""
        try:
            await asyncio.wait_for(self._idle.wait(), timeout)
        except TimeoutError:
            return False
        return True


async def stop(bot: StoryBot, why: str, grace: float = STOP_GRACE_SECONDS) -> None:
    """Let replies in flight finish (up to ``grace`` seconds), then close the connection."""
    if bot.is_closed():
        return
    log.info("stopping (%s): waiting for %d replies in flight", why, bot.in_flight.count)
    if not await bot.in_flight.drained(grace):
        log.warning("stopping with %d replies still in flight after %.0f s", bot.in_flight.count, grace)
    await bot.close()


def handle_signals(bot: StoryBot) -> None:
    """SIGTERM and SIGINT stop gracefully; SIGHUP reloads the fact base. Each process handles its own."""
    loop = asyncio.get_running_loop()
    tasks: set[asyncio.Task[object]] = set()

    def spawn(job: Callable[[], Awaitable[object]]) -> None:
        task = loop.create_task(job())  # type: ignore[arg-type]
        tasks.add(task)  # keep a reference until done, or the task may be collected mid-way
        task.add_done_callback(tasks.discard)

    with contextlib.suppress(NotImplementedError):  # no signal handlers on Windows' event loop
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, spawn, lambda sig=sig: stop(bot, sig.name))
        loop.add_signal_handler(signal.SIGHUP, spawn, lambda: bot.reload_knowledge("SIGHUP"))


async def watch_knowledge(bot: StoryBot, knowledge_dir: Path) -> None:
    """Reload whenever files under the knowledge folder change (a burst of changes is one reload)."""
    log.info("watching %s for changes", knowledge_dir)
    try:
        async for changes in watchfiles.awatch(knowledge_dir, debounce=WATCH_DEBOUNCE_MS, recursive=True):
            names = sorted({Path(path).name for _, path in changes})
            await bot.reload_knowledge(f"file watcher ({', '.join(names)})")
    except Exception:  # e.g. the folder was removed; /reload and SIGHUP still work
        log.exception("stopped watching %s; reload with /reload or SIGHUP", knowledge_dir)


class Liveness:
    """``GET /health`` on 127.0.0.1: 200 while connected to Discord, 503 otherwise, for process supervisors."""

    def __init__(self, bot: StoryBot, port: int) -> None:
        self.bot = bot
        self.port = port
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/health", self._health)
        self._runner = web.AppRunner(app, handle_signals=False, access_log=None)
        await self._runner.setup()
        try:
            await web.TCPSite(self._runner, "127.0.0.1", self.port).start()
        except OSError as exc:
            await self._runner.cleanup()
            why = os.strerror(exc.errno) if exc.errno else str(exc)
            raise StartupError(f"cannot serve the liveness check on 127.0.0.1:{self.port} ({why})") from exc
        self.port = self._runner.addresses[0][1]
        log.info("liveness check on http://127.0.0.1:%d/health", self.port)

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _health(self, _request: web.Request) -> web.Response:
        bot = self.bot
        up = bot.is_ready() and not bot.is_closed()
        body = {
            "status": "ok" if up else "unavailable",
            "revision": bot.engine.kb.revision,
            "guilds": len(bot.guilds),
            "latency_ms": round(bot.latency * 1000) if up and not math.isnan(bot.latency) else None,
        }
        return web.json_response(body, status=200 if up else 503)
