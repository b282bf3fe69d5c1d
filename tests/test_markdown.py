"""Markdown blocks and masks: what each construct becomes, and what never reaches the prose."""

from __future__ import annotations

import time

import pytest

from conftest import check_masks
from verifier.document import build_document
from verifier.markdown import MAX_NESTING, MAX_WORD, parse
from verifier.reader import decode


def blocks(text: str, markdown: bool = True) -> list[tuple[str, str]]:
    """(kind, text) of every block."""
    return [(b.kind, text[b.start:b.end]) for b in parse(text, markdown).blocks]


def prose(text: str) -> str:
    return parse(text).prose


def words(mask: str) -> list[str]:
    return mask.split()


def claims(text: str, path: str = "draft.md") -> list[str]:
    doc = build_document(path, text)
    return [c.text for c in doc.claims]


# -- headings ------------------------------------------------------------------------

def test_atx_and_setext_headings():
    text = "# Depression\n\nBody text.\n\nResults\n-------\n\n### Level three ###\n"
    assert blocks(text) == [
        ("heading", "# Depression"), ("paragraph", "Body text."),
        ("heading", "Results\n-------"), ("heading", "### Level three ###"),
    ]
    parsed = parse(text)
    assert [b.level for b in parsed.blocks if b.kind == "heading"] == [1, 2, 3]
    assert words(parsed.prose[:len("# Depression")]) == ["Depression"]


def test_bold_pseudo_heading_alone_on_a_line_is_a_heading():
    text = "**Citations:**\n\n__Statistics__\n"
    assert blocks(text) == [("heading", "**Citations:**"), ("heading", "__Statistics__")]
    assert words(prose(text)) == ["Citations:", "Statistics"]


def test_pseudo_heading_inside_a_paragraph_splits_it():
    text = "Intro line one\n**Statistics:**\nAbout 45% improved.\n"
    assert blocks(text) == [
        ("paragraph", "Intro line one"), ("heading", "**Statistics:**"), ("paragraph", "About 45% improved."),
    ]
    parsed = parse(text)
    assert parsed.blocks[2].section == 1


def test_bold_text_in_a_sentence_is_no_heading():
    assert blocks("**Note:** about 45% improved.\n") == [("paragraph", "**Note:** about 45% improved.")]


def test_sections_follow_headings():
    parsed = parse("Before.\n\n# A\n\nOne.\n\n## B\n\nTwo.\n")
    assert [b.section for b in parsed.blocks] == [-1, 1, 1, 3, 3]


# -- paragraphs ----------------------------------------------------------------------

def test_digest_one_paragraph_per_line_is_split():
    long_a = "Music therapy reduced depressive symptoms in adults. " * 4
    long_b = "Group sessions twice a week improved sleep for most participants. " * 3
    text = f"{long_a.strip()}\n{long_b.strip()}\n"
    assert [kind for kind, _ in blocks(text)] == ["paragraph", "paragraph"]


def test_hard_wrapped_paragraph_stays_one_block():
    text = "Music therapy reduced\ndepressive symptoms\nin adults.\n"
    assert blocks(text) == [("paragraph", text.rstrip("\n"))]


def test_lines_of_urls_and_images_are_one_block_each():
    text = "https://example.org/a\nhttps://example.org/b\n"
    assert blocks(text) == [("paragraph", "https://example.org/a"), ("paragraph", "https://example.org/b")]
    images = "![a](a.png)\n![b](b.png)\n"
    assert blocks(images) == [("image", "![a](a.png)"), ("image", "![b](b.png)")]


def test_plain_text_is_paragraphs_of_lines():
    text = "# not a heading\n- not a list\n\n    not code 45%\n"
    assert blocks(text, markdown=False) == [
        ("paragraph", "# not a heading\n- not a list"), ("paragraph", "not code 45%"),
    ]
    assert "not code 45%" in parse(text, markdown=False).prose


# -- lists and quotes ----------------------------------------------------------------

def test_list_items_are_blocks_without_their_bullets():
    text = "- First item 45%\n* Second\n+ Third\n\n1. One\n2) Two\n\n- [ ] open task\n- [x] done task\n"
    found = blocks(text)
    assert [kind for kind, _ in found] == ["list_item"] * 7
    assert words(prose(text)) == ["First", "item", "45%", "Second", "Third", "One", "Two",
                                  "open", "task", "done", "task"]


