"""HTML, PDF, JATS and PubMed XML to text: what is kept, what is dropped, what fails cleanly."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from verifier.sources import text as textlib
from verifier.sources.http import FetchError
from verifier.sources.resolvers import page_text

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "sources"


def make_pdf(lines: list[str]) -> bytes:
    """A minimal valid one-page PDF with the given lines of text (Helvetica)."""
    content = "BT /F1 11 Tf 50 750 Td 14 TL " + " ".join(
        "(" + line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)") + ") '" for line in lines) + " ET"
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
        f"<< /Length {len(content)} >>\nstream\n{content}\nendstream",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = b"%PDF-1.4\n"
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n{body}\nendobj\n".encode("latin-1")
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode()
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return out


def test_html_keeps_the_article_and_drops_furniture():
    extracted = textlib.html_to_text((FIXTURES / "article_page.html").read_text(encoding="utf-8"))
    assert "36 participants aged 8 to 12 years" in extracted.text
    assert "61.1% of the music therapy group" in extracted.text
    for furniture in ("99%", "77%", "cookies", "Journals", "88% of readers", "All rights reserved", "12 shares"):
        assert furniture not in extracted.text
    assert "Results" in [name for _, name in extracted.sections]


def test_html_without_main_keeps_body_text_but_not_scripts():
    extracted = textlib.html_to_text("<html><body><script>var x = '45%';</script><p>Forty-five per cent improved.</p>"
                                     "<nav>Menu</nav><p>Second <b>paragraph</b>.</p></body></html>")
    assert extracted.text == "Forty-five per cent improved.\nSecond paragraph."


def test_malformed_html_still_gives_text():
    extracted = textlib.html_to_text("<div><p>Unclosed <span>45 % of <i>adults</div><p>next")
    assert "45 % of adults" in extracted.text and "next" in extracted.text


def test_jats_full_text_has_abstract_body_and_tables_but_not_references():
    root = textlib.parse_xml((FIXTURES / "europepmc_fulltext.xml").read_bytes())
    extracted = textlib.jats_to_text(root)
    assert "(p < 0.001)" in extracted.text
    assert "61.1% of the music therapy group" in extracted.text
    assert "412.5" in extracted.text
    assert "99% of nothing" not in extracted.text          # the reference list
    assert "[]" not in extracted.text                     # dropped citation markers
    meta = textlib.jats_metadata(root)
    assert meta["pmcid"] == "PMC9900001" and meta["doi"] == "10.5555/music.2023.0042" and meta["year"] == 2023


def test_pubmed_record_has_labelled_abstract_ids_and_no_retraction():
    record = textlib.pubmed_to_record(textlib.parse_xml((FIXTURES / "pubmed_efetch.xml").read_bytes()))
    assert record["ids"] == {"pmid": "21400001", "doi": "10.5555/psy.2011.085"}
    assert record["year"] == 2011 and record["retraction"] is None
    assert "mean difference 4.65, 95% CI 0.59 to 8.70" in record["extracted"].text
    assert [name for _, name in record["extracted"].sections] == ["Background", "Method", "Results", "Conclusions"]


def test_pubmed_retraction_is_read():
    record = textlib.pubmed_to_record(textlib.parse_xml((FIXTURES / "pubmed_efetch_retracted.xml").read_bytes()))
    assert record["retraction"]["status"] == "retracted"
    assert record["retraction"]["notices"][0]["pmid"] == "32500003"


def test_empty_pubmed_answer_is_no_record():
    assert textlib.pubmed_to_record(textlib.parse_xml((FIXTURES / "pubmed_efetch_empty.xml").read_bytes())) is None


@pytest.mark.parametrize("data", [b"<PubmedArticleSet><PubmedArticle>", b"", b"not xml at all", b"<a><b></a>"])
def test_malformed_xml_is_a_text_error(data):
    with pytest.raises(textlib.TextError):
        textlib.parse_xml(data)


def test_xml_entities_are_refused():
    bomb = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]><x>&b;</x>'
    with pytest.raises(textlib.TextError):
        textlib.parse_xml(bomb)


def test_pdf_to_text():
    extracted = textlib.pdf_to_text(make_pdf(["In 36 participants, serotonin rose (p < 0.001).", "Cortisol fell."]))
    assert "36 participants" in extracted.text and "p < 0.001" in extracted.text


@pytest.mark.parametrize("data", [b"%PDF-1.4\n garbage", b"%PDF-"])
def test_broken_pdf_is_a_text_error(data):
    with pytest.raises(textlib.TextError):
        textlib.pdf_to_text(data)


def test_page_text_sniffs_and_refuses_non_text():
    assert page_text(b"Plain text.\n\nSecond paragraph.", "text/plain", "x")[0].text == "Plain text.\nSecond paragraph."
    assert "36 participants" in page_text(make_pdf(["36 participants"]), "application/octet-stream", "x")[0].text
    with pytest.raises(FetchError) as failure:
        page_text(b"\x89PNG\r\n\x1a\n\x00\x00", "image/png", "picture.png")
    assert failure.value.kind == "bad_content"
    with pytest.raises(FetchError):
        page_text(gzip.compress(b"x" * 100), "application/octet-stream", "blob")


def test_sentences_respect_abbreviations_and_decimals():
    text = "Smith et al. found 45.2% improved. In 2020, e.g. Fig. 2 shows it. P < .001 was seen.\nNext paragraph."
    sentences = [text[s:e] for s, e in textlib.split_sentences(text)]
    assert sentences == ["Smith et al. found 45.2% improved.", "In 2020, e.g. Fig. 2 shows it.",
                         "P < .001 was seen.", "Next paragraph."]


def test_jats_table_footnotes_are_kept():
    root = textlib.parse_xml(b"<article><body><sec><title>Results</title><table-wrap><table><tr><td>A</td><td>1.2*</td></tr>"
                             b"</table><table-wrap-foot><fn><p>*p &lt; 0.05 versus control.</p></fn></table-wrap-foot>"
                             b"</table-wrap></sec></body></article>")
    text = textlib.jats_to_text(root).text
    assert "A | 1.2*" in text and "*p < 0.05 versus control." in text
