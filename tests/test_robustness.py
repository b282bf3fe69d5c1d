"""The reading stages on hostile input: any text parses, every offset holds, nothing hangs.

Property tests feed the Markdown reader, the citation parser and the whole document
build (spaCy, the claim extractor) arbitrary Unicode and Markdown debris; fixed cases
cover what random text rarely reaches: 10,000 nested list levels, a 1 MB line, enormous
numbers, unclosed comments and runs of brackets or backticks. Bad files go through the
command line: one line on stderr, never a traceback. Sizes stay small enough for the
suite; bench/large_inputs.py measures a 50 MB draft and a 20 MB corpus.
"""

from __future__ import annotations

import subprocess
import sys
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import check_masks
from verifier.citations import find_citations
from verifier.cli import main
from verifier.document import build_document, build_documents
from verifier.engine import lint
from verifier.reader import MAX_DRAFT_BYTES, BinaryInput, InputError, decode, read_draft
from verifier.settings import Settings

# -- what hostile text is made of -------------------------------------------------------

_MARKDOWN = [
    "# ", "## ", "**Citations:**", "- ", "* ", "1. ", "2) ", "> ", ">", "    ", "\t", "```", "~~~", "`", "``",
    "| a | b |", "|---|", "---", "+++", "***", "[", "]", "(", ")", "![", "](", "[^1]", "[1]", "[1]: ", "<", ">",
    "<!--", "-->", "<div>", "</div>", "<br/>", "*", "_", "__", "\\", "&amp;", "&#0;",
]
_CITATIONS = [
    "https://example.org/a(b)c", "http://", "www.", "<https://x.org>", "doi:", "10.1000/xyz", "10.", "PMID: ",
    "PMC", "12345678", "(Smith, 2020)", "Smith et al. (2019)", "(2)", "^2^", "²", "<sup>3</sup>", "References",
    "Sources:", "et al.", "; ", ", ",
]
_NUMBERS = [
    "0", "7", "45", "45%", "53.83", ".001", "1,014", "2020", "9" * 400, "9" * 5000, "1e999", "10^999999",
    "5x10-8", "95% CI 1.2-3.4", "p < 0.05", "n = 79", "n=", "±", "–", "−", "~", "≤", "twenty-one", "one in ",
    "two-thirds", " percent", " patients", " weeks", "0." + "0" * 400 + "1",
]
_UNICODE = [
    " ", "  ", "\n", "\n\n", "\r\n", "\r", "\x00", "\x01", "\x07", "\x0b", "\x0c", "\x1b", "\x1c", "\x7f",
    "\x85", "\u2028", "\u2029", "\ufeff", "\ufffe", "\uffff", "\ufffd", "\u0301", "\u0301\u0301\u0301",
    "\u200b", "\u200d", "\u202e", "é", "中文", "🙂", "👩‍⚕️", "\U0010ffff", "ﬁ", "Ｏｎｅ", "½",
]
_PIECES = _MARKDOWN + _CITATIONS + _NUMBERS + _UNICODE + ["Music therapy helped ", "of adults", ". ", "The "]

hostile_text = st.one_of(
    st.text(max_size=300),
    st.lists(st.sampled_from(_PIECES), max_size=80).map("".join),
    st.lists(st.one_of(st.sampled_from(_PIECES), st.text(max_size=5)), max_size=40).map("".join),
)

_SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))


def check_citations(text: str, parsed) -> None:
    index = find_citations(text, parsed.visible, parsed.blocks)
    for citation in index.citations:
        assert 0 <= citation.start <= citation.end <= len(text)
        assert citation.text == text[citation.start:citation.end]
    for reference in index.references:
        assert 0 <= reference.start <= reference.end <= len(text)
        assert reference.text == text[reference.start:reference.end]
    assert all(0 <= i < len(parsed.blocks) for i in index.reference_blocks)