def test_nested_list_items_are_separate_blocks():
    text = "- Outer 10%\n  - Inner 20%\n    - Innermost 30%\n- Back out\n"
    assert blocks(text) == [
        ("list_item", "- Outer 10%"), ("list_item", "- Inner 20%"),
        ("list_item", "- Innermost 30%"), ("list_item", "- Back out"),
    ]
    assert claims(text) == ["10%", "20%", "30%"]


def test_list_item_with_two_paragraphs():
    text = "- First paragraph.\n\n  Second paragraph.\n"
    assert blocks(text) == [("list_item", "- First paragraph."), ("list_item", "Second paragraph.")]


def test_block_quotes():
    text = "> Quoted 45% of adults\n> on two lines.\n>\n> > Nested 12%.\n"
    found = blocks(text)
    assert [kind for kind, _ in found] == ["blockquote", "blockquote"]
    assert words(prose(text)) == ["Quoted", "45%", "of", "adults", "on", "two", "lines.", "Nested", "12%."]


def test_list_inside_quote_is_a_list_item():
    # A block runs from the start of its first line: container markers are in its span, not its prose.
    assert blocks("> - item 5%\n") == [("list_item", "> - item 5%")]
    assert words(prose("> - item 5%\n")) == ["item", "5%"]


def test_deep_nesting_within_the_limit_keeps_what_follows():
    # markdown-it's default limit (20 levels, ~10 lists) used to drop the rest of the file.
    text = "".join("  " * i + f"- level {i}\n" for i in range(30)) + "\nAfter the list, 6% improved.\n"
    found = blocks(text)
    assert len(found) == 31 and found[-1] == ("paragraph", "After the list, 6% improved.")
    assert found[29] == ("list_item", "- level 29")
    assert claims(text)[-1] == "6%"


@pytest.mark.parametrize("text", [
    "- " * MAX_NESTING + "deep 5%\n\nAfter, 6% improved.\n",
    ">" * (MAX_NESTING + 1) + " deep 5%\n\nAfter, 6% improved.\n",
    "> - " * MAX_NESTING + "deep 5%\n\nAfter, 6% improved.\n",
])
def test_nesting_beyond_the_limit_reads_the_file_as_plain_text(text):
    parsed = check_masks(text)
    assert [b.kind for b in parsed.blocks] == ["paragraph", "paragraph"]
    assert text[parsed.blocks[1].start:parsed.blocks[1].end] == "After, 6% improved."
    assert claims(text) == ["5%", "6%"]


def test_nesting_beyond_the_limit_keeps_front_matter_hidden():
    text = "---\ntitle: 99% sure\n---\n" + "- " * (MAX_NESTING + 5) + "deep 5%\n"
    parsed = check_masks(text)
    assert [b.kind for b in parsed.blocks] == ["front_matter", "paragraph"]
    assert "99%" not in parsed.prose
    assert claims(text) == ["5%"]


# -- tables ----------------------------------------------------------------------------

def test_tables_are_one_block_per_row_without_pipes():
    text = "| Outcome | Rate |\n|---|---:|\n| Relapse | 45% |\n| Sleep | 12% |\n"
    found = blocks(text)
    assert found == [("table", "| Outcome | Rate |"), ("table", "| Relapse | 45% |"), ("table", "| Sleep | 12% |")]
    parsed = parse(text)
    assert "|" not in parsed.prose and "---" not in parsed.prose
    assert words(parsed.prose) == ["Outcome", "Rate", "Relapse", "45%", "Sleep", "12%"]
    assert claims(text) == ["45%", "12%"]


# -- links, images, addresses ----------------------------------------------------------

def test_images_are_image_blocks():
    assert blocks("![Figure 2: 45% of patients](fig-2020-45.png)\n") == [
        ("image", "![Figure 2: 45% of patients](fig-2020-45.png)")]


