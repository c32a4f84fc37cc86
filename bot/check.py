"""``storybot check``: validate the knowledge files and say which article sentences no fact cites."""

from __future__ import annotations

import sys
from pathlib import Path

from bot.config import Config
from bot.knowledge import load_knowledge
from bot.knowledge.sentences import split_sentences
from bot.yamlfile import FileErrors


def check(knowledge: Path, config: Config) -> int:
    """Print problems (exit 1) or a coverage report (exit 0)."""
    try:
        kb = load_knowledge(knowledge, config.limits)
    except FileErrors as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        print(f"{len(exc.problems)} problem(s); the knowledge is not valid.", file=sys.stderr)
        return 1
    print(f"valid: {len(kb.stories)} story(ies), {kb.fact_count} facts, revision {kb.revision}")
    for story in kb.stories:
        sources = [" ".join(f.source.split()) for f in story.facts]
        sentences = split_sentences(story.article)
        uncited = [(i, s) for i, s in enumerate(sentences, 1) if not any(s in src or src in s for src in sources)]
        variants = sum(len(f.questions) for f in story.facts)
        print(
            f"\n{story.id}: {len(story.facts)} facts, {variants} question variants, "
            f"{len(sentences) - len(uncited)}/{len(sentences)} sentences cited"
        )
        for number, sentence in uncited:
            print(f"  not cited: {number}. {sentence}")
    return 0