def check_document(doc) -> None:
    """Every claim's offsets slice out its text (from the prose mask: markup inside a claim is
    blanked, see test_claim_text_is_the_documents_text), inside its sentence and a prose block."""
    text = doc.text
    assert len(doc.visible) == len(doc.prose) == len(text)
    previous = 0
    for sentence in doc.sentences:
        block = doc.blocks[sentence.block]
        assert previous <= sentence.start < sentence.end <= len(text)
        assert block.start <= sentence.start and sentence.end <= block.end and block.is_prose
        previous = sentence.end
    assert len(doc.claim_citations) == len(doc.claims)
    for claim in doc.claims:
        assert 0 <= claim.start < claim.end <= len(text)
        assert claim.text == text[claim.start:claim.end]
        assert 0 <= claim.sentence < len(doc.sentences)
        sentence = doc.sentences[claim.sentence]
        assert sentence.start <= claim.start and claim.end <= sentence.end
    for citation in doc.citations:
        assert citation.text == text[citation.start:citation.end]
    for offset in (0, len(text) // 2, len(text)):
        line, column = doc.position(offset)
        assert line >= 1 and column >= 1


# -- properties ---------------------------------------------------------------------------

@_SETTINGS
@given(hostile_text, st.booleans())
def test_markdown_reader_takes_any_text(text, markdown):
    check_masks(text, markdown)


@_SETTINGS
@given(hostile_text)
def test_citation_parser_takes_any_text(text):
    check_citations(text, check_masks(text))


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(hostile_text, min_size=1, max_size=3), st.sampled_from(["draft.md", "draft.txt"]))
def test_document_build_takes_any_text(texts, suffix):
    docs = build_documents([(f"{n}-{suffix}", text) for n, text in enumerate(texts)])
    assert [doc.text for doc in docs] == texts
    for doc in docs:
        check_document(doc)


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(hostile_text, min_size=1, max_size=3))
def test_every_rule_takes_any_text_and_places_its_findings_in_the_file(texts):
    files = [(f"{n}-draft.md", text) for n, text in enumerate(texts)]
    for diagnostic in lint(files, Settings()).diagnostics:
        text = texts[int(diagnostic.path.split("-", 1)[0])]
        assert 1 <= diagnostic.line <= text.count("\n") + text.count("\r") + 1
        assert diagnostic.column >= 1 and (diagnostic.end_line, diagnostic.end_column) >= (diagnostic.line, diagnostic.column)
        for place in diagnostic.related:
            assert place.path in {path for path, _ in files} and place.line >= 1


# -- cases random text rarely reaches -----------------------------------------------------

LEVELS = 10_000