def test_link_destinations_and_bare_addresses_are_not_prose():
    text = ("See [the 2020 trial](https://example.org/trial-45-2020 \"Title 33\") and https://x.org/a/12 "
            "and <https://y.org/99> and doi:10.1000/182 and PMID: 21474494 and www.z.org/77.\n")
    parsed = check_masks(text)
    assert "https://example.org/trial-45-2020" in parsed.visible
    for address in ("example.org", "trial-45", "x.org", "y.org", "10.1000", "21474494", "z.org", "Title 33"):
        assert address not in parsed.prose
    assert "the 2020 trial" in parsed.prose
    assert claims(text) == [] or all(c not in ("45", "12", "99", "182", "77") for c in claims(text))


def test_citation_markers_and_emphasis_are_blanked():
    text = "About *45%* of **adults** improved [1, 3-5] and __more__ did[^note].\n"
    assert words(prose(text)) == ["About", "45%", "of", "adults", "improved", "and", "more", "did", "."]


def test_link_reference_definitions():
    text = "Rates rose [1].\n\n[1]: https://example.org/2020/45 \"A 2020 study\"\n"
    found = blocks(text)
    assert found[-1] == ("reference_definition", "[1]: https://example.org/2020/45 \"A 2020 study\"")
    parsed = parse(text)
    assert "https://example.org/2020/45" in parsed.visible
    assert words(parsed.prose) == ["Rates", "rose", "."]
    assert claims(text) == []


def test_unbalanced_brackets_and_parentheses_keep_the_text():
    text = "Rates [rose (to 45% in [2020 ((and](http://x.org/1 fell.\n"
    parsed = check_masks(text)
    assert "45%" in parsed.prose and "fell." in parsed.prose


# -- code, HTML, comments, front matter ------------------------------------------------

def test_fenced_and_indented_code_are_hidden():
    text = "Intro 1%.\n\n```python\nrate = 45  # 45%\n```\n\n~~~\n12% here\n~~~\n\n    indented 33%\n\nOutro 2%.\n"
    found = blocks(text)
    assert [kind for kind, _ in found] == ["paragraph", "code", "code", "code", "paragraph"]
    parsed = check_masks(text)
    for hidden in ("45", "12%", "33%", "python", "```", "~~~"):
        assert hidden not in parsed.visible and hidden not in parsed.prose
    assert claims(text) == ["1%", "2%"]


def test_unclosed_fence_hides_the_rest_of_the_file():
    text = "Before 1%.\n\n```\ncode 45%\n\nstill code 12%\n"
    assert [kind for kind, _ in blocks(text)] == ["paragraph", "code"]
    assert claims(text) == ["1%"]


def test_code_spans_are_hidden():
    text = "Set `rate = 45%` and ``a ` b 12%`` but keep 7%.\n"
    parsed = check_masks(text)
    assert "45" not in parsed.visible and "12%" not in parsed.visible and "7%" in parsed.prose
    assert claims(text) == ["7%"]


def test_html_blocks_and_comments_are_hidden():
    text = ("<div class=\"note\">\n45% inside HTML\n</div>\n\n"
            "Shown 1% <!-- hidden 12% --> shown 2%.\n\n"
            "<!--\nA comment block: 33%\n-->\n\n"
            "Inline <span title=\"77%\">tag</span> text.\n")
    parsed = check_masks(text)
    for hidden in ("45%", "12%", "33%", "77%", "<span", "</span>", "div"):
        assert hidden not in parsed.prose
    assert "tag" in parsed.prose
    assert claims(text) == ["1%", "2%"]


def test_unclosed_comment_hides_to_the_end_of_its_block():
    text = "Shown 1% <!-- never closed 12%\nstill hidden 45%\n\nNext paragraph 2%.\n"
    assert claims(text) == ["1%", "2%"]


@pytest.mark.parametrize("fence", ["---", "+++"])
def test_front_matter_is_hidden(fence):
    closing = fence
    text = f"{fence}\ntitle: 45% of adults\ndate: 2020-01-01\n{closing}\n\n# Title\n\nBody 12%.\n"
    found = blocks(text)
    assert found[0][0] == "front_matter"
    parsed = check_masks(text)
    assert "45%" not in parsed.visible and "2020" not in parsed.prose
    assert claims(text) == ["12%"]


def test_front_matter_only_at_the_start():
    text = "Intro.\n\n---\ntitle: 45%\n---\n"
    assert "front_matter" not in [kind for kind, _ in blocks(text)]


