"""Render a letter as PDF on the agency's letterhead (reportlab + NanumGothic), an editable DOCX
(python-docx), plain text, and an .eml for channels that take e-mail (the PDF attached)."""

from __future__ import annotations

import io
import threading
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, make_msgid
from pathlib import Path
from xml.sax.saxutils import escape

from ..errors import InputError
from ..paths import resource
from .compose import Letter

FONT = "EKNanumGothic"
FONT_BOLD = "EKNanumGothic-Bold"
_SYSTEM_FONT_DIRS = (Path("/usr/share/fonts/truetype/nanum"), Path("/usr/share/fonts/nanum"),
                     Path("/Library/Fonts"), Path("C:/Windows/Fonts"))
_font_lock = threading.Lock()
_fonts_ready = False


def font_paths() -> tuple[Path, Path]:
    """NanumGothic regular and bold: shipped in resources/fonts, else the system's fonts-nanum."""
    for folder in (resource("fonts"), *_SYSTEM_FONT_DIRS):
        regular, bold = folder / "NanumGothic.ttf", folder / "NanumGothicBold.ttf"
        if regular.is_file():
            return regular, (bold if bold.is_file() else regular)
    raise InputError("The Korean font NanumGothic was not found (resources/fonts or fonts-nanum). / "
                     "한글 글꼴(나눔고딕)을 찾을 수 없습니다.")


def _register_fonts() -> None:
    global _fonts_ready
    with _font_lock:
        if _fonts_ready:
            return
        from reportlab.lib.fonts import addMapping
        from reportlab.pdfbase import pdfmetrics
        from reportlab.pdfbase.ttfonts import TTFont

        regular, bold = font_paths()
        pdfmetrics.registerFont(TTFont(FONT, str(regular)))
        pdfmetrics.registerFont(TTFont(FONT_BOLD, str(bold)))
        addMapping(FONT, 0, 0, FONT)
        addMapping(FONT, 1, 0, FONT_BOLD)
        addMapping(FONT, 0, 1, FONT)
        addMapping(FONT, 1, 1, FONT_BOLD)
        _fonts_ready = True


