"""``storybot tune``: how many answers are right and how many wrong at each threshold and margin.

The labelled files use the dev set's format ({q, kind, sources, answer_any}), and an answer is judged
the way ``../shared/eval/score.py`` judges it, so a curator can pick thresholds with evidence.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from bot.config import Matching
from bot.engine import Engine
from bot.engine.engine import Assessment
from bot.knowledge.sentences import split_sentences
from bot.yamlfile import Document, parse, read_text, validate

THRESHOLDS = range(30, 92, 3)
MARGINS = (0, 2, 4, 6, 8, 10, 14)
CLEAR_MARGINS = (10, 15, 20, 25, 30, 40, 100)


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


def figures(cases: list[_Case], matching: Matching) -> tuple[float, float, float]:
    """Correct % of answerable, wrong % of on-topic, declined % of unanswerable and off-topic."""
    answerable = [c for c in cases if c.item.kind == "answerable"]
    on_topic = [c for c in cases if c.item.kind != "off-topic"]
    others = [c for c in cases if c.item.kind != "answerable"]
    answered = lambda c: c.found.answers(matching)  # noqa: E731
    correct = sum(answered(c) and c.right for c in answerable)
    wrong = sum(answered(c) and not c.cites for c in on_topic)
    declined = sum(not answered(c) for c in others)
    pct = lambda a, b: 100 * a / b if b else 0.0  # noqa: E731
    return pct(correct, len(answerable)), pct(wrong, len(on_topic)), pct(declined, len(others))


def tune(engine: Engine, paths: list[Path]) -> int:
    """Print correct / wrong / declined % over both answering rules' settings, and the best of each."""
    items = tuple(i for p in paths for i in load_labelled(p))
    cases = evaluate(engine, items)
    m = engine.matching
    print(
        f"{len(items)} questions; each cell: correct% / wrong% / declined%   (now: threshold {m.answer_threshold:g}, "
        f"margin {m.margin:g}, clear_threshold {m.clear_threshold:g}, clear_margin {m.clear_margin:g})"
    )
    _table(cases, m, ("answer_threshold", THRESHOLDS), ("margin", MARGINS))
    _table(cases, m, ("clear_threshold", THRESHOLDS), ("clear_margin", CLEAR_MARGINS))
    return 0


def _table(cases: list[_Case], now: Matching, rows: tuple[str, Iterable[int]], cols: tuple[str, Iterable[int]]) -> None:
    """One table over two settings, the others as configured, and the best cell within the wrong/declined goals."""
    (row_key, row_values), (col_key, col_values) = rows, (cols[0], tuple(cols[1]))
    print(f"\n{row_key:>16} " + "".join(f"{f'{col_key} {c}':>22}" for c in col_values))
    best = None
    for r in row_values:
        cells = []
        for c in col_values:
            correct, wrong, declined = figures(cases, now.model_copy(update={row_key: r, col_key: c}))
            cells.append(f"{correct:5.1f} /{wrong:4.1f} /{declined:5.1f}")
            if wrong <= 1.0 and declined >= 98.0 and (best is None or correct > best[0]):
                best = (correct, wrong, declined, r, c)
        print(f"{r:>16} " + "".join(f"{cell:>22}" for cell in cells))
    if best:
        print(
            f"best with wrong <= 1% and declined >= 98%: {row_key} {best[3]}, {col_key} {best[4]} "
            f"-> correct {best[0]:.1f}%, wrong {best[1]:.1f}%, declined {best[2]:.1f}%"
        )
    else:
        print("no setting keeps wrong <= 1% and declined >= 98%")