def test_urls_code_comments_and_front_matter_never_yield_claims():
    text = ("---\nsample: 300 patients\n---\n\n"
            "Read https://example.org/45-percent/2020 and doi:10.1186/s40359-024-02336-x.\n\n"
            "`n = 79`\n\n<!-- p < 0.05 -->\n\n```\n95% CI 1.2-3.4\n```\n")
    assert claims(text) == []


# -- line breaks, BOM, tabs ------------------------------------------------------------

def test_crlf_and_lone_cr_keep_offsets():
    for newline in ("\r\n", "\r"):
        text = newline.join(["# Title", "", "Rates rose 45%.", "", "- item 12%", ""])
        parsed = check_masks(text)
        assert blocks(text) == [("heading", "# Title"), ("paragraph", "Rates rose 45%."), ("list_item", "- item 12%")]
        doc = build_document("draft.md", text)
        assert [(c.text, doc.position(c.start)) for c in doc.claims] == [("45%", (3, 12)), ("12%", (5, 8))]
        assert parsed.line_starts == [0] + [i + len(newline) for i in range(len(text)) if text.startswith(newline, i)]


def test_mixed_line_breaks():
    text = "One 1%.\r\n\rTwo 2%.\n\r\nThree 3%."
    check_masks(text)
    doc = build_document("draft.md", text)
    assert [doc.position(c.start)[0] for c in doc.claims] == [1, 3, 5]


def test_bom_is_not_part_of_the_text():
    text = decode("\ufeff# Title\n\nRates rose 45%.\n".encode("utf-8"), "draft.md")
    assert text.startswith("# Title")
    assert blocks(text)[0] == ("heading", "# Title")
    doc = build_document("draft.md", text)
    assert doc.position(doc.claims[0].start) == (3, 12)


def test_tabs():
    text = "\tindented code 12%\n\n-\tTabbed item 45%\n\n>\tquoted 7%\n"
    assert [kind for kind, _ in blocks(text)] == ["code", "list_item", "blockquote"]
    assert claims(text) == ["45%", "7%"]


def test_empty_and_blank_texts():
    for text in ("", "\n", "   \n\t\n", "\r\n\r\n"):
        parsed = check_masks(text)
        assert parsed.blocks == [] and parsed.prose.strip() == ""


# -- speed on hostile lines -------------------------------------------------------------

@pytest.mark.parametrize("line", [
    "`" * 100_000 + " x",                 # a fence, then code spans that never close
    "a " + "`` ` " * 25_000,              # runs of backticks of different lengths
    "[^" * 100_000,                       # footnote markers that never close
    "<!--" * 50_000,
    "[" * 100_000 + "](" * 100_000,
])
def test_hostile_lines_parse_quickly(line):
    start = time.perf_counter()
    check_masks(line)
    assert time.perf_counter() - start < 5


def test_words_longer_than_max_word_are_not_prose():
    data = "iVBORw0KGgo" * 30                     # an inline base64 image, say
    text = f"Rates rose 45% ({'+' * 300}) and {data} then 12%.\n"
    parsed = check_masks(text)
    assert "+" not in parsed.prose and "iVBOR" not in parsed.prose
    assert "+" * 300 in parsed.visible
    assert claims(text) == ["45%", "12%"]
    longest = "a" * MAX_WORD
    assert longest in prose(f"Kept: {longest} here.\n")


@pytest.mark.parametrize("failure", [RecursionError, IndexError])
def test_a_markdown_it_failure_reads_the_file_as_plain_text(monkeypatch, failure):
    import verifier.markdown as markdown

    class Failing:
        def parse(self, source):
            raise failure("deep")

    monkeypatch.setattr(markdown, "_PARSER", Failing())
    text = "---\ntitle: 99%\n---\n# Title 1%\n\n- item 5%\n"
    parsed = check_masks(text)
    assert [(b.kind, text[b.start:b.end]) for b in parsed.blocks] == [
        ("front_matter", "---\ntitle: 99%\n---"), ("paragraph", "# Title 1%"), ("paragraph", "- item 5%"),
    ]
    assert "99%" not in parsed.prose and "1%" in parsed.prose and "5%" in parsed.prose
