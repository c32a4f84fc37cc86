"""The shape of a story's ``facts.yaml``, validated strictly.

Sequences arrive from :mod:`bot.knowledge.yamlfile` as tuples, so the models are frozen all the way down
and a loaded fact base cannot be changed in place.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{0,63}$")]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1000)]
Question = Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=300)]
Answer = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
Url = Annotated[str, StringConstraints(pattern=r"^https?://\S+$", max_length=500)]


class Frozen(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)


class StoryMeta(Frozen):
    """Who published the story and where its text lives."""

    id: Slug
    title: Text
    publisher: Text
    url: Url | None = None
    published: Annotated[dt.date, Field(strict=False)] | None = None
    article: Annotated[str, StringConstraints(min_length=1, max_length=200)] = "article.txt"


class NotAnsweredSpec(Frozen):
    """A fact's ``not_answered`` item as written: questions close to the fact that the story does not answer,
    and what the story does say instead (the loader keeps it as a :class:`bot.knowledge.base.NotAnswered`)."""

    questions: Annotated[tuple[Question, ...], Field(min_length=1)]
    says: Answer


class FactSpec(Frozen):
    """A fact as written: how people ask for it, the answer, and the sentence it comes from (the loader keeps
    it as a :class:`bot.knowledge.base.Fact`)."""

    id: Slug
    questions: Annotated[tuple[Question, ...], Field(min_length=1)]
    answer: Answer
    source: Text
    not_answered: tuple[NotAnsweredSpec, ...] = ()


class FactFile(Frozen):
    """A story folder's ``facts.yaml``."""

    story: StoryMeta
    aliases: dict[Text, Annotated[tuple[Text, ...], Field(min_length=1)]] = Field(default_factory=dict)
    facts: Annotated[tuple[FactSpec, ...], Field(min_length=1)]
