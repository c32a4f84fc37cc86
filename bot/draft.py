"""``storybot draft``: a starter story folder from an article, one fact stub per sentence.

The stubs carry each sentence verbatim as ``source`` and leave ``questions`` and ``answer`` empty, so
the folder does not validate until a curator has written them: ``storybot check`` then names every stub
still to fill in, by line. Nothing is overwritten without ``force``.
"""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from bot.engine.text import STOPWORDS
from bot.knowledge.loader import FACTS_FILE
from bot.knowledge.sentences import split_sentences

ARTICLE_FILE = "article.txt"
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")  # the fact base's id pattern
ID_WORDS = 4

HEADER = """\
# Drafted by `storybot draft`: one fact stub per sentence of {article}.
# For each sentence worth answering, list the ways people ask for it under `questions` and write a
# one-sentence `answer` that names its subject; delete the stubs of sentences not worth a fact, and
# merge stubs when one answer needs two sentences (keep one `source`, verbatim from the article).
# Then run `storybot check`: until every stub is filled in it names each one still empty, by line.
"""


class DraftError(Exception):
    """A draft that cannot be written, with a message for the curator."""


@dataclass(frozen=True, slots=True)
class Draft:
    """What was written."""

    folder: Path
    sentences: tuple[str, ...]


def draft(
    article: Path, story_id: str, folder: Path, *, title: str = "", publisher: str = "", force: bool = False
) -> Draft:
    """Write ``folder/article.txt`` (a verbatim copy) and ``folder/facts.yaml`` (the stubs)."""
    if not SLUG.match(story_id):
        raise DraftError(f"story id {story_id!r}: use lower-case letters, digits and hyphens (at most 64)")
    try:
        text = article.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise DraftError(f"{article}: cannot read the article as UTF-8 text ({exc})") from exc
    sentences = tuple(split_sentences(text))
    if not sentences:
        raise DraftError(f"{article}: no sentences in the article")
    targets = [folder / ARTICLE_FILE, folder / FACTS_FILE]
    existing = [str(p) for p in targets if p.exists()]
    if existing and not force:
        raise DraftError(f"{', '.join(existing)} already exist(s); pass --force to overwrite")
    folder.mkdir(parents=True, exist_ok=True)
    if article.resolve() != targets[0].resolve():
        shutil.copyfile(article, targets[0])
    targets[1].write_text(facts_yaml(story_id, sentences, title=title, publisher=publisher), encoding="utf-8")
    return Draft(folder, sentences)


def facts_yaml(story_id: str, sentences: tuple[str, ...], *, title: str, publisher: str) -> str:
    """The stub file's text: commented, in the order of the article."""
    lines = [
        HEADER.format(article=ARTICLE_FILE),
        "story:",
        f"  id: {story_id}",
        f"  title: {_quoted(title)}",
        f"  publisher: {_quoted(publisher)}",
        f"  article: {ARTICLE_FILE}",
        "",
        "aliases: {}  # e.g. united states: [us, america, washington]",
        "",
        "facts:",
    ]
    for number, (fact_id, sentence) in enumerate(zip(fact_ids(sentences), sentences, strict=True), 1):
        lines += [
            f"  - id: {fact_id}  # sentence {number}",
            "    questions: []",
            '    answer: ""',
            f"    source: {_quoted(sentence)}",
        ]
    return "\n".join(lines) + "\n"


def fact_ids(sentences: tuple[str, ...]) -> list[str]:
    """Readable, unique ids from each sentence's first words: "port-alder-city-council"."""
    seen: set[str] = set()
    out: list[str] = []
    for number, sentence in enumerate(sentences, 1):
        words = [w for w in re.findall(r"[a-z0-9]+", sentence.casefold()) if w not in STOPWORDS]
        base = "-".join(words[:ID_WORDS])[:56].strip("-") or f"sentence-{number}"
        fact_id, k = base, 2
        while fact_id in seen:
            fact_id, k = f"{base}-{k}", k + 1
        seen.add(fact_id)
        out.append(fact_id)
    return out


def _quoted(text: str) -> str:
    # a JSON string is a valid YAML double-quoted scalar: no YAML surprise ("no", "1.5", ": ") can creep in
    return json.dumps(text, ensure_ascii=False)