HOSTILE = {
    "10,000 nested bullet lists on one line": "- " * LEVELS + "deep 5% here\n\nAfter, 6% improved.\n",
    "10,000 nested ordered lists": "1. " * LEVELS + "deep 5% here\n\nAfter, 6% improved.\n",
    "10,000 nested block quotes": ">" * LEVELS + " deep 5% here\n\nAfter, 6% improved.\n",
    "10,000 alternating quotes and lists": "> - " * LEVELS + "deep 5% here\n",
    # Indented nesting grows with the square of the depth (10,000 levels would be 100 MB).
    "1,000 indented list levels": "".join("  " * i + f"- level {i} 5%\n" for i in range(1_000)),
    "a 1 MB line of sentences": "Rates rose 12% in 2020 (n=79) and fell. " * 25_000,
    "a 1 MB line without a space": "x" * 1_000_000,
    "a 1 MB line of digits": "1" * 1_000_000,
    "NUL and control characters": "".join(chr(c) for c in range(32)) * 50 + " About 45% of adults.\n\x00\x00 12%\n",
    "noncharacters and combining marks": "\ufffe\uffff 45\u0301% of adults\u0301\u0301, n\u0308=79\n" * 100,
    "enormous numbers": "About " + "9" * 5_000 + "% and 1e999% and 10^999999 of " + "1" * 4_301 + " people.\n",
    "enormous numbers a word can hold": ("About " + "9" * 250 + "% and 1e309% of " + "1" * 255 + " patients, p < 0."
                                         + "0" * 250 + "1, OR 1" + "0" * 200 + " (95% CI 0.5-1e999), 1,"
                                         + ",".join(["000"] * 60) + " people.\n"),
    "unbalanced brackets": "Rates [rose (to 45% [in " * 5_000 + "\n",
    "a run of opening brackets": "[" * 100_000 + " 45%\n",
    "a run of opening parentheses": "(" * 100_000 + " 45%\n",
    "nested brackets": "[" * 50_000 + "45%" + "]" * 50_000 + "\n",
    "unbalanced links": "[a](b " * 20_000 + "45%\n",
    "a link destination that never closes": "[text](https://example.org/" + "a" * 100_000 + " 45% of adults\n",
    "a comment that never closes": "Shown 45%.\n\n<!-- hidden 12%\n" + "more hidden 7%\n" * 10_000,
    "many comment openers": "<!--" * 50_000 + " 45%\n",
    "a run of backticks": "a " + "`" * 100_000 + " 45%\n",
    "backtick runs of every length": "45% " + " ".join("`" * n for n in range(1, 400)) + "\n",
    "a run of quote marks": "About 45% \"" + '"' * 100_000 + "\n",
    "a run of emphasis marks": "*" * 100_000 + " 45%\n",
    "a run of citation markers": "45%" + "[1]" * 30_000 + "[^" * 30_000 + "\n",
    "lone carriage returns": "One 1%.\r\rTwo 2%.\r" * 2_000,
    "an unclosed fence": "Before 45%.\n\n```\n" + "code 12%\n" * 10_000,
    "front matter that never closes": "---\ntitle: 45%\n" + "key: 7\n" * 10_000,
    "a table of 3,000 rows": "| a | b |\n|---|---|\n" + "| 45% | 12 |\n" * 3_000,
    "10,000 HTML openers": "<div>\n" * 10_000 + "45%\n",
}


