"""What the caps buy: the slowest questions and files storybot accepts or refuses, timed.

    .venv/bin/python benchmarks/hostile.py

Questions at the length cap (500 characters) built to cost the most: every word misspelt (typo
correction), every word a story word (scoring), one giant word, punctuation soup, and mentions and
markdown, asked of the shipped story and of one story as large as the file cap allows. Then files at the
caps: the largest accepted file, an alias bomb, deep nesting. Figures are milliseconds (best of 3 for
files, median and max over repeats for questions); nothing here is asserted.
"""

from __future__ import annotations

import random
import statistics
import string
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.config import Config  # noqa: E402
from bot.engine import Engine  # noqa: E402
from bot.knowledge import load_knowledge  # noqa: E402
from bot.yamlfile import FileErrors, parse  # noqa: E402

CONFIG = Config()
CAP = CONFIG.matching.max_question_length
REPEATS = 20


def big_story(root: Path, rng: random.Random) -> Path:
    """One story folder whose facts.yaml is just under the file cap, in the real shape."""
    vocabulary = sorted({"".join(rng.choices(string.ascii_lowercase, k=rng.randint(5, 10))) for _ in range(6000)})
    folder = root / "big"
    folder.mkdir(parents=True)
    head = "story:\n  id: big\n  title: Big story\n  publisher: Benchmarks\nfacts:\n"
    facts, sentences, size = [], [], len(head)
    while True:
        words = rng.sample(vocabulary, 12)
        sentence = " ".join(words).capitalize() + "."
        questions = "".join(f"      - {' '.join(rng.sample(words, 6))}?\n" for _ in range(6))
        fact = (
            f"  - id: f{len(facts)}\n    questions:\n{questions}"
            f"    answer: {' '.join(words[:4]).capitalize()}.\n    source: {sentence}\n"
        )
        if size + len(fact) > CONFIG.limits.max_file_bytes:
            break
        facts.append(fact)
        sentences.append(sentence)
        size += len(fact)
    (folder / "facts.yaml").write_text(head + "".join(facts), encoding="utf-8")
    (folder / "article.txt").write_text("\n".join(sentences) + "\n", encoding="utf-8")
    return root


def hostile_questions(engine: Engine, rng: random.Random) -> dict[str, str]:
    words = sorted({w for s in engine.kb.stories for f in s.facts for q in f.questions for w in q.split()})
    long_words = [w.strip("?,.").lower() for w in words if len(w) >= 6 and w.isalpha()]

    def misspelt(word: str) -> str:
        at = rng.randrange(1, len(word))
        return word[:at] + rng.choice(string.ascii_lowercase) + word[at + 1 :]

    def fill(make: Callable[[], str]) -> str:
        out = ""
        while len(out) < CAP:
            out += make() + " "
        return out[:CAP]

    return {
        "every word misspelt": fill(lambda: misspelt(rng.choice(long_words))),
        "every word a story word": fill(lambda: rng.choice(words)),
        "one-letter words": fill(lambda: rng.choice(string.ascii_lowercase)),
        "one giant word": "x" * CAP,
        "punctuation soup": fill(lambda: "".join(rng.choices("?!.,;:'\"()[]{}*_~`|<>@#-", k=5))),
        "mentions and markdown": fill(lambda: rng.choice(["@everyone", "<@123456789012345678>", "**x**", "`y`"])),
        "a normal question": "Where were the guidelines signed?",
    }


def time_questions(name: str, engine: Engine, rng: random.Random) -> None:
    for label, question in hostile_questions(engine, rng).items():
        times = []
        for _ in range(REPEATS):
            start = time.perf_counter()
            engine.answer(question)
            times.append((time.perf_counter() - start) * 1000)
        print(f"| {name} | {label} | {statistics.median(times):.2f} | {max(times):.2f} |")


def best_of_3(work: Callable[[], object]) -> float:
    times = []
    for _ in range(3):
        start = time.perf_counter()
        work()
        times.append((time.perf_counter() - start) * 1000)
    return min(times)


def refused(text: str) -> Callable[[], object]:
    def run() -> None:
        try:
            parse(text, "x.yaml", max_nodes=CONFIG.limits.max_yaml_values)
        except FileErrors:
            return
        raise AssertionError("expected a refusal")

    return run


def main() -> None:
    rng = random.Random(7)
    shipped = Engine(load_knowledge(ROOT / "knowledge"), CONFIG.matching)
    with tempfile.TemporaryDirectory() as tmp:
        root = big_story(Path(tmp), rng)
        size = (root / "big" / "facts.yaml").stat().st_size
        load_ms = best_of_3(lambda: load_knowledge(root, CONFIG.limits))
        big = Engine(load_knowledge(root, CONFIG.limits), CONFIG.matching)

    print(f"Questions of {CAP} characters (the cap), ms per question over {REPEATS} repeats\n")
    print("| fact base | question | median | max |\n| --- | --- | --- | --- |")
    time_questions(f"shipped ({shipped.kb.fact_count} facts)", shipped, rng)
    time_questions(f"one story at the file cap ({big.kb.fact_count} facts)", big, rng)

    bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{n}: &{n} [{', '.join(['*' + p] * 10)}]\n" for n, p in zip("bcdefgh", "abcdefg", strict=True)
    )
    print("\nFiles at the caps, ms (best of 3)\n")
    print("| file | ms |\n| --- | --- |")
    print(f"| load a {size:,}-byte facts.yaml (accepted) | {load_ms:.0f} |")
    print(f"| alias bomb, 10^8 values if expanded (refused) | {best_of_3(refused(bomb)):.0f} |")
    deep = "a: " + "[" * 200_000 + "]" * 200_000 + "\n"
    print(f"| {len(deep):,} bytes of nested brackets (refused) | {best_of_3(refused(deep)):.0f} |")
    blocks = "a:\n" + "".join(" " * i + f"b{i}:\n" for i in range(1, 1400))
    print(f"| {len(blocks):,} bytes of nested blocks (refused) | {best_of_3(refused(blocks)):.0f} |")


if __name__ == "__main__":
    main()
