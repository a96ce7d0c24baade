"""The certificate font: found on the machine, rare characters printed, missing ones refused by name."""

from __future__ import annotations

from pathlib import Path

import pytest
from fontTools.ttLib import TTFont

from grader.certificates.fonts import FAMILY, CertificateFont, FontError, find_cjk_font
from tests.certificates_data import RARE_NAME


@pytest.fixture(scope="module")
def font() -> CertificateFont:
    return CertificateFont(find_cjk_font())


def test_the_simplified_chinese_face_of_noto_sans_cjk_is_found() -> None:
    source = find_cjk_font()
    assert TTFont(str(source.path), fontNumber=source.face, lazy=True)["name"].getDebugName(4) == FAMILY


def test_a_machine_without_the_font_gets_an_error_saying_what_to_install(tmp_path: Path) -> None:
    with pytest.raises(FontError, match="fonts-noto-cjk"):
        find_cjk_font([tmp_path / "NotoSansCJK-Regular.ttc"])


def test_names_with_extension_a_and_b_characters_are_printable(font: CertificateFont) -> None:
    assert font.missing(RARE_NAME) == []
    assert font.refusal({"姓名": RARE_NAME, "单位": "安阳市纪委监委"}) is None


def test_a_character_the_font_lacks_is_refused_naming_the_field_and_the_character(font: CertificateFont) -> None:
    name = "王\U00030000明"  # CJK extension G: not in Noto Sans CJK
    refusal = font.refusal({"姓名": name, "单位": "安阳市纪委监委"})
    assert refusal is not None
    assert f"姓名“{name}”" in refusal and "“\U00030000”（U+30000）" in refusal and "不签发" in refusal
    assert "单位" not in refusal


def test_the_batch_subset_holds_exactly_the_characters_asked_for_plus_ascii(font: CertificateFont) -> None:
    with font.subset([RARE_NAME, "同志"]) as path:
        cmap = TTFont(str(path))["cmap"].getBestCmap()
    assert {ord(c) for c in RARE_NAME + "同志"} <= set(cmap)
    assert ord("A") in cmap and ord("廉") not in cmap
    assert not path.exists()  # the temporary font is removed after the batch


def test_the_batch_font_holds_a_standalone_glyph_for_each_of_its_characters_by_cid(font: CertificateFont) -> None:
    with font.batch([RARE_NAME]) as batch:
        cmap = TTFont(str(batch.path))["cmap"].getBestCmap()
    assert set(batch.outlines.glyphs) == {0, *(int(name[3:]) for name in cmap.values())}
    assert all(charstring.endswith(b"\x0e") for _, charstring in batch.outlines.glyphs.values())  # endchar
    assert not batch.path.exists()
