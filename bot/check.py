"""``storybot check``: validate the knowledge files, then show a curator what to fix next.

Per story: which article sentences no fact cites; which question variants the matcher confuses (asked
exactly as written, a variant is answered by another fact, or lands within the margin of one and is
declined as ambiguous); and which variants name people, places or organisations the article never
mentions (a variant about something the story doesn't cover teaches the matcher to answer it). A table
sums it up. Only invalid files make the exit status 1; the rest are warnings.
"""

from __future__ import annotations

import dataclasses
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from bot.config import Config
from bot.engine import Engine, Match
from bot.engine.engine import Assessment
from bot.engine.text import words
from bot.knowledge import KnowledgeBase, load_knowledge
from bot.knowledge.base import Story
from bot.knowledge.sentences import split_sentences
from bot.yamlfile import FileErrors

HELD_OUT_SLACK = 6.0  # on the shipped story, no confusion came from a rival further below the threshold
_TOKEN = re.compile(r"[^\W_][\w'’.-]*")
_NOT_NAMES = frozenset(
    """i monday tuesday wednesday thursday friday saturday sunday january february march april may june july
    august september october november december""".split()
)


@dataclass(frozen=True, slots=True)
class Confusion:
    """A variant of ``fact`` that goes to ``other``, or is declined (because of it), when asked."""

    story: str
    fact: str
    variant: str
    other: str | None  # "story/fact" of the rival, when there is one
    verdict: str  # what happens when the variant is asked
    score: float
    other_score: float | None
    held_out: bool = False  # found with the variant taken out of the fact base


@dataclass(frozen=True, slots=True)
class StoryReport:
    story: Story
    sentences: tuple[str, ...]
    uncited: tuple[tuple[int, str], ...]
    confusions: tuple[Confusion, ...]
    strangers: tuple[tuple[str, str, str], ...]  # (fact id, variant, names the article never mentions)

    @property
    def variants(self) -> int:
        return sum(len(f.questions) for f in self.story.facts)


def check(knowledge: Path, config: Config, *, held_out: bool = True) -> int:
    """Print problems (exit 1), or coverage, ambiguity and unknown names per story and a summary (exit 0)."""
    try:
        kb = load_knowledge(knowledge, config.limits)
    except FileErrors as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        print(f"{len(exc.problems)} problem(s); the knowledge is not valid.", file=sys.stderr)
        return 1
    print(f"valid: {len(kb.stories)} story(ies), {kb.fact_count} facts, revision {kb.revision}")
    reports = review(kb, Engine(kb, config.matching), held_out=held_out)
    for report in reports:
        print()
        print("\n".join(describe(report)))
    print()
    print("\n".join(summary(reports)))
    return 0


def review(kb: KnowledgeBase, engine: Engine, *, held_out: bool = True) -> list[StoryReport]:
    """Every story's coverage, confusions and unknown names (the engine may hold more stories than kb)."""
    out = []
    for story in kb.stories:
        sources = [" ".join(f.source.split()) for f in story.facts]
        sentences = tuple(split_sentences(story.article))
        uncited = tuple((i, s) for i, s in enumerate(sentences, 1) if not any(s in src or src in s for src in sources))
        out.append(
            StoryReport(
                story, sentences, uncited, tuple(confusions(engine, story, held_out=held_out)), tuple(strangers(story))
            )
        )
    return out


