"""The Discord front end (``storybot run``, ``storybot sync``); the only package that imports discord."""

from bot.discordbot.startup import run, sync

__all__ = ["run", "sync"]