# -- PDF ------------------------------------------------------------------------------------
def render_pdf(letter: Letter) -> bytes:
    _register_fonts()
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    # Korean is written with spaces between words, so the ordinary (fast) line breaking serves both
    # languages; splitLongWords breaks the long unbroken tokens (URLs, hashes) that need it
    base = ParagraphStyle("body", fontName=FONT, fontSize=10, leading=14.5, spaceAfter=5, splitLongWords=1)
    small = ParagraphStyle("small", parent=base, fontSize=8, leading=10.5, spaceAfter=0)
    cell = ParagraphStyle("cell", parent=small, fontSize=7.6, leading=10)
    cell_label = ParagraphStyle("cell_label", parent=cell, fontName=FONT_BOLD)
    heading = ParagraphStyle("heading", parent=base, fontName=FONT_BOLD, fontSize=11, spaceBefore=6, spaceAfter=4)
    subject = ParagraphStyle("subject", parent=base, fontName=FONT_BOLD, fontSize=12, leading=16, spaceBefore=4)
    banner = ParagraphStyle("banner", parent=base, fontName=FONT_BOLD, fontSize=12, textColor=colors.white,
                            backColor=colors.HexColor("#B00020"), borderPadding=(4, 6, 4, 6), spaceAfter=8)

    def p(text: str, style: ParagraphStyle = base) -> Paragraph:
        return Paragraph(escape(text).replace("\n", "<br/>"), style)

    width = A4[0] - 40 * mm
    story: list[object] = []
    lb = letter.labels
    meta = Table([[p(lb["reference"], cell_label), p(letter.reference, small)],
                  [p(lb["date"], cell_label), p(letter.date, small)],
                  [p(lb["to"], cell_label), p("\n".join(letter.addressee), small)],
                  *([[p(lb["via"], cell_label), p("\n".join(letter.via), small)]] if letter.via else [])],
                 colWidths=[28 * mm, width - 28 * mm], hAlign="LEFT")
    meta.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
                              ("TOPPADDING", (0, 0), (-1, -1), 1), ("LEFTPADDING", (0, 0), (-1, -1), 0)]))
    story += [meta, Spacer(1, 4 * mm), p(f"{lb['subject']}: {letter.subject}", subject), Spacer(1, 2 * mm),
              p(letter.salutation)]
    for block in letter.blocks:
        if block.kind == "banner":
            story.append(p(block.text, banner))
        elif block.kind == "heading":
            story.append(p(block.text, heading))
        elif block.kind == "para":
            story.append(p(block.text))
        elif block.kind == "item":
            rows = [[p(label, cell_label), p("\n".join(lines), cell)] for label, lines in block.rows]
            t = Table(rows, colWidths=[32 * mm, width - 32 * mm], repeatRows=0)
            t.setStyle(TableStyle([
                ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#9AA0A6")),
                ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#F1F3F4")),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#E8EAED")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("TOPPADDING", (0, 0), (-1, -1), 2), ("BOTTOMPADDING", (0, 0), (-1, -1), 3)]))
            story += [KeepTogether([t]), Spacer(1, 3 * mm)]  # an item's table on one page when it fits
    sig_rows = [[p(k, cell_label), p(v, small)] for k, v in letter.signature]
    sig_rows.append([p(letter.signature_line, cell_label), p("\n______________________________", small)])
    sig = Table(sig_rows, colWidths=[32 * mm, 90 * mm], hAlign="LEFT")
    sig.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "BOTTOM"), ("LEFTPADDING", (0, 0), (-1, -1), 0),
                             ("TOPPADDING", (0, 0), (-1, -1), 1), ("BOTTOMPADDING", (0, 0), (-1, -1), 1)]))
    story.append(KeepTogether([p(letter.signature_heading, heading), sig]))

    def letterhead(canvas: object, doc: object) -> None:
        c = canvas  # reportlab's Canvas; untyped
        page_w, page_h = A4
        top = page_h - 14 * mm
        x = 20 * mm
        if letter.agency_logo:
            try:
                from reportlab.lib.utils import ImageReader

                img = ImageReader(letter.agency_logo)
                iw, ih = img.getSize()
                h = 16 * mm
                w = h * iw / ih if ih else h
                c.drawImage(img, x, top - h + 3 * mm, width=w, height=h, mask="auto")  # type: ignore[attr-defined]
                x += w + 4 * mm
            except Exception:  # noqa: S110 - a broken logo must not lose the letter; the text header remains
                pass
        c.setFont(FONT_BOLD, 14)  # type: ignore[attr-defined]
        c.drawString(x, top - 3 * mm, letter.agency)  # type: ignore[attr-defined]
        c.setFont(FONT, 8.5)  # type: ignore[attr-defined]
        c.drawString(x, top - 8 * mm, letter.agency_address)  # type: ignore[attr-defined]
        c.setStrokeColor(colors.HexColor("#1A3C6E"))  # type: ignore[attr-defined]
        c.setLineWidth(1.2)  # type: ignore[attr-defined]
        c.line(20 * mm, top - 11 * mm, page_w - 20 * mm, top - 11 * mm)  # type: ignore[attr-defined]
        c.setFont(FONT, 7.5)  # type: ignore[attr-defined]
        c.setFillColor(colors.HexColor("#5F6368"))  # type: ignore[attr-defined]
        page = c.getPageNumber()  # type: ignore[attr-defined]
        c.drawString(20 * mm, 10 * mm, f"{letter.reference}")  # type: ignore[attr-defined]
        c.drawRightString(page_w - 20 * mm, 10 * mm, lb["page"].replace("$page", str(page)))  # type: ignore[attr-defined]
        c.setFillColor(colors.black)  # type: ignore[attr-defined]

    buf = io.BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=A4, leftMargin=20 * mm, rightMargin=20 * mm, topMargin=32 * mm,
                            bottomMargin=18 * mm, title=letter.subject, author=letter.agency,
                            subject=letter.reference, creator="Evidence Kit", lang=letter.lang)
    doc.build(story, onFirstPage=letterhead, onLaterPages=letterhead)
    return buf.getvalue()


