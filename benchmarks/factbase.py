"""Synthetic fact bases of a chosen size, in the real shape, written under a temporary folder.

Each story folder holds an ``article.txt`` and a ``facts.yaml`` the real loader accepts: aliases, facts
whose questions are worded several ways (who/when/where/why/how many/yes-no), answers, sources copied
from the article, and some "not answered" near misses. Words come from a Zipf-distributed pool of made-up
words, so common words are shared across stories (as "government" is) and rare ones are not, and every
story also has names of its own. The shipped story is copied in too, so real questions have a home.

    python benchmarks/factbase.py 10000 /tmp/kb10k     # writes the folder, prints what it wrote
"""

from __future__ import annotations

import argparse
import random
import shutil
import string
from collections.abc import Iterator
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ROOT / "knowledge"
FACTS_PER_STORY = 100
SENTENCES_PER_STORY = 40
FILLER = "the a of in on and to for with by at from as was were is has had will said after over".split()
_SYLLABLES = [c + v for c in "bcdfghjklmnprstvwz" for v in "aeiou"] + ["tr", "st", "ch", "sh", "nd", "rk"]


def _pool(rng: random.Random, size: int) -> list[str]:
    out: dict[str, None] = {}
    while len(out) < size:
        word = "".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 4)))
        out[word + rng.choice(["", "", "s", "ed", "ing", "al", "ion"])] = None
    return list(out)


class _Writer:
    """Writes one story at a time; the shared word pool is drawn Zipf-like so frequent words recur."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.words = _pool(self.rng, 30_000)
        self.weights = [1 / (rank + 1) for rank in range(len(self.words))]

    def story(self, folder: Path, number: int) -> int:
        rng = self.rng
        topic = rng.choices(self.words, self.weights, k=220)
        names = [w.capitalize() for w in rng.sample(self.words[2000:], 12)]
        sentences = [self._sentence(topic, names) for _ in range(SENTENCES_PER_STORY)]
        aliases = {names[0].lower(): [names[0][:3].lower() + "x", f"{names[0]} {names[1]}".lower()]}
        seen: set[str] = set()
        facts = []
        for k in range(FACTS_PER_STORY):
            source = sentences[k % len(sentences)]
            content = [w for w in source.rstrip(".").split() if w.lower() not in FILLER]
            questions = self._questions(content, rng.randint(4, 8), seen)
            fact: dict = {
                "id": f"fact-{k}",
                "questions": questions,
                "answer": f"{' '.join(rng.sample(content, min(5, len(content))))}, the story says.",
                "source": source,
            }
            if rng.random() < 0.1:
                fact["not_answered"] = [
                    {"questions": self._questions(content, 2, seen), "says": "The story does not say that."}
                ]
            facts.append(fact)
        story_id = f"story-{number:05d}"
        doc = {
            "story": {"id": story_id, "title": " ".join(rng.sample(topic, 6)).capitalize(), "publisher": "Bench"},
            "aliases": aliases,
            "facts": facts,
        }
        target = folder / story_id
        target.mkdir(parents=True)
        (target / "article.txt").write_text("\n".join(sentences) + "\n")
        (target / "facts.yaml").write_text(yaml.dump(doc, Dumper=yaml.CSafeDumper, sort_keys=False, width=1000))
        return len(facts)

    def _sentence(self, topic: list[str], names: list[str]) -> str:
        rng = self.rng
        parts = [rng.choice(names)] + [
            rng.choice(FILLER) if rng.random() < 0.35 else rng.choice(topic) for _ in range(rng.randint(10, 22))
        ]
        parts.insert(rng.randint(2, len(parts)), rng.choice(names))
        if rng.random() < 0.3:
            parts.append(str(rng.randint(2, 2030)))
        return " ".join(parts) + "."

    def _questions(self, content: list[str], count: int, seen: set[str]) -> list[str]:
        rng = self.rng
        out: list[str] = []
        while len(out) < count:
            a, b, c = (rng.choice(content) for _ in range(3))
            question = rng.choice(
                [
                    f"Who {a} the {b}?",
                    f"When did {a} {b} {c}?",
                    f"Where was the {a} {b}?",
                    f"What is {a} {b}?",
                    f"How many {a} did {b} {c}?",
                    f"Why did {a} {b} the {c}?",
                    f"Did {a} {b} {c}?",
                    f"What did {a} say about {b}?",
                    f"Which {a} {b} {c}?",
                    f"{a} {b} {c}?",
                ]
            )
            key = " ".join(question.lower().translate(str.maketrans("", "", string.punctuation)).split())
            if key not in seen:
                seen.add(key)
                out.append(question)
        return out


def generate(facts: int, root: Path, seed: int = 1, shipped: bool = True) -> Path:
    """Write a fact base of about ``facts`` facts (the shipped story included) under ``root``."""
    root.mkdir(parents=True, exist_ok=True)
    writer = _Writer(seed)
    written = 0
    if shipped:
        for story in SHIPPED.iterdir():
            if story.is_dir():
                shutil.copytree(story, root / story.name)
        written = sum(1 for line in (SHIPPED / "ncg-guidelines" / "facts.yaml").open() if line.startswith("  - id:"))
    number = 0
    while written < facts:
        written += writer.story(root, number)
        number += 1
    return root


def sample_questions(root: Path, count: int, seed: int = 2) -> Iterator[str]:
    """Questions about generated stories as people would ask them: words dropped, swapped or misspelt."""
    rng = random.Random(seed)
    stories = sorted(p for p in root.iterdir() if p.name.startswith("story-"))
    for _ in range(count):
        doc = yaml.load((rng.choice(stories) / "facts.yaml").read_text(), Loader=yaml.CSafeLoader)
        tokens = rng.choice(rng.choice(doc["facts"])["questions"]).rstrip("?").split()
        roll = rng.random()
        if roll < 0.3 and len(tokens) > 2:
            tokens.pop(rng.randrange(1, len(tokens)))
        elif roll < 0.6:
            k = rng.randrange(len(tokens))
            word = tokens[k]
            if len(word) > 5:
                i = rng.randrange(1, len(word) - 1)
                tokens[k] = word[:i] + word[i + 1] + word[i] + word[i + 2 :]
        elif roll < 0.7:
            tokens = ["what", "about", *rng.sample(tokens, len(tokens))]
        yield " ".join(tokens).lower() + "?"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("facts", type=int)
    parser.add_argument("folder", type=Path)
    args = parser.parse_args()
    generate(args.facts, args.folder)
    print(f"wrote {sum(1 for _ in args.folder.iterdir())} story folders under {args.folder}")


if __name__ == "__main__":
    main()
