"""The loaded, immutable fact base: stories, their facts and a revision naming the content."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from bot.knowledge.schema import StoryMeta


@dataclass(frozen=True, slots=True)
class NotAnswered:
    """Questions close to a fact that the story does not answer, and what the story does say instead."""

    questions: tuple[str, ...]
    says: str


@dataclass(frozen=True, slots=True)
class Fact:
    """One thing the story says: how people ask for it, the answer, and the sentence it comes from.

    Validated as a :class:`bot.knowledge.schema.FactSpec`, then kept in a plain record: a validated model
    carries a dict and a set of its own, some 60 MB more at 100,000 facts."""

    id: str
    questions: tuple[str, ...]
    answer: str
    source: str
    not_answered: tuple[NotAnswered, ...] = ()


@dataclass(frozen=True, slots=True)
class Story:
    """One story: its metadata, the article text, its aliases and its facts."""

    meta: StoryMeta
    article: str
    aliases: Mapping[str, tuple[str, ...]]
    facts: tuple[Fact, ...]

    @property
    def id(self) -> str:
        return self.meta.id

    def credit(self) -> str:
        """Title and publisher, as a line of plain text."""
        return f"{self.meta.title} ({self.meta.publisher})"


@dataclass(frozen=True, slots=True)
class KnowledgeBase:
    """Every story that loaded; built whole by the loader and never changed afterwards."""

    stories: tuple[Story, ...]
    revision: str
    _by_id: Mapping[str, Story] = field(init=False, repr=False, compare=False)
    fact_count: int = field(init=False, compare=False)  # asked for on every question, to choose how to match

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_id", MappingProxyType({s.id: s for s in self.stories}))
        object.__setattr__(self, "fact_count", sum(len(s.facts) for s in self.stories))

    def story(self, story_id: str) -> Story:
        return self._by_id[story_id]