def confusions(engine: Engine, story: Story, *, held_out: bool = True) -> list[Confusion]:
    """Variants the matcher does not answer with their own fact: as written, and (when ``held_out``)
    with the variant taken out of the fact base, as a slightly different wording would be asked.

    Holding variants out costs a rebuild of the story's index, so only variants that another fact
    already comes close to (within ``HELD_OUT_SLACK`` of the answer threshold) are held out, and several
    at once when their facts and rivals are all different (so none can change another's verdict much).
    """
    m = engine.matching
    found: list[tuple[tuple[int, int], Confusion]] = []
    candidates: list[_Candidate] = []
    for position, fact in enumerate(story.facts):
        for k, variant in enumerate(fact.questions):
            confusion = _judge(engine, story, fact.id, variant, held_out=False)
            if confusion is not None:
                found.append(((position, k), confusion))
                continue
            assessed = engine.assess(variant)
            rival = _rival(assessed, story.id, fact.id)
            if held_out and rival is not None and rival.score >= m.answer_threshold - HELD_OUT_SLACK:
                near = {s.fact.id for s in assessed.suggestions if s.story.id == story.id}
                candidates.append(_Candidate(position, k, variant, frozenset({fact.id, rival.fact.id, *near})))
    for batch in _batches(candidates):
        without = _without(story, batch)
        held = Engine(KnowledgeBase((without,), "held-out"), m)
        for c in batch:
            confusion = _judge(held, without, story.facts[c.position].id, c.variant, held_out=True)
            if confusion is not None:
                found.append(((c.position, c.k), confusion))
    return [confusion for _, confusion in sorted(found, key=lambda kc: kc[0])]


@dataclass(frozen=True, slots=True)
class _Candidate:
    """A variant to hold out, and the facts whose variants must stay while it is out."""

    position: int
    k: int
    variant: str
    facts: frozenset[str]


def _batches(candidates: list[_Candidate]) -> list[list[_Candidate]]:
    """Group candidates so that no two in a group share a fact (their own, or one they compete with)."""
    batches: list[tuple[set[str], list[_Candidate]]] = []
    for c in candidates:
        home = next((b for b in batches if not b[0] & c.facts), None)
        if home is None:
            home = (set(), [])
            batches.append(home)
        home[0].update(c.facts)
        home[1].append(c)
    return [b[1] for b in batches]


def _judge(engine: Engine, story: Story, fact: str, variant: str, *, held_out: bool) -> Confusion | None:
    """What goes wrong when ``variant`` is asked, or None when its own fact answers it."""
    reply = engine.answer(variant)
    if reply.answered and reply.match is not None and (reply.match.story.id, reply.match.fact.id) == (story.id, fact):
        return None
    found = engine.assess(variant)
    left = next(f for f in story.facts if f.id == fact).questions  # none when its only variant is held out
    own = engine.answer_fact(story.id, fact, variant).match if left else None
    score = own.score if own else 0.0
    m = engine.matching
    best = found.best
    mine = best is not None and (best.story.id, best.fact.id) == (story.id, fact)
    other = reply.match if reply.answered else _rival(found, story.id, fact)
    if reply.answered:
        verdict = "answered as"
    elif best is not None and not mine and best.score >= m.answer_threshold:
        verdict = "within the margin of" if best.score - score < m.margin else "ranked below"
    elif mine and other is not None and found.margin < m.margin and score >= m.answer_threshold:
        verdict = "within the margin of"
    elif held_out:
        return None  # declined without it: the variant is needed, which is no confusion
    elif best is None:
        verdict = "declined: every word of it asks nothing, so no question can match it"
    elif found.near_miss:
        verdict = "declined: a not_answered variant fits as well"
    elif found.unknown:
        verdict = f"declined: words the story never uses ({', '.join(found.unknown)})"
    else:
        verdict = "declined"
    rival = f"{other.story.id}/{other.fact.id}" if other else None
    return Confusion(story.id, fact, variant, rival, verdict, score, other.score if other else None, held_out)


def _without(story: Story, batch: list[_Candidate]) -> Story:
    """``story`` without the batch's variants."""
    out = dict(enumerate(story.facts))
    for c in batch:
        fact = out[c.position]
        out[c.position] = dataclasses.replace(fact, questions=tuple(q for q in fact.questions if q != c.variant))
    return dataclasses.replace(story, facts=tuple(out[i] for i in range(len(story.facts))))


def _rival(found: Assessment, story: str, fact: str) -> Match | None:
    """The fact competing with ``fact``: the best one when it is another, else the best citing another sentence."""
    best = found.best
    if best is None:
        return None
    if (best.story.id, best.fact.id) != (story, fact):
        return best
    return next(
        (m for m in found.suggestions if m.story is not best.story or m.fact.source != best.fact.source),
        None,
    )


