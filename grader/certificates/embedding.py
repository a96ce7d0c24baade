"""How the batch font goes into each certificate's PDF without being subset again per document.

fpdf2 lays the page out with the batch font as usual (its metrics, its codes for the characters the
page uses). Two things differ from fpdf2's own output, and only for that font: the font is read once
per process and each document gets a fresh copy of its per-document state, and the embedded program
is assembled from the batch font's charstrings (`cff.program`) where fpdf2 would run fontTools'
subsetter and compile the CFF twice. The PDF objects written are the ones fpdf2 writes for a
CID-keyed CFF font (Type0 font, CIDFontType0 with widths, ToUnicode, code-to-CID CMap, FontFile3),
so the page renders and its text extracts as before; a test compares the pages pixel for pixel."""

from __future__ import annotations

import copy
import hashlib
import zlib
from pathlib import Path
from typing import Any

from fpdf import FPDF
from fpdf.fonts import Glyph, SubsetMap, TTFFont
from fpdf.output import CIDSystemInfo, OutputProducer, PDFFont, _cid_font_widths
from fpdf.syntax import Name, PDFArray, PDFContentStream, PDFString, Raw

from grader.certificates.cff import Outlines, program

# the batch font as fpdf2 read it, per process (the latest batch only)
_loaded: dict[tuple[Path, int, int], TTFFont] = {}
_CMAP_HEAD = ("/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n/CIDSystemInfo\n"
              "<</Registry ({registry})\n/Ordering ({ordering})\n/Supplement {supplement}\n>> def\n"
              "/CMapName /{name} def\n/CMapType 2 def\n1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n")
_CMAP_TAIL = "endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend"


class BatchFontPDF(FPDF):
    """An FPDF whose one font is the batch font, embedded by `PageFontOutput`."""

    def __init__(self, outlines: Outlines, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.outlines = outlines

    def use_batch_font(self, family: str, path: Path) -> None:
        """Like add_font(family, "", path), reading the file only the first time in this process."""
        stat = path.stat()
        key = (path, stat.st_mtime_ns, stat.st_size)  # a later batch's font never passes for an earlier one
        if key not in _loaded:
            _loaded.clear()
            probe = FPDF()
            probe.add_font(family, "", str(path))
            _loaded[key] = next(iter(probe.fonts.values()))  # type: ignore[assignment]
        font = copy.copy(_loaded[key])
        font.i = len(self.fonts) + 1
        font.fontkey = family.lower()
        font.missing_glyphs = []
        font.biggest_size_pt = 0
        font.subset = SubsetMap(font)
        self.fonts[font.fontkey] = font

    def output_bytes(self) -> bytes:
        return bytes(self.output(output_producer_class=PageFontOutput))


def _cid(glyph: Glyph) -> int:
    name = glyph.glyph_name
    return int(name[3:]) if name.startswith("cid") and name[3:].isdigit() else int(glyph.glyph_id)


def _utf16(unicode: int) -> str:
    return chr(unicode).encode("utf-16-be").hex().upper()


def _cmap(name: str, ros: tuple[str, str, int], entries: list[str], operator: str) -> bytes:
    blocks = "".join(f"{len(entries[i:i + 100])} begin{operator}\n{''.join(entries[i:i + 100])}end{operator}\n"
                     for i in range(0, len(entries), 100))
    head = _CMAP_HEAD.format(registry=ros[0], ordering=ros[1], supplement=ros[2], name=name)
    return (head + blocks + _CMAP_TAIL).encode("latin-1")


class PageFontOutput(OutputProducer):
    """fpdf2's output, the batch font embedded with just the glyphs this page uses."""

    def _add_fonts(self, *args: Any, **kwargs: Any) -> dict[int, Any]:
        pdf = self.fpdf
        fonts = list(pdf.fonts.values())
        if not isinstance(pdf, BatchFontPDF) or not all(isinstance(f, TTFFont) and f.is_cid_keyed for f in fonts):
            return super()._add_fonts(*args, **kwargs)
        return {font.i: self._add_batch_font(font, pdf.outlines) for font in fonts}  # type: ignore[arg-type]

    def _add_batch_font(self, font: TTFFont, outlines: Outlines) -> PDFFont:
        used = [(glyph, code) for glyph, code in font.subset.items() if glyph is not None]
        code_to_cid = {code: _cid(glyph) for glyph, code in used}
        data = program(outlines, code_to_cid.values())
        tag = "".join(chr(65 + b % 26) for b in hashlib.sha256(data).digest()[:6])  # a subset's own prefix
        fontname = f"{tag}+{font.name}"
        composite = PDFFont(subtype="Type0", base_font=fontname, encoding="Identity-H")
        self._add_pdf_obj(composite, "fonts")
        cid_font = PDFFont(subtype="CIDFontType0", base_font=fontname, d_w=font.desc.missing_width,
                           w=_cid_font_widths({code_to_cid[code]: glyph.glyph_width for glyph, code in used}))
        self._add_pdf_obj(cid_font, "fonts")
        composite.descendant_fonts = PDFArray([cid_font])
        to_unicode = PDFContentStream(_cmap("Adobe-Identity-UCS", ("Adobe", "UCS", 0), [
            f"<{code:04X}> <{''.join(_utf16(u) for u in glyph.unicode)}>\n" for glyph, code in used
            if isinstance(glyph.unicode, tuple) and glyph.unicode], "bfchar"))
        self._add_pdf_obj(to_unicode, "fonts")
        composite.to_unicode = to_unicode
        registry, ordering, supplement = outlines.ros
        encoding = PDFContentStream(_cmap(f"{registry}-{ordering}-UCS", outlines.ros, [
            f"<{code:04X}> {cid}\n" for code, cid in sorted(code_to_cid.items())], "cidchar"))
        encoding.type = Name("CMap")  # type: ignore[attr-defined]
        encoding.c_map_name = Name(f"{registry}-{ordering}-UCS")  # type: ignore[attr-defined]
        encoding.c_i_d_system_info = Raw(  # type: ignore[attr-defined]
            f"<< /Registry ({registry}) /Ordering ({ordering}) /Supplement {supplement} >>")
        self._add_pdf_obj(encoding, "fonts")
        composite.encoding = encoding  # type: ignore[assignment]
        system = CIDSystemInfo()
        system.registry, system.ordering = PDFString(registry, encrypt=True), PDFString(ordering, encrypt=True)
        system.supplement = supplement
        self._add_pdf_obj(system, "fonts")
        cid_font.c_i_d_system_info = system
        descriptor = copy.copy(font.desc)
        descriptor.font_name = Name(fontname)
        self._add_pdf_obj(descriptor, "fonts")
        cid_font.font_descriptor = descriptor
        stream = PDFContentStream(zlib.compress(data), compress=False)
        stream.filter = Name("FlateDecode")
        stream.subtype = Name("CIDFontType0C")  # type: ignore[attr-defined]
        self._add_pdf_obj(stream, "fonts")
        descriptor.font_file3 = stream  # type: ignore[attr-defined]
        return composite
