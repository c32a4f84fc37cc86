"""The ``storybot`` command. It never imports discord, except inside ``storybot run``."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path

from bot import __version__
from bot.check import check
from bot.config import Config, config_path, load_config
from bot.engine import Engine, Status
from bot.library import Library
from bot.render import as_json, render_text
from bot.tune import tune
from bot.yamlfile import FileErrors


def _knowledge_dir(flag: str | None) -> Path:
    return Path(flag or os.environ.get("STORYBOT_KNOWLEDGE") or "knowledge")


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--knowledge", metavar="PATH", help="the knowledge folder (default: $STORYBOT_KNOWLEDGE, else ./knowledge)"
    )
    common.add_argument(
        "--config", metavar="PATH", help="a config file (default: $STORYBOT_CONFIG, else ./config.yaml if present)"
    )
    parser = argparse.ArgumentParser(prog="storybot", description="Answers questions about news stories.")
    parser.add_argument("--version", action="version", version=f"storybot {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    ask = commands.add_parser("ask", parents=[common], help="answer a question ('-' reads one per line from stdin)")
    ask.add_argument("question", nargs="+", help="the question, or - to read questions from standard input")
    ask.add_argument("--json", action="store_true", help="one JSON object per question (see score.py's protocol)")
    ask.add_argument("--story", metavar="ID", help="ask only this story")

    commands.add_parser("chat", parents=[common], help="ask questions interactively")
    commands.add_parser("check", parents=[common], help="validate the knowledge files and report coverage")

    tune = commands.add_parser("tune", parents=[common], help="correct vs wrong over thresholds")
    tune.add_argument("questions", nargs="+", type=Path, help="labelled question files (the dev set's format)")

    commands.add_parser("run", parents=[common], help="run the Discord bot (needs DISCORD_TOKEN)")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    knowledge = _knowledge_dir(args.knowledge)
    if args.command == "run":
        from bot.discordbot import run  # noqa: PLC0415 - the only place the CLI may import discord

        return run(knowledge, config_path(args.config))
    try:
        config = load_config(config_path(args.config))
        if args.command == "check":
            return check(knowledge, config)
        library = Library.open(knowledge, config)
    except FileErrors as exc:
        for problem in exc.problems:
            print(f"storybot: {problem}", file=sys.stderr)
        return 1
    if args.command == "ask":
        return _ask(library.engine, config, args.question, args.json, args.story)
    if args.command == "chat":
        return _chat(library.engine, config)
    return tune(library.engine, args.questions)


def _stdin_lines() -> Iterator[str]:
    """Lines split on "\\n" only (blank ones included), as the JSON protocol requires."""
    data = sys.stdin.buffer.read().decode("utf-8", errors="replace")
    lines = data.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    yield from lines


def _ask(engine: Engine, config: Config, words: list[str], as_json_lines: bool, story: str | None) -> int:
    if story and story not in {s.id for s in engine.kb.stories}:
        print(f"storybot: no story {story!r}; known: {', '.join(s.id for s in engine.kb.stories)}", file=sys.stderr)
        return 2
    questions = _stdin_lines() if words == ["-"] else iter([" ".join(words)])
    out = sys.stdout
    for question in questions:
        reply = engine.answer(question, story)
        if as_json_lines:
            out.write(json.dumps(as_json(reply), ensure_ascii=False) + "\n")
        else:
            out.write(render_text(reply, config.matching.max_question_length) + "\n\n")
        out.flush()
    return 0


def _chat(engine: Engine, config: Config) -> int:
    stories = ", ".join(s.meta.title for s in engine.kb.stories)
    print(f"Ask about: {stories}\nType a question, a number to pick a suggestion, or an empty line to quit.")
    offered = ()
    while True:
        try:
            line = input("> ").strip()
        except (EOFError, KeyboardInterrupt):
            print()
            return 0
        if not line:
            return 0
        if line.isdigit() and 1 <= int(line) <= len(offered):
            pick = offered[int(line) - 1]
            reply = engine.answer_fact(pick.story.id, pick.fact.id, pick.variant)
        else:
            reply = engine.answer(line)
        offered = reply.suggestions if reply.status is not Status.ANSWERED else ()
        print(render_text(reply, config.matching.max_question_length) + "\n")
