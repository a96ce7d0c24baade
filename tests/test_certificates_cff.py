"""The per-page font program: a CID-keyed CFF that fontTools reads back with exactly the glyphs
asked for, each with the batch font's own charstring and font dict."""

from __future__ import annotations

import io

import pytest
from fontTools.cffLib import CFFFontSet
from fontTools.misc.psCharStrings import T2WidthExtractor
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from grader.certificates.cff import Outlines, program
from grader.certificates.fonts import CertificateFont, find_cjk_font
from tests.certificates_data import RARE_NAME


@pytest.fixture(scope="module")
def outlines() -> Outlines:
    font = CertificateFont(find_cjk_font())
    with font.batch([RARE_NAME, "兹证明同志参加领导干部职务提升廉政知识测试，成绩合格。（盖章）"]) as batch:
        return batch.outlines


def _read(data: bytes) -> CFFFontSet:
    fonts = CFFFontSet()
    fonts.decompile(io.BytesIO(data), None)
    return fonts


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_a_program_holds_notdef_and_exactly_the_glyphs_asked_for_as_the_batch_font_draws_them(
        outlines: Outlines, data: st.DataObject) -> None:
    cids = data.draw(st.sets(st.sampled_from(sorted(outlines.glyphs))))
    fonts = _read(program(outlines, cids))
    top = fonts.topDictIndex[0]
    assert tuple(top.ROS) == outlines.ros
    assert [fd.FontName for fd in top.FDArray] == [name for name, _ in outlines.font_dicts]
    read = {0 if name == ".notdef" else int(name[3:]): gid for gid, name in enumerate(top.charset)}
    assert set(read) == {0, *cids}
    for cid, gid in read.items():
        assert top.CharStrings[top.charset[gid]].bytecode == outlines.glyphs[cid][1]
        assert top.FDSelect[gid] == outlines.glyphs[cid][0]


def _widths(fonts: CFFFontSet) -> dict[str, float]:
    """Each glyph's advance, decoded against its own font dict's nominal and default widths."""
    top = fonts.topDictIndex[0]
    widths = {}
    for gid, name in enumerate(top.charset):
        private = top.FDArray[top.FDSelect[gid]].Private
        extractor = T2WidthExtractor([], [], private.nominalWidthX, private.defaultWidthX)
        extractor.execute(top.CharStrings[name])
        widths[name] = extractor.width
    return widths


def test_every_glyph_keeps_its_advance_width_as_the_batch_font_has_it(outlines: Outlines) -> None:
    from fontTools.ttLib import TTFont

    font = CertificateFont(find_cjk_font())
    with font.batch([RARE_NAME, "安阳市纪委监委"]) as batch:
        source = TTFont(str(batch.path))
        ours = _widths(_read(program(batch.outlines, batch.outlines.glyphs)))
        assert ours == _widths(source["CFF "].cff)
        assert ours == {name: advance for name, (advance, _) in source["hmtx"].metrics.items()}


def test_a_glyph_the_batch_font_lacks_is_an_error_not_a_blank(outlines: Outlines) -> None:
    missing = max(outlines.glyphs) + 1
    with pytest.raises(KeyError):
        program(outlines, [missing])
