from __future__ import annotations

from pathlib import Path

import pytest

from index.article import (
    MIN_PASSAGE_CHARS,
    Article,
    ArticleError,
    bundled_article_path,
    load_article,
    parse_article,
    parse_section_ref,
)

SOURCE = bundled_article_path().read_text(encoding="utf-8")


def test_sections_are_numbered_0_to_11(article: Article) -> None:
    assert [s.number for s in article.sections] == list(range(12))


def test_titles_come_from_the_line_after_the_number(article: Article) -> None:
    assert article.sections[0].title == "マスク氏の最新インタビュー:今後3〜7年は非常に過酷になる"
    assert article.sections[2].title == "「ホワイトカラーは、最初に淘汰される職種だ。」"
    assert article.sections[10].title == "「真実を追求し、好奇心を持ち、審美眼を養う。」"
    assert article.sections[11].title == "最後に"


def test_section_bodies_start_and_end_where_the_article_says(article: Article) -> None:
    assert article.sections[0].paragraphs[-1] == "今日は、あなたと共有したいと思う。"
    assert article.sections[1].paragraphs[0] == "あなたには、こんな感覚はないだろうか。"
    assert article.sections[10].paragraphs[-1] == "おそらくそうだろう。"
    assert article.sections[11].paragraphs[-1] == "頑張れ。"
    # Number lines and titles are not body text.
    for section in article.sections:
        assert "01" not in section.paragraphs
        assert section.title not in section.paragraphs[:1] or section.number == 0


def test_footer_is_never_part_of_the_article(article: Article) -> None:
    texts = [p.text for p in article.passages] + [s.text for s in article.sections]
    for marker in ("TechFlow公式コミュニティ", "t.me/TechFlowDaily", "x.com/TechFlowPost"):
        assert marker in SOURCE
        assert not any(marker in t for t in texts)


def test_passages_are_verbatim_and_cover_every_paragraph(article: Article) -> None:
    for passage in article.passages:
        assert passage.text in SOURCE
        assert passage.title == article.sections[passage.section].title
    for section in article.sections:
        passages = [p.text for p in article.passages if p.section == section.number]
        lines = [line for text in passages for line in text.split("\n") if line]
        # The title line opens the first passage (but for §0, whose title is the headline).
        title = [] if section.number == 0 else [section.title]
        assert lines == title + list(section.paragraphs)


def test_passage_ids_are_unique_and_name_their_section(article: Article) -> None:
    ids = [p.id for p in article.passages]
    assert len(ids) == len(set(ids))
    for passage in article.passages:
        assert passage.id.split("-")[0] == str(passage.section)


def test_short_paragraphs_do_not_stand_alone(article: Article) -> None:
    assert all(len(p.text) >= MIN_PASSAGE_CHARS for p in article.passages)
    why = next(p for p in article.passages if p.text.startswith("なぜか?\nAIの本質は"))
    assert why.section == 2


def test_other_numbered_article_parses_the_same_way() -> None:
    text = "見出し\n前書きの文。\n01\n第一の題\n本文一。\n02\n第二の題\n本文二。\n最後に\n結び。\n"
    article = parse_article(text)
    assert [(s.number, s.title) for s in article.sections] == [
        (0, "見出し"),
        (1, "第一の題"),
        (2, "第二の題"),
        (3, "最後に"),
    ]
    assert article.sections[3].paragraphs == ("結び。",)


def test_numbered_sections_are_found_without_a_headline() -> None:
    article = parse_article("01\n第一の題\n本文一。\n02\n第二の題\n本文二。\n")
    assert article.headline == ""
    assert [(s.number, s.title) for s in article.sections] == [(1, "第一の題"), (2, "第二の題")]
    assert [p.id for p in article.passages] == ["1-1", "2-1"]


@pytest.mark.parametrize(
    "text", ["http://", "https://example.com/a", "TechFlow公式コミュニティへようこそ"]
)
def test_a_text_that_is_all_footer_is_kept_whole(text: str) -> None:
    article = parse_article(text)
    assert [p.text for p in article.passages] == [text]


def test_unnumbered_text_becomes_one_section_per_block() -> None:
    article = parse_article("最初の段落です。\n続きです。\n\n次の段落です。\n\n\n最後の段落。")
    assert [s.paragraphs for s in article.sections] == [
        ("最初の段落です。", "続きです。"),
        ("次の段落です。",),
        ("最後の段落。",),
    ]
    single = parse_article("ただ一行だけの文章。")
    assert len(single.sections) == 1
    assert single.passages[0].text == "ただ一行だけの文章。"


def test_crlf_and_bom_are_read(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_bytes("\ufeff見出し\r\n01\r\n題\r\n本文。\r\n".encode())
    article = load_article(path)
    assert article.sections[1].title == "題"
    assert article.sections[1].paragraphs == ("本文。",)


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"", "no text"), (b" \n\n \n", "no text"), (b"\xff\xfe\x00abc", "not UTF-8")],
)
def test_bad_article_files_raise_article_error(
    tmp_path: Path, content: bytes, message: str
) -> None:
    path = tmp_path / "a.txt"
    path.write_bytes(content)
    with pytest.raises(ArticleError, match=message) as error:
        load_article(path)
    assert str(error.value).count(str(path)) == 1  # the file is named, once


def test_missing_article_file_raises_article_error(tmp_path: Path) -> None:
    with pytest.raises(ArticleError, match="cannot read") as error:
        load_article(tmp_path / "missing.txt")
    assert str(error.value).count("missing.txt") == 1


@pytest.mark.parametrize(
    ("ref", "number"),
    [
        ("5", 5),
        ("05", 5),
        ("§5", 5),
        ("§ 5", 5),
        ("５", 5),
        ("§１１", 11),
        (" 0 ", 0),
        ("abc", None),
        ("", None),
        ("-1", None),
        ("5.0", None),
        ("§", None),
    ],
)
def test_section_refs_as_people_type_them(ref: str, number: int | None) -> None:
    assert parse_section_ref(ref) == number
