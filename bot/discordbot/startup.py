"""``storybot run`` and ``storybot sync``: check the token first, then load, log and connect.

The token is checked before anything else is loaded or logged, so a missing or rejected token costs one
line on stderr (saying how to set it) and exit code 2, never a traceback.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import sys
from pathlib import Path

import aiohttp
import discord

from bot.config import Config, load_config
from bot.discordbot import ops
from bot.discordbot.app import StoryBot, command_tree, create_bot
from bot.discordbot.sync import clear, publish
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


def _config_and_token(config_file: Path | None) -> tuple[Config, str] | int:
    """The config and the token, or the exit code after saying in one line what is wrong."""
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
    return config, token


def run(knowledge_dir: Path, config_file: Path | None) -> int:
    """Run the bot until it is stopped; return the process exit code."""
    checked = _config_and_token(config_file)
    if isinstance(checked, int):
        return checked
    config, token = checked

    def open_library() -> Library:
        # called from setup_hook, once Discord has accepted the token
        ops.setup_logging(config)
        return Library.open(knowledge_dir, config)

    try:
        return asyncio.run(serve(create_bot(config, open_library), token))
    except KeyboardInterrupt:
        return 0


def sync(knowledge_dir: Path, config_file: Path | None, *, clear_guild: int | None = None) -> int:
    """Publish the slash commands now, changed or not (``storybot sync``), or remove one server's copies
    (``--clear-guild``). The knowledge is read because /ask's story option lists its stories."""
    checked = _config_and_token(config_file)
    if isinstance(checked, int):
        return checked
    config, token = checked
    ops.setup_logging(config)
    return asyncio.run(_sync(knowledge_dir, config, token, clear_guild))


async def _sync(knowledge_dir: Path, config: Config, token: str, clear_guild: int | None) -> int:
    client = discord.Client(intents=discord.Intents.none())
    async with client:
        failed = await _login(client, token)
        if failed is not None:
            return failed
        if clear_guild is not None:
            await clear(command_tree(client, config), config, clear_guild)
            return 0
        try:
            stories = Library.open(knowledge_dir, config).engine.kb.stories
        except FileErrors as exc:
            _print_problems(exc)
            return FAILURE
        await publish(command_tree(client, config, stories), config, force=True)
    return 0


async def _login(client: discord.Client, token: str) -> int | None:
    """Log in (which runs setup_hook); None when that worked, else the exit code after a one-line error."""
    try:
        await client.login(token)
    except discord.LoginFailure:
        print(BAD_TOKEN, file=sys.stderr)
        return USAGE_ERROR
    except FileErrors as exc:
        _print_problems(exc)
        return FAILURE
    except ops.StartupError as exc:
        print(f"storybot: {exc}", file=sys.stderr)
        return FAILURE
    except (aiohttp.ClientError, OSError, discord.HTTPException) as exc:
        print(f"storybot: cannot reach Discord ({exc}); check the network and try again", file=sys.stderr)
        return FAILURE
    return None


async def serve(bot: StoryBot, token: str) -> int:
    """Log in (checking the token, then loading the fact base in setup_hook) and stay connected."""
    async with bot:
        failed = await _login(bot, token)
        if failed is not None:
            return failed
        ops.handle_signals(bot)
        try:
            await bot.connect()
        except discord.ConnectionClosed as exc:
            log.error("Discord closed the connection (code %s): %s", exc.code, exc.reason)
            return FAILURE
    log.info("stopped")
    return 0


def _print_problems(exc: FileErrors) -> None:
    for problem in exc.problems:
        print(f"storybot: {problem}", file=sys.stderr)
