"""``storybot run``: check the token first, then load, log and connect.

The token is checked before anything else is loaded or logged, so a missing or rejected token costs one
line on stderr (saying how to set it) and exit code 2, never a traceback.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import re
import signal
import sys
from pathlib import Path

import aiohttp
import discord

from bot.config import Config, load_config
from bot.discordbot.app import StoryBot
from bot.library import Library
from bot.yamlfile import FileErrors

PORTAL = "https://discord.com/developers/applications"
NO_TOKEN = (
    "storybot: no Discord bot token; set DISCORD_TOKEN to the token from your application's Bot page "
    f"({PORTAL}) or put it under discord.token in the config file"
)
BAD_TOKEN = (
    "storybot: Discord rejected the bot token; set DISCORD_TOKEN to the current token from your "
    f"application's Bot page ({PORTAL}, Reset Token)"
)
USAGE_ERROR = 2
FAILURE = 1

_TOKEN_SHAPE = re.compile(r"[A-Za-z0-9._\-]+")
log = logging.getLogger("storybot.discord")


def find_token(config: Config) -> str | None:
    """``DISCORD_TOKEN`` beats the config file; blank counts as missing."""
    env = os.environ.get("DISCORD_TOKEN", "").strip()
    if env:
        return env
    if config.discord.token is not None:
        return config.discord.token.get_secret_value().strip() or None
    return None


def run(knowledge_dir: Path, config_file: Path | None) -> int:
    """Run the bot until it is stopped; return the process exit code."""
    try:
        config = load_config(config_file)
    except FileErrors as exc:
        _print_problems(exc)
        return FAILURE
    token = find_token(config)
    if token is None:
        print(NO_TOKEN, file=sys.stderr)
        return USAGE_ERROR
    if not _TOKEN_SHAPE.fullmatch(token):  # spaces, quotes or a "Bot " prefix: Discord would refuse it too
        print(BAD_TOKEN, file=sys.stderr)
        return USAGE_ERROR

    def open_library() -> Library:
        # called from setup_hook, once Discord has accepted the token
        discord.utils.setup_logging(level=logging.getLevelName(config.logging.level))
        return Library.open(knowledge_dir, config)

    try:
        return asyncio.run(serve(StoryBot(config, open_library), token))
    except KeyboardInterrupt:
        return 0


async def serve(bot: StoryBot, token: str) -> int:
    """Log in (checking the token, then loading the fact base in setup_hook) and stay connected."""
    async with bot:
        try:
            await bot.login(token)
        except discord.LoginFailure:
            print(BAD_TOKEN, file=sys.stderr)
            return USAGE_ERROR
        except FileErrors as exc:
            _print_problems(exc)
            return FAILURE
        except (aiohttp.ClientError, OSError, discord.HTTPException) as exc:
            print(f"storybot: cannot reach Discord ({exc}); check the network and try again", file=sys.stderr)
            return FAILURE
        loop = asyncio.get_running_loop()
        with contextlib.suppress(NotImplementedError):  # no signal handlers on Windows' event loop
            loop.add_signal_handler(signal.SIGTERM, lambda: loop.create_task(bot.close()))
        try:
            await bot.connect()
        except discord.ConnectionClosed as exc:
            log.error("Discord closed the connection (code %s): %s", exc.code, exc.reason)
            return FAILURE
    return 0


def _print_problems(exc: FileErrors) -> None:
    for problem in exc.problems:
        print(f"storybot: {problem}", file=sys.stderr)