def strangers(story: Story) -> Iterator[tuple[str, str, str]]:
    """Variants naming something (a capitalised name or an acronym) that neither the article nor an alias has."""
    known = set(words(story.article))
    for canonical, phrases in story.aliases.items():
        for phrase in (canonical, *phrases):
            known.update(words(phrase))
    for fact in story.facts:
        for variant in fact.questions:
            unknown = [name for name in names(variant) if not set(words(name)) <= known]
            if unknown:
                yield fact.id, variant, ", ".join(unknown)


def names(text: str) -> list[str]:
    """Runs of capitalised words ("Kim Jong Un") and acronyms ("NATO"), the way a question names things.

    A question's first word is capitalised anyway, so it counts only as an acronym. Days and months are
    not names of anything the story must mention.
    """
    tokens = list(_TOKEN.finditer(text))
    out: list[str] = []
    run: list[str] = []
    for k, token in enumerate(tokens):
        word = token.group().rstrip(".'’")
        acronym = len(word) >= 2 and word.replace(".", "").isupper()
        opening = k == 0 and not acronym
        is_name = word[:1].isupper() and not opening and word.casefold() not in _NOT_NAMES
        adjacent = k > 0 and not text[tokens[k - 1].end() : token.start()].strip()
        if is_name and run and adjacent:
            run.append(word)
            continue
        if run:
            out.append(" ".join(run))
        run = [word] if is_name else []
    if run:
        out.append(" ".join(run))
    return out


def describe(report: StoryReport) -> list[str]:
    """One story's findings, as lines for the terminal."""
    story = report.story
    cited = len(report.sentences) - len(report.uncited)
    lines = [
        f"{story.id}: {len(story.facts)} facts, {report.variants} question variants, "
        f"{cited}/{len(report.sentences)} sentences cited"
    ]
    lines += [f"  not cited: {number}. {sentence}" for number, sentence in report.uncited]
    pairs: dict[tuple[str, str | None], list[Confusion]] = {}
    for c in report.confusions:
        pairs.setdefault((c.fact, c.other), []).append(c)
    for (fact, other), found in pairs.items():
        rival = other.removeprefix(f"{story.id}/") if other else None
        lines.append(f"  ambiguous: {fact} / {rival}:" if rival else f"  ambiguous: {fact}:")
        for c in found:
            when = "without it, " if c.held_out else ""
            named = f" {rival}" if c.verdict in {"answered as", "ranked below", "within the margin of"} else ""
            scores = f" ({c.other_score:.0f}; {c.fact} {c.score:.0f})" if c.other_score is not None else ""
            lines.append(f"    “{c.variant}”: {when}{c.verdict}{named}{scores}")
    for fact, variant, unknown in report.strangers:
        lines.append(f"  not in the article: {fact}: “{variant}” names {unknown} (add an alias if the article does)")
    return lines


def summary(reports: list[StoryReport]) -> list[str]:
    """The table: one row per story, and a total when there are several."""
    header = ("story", "facts", "variants", "sentences cited", "ambiguous", "unknown names")
    rows = [
        (
            r.story.id,
            str(len(r.story.facts)),
            str(r.variants),
            f"{len(r.sentences) - len(r.uncited)}/{len(r.sentences)}",
            str(len(r.confusions)),
            str(len(r.strangers)),
        )
        for r in reports
    ]
    if len(reports) > 1:
        rows.append(
            (
                "all",
                str(sum(len(r.story.facts) for r in reports)),
                str(sum(r.variants for r in reports)),
                f"{sum(len(r.sentences) - len(r.uncited) for r in reports)}/{sum(len(r.sentences) for r in reports)}",
                str(sum(len(r.confusions) for r in reports)),
                str(sum(len(r.strangers) for r in reports)),
            )
        )
    widths = [max(len(row[i]) for row in (header, *rows)) for i in range(len(header))]

    def line(row: tuple[str, ...]) -> str:
        return "  ".join(
            cell.ljust(w) if i == 0 else cell.rjust(w) for i, (cell, w) in enumerate(zip(row, widths, strict=True))
        )

    return [line(header), "  ".join("-" * w for w in widths), *map(line, rows)]
