"""Replies as terminal text and as the JSON protocol; Discord renders the same :class:`Reply` its own way."""

from __future__ import annotations

import functools
import re
import textwrap
from typing import Any

from bot.engine import Match, Reason, Reply, Status
from bot.knowledge import Story

NOT_SAID = "The story doesn't say."
RENDERED_CACHE = 1024
"""Facts and stories whose rendered text is kept: it depends on their text alone, and escaping markdown
with discord.py's regexes is most of what rendering an answer costs."""
# Relative time words mean "relative to when the story ran", so they are attributed, not restated.
_RELATIVE_TIME = re.compile(
    r"\b(?:today|tonight|yesterday|tomorrow|last night|(?:mon|tues|wednes|thurs|fri|satur|sun)day"
    r"|(?:this|last|next|earlier this|later this) (?:week|weekend|month|year))\b",
    re.IGNORECASE,
)
_ABBREVIATION_END = re.compile(r"\b[A-Z]\.$")


@functools.lru_cache(maxsize=RENDERED_CACHE)
def as_the_story_says(answer: str) -> str:
    """Attribute an answer with relative time words to the story: "On Thursday, the story says."."""
    if not _RELATIVE_TIME.search(answer):
        return answer
    answer = answer.rstrip()
    if answer.endswith(".") and not _ABBREVIATION_END.search(answer):  # "in Washington, D.C." keeps its dot
        answer = answer[:-1]
    return f"{answer}, the story says."


def credit(story: Story) -> str:
    """Title, publisher and, when known, the link and date."""
    meta = story.meta
    parts = [f"{meta.title}, {meta.publisher}"]
    if meta.published:
        parts.append(meta.published.isoformat())
    if meta.url:
        parts.append(meta.url)
    return " · ".join(parts)


def decline_line(reply: Reply, max_question_length: int | None = None) -> str:
    """The first line of a decline: why there is no answer, in the user's terms."""
    if reply.reason is Reason.EMPTY:
        return "Ask a question about the story."
    if reply.reason is Reason.TOO_LONG:
        limit = f" (the limit is {max_question_length} characters)" if max_question_length else ""
        return f"That question is too long{limit}; please ask it in fewer words."
    return f"{NOT_SAID} {reply.hint}" if reply.hint else NOT_SAID


def render_text(reply: Reply, max_question_length: int | None = None) -> str:
    """A reply for the terminal: the answer with its source and credit, or the decline and suggestions."""
    if reply.status is Status.ANSWERED and reply.match:
        m = reply.match
        # the sentence as the article has it, marked as a quote by "> " alone: some open with a quotation mark
        quote = textwrap.fill(m.fact.source, width=88, initial_indent="  > ", subsequent_indent="  > ")
        return (
            f"{as_the_story_says(m.fact.answer)}\n\n{quote}\n  — {credit(m.story)}\n"
            f'  (matched "{m.variant}", confidence {m.score:.0f}%)'
        )
    lines = [decline_line(reply, max_question_length)]
    if reply.suggestions:
        lines.append("Did you mean:")
        several = len({s.story.id for s in reply.suggestions}) > 1  # then say which story each is about
        lines += [
            f"  {i}. {s.variant}" + (f" ({s.story.meta.title})" if several else "")
            for i, s in enumerate(reply.suggestions, 1)
        ]
    return "\n".join(lines)


def _suggestion(match: Match) -> dict[str, Any]:
    return {
        "fact_id": match.fact.id,
        "story": match.story.id,
        "question": match.variant,
        "answer": match.fact.answer,
        "source": match.fact.source,
        "score": match.score,
    }


def as_json(reply: Reply) -> dict[str, Any]:
    """The reply in the line protocol that ``storybot ask --json`` speaks (see score.py)."""
    m = reply.match if reply.status is Status.ANSWERED else None
    return {
        "question": reply.question,
        "status": reply.status.value,
        "answer": m.fact.answer if m else None,
        "source": m.fact.source if m else None,
        "fact_id": m.fact.id if m else None,
        "story": m.story.id if m else None,
        "score": m.score if m else None,
        "suggestions": [_suggestion(s) for s in reply.suggestions],
        "hint": reply.hint,
        "reason": reply.reason.value if reply.reason else None,
        "revision": reply.revision,
    }
