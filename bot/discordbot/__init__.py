"""The Discord front end (``storybot run``); the only package that imports discord."""

from bot.discordbot.startup import run

__all__ = ["run"]