# -- DOCX -----------------------------------------------------------------------------------
def render_docx(letter: Letter) -> bytes:
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Mm, Pt, RGBColor

    face = "Malgun Gothic"  # 맑은 고딕: present on Korean Windows, where officers edit letters
    document = Document()
    normal = document.styles["Normal"]
    normal.font.name = face
    normal.font.size = Pt(10)
    normal.element.rPr.rFonts.set(qn("w:eastAsia"), face)
    section = document.sections[0]
    section.page_height, section.page_width = Mm(297), Mm(210)
    section.left_margin = section.right_margin = Mm(20)
    header = section.header.paragraphs[0]
    if letter.agency_logo:
        try:
            header.add_run().add_picture(letter.agency_logo, height=Mm(14))
            header.add_run("  ")
        except Exception:  # noqa: S110 - a broken logo must not lose the letter
            pass
    run = header.add_run(letter.agency)
    run.bold, run.font.size = True, Pt(14)
    if letter.agency_address:
        addr = section.header.add_paragraph(letter.agency_address)
        addr.runs[0].font.size = Pt(8.5)
    footer = section.footer.paragraphs[0]
    footer.text = letter.reference
    footer.alignment = WD_ALIGN_PARAGRAPH.RIGHT

    lb = letter.labels
    meta = document.add_table(rows=0, cols=2)
    for label, value in ((lb["reference"], letter.reference), (lb["date"], letter.date),
                         (lb["to"], "\n".join(letter.addressee)), (lb["via"], "\n".join(letter.via))):
        if not value:
            continue
        cells = meta.add_row().cells
        cells[0].text, cells[1].text = label, value
        cells[0].paragraphs[0].runs[0].bold = True
    subj = document.add_paragraph()
    r = subj.add_run(f"{lb['subject']}: {letter.subject}")
    r.bold, r.font.size = True, Pt(12)
    document.add_paragraph(letter.salutation)
    for block in letter.blocks:
        if block.kind == "banner":
            para = document.add_paragraph()
            br = para.add_run(block.text)
            br.bold = True
            br.font.color.rgb = RGBColor(0xB0, 0x00, 0x20)
        elif block.kind == "heading":
            para = document.add_paragraph()
            para.add_run(block.text).bold = True
        elif block.kind == "para":
            document.add_paragraph(block.text)
        elif block.kind == "item":
            # created at full size at once: add_row() one by one is quadratic in python-docx
            table = document.add_table(rows=len(block.rows), cols=2)
            table.style = "Table Grid"
            for row, (label, lines) in zip(table.rows, block.rows, strict=True):
                left, right = row.cells
                left.width, right.width = Mm(32), Mm(138)
                if label:
                    left.paragraphs[0].add_run(label).bold = True
                value = right.paragraphs[0].add_run("\n".join(lines))
                value.font.size = Pt(8)
            document.add_paragraph()
    para = document.add_paragraph()
    para.add_run(letter.signature_heading).bold = True
    sig = document.add_table(rows=0, cols=2)
    for k, v in [*letter.signature, (letter.signature_line, "\n\n______________________________")]:
        cells = sig.add_row().cells
        cells[0].text, cells[1].text = k, v
    document.core_properties.title = letter.subject
    document.core_properties.author = letter.agency
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


# -- text and e-mail ------------------------------------------------------------------------
def render_text(letter: Letter) -> str:
    lb = letter.labels
    out: list[str] = [letter.agency]
    if letter.agency_address:
        out.append(letter.agency_address)
    out.append("=" * 72)
    out += [f"{lb['reference']}: {letter.reference}", f"{lb['date']}: {letter.date}",
            f"{lb['to']}: " + "\n    ".join(letter.addressee)]
    if letter.via:
        out.append(f"{lb['via']}: " + "\n    ".join(letter.via))
    out += ["", f"{lb['subject']}: {letter.subject}", "", letter.salutation, ""]
    for block in letter.blocks:
        if block.kind == "banner":
            out += [f"*** {block.text} ***", ""]
        elif block.kind == "heading":
            out += [block.text, "-" * min(72, max(8, len(block.text) * 2))]
        elif block.kind == "para":
            out += [block.text, ""]
        elif block.kind == "item":
            for label, lines in block.rows:
                out.append(f"  {label}: {lines[0] if lines else ''}")
                out += [f"      {line}" for line in lines[1:]]
            out.append("")
    out += [letter.signature_heading, "-" * 24]
    out += [f"{k}: {v}" for k, v in letter.signature]
    out += [f"{letter.signature_line}: ______________________", ""]
    return "\n".join(out)


def render_eml(letter: Letter, *, text: str, pdf: bytes, pdf_name: str) -> bytes:
    """An unsent e-mail (the officer reviews and sends it from the official mailbox)."""
    from datetime import datetime

    msg = EmailMessage(policy=SMTP)
    msg["Subject"] = letter.subject
    if letter.from_email:
        msg["From"] = letter.from_email
    if letter.email_to:
        msg["To"] = letter.email_to
    msg["Date"] = format_datetime(datetime.now().astimezone())
    domain = letter.from_email.split("@", 1)[1] if "@" in letter.from_email else "evidence-kit.invalid"
    msg["Message-ID"] = make_msgid(domain=domain)
    msg["X-Unsent"] = "1"  # opens as a draft in Outlook and Thunderbird
    msg.set_content(text)
    msg.add_attachment(pdf, maintype="application", subtype="pdf", filename=pdf_name)
    return msg.as_bytes()
