"""The corpus of bad files in ``tests/data/bad``: each gives its exact errors, and a reload with it keeps the old base.

``knowledge/<case>/`` is a knowledge folder broken one way; its ``expected.txt`` starts with a comment saying
why, then lists every problem storybot must report, in order (a ``storybot.yaml`` beside it sets the limits for
that case). ``config/<case>.yaml`` is a broken config file whose ``# expect:`` lines list its problems.
``good/`` is the story every knowledge case breaks.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from bot.cli import main
from bot.config import Config, load_config
from bot.knowledge import load_knowledge
from bot.library import Library
from bot.yamlfile import FileErrors, parse

CORPUS = Path(__file__).resolve().parent / "data" / "bad"
KNOWLEDGE_CASES = sorted(p.name for p in (CORPUS / "knowledge").iterdir())
CONFIG_CASES = sorted(p.name for p in (CORPUS / "config").glob("*.yaml"))
TOKEN = "MTIzNDU2.secret-token-in-a-bad-config"  # the token in config/api-host.yaml and config/token-twice.yaml
_LOCATED = re.compile(r"^[\w./-]+:\d+: ")


def case_config(root: Path) -> Config:
    settings = root / "storybot.yaml"
    return load_config(settings) if settings.is_file() else Config()


def expected(root: Path) -> list[str]:
    lines = (root / "expected.txt").read_text(encoding="utf-8").splitlines()
    return [line for line in lines if line and not line.startswith("#")]


def reported(root: Path, config: Config) -> list[str]:
    with pytest.raises(FileErrors) as caught:
        load_knowledge(root, config.limits)
    return [str(p) for p in caught.value.problems]


def test_the_corpus_covers_every_kind_of_bad_file():
    assert len(KNOWLEDGE_CASES) >= 30 and len(CONFIG_CASES) >= 12
    assert (CORPUS / "knowledge" / "symlink-outside" / "demo" / "facts.yaml").is_symlink()


@pytest.mark.parametrize("case", KNOWLEDGE_CASES)
def test_bad_knowledge_reports_file_line_and_field(case: str) -> None:
    root = CORPUS / "knowledge" / case
    found = reported(root, case_config(root))
    assert found == expected(root)
    # whole-file problems (missing, too big, outside the folder) have no line to name; everything else does
    whole_file = ("missing: ", "the file is ", "points outside")
    assert all(_LOCATED.match(p) or p.split(": ", 1)[1].startswith(whole_file) for p in found), found


@pytest.mark.parametrize("case", KNOWLEDGE_CASES)
def test_a_reload_with_bad_knowledge_keeps_the_old_base(case: str, tmp_path: Path) -> None:
    corpus = tmp_path / "bad"
    shutil.copytree(CORPUS, corpus, symlinks=True)  # relative symlinks keep pointing where they did
    root = corpus / "knowledge" / case
    config = case_config(root)
    root.rename(tmp_path / "stash")
    shutil.copytree(corpus / "good", root)
    library = Library.open(root, config)
    before = library.engine
    shutil.rmtree(root)
    (tmp_path / "stash").rename(root)

    result = library.reload()

    assert not result.ok
    assert [str(p) for p in result.problems] == expected(root)
    assert result.revision == result.old_revision == before.kb.revision
    assert library.engine is before
    assert library.engine.answer("Where was the pact signed?").answered


def test_a_byte_order_mark_at_the_start_is_fine(tmp_path: Path) -> None:
    root = tmp_path / "knowledge"
    shutil.copytree(CORPUS / "good", root)
    facts = root / "demo" / "facts.yaml"
    facts.write_bytes(b"\xef\xbb\xbf" + facts.read_bytes())
    assert load_knowledge(root).fact_count == 2


@pytest.mark.parametrize("case", CONFIG_CASES)
def test_bad_config_reports_file_line_and_field(case: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(CORPUS / "config")
    lines = Path(case).read_bytes().decode("utf-8", errors="replace").splitlines()
    want = [line.removeprefix("# expect: ") for line in lines if line.startswith("# expect: ")]
    with pytest.raises(FileErrors) as caught:
        load_config(Path(case))
    found = [str(p) for p in caught.value.problems]
    assert found == want
    assert all(_LOCATED.match(p) for p in found), found
    assert not any(secret in str(caught.value) for secret in (TOKEN, TOKEN[::-1], "98765432109876543210"))


def test_storybot_check_shows_file_line_field_and_message(capsys: pytest.CaptureFixture[str]) -> None:
    root = CORPUS / "knowledge" / "two-bad-stories"
    assert main(["check", "--knowledge", str(root)]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err.splitlines() == [*expected(root), "2 problem(s); the knowledge is not valid."]


def test_a_bad_config_stops_every_command_with_its_line(capsys: pytest.CaptureFixture[str]) -> None:
    config = CORPUS / "config" / "api-host.yaml"
    assert main(["check", "--knowledge", str(CORPUS / "good"), "--config", str(config)]) == 1
    err = capsys.readouterr().err
    assert f"storybot: {config}:6: discord.api_base: unknown key" in err.splitlines()
    assert TOKEN not in err


def test_block_nesting_past_python_recursion_is_reported_with_its_line() -> None:
    deep = "a:\n" + "".join(" " * i + f"b{i}:\n" for i in range(1, 600))  # PyYAML's composer recurses per level
    with pytest.raises(FileErrors) as caught:
        parse(deep, "deep.yaml")
    assert [str(p) for p in caught.value.problems] == ["deep.yaml:51: nested more than 50 levels deep"]
