"""``storybot tune``: how many answers are right and how many wrong at each threshold and margin.

The labelled files use the dev set's format ({q, kind, sources, answer_any}), and an answer is judged
the way ``../shared/eval/score.py`` judges it, so a curator can pick thresholds with evidence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from bot.engine import Engine
from bot.engine.engine import Assessment
from bot.knowledge.sentences import split_sentences
from bot.yamlfile import Document, parse, read_text, validate

THRESHOLDS = range(30, 92, 3)
MARGINS = (0, 2, 4, 6, 8, 10, 14)


class Labelled(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)

    q: str
    kind: Literal["answerable", "unanswerable", "off-topic"]
    sources: tuple[int, ...] = ()
    answer_any: tuple[str, ...] = ()


class LabelledFile(BaseModel):
    model_config = ConfigDict(strict=True, frozen=True)

    items: Annotated[tuple[Labelled, ...], Field(min_length=1)]


def _words(text: str) -> list[str]:
    text = re.sub(r"(?<=\w)\.(?=\w)", "", text.casefold().replace("\u2019", "'"))
    return re.findall(r"[a-z0-9]+", text)


def _contains(haystack: str, needle: str) -> bool:
    h, n = _words(haystack), _words(needle)
    same = lambda w, t: w == t or (len(t) >= 4 and w.startswith(t))  # noqa: E731
    starts = range(len(h) - len(n) + 1)
    return bool(n) and any(all(same(w, t) for w, t in zip(h[i : i + len(n)], n, strict=False)) for i in starts)


def _cited(source: str, sentences: list[str]) -> set[int]:
    s = " ".join(_words(source))
    found = {
        i
        for i, sentence in enumerate(sentences, 1)
        if len(s) >= 20 and (s in (t := " ".join(_words(sentence))) or t in s)
    }
    return found if len(found) <= 2 else set()


@dataclass(frozen=True, slots=True)
class _Case:
    item: Labelled
    found: Assessment
    right: bool  # the best fact would be a correct answer
    cites: bool  # the best fact cites a sentence the question allows (else answering it is wrong)


def load_labelled(path: Path) -> tuple[Labelled, ...]:
    """Read a labelled question file (a YAML list), with the same line-numbered errors as the knowledge."""
    doc = parse(read_text(path, str(path), max_bytes=10_000_000), str(path))
    wrapped = Document({"items": doc.data}, {("items", *k): v for k, v in doc.lines.items()}, doc.name)
    return validate(LabelledFile, wrapped).items


def evaluate(engine: Engine, items: tuple[Labelled, ...]) -> list[_Case]:
    cases = []
    for item in items:
        found = engine.assess(item.q)
        right = cites = False
        if found.best and item.kind == "answerable":
            sentences = split_sentences(found.best.story.article)
            cites = bool(_cited(found.best.fact.source, sentences) & set(item.sources))
            right = cites and any(_contains(found.best.fact.answer, term) for term in item.answer_any)
        cases.append(_Case(item, found, right, cites))
    return cases


def figures(cases: list[_Case], threshold: float, margin: float) -> tuple[float, float, float]:
    """Correct % of answerable, wrong % of on-topic, declined % of unanswerable and off-topic."""
    answerable = [c for c in cases if c.item.kind == "answerable"]
    on_topic = [c for c in cases if c.item.kind != "off-topic"]
    others = [c for c in cases if c.item.kind != "answerable"]
    answered = lambda c: c.found.answers(threshold, margin)  # noqa: E731
    correct = sum(answered(c) and c.right for c in answerable)
    wrong = sum(answered(c) and not c.cites for c in on_topic)
    declined = sum(not answered(c) for c in others)
    pct = lambda a, b: 100 * a / b if b else 0.0  # noqa: E731
    return pct(correct, len(answerable)), pct(wrong, len(on_topic)), pct(declined, len(others))


def tune(engine: Engine, paths: list[Path]) -> int:
    """Print correct / wrong / declined % for each margin and threshold, and the best setting."""
    items = tuple(i for p in paths for i in load_labelled(p))
    cases = evaluate(engine, items)
    print(
        f"{len(items)} questions; each cell: correct% / wrong% / declined%   (now: threshold "
        f"{engine.matching.answer_threshold:g}, margin {engine.matching.margin:g})"
    )
    print("thresh " + "".join(f"{'margin ' + str(m):>20}" for m in MARGINS))
    best = None
    for t in THRESHOLDS:
        row = []
        for m in MARGINS:
            c, w, d = figures(cases, t, m)
            row.append(f"{c:5.1f} /{w:4.1f} /{d:5.1f}")
            if w <= 1.0 and d >= 98.0 and (best is None or c > best[0]):
                best = (c, w, d, t, m)
        print(f"{t:>6} " + "".join(f"{cell:>20}" for cell in row))
    if best:
        print(
            f"best with wrong <= 1% and declined >= 98%: threshold {best[3]}, margin {best[4]} "
            f"-> correct {best[0]:.1f}%, wrong {best[1]:.1f}%, declined {best[2]:.1f}%"
        )
    else:
        print("no setting keeps wrong <= 1% and declined >= 98%")
    return 0
