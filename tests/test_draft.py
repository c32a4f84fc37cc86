"""``storybot draft``: a starter folder from an article, never overwriting a curator's work by accident."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.cli import main
from bot.draft import DraftError, draft, fact_ids
from bot.knowledge import load_knowledge
from bot.yamlfile import FileErrors

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "tests" / "data" / "port-alder-barrier"


def test_draft_writes_the_article_verbatim_and_one_stub_per_sentence(tmp_path: Path) -> None:
    folder = tmp_path / "knowledge" / "port-alder"
    done = draft(SAMPLE / "article.txt", "port-alder", folder, title="Port Alder approves barrier", publisher="Wire")

    assert (folder / "article.txt").read_bytes() == (SAMPLE / "article.txt").read_bytes()
    data = yaml.safe_load((folder / "facts.yaml").read_text(encoding="utf-8"))
    expected = (SAMPLE / "sentences.txt").read_text(encoding="utf-8").splitlines()
    assert list(done.sentences) == expected
    assert data["story"] == {
        "id": "port-alder",
        "title": "Port Alder approves barrier",
        "publisher": "Wire",
        "article": "article.txt",
    }
    assert [f["source"] for f in data["facts"]] == expected
    assert all(f["questions"] == [] and f["answer"] == "" for f in data["facts"])
    assert data["facts"][0]["id"] == "port-alder-city-council"
    assert len({f["id"] for f in data["facts"]}) == len(expected)


def test_an_unfilled_draft_is_reported_stub_by_stub_and_loads_once_filled(tmp_path: Path) -> None:
    folder = tmp_path / "knowledge" / "port-alder"
    draft(SAMPLE / "article.txt", "port-alder", folder)
    with pytest.raises(FileErrors) as caught:
        load_knowledge(folder.parent)
    fields = {p.field for p in caught.value.problems}
    assert {"story.title", "story.publisher", "facts[0].questions", "facts[0].answer"} <= fields
    assert all(p.file == "port-alder/facts.yaml" and p.line for p in caught.value.problems)

    data = yaml.safe_load((folder / "facts.yaml").read_text(encoding="utf-8"))
    data["story"] |= {"title": "Port Alder approves barrier", "publisher": "Coastal Wire"}
    data["facts"] = data["facts"][:1]
    data["facts"][0] |= {"questions": ["How did the council vote?"], "answer": "The council voted 7-2."}
    (folder / "facts.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")
    kb = load_knowledge(folder.parent)
    assert [f.id for f in kb.story("port-alder").facts] == ["port-alder-city-council"]


def test_draft_never_overwrites_without_force(tmp_path: Path) -> None:
    folder = tmp_path / "story"
    draft(SAMPLE / "article.txt", "story", folder)
    (folder / "facts.yaml").write_text("curated work\n", encoding="utf-8")
    with pytest.raises(DraftError, match="--force"):
        draft(SAMPLE / "article.txt", "story", folder)
    assert (folder / "facts.yaml").read_text(encoding="utf-8") == "curated work\n"
    draft(SAMPLE / "article.txt", "story", folder, force=True)
    assert "sentence 1" in (folder / "facts.yaml").read_text(encoding="utf-8")


def test_draft_refuses_a_bad_id_and_an_unreadable_article(tmp_path: Path) -> None:
    with pytest.raises(DraftError, match="lower-case"):
        draft(SAMPLE / "article.txt", "Port Alder", tmp_path / "x")
    binary = tmp_path / "article.bin"
    binary.write_bytes(b"\xff\xfe\x00bad")
    with pytest.raises(DraftError, match="UTF-8"):
        draft(binary, "x", tmp_path / "x")
    assert not (tmp_path / "x").exists()


def test_yaml_lookalikes_stay_text(tmp_path: Path) -> None:
    article = tmp_path / "a.txt"
    article.write_text('No. Yes: 1.5 "quoted" #not-a-comment & *not-an-alias.\n', encoding="utf-8")
    draft(article, "odd", tmp_path / "odd", title="no", publisher="1.5")
    data = yaml.safe_load((tmp_path / "odd" / "facts.yaml").read_text(encoding="utf-8"))
    assert (data["story"]["title"], data["story"]["publisher"]) == ("no", "1.5")
    assert [f["source"] for f in data["facts"]] == ["No.", 'Yes: 1.5 "quoted" #not-a-comment & *not-an-alias.']


def test_fact_ids_are_unique_slugs() -> None:
    assert fact_ids(("The vote passed.", "The vote passed!", "...")) == ["vote-passed", "vote-passed-2", "sentence-3"]


def test_the_command_writes_under_the_knowledge_folder_and_refuses_a_second_time(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    knowledge = tmp_path / "knowledge"
    args = ["draft", str(SAMPLE / "article.txt"), "--id", "port-alder", "--knowledge", str(knowledge)]
    assert main([*args, "--title", "T"]) == 0
    assert "19 fact stubs" in capsys.readouterr().out
    assert (knowledge / "port-alder" / "facts.yaml").is_file()
    assert main(args) == 1
    refused = capsys.readouterr().err
    assert "already exist" in refused and "--force" in refused
