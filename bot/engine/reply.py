"""What the engine says about a question: an answer, suggestions, or that the story doesn't say."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.knowledge.base import Fact, Story


class Status(StrEnum):
    ANSWERED = "answered"
    SUGGESTIONS = "suggestions"
    NO_MATCH = "no_match"


class Reason(StrEnum):
    """Why a question was declined without being matched at all."""

    EMPTY = "empty"
    TOO_LONG = "too_long"


@dataclass(frozen=True, slots=True)
class Match:
    """A fact and how well a question matched it (score 0-100, via the question variant that matched)."""

    story: Story
    fact: Fact
    score: float
    variant: str


@dataclass(frozen=True, slots=True)
class Reply:
    """The engine's whole verdict on one question; front ends only render it."""

    question: str
    status: Status
    revision: str
    match: Match | None = None
    suggestions: tuple[Match, ...] = ()
    hint: str | None = None  # a curated "the story only says ..." line for a near miss
    reason: Reason | None = None

    @property
    def answered(self) -> bool:
        return self.status is Status.ANSWERED
