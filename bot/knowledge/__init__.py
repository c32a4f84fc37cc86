"""The fact base: its file format, strict loading and the immutable loaded form."""

from bot.knowledge.base import KnowledgeBase, Story
from bot.knowledge.loader import load_knowledge

__all__ = ["KnowledgeBase", "Story", "load_knowledge"]
