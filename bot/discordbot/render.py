"""Replies as Discord messages: an embed when the bot may embed links, plain text when it may not.

Everything a user typed is shown back only through :func:`shown`, which truncates it and neutralises
markdown and mentions; allowed mentions are off bot-wide as well, so nothing here can ping.
"""

from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass

import discord

from bot.engine import Match, Reply
from bot.engine.text import without_format_characters
from bot.knowledge import Story
from bot.knowledge.schema import StoryMeta
from bot.render import RENDERED_CACHE, as_the_story_says, decline_line

COLOUR = discord.Colour(0x2F6FB3)
CONTENT_LIMIT = 2000
TITLE_LIMIT = 256
FIELD_LIMIT = 1024
BUTTON_LABEL_LIMIT = 80
ASKED_LIMIT = 200  # how much of a question is echoed in a decline

DID_YOU_MEAN = "Did you mean:"
# Escaped one by one (discord.utils.escape_markdown leaves the inside of [text](link) as it is). A question
# is never shown from the start of a line, so # and > stay text unescaped.
_MARKUP = re.compile(r"[\\*_~|`\[\]]")


@dataclass(frozen=True, slots=True)
class Rendered:
    """What to send: text, an embed, or both."""

    content: str | None = None
    embed: discord.Embed | None = None


def shorten(text: str, limit: int) -> str:
    """``text`` on one line and at most ``limit`` characters, marked with an ellipsis when cut."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def shown(text: str, limit: int) -> str:
    """User input made safe to show: one line, truncated, no markdown, mention, link or direction syntax."""
    plain = without_format_characters(shorten(text, limit))  # nothing hidden or reordered
    plain = plain.replace("://", ":\u200b//")  # no autolinks, so no link previews either
    escaped = discord.utils.escape_mentions(_MARKUP.sub(r"\\\g<0>", plain))
    return shorten(escaped, limit)


def credit(story: Story, *, links: bool) -> str:
    """Title (linked when the URL is known and links may be shown), publisher and date."""
    return _credit(story.meta, links)


@functools.lru_cache(maxsize=RENDERED_CACHE)
def _credit(meta: StoryMeta, links: bool) -> str:
    title = discord.utils.escape_markdown(meta.title)
    if meta.url and links:
        title = f"[{title}]({meta.url.replace('(', '%28').replace(')', '%29')})"
    parts = [title, discord.utils.escape_markdown(meta.publisher)]
    if meta.published:
        parts.append(f"{meta.published.day} {meta.published:%B %Y}")
    if meta.url and not links:
        parts.append(f"<{meta.url}>")
    return " · ".join(parts)


def footer(match: Match) -> str:
    """Which question matched and how well, so a user can spot a wrong match."""
    return f"Matched “{shorten(match.variant, 200)}” · {match.score:.0f}% confidence"


def answer(reply: Reply, *, embed: bool, asked: bool = True) -> Rendered:
    """An answered reply; ``asked`` repeats the question, for replies that do not show it already."""
    match = reply.match
    assert match is not None, "only answered replies are rendered as answers"
    fact = match.fact
    question = shown(reply.question, TITLE_LIMIT) if asked else None
    if embed:
        out = discord.Embed(title=question, description=as_the_story_says(fact.answer), colour=COLOUR)
        out.add_field(name="The story says", value=_quote(fact.source, FIELD_LIMIT), inline=False)
        out.add_field(name="Story", value=shorten(credit(match.story, links=True), FIELD_LIMIT), inline=False)
        out.set_footer(text=footer(match))
        return Rendered(embed=out)
    lines = [f"**Q:** {question}"] if question else []
    lines += [
        f"**{discord.utils.escape_markdown(as_the_story_says(fact.answer))}**",
        _quote(fact.source, 1000),
        f"— {credit(match.story, links=False)}",
        f"-# {discord.utils.escape_markdown(footer(match))}",
    ]
    return Rendered(content=shorten_lines("\n".join(lines), CONTENT_LIMIT))


def decline(reply: Reply, *, max_question_length: int, echo: bool) -> str:
    """A decline: why there is no answer, the curated hint, and (when ``echo``) the question asked."""
    lines = [decline_line(reply, max_question_length)]
    if echo and reply.question.strip() and reply.reason is None:
        lines.append(f"You asked: “{shown(reply.question, ASKED_LIMIT)}”")
    if reply.suggestions:
        lines.append(DID_YOU_MEAN)
    return shorten_lines("\n".join(lines), CONTENT_LIMIT)


def cooldown_notice(retry_after: float) -> str:
    """The "slow down" line, in whole seconds rounded up."""
    return f"You're asking quickly; try again in {max(1, math.ceil(retry_after))} s."


def shorten_lines(text: str, limit: int) -> str:
    """Keep line breaks but cap the whole text (Discord refuses longer messages outright)."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


@functools.lru_cache(maxsize=RENDERED_CACHE)
def _quote(sentence: str, limit: int) -> str:
    return "> " + shorten(discord.utils.escape_markdown(sentence), limit - 2)
