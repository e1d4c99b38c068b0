"""The help describes the article it answers about, from the metadata beside it."""

from __future__ import annotations

import json
from pathlib import Path

from bot import render
from index.about import load_about
from index.article import Article, bundled_article_path, load_article
from index.hybrid import HybridIndex
from index.search import SearchIndex
from tests.support.telegram_html import check_html


def test_the_bundled_article_has_its_title_source_and_examples(article: Article) -> None:
    about = load_about(article)
    assert "TechFlow" in about.source and "Moonshots" in about.source
    assert about.examples and about.topics
    text = render.help_html(about, article, "TestBot")
    check_html(text)
    assert all(render.escape(q) in text for q in about.examples)


def test_every_example_question_is_answered_from_its_section(
    index: SearchIndex, hybrid: HybridIndex
) -> None:
    metadata = json.loads(bundled_article_path().with_suffix(".json").read_text("utf-8"))
    for example in metadata["examples"]:
        for retriever in (index, hybrid):
            answer = retriever.search(example["question"])
            assert answer.answered, example
            assert answer.hits[0].passage.section == example["section"], example


def test_another_article_gets_a_help_from_its_headline_and_titles(tmp_path: Path) -> None:
    path = tmp_path / "cats.txt"
    path.write_text("猫の本\n01\n猫の食事\n魚を食べる。\n02\n猫の睡眠\nよく眠る。\n", "utf-8")
    article = load_article(path)
    about = load_about(article, path)
    text = render.help_html(about, article, "TestBot")
    check_html(text)
    assert "猫の本" in text and "§1 猫の食事" in text and "§2 猫の睡眠" in text
    assert "TechFlow" not in text and "マスク" not in text


def test_a_broken_metadata_file_falls_back_to_the_article(tmp_path: Path) -> None:
    path = tmp_path / "cats.txt"
    path.write_text("猫の本\n01\n猫の食事\n魚を食べる。\n", "utf-8")
    path.with_suffix(".json").write_text("{not json", "utf-8")
    assert load_about(load_article(path), path).title == "猫の本"
