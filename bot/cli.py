"""The ``storybot`` command. It never imports discord, except inside ``storybot run`` and ``storybot sync``."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path

from bot import __version__
from bot.config import Config, config_path, load_config
from bot.engine import Engine, Status
from bot.library import Library
from bot.render import as_json, render_text
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
    check_ = commands.add_parser("check", parents=[common], help="validate the knowledge; coverage and ambiguity")
    check_.add_argument("--quick", action="store_true", help="skip holding variants out (the slow part)")

    tune = commands.add_parser("tune", parents=[common], help="correct vs wrong over thresholds")
    tune.add_argument("questions", nargs="+", type=Path, help="labelled question files (the dev set's format)")

    commands.add_parser("run", parents=[common], help="run the Discord bot (needs DISCORD_TOKEN)")
    sync = commands.add_parser(
        "sync",
        parents=[common],
        help="publish the slash commands to Discord now (needs DISCORD_TOKEN)",
        description="Publish the slash commands now, changed or not (the bot syncs them on start only when they "
        "changed). With discord.dev_guild set, they go to that server only. The knowledge is read because /ask "
        "lists its stories when there are several.",
    )
    sync.add_argument(
        "--clear-guild", type=int, metavar="SERVER_ID", help="instead remove the commands published to one server"
    )

    draft = commands.add_parser("draft", parents=[common], help="start a story folder from an article")
    draft.add_argument("article", type=Path, help="the article as UTF-8 text")
    draft.add_argument("--id", required=True, help="the story id (lower-case letters, digits, hyphens)")
    draft.add_argument("--title", default="", help="the story's headline")
    draft.add_argument("--publisher", default="", help="who published it")
    draft.add_argument("-o", "--output", type=Path, metavar="PATH", help="the folder (default: KNOWLEDGE/ID)")
    draft.add_argument("--force", action="store_true", help="overwrite an existing article.txt and facts.yaml")

    misses = commands.add_parser("misses", parents=[common], help="what people asked that went wrong")
    misses.add_argument("--since", type=_date, metavar="DATE", help="only questions from this day on (YYYY-MM-DD)")
    misses.add_argument("--story", metavar="ID", help="only this story")
    misses.add_argument("--limit", type=int, default=10, metavar="N", help="rows per section (default 10)")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    knowledge = _knowledge_dir(args.knowledge)
    if args.command == "draft":
        return _draft(args, knowledge)
    if args.command == "run":
        from bot.discordbot import run  # noqa: PLC0415 - the only place the CLI may import discord

        return run(knowledge, config_path(args.config))
    if args.command == "sync":
        from bot.discordbot import sync  # noqa: PLC0415 - as for run

        return sync(knowledge, config_path(args.config), clear_guild=args.clear_guild)
    try:
        config = load_config(config_path(args.config))
        if args.command == "check":
            from bot.check import check  # noqa: PLC0415 - each tool is imported when used, so `ask` starts fast

            return check(knowledge, config, held_out=not args.quick)
        if args.command == "misses":
            from bot.misses import misses_report  # noqa: PLC0415 - as for check

            return misses_report(config, since=args.since, story=args.story, limit=args.limit)
        library = Library.open(knowledge, config)
    except FileErrors as exc:
        for problem in exc.problems:
            print(f"storybot: {problem}", file=sys.stderr)
        return 1
    if args.command == "ask":
        return _ask(library.engine, config, args.question, args.json, args.story)
    if args.command == "chat":
        return _chat(library.engine, config)
    from bot.tune import tune  # noqa: PLC0415 - as for check

    return tune(library.engine, args.questions)


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def _draft(args: argparse.Namespace, knowledge: Path) -> int:
    from bot.draft import DraftError, draft  # noqa: PLC0415 - as for check

    folder = args.output or knowledge / args.id
    try:
        done = draft(args.article, args.id, folder, title=args.title, publisher=args.publisher, force=args.force)
    except DraftError as exc:
        print(f"storybot: {exc}", file=sys.stderr)
        return 1
    print(f"wrote {folder / 'facts.yaml'}: {len(done.sentences)} fact stubs, one per sentence")
    if folder.name != args.id:
        print(f"note: the folder name must match the story id {args.id!r} before the story loads")
    print("next: fill in questions and answers, then run `storybot check`")
    return 0


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
    offered, asked = (), ""
    while True:
        try:
            line = input("> ").strip()
        except (EOFError, KeyboardInterrupt):
            print()
            return 0
        if not line:
            return 0
        if line.isdigit() and 1 <= int(line) <= len(offered):
            pick = offered[int(line) - 1]  # scored against what was asked, as a Discord pick is
            reply = engine.answer_fact(pick.story.id, pick.fact.id, asked)
        else:
            reply, asked = engine.answer(line), line
        offered = reply.suggestions if reply.status is not Status.ANSWERED else ()
        print(render_text(reply, config.matching.max_question_length) + "\n")