@pytest.mark.parametrize("text", HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_text_is_read_quickly_with_every_offset_right(text):
    start = time.perf_counter()
    parsed = check_masks(text)
    check_citations(text, parsed)
    doc = build_document("draft.md", text)
    check_document(doc)
    assert time.perf_counter() - start < 20


def test_claim_text_is_the_documents_text():
    doc = build_document("draft.md", "We enrolled n = **79** patients.\n")
    assert [(c.text, doc.text[c.start:c.end]) for c in doc.claims] == [("n = **79", "n = **79")]


@pytest.mark.parametrize("levels", [30, 99])
def test_nesting_within_the_limit_loses_no_text(levels):
    text = "".join("  " * i + f"- level {i}\n" for i in range(levels)) + "\nAfter the list, 6% improved.\n"
    doc = build_document("draft.md", text)
    assert [c.text for c in doc.claims] == ["6%"]
    assert doc.position(doc.claims[0].start) == (levels + 2, 17)


def test_deep_nesting_falls_back_to_plain_paragraphs_with_positions_right():
    text = "Intro 1%.\n\n" + "- " * 10_000 + "deep 5%\n\nAfter, 6% improved.\n"
    doc = build_document("draft.md", text)
    assert [(c.text, doc.position(c.start)) for c in doc.claims] == [
        ("1%", (1, 7)), ("5%", (3, 20_006)), ("6%", (5, 8)),
    ]


# -- spaCy's tokenizer on long runs of punctuation -----------------------------------------

_TOKENIZER_PROBE = """
import sys
from verifier.nlp import analyse
analyse(['"' * 10_000])
"""


@pytest.mark.xfail(strict=True, reason=(
    "verifier.nlp.analyse is quadratic in a word's length when the word is a run of "
    "prefix or suffix characters (quotes, brackets, $, +, emoji, 's): spaCy strips them "
    "one at a time, 12 s for 10,000 quote marks, 40 s for 20,000. The prose mask blanks "
    "words over 256 characters, so documents are safe; analyse() on its own is not."))
def test_analyse_is_fast_on_a_long_run_of_punctuation():
    try:
        subprocess.run([sys.executable, "-c", _TOKENIZER_PROBE], timeout=5, check=True, capture_output=True)
    except subprocess.TimeoutExpired:
        pytest.fail("analyse(['\"' * 10,000]) took over 5 s")


# -- files from disk and the command line -------------------------------------------------

def test_decode_keeps_text_and_strips_one_bom():
    assert decode(b"\xef\xbb\xbf# T\r\n", "a.md") == "# T\r\n"
    assert decode(b"\xef\xbb\xbf\xef\xbb\xbfx", "a.md") == "\ufeffx"
    assert decode("\ufffe\uffff\u0301".encode("utf-8"), "a.md") == "\ufffe\uffff\u0301"


def test_decode_errors_are_one_line_naming_the_file():
    with pytest.raises(InputError, match=r"^a\.md: not valid UTF-8 at line 2 \(byte 8: b'\\xe9'\)$"):
        decode(b"line\nCaf\xe9\n", "a.md")
    with pytest.raises(InputError, match="^a.md: not valid UTF-8"):
        decode(b"\xed\xa0\x80 a lone surrogate, encoded", "a.md")
    for data, encoding in [(b"\xff\xfe#\x00", "UTF-16"), (b"\xfe\xff\x00#", "UTF-16"), (b"\xff\xfe\x00\x00#\x00\x00\x00", "UTF-32")]:
        with pytest.raises(InputError, match=f"^a.md: {encoding} text; save it as UTF-8$"):
            decode(data, "a.md")
    with pytest.raises(BinaryInput, match="binary"):
        decode(b"\x89PNG\r\n\x1a\n\x00\x00", "a.md")


def test_nul_after_the_sniffed_start_is_text():
    text = decode(b"a" * 9_000 + b"\x00 45%\n", "a.md")
    assert text.endswith("\x00 45%\n")


def test_read_draft_errors(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        read_draft(str(tmp_path / "missing.md"))
    with pytest.raises(InputError, match="is a directory"):
        read_draft(str(tmp_path))


def test_a_device_that_never_ends_is_cut_off():
    pytest.importorskip("os").path.exists("/dev/zero") or pytest.skip("no /dev/zero")
    with pytest.raises(InputError, match=rf"^/dev/zero: larger than {MAX_DRAFT_BYTES // 1_000_000} MB"):
        read_draft("/dev/zero")


def test_a_file_that_grows_while_it_is_read_is_read_whole(tmp_path, monkeypatch):
    import os

    path = tmp_path / "draft.md"
    path.write_text("45% of adults.\n" * 100, encoding="utf-8")
    real_fstat = os.fstat
    monkeypatch.setattr("verifier.reader.os.fstat", lambda fd: os.stat_result(
        (*real_fstat(fd)[:6], 15, *real_fstat(fd)[7:])))   # st_size: what it held when asked
    assert read_draft(str(path)).text == "45% of adults.\n" * 100


@pytest.mark.parametrize("content", [
    b"",
    b"\xef\xbb\xbf",
    b"\n\r\n\r",
    "\ufffe\uffff 45\u0301% of adults.\n".encode("utf-8"),
    b"a" * 9_000 + b"\x00\x01\x1b 45% of adults.\n",
    ("- " * 10_000 + "deep 5%\n").encode(),
    ("`" * 50_000 + "\n" + "[" * 50_000 + "\n<!--").encode(),
])
def test_odd_files_are_checked_without_a_traceback(capsys, tmp_path, content):
    path = tmp_path / "draft.md"
    path.write_bytes(content)
    code = main(["check", "--no-cache", "--format", "json", str(path)])
    captured = capsys.readouterr()
    assert code in (0, 1), captured.err
    assert "Traceback" not in captured.err and "internal error" not in captured.err


@pytest.mark.parametrize("content, message", [
    (b"Caf\xe9 45%\n", "not valid UTF-8 at line 1"),
    ("\ufeffUTF-16 45%".encode("utf-16"), "UTF-16 text"),
])
def test_bad_files_are_one_line_and_exit_2(capsys, tmp_path, content, message):
    path = tmp_path / "draft.md"
    path.write_bytes(content)
    code = main(["check", str(path)])
    err = capsys.readouterr().err
    assert code == 2 and message in err and err.count("\n") == 1 and "Traceback" not in err
