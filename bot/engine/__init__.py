"""Matching questions to facts. Front ends use :class:`Engine` and the :mod:`bot.engine.reply` types."""

from bot.engine.engine import Engine
from bot.engine.reply import Match, Reason, Reply, Status

__all__ = ["Engine", "Match", "Reason", "Reply", "Status"]
