"""The CLI as a user runs it: a subprocess, including the JSON line protocol that score.py speaks."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from bot.render import as_the_story_says

ROOT = Path(__file__).resolve().parent.parent


def storybot(*args: str, stdin: str = "", env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        timeout=60,
        check=False,
    )


def test_ask_prints_answer_source_and_credit():
    done = storybot("ask", "where were the guidelines signed?")
    assert done.returncode == 0, done.stderr
    assert "Washington" in done.stdout
    assert "  > South Korea and the United States signed joint nuclear deterrence" in done.stdout
    assert "Yonhap" in done.stdout


def test_ask_quotes_a_quoted_sentence_as_the_article_has_it():
    done = storybot("ask", "what do the guidelines provide")
    assert done.returncode == 0, done.stderr
    assert '  > "The guidelines provide principles and procedures' in done.stdout
    assert '""' not in done.stdout


def test_ask_attributes_relative_time_words_to_the_story():
    done = storybot("ask", "when were the guidelines signed?")
    assert done.returncode == 0, done.stderr
    assert "on Thursday, the story says." in done.stdout  # the article has no date: Thursday is its Thursday


def test_time_words_are_attributed_without_losing_an_abbreviation():
    assert as_the_story_says("It was signed on Thursday.") == "It was signed on Thursday, the story says."
    assert as_the_story_says("On Thursday, in Washington, D.C.") == "On Thursday, in Washington, D.C., the story says."
    assert as_the_story_says("It was signed in Washington.") == "It was signed in Washington."


def test_ask_says_the_story_does_not_say():
    done = storybot("ask", "how do i bake sourdough bread")
    assert done.returncode == 0
    assert "The story doesn't say." in done.stdout


def test_json_protocol_one_line_per_input_line():
    questions = ["where were the guidelines signed", "", "what is the capital of peru", "x" * 600, "  "]
    done = storybot("ask", "--json", "-", stdin="\n".join(questions) + "\n")
    assert done.returncode == 0, done.stderr
    rows = [json.loads(line) for line in done.stdout.splitlines()]
    assert [r["question"] for r in rows] == questions
    assert rows[0]["status"] == "answered"
    assert rows[0]["fact_id"] == "signing-place"
    assert 0 <= rows[0]["score"] <= 100
    assert rows[0]["source"].startswith("South Korea and the United States signed")
    assert (rows[1]["status"], rows[1]["reason"]) == ("no_match", "empty")
    assert rows[2]["status"] in {"no_match", "suggestions"}
    assert (rows[3]["status"], rows[3]["reason"]) == ("no_match", "too_long")
    assert rows[4]["reason"] == "empty"
    for row in rows:
        assert set(row) >= {"question", "status", "answer", "source", "fact_id", "score", "suggestions", "reason"}
        assert len(row["suggestions"]) <= 3


def test_json_protocol_splits_on_newline_only():
    done = storybot("ask", "--json", "-", stdin="where\u2028signed\rthing\nsecond")
    rows = [json.loads(line) for line in done.stdout.split("\n") if line]
    assert [r["question"] for r in rows] == ["where\u2028signed\rthing", "second"]


def test_chat_answers_and_picks_a_suggestion(engine):
    asked = "who is the us defense secretary"
    done = storybot("chat", stdin=f"where were the guidelines signed\n{asked}\n1\n\n")
    assert done.returncode == 0, done.stderr
    assert "Washington" in done.stdout
    assert "Did you mean:" in done.stdout
    picked = done.stdout.split("Did you mean:")[1]
    assert "Narang" in picked
    first = engine.answer(asked).suggestions[0]
    expected = engine.answer_fact(first.story.id, first.fact.id, asked).match  # as a Discord pick is scored
    assert f'(matched "{expected.variant}", confidence {expected.score:.0f}%)' in picked


def test_check_reports_coverage_and_fails_on_bad_knowledge(tmp_path):
    done = storybot("check")
    assert done.returncode == 0, done.stderr
    assert "10/10 sentences cited" in done.stdout
    story = tmp_path / "k" / "bad"
    story.mkdir(parents=True)
    (story / "facts.yaml").write_text("story:\n  id: bad\n")
    done = storybot("check", "--knowledge", str(tmp_path / "k"))
    assert done.returncode == 1
    assert "bad/facts.yaml:2: story.title: required, but missing" in done.stderr


def test_knowledge_from_environment_and_flag_precedence(tmp_path):
    done = storybot("ask", "where signed", env={"STORYBOT_KNOWLEDGE": str(tmp_path / "none")})
    assert done.returncode == 1
    assert "no knowledge folder here" in done.stderr
    done = storybot("ask", "--knowledge", "knowledge", "where signed", env={"STORYBOT_KNOWLEDGE": str(tmp_path)})
    assert done.returncode == 0


def test_bad_config_names_line_and_key(tmp_path):
    config = tmp_path / "config.yaml"
    config.write_text("matching:\n  answer_threshold: high\n")
    done = storybot("ask", "--config", str(config), "where")
    assert done.returncode == 1
    assert f"{config}:2: matching.answer_threshold:" in done.stderr


def test_cli_never_imports_discord():
    code = "import sys, bot.cli; bot.cli.main(['ask', 'where signed']); print('discord' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert done.stdout.strip().endswith("False")
