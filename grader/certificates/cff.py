"""The font program a certificate embeds: a CID-keyed CFF holding just the glyphs its page draws.

fontTools cuts the batch font once (`fonts.CertificateFont.subset`), with its subroutines expanded
and its hints removed, so that every glyph's charstring stands alone. Each page's program is then put
together from those charstrings (header, name, top dict, strings, charset, FD select, charstrings,
font dicts and their private dicts, as Adobe Technical Note #5176 lays them out) in a fraction of a
millisecond, where running the subsetter again for every document took a quarter of a second. The
glyphs keep their CIDs, so the page's text (its codes, ToUnicode and CID maps) is what fpdf2 wrote."""

from __future__ import annotations

import struct
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from itertools import accumulate
from pathlib import Path

_FIRST_CUSTOM_SID = 391  # SIDs below this are the standard strings
_HEADER = b"\x01\x00\x04\x04"  # version 1.0, header size 4, absolute offsets in 4 bytes


@dataclass(frozen=True)
class Outlines:
    """The batch font's glyphs, ready to be put into a page's program."""

    font_name: str
    ros: tuple[str, str, int]  # registry, ordering, supplement
    cid_count: int
    bbox: tuple[float, ...]
    font_dicts: tuple[tuple[str, bytes], ...]  # (FontName, encoded private dict) per FD
    glyphs: Mapping[int, tuple[int, bytes]]  # CID -> (FD index, charstring)


def read_outlines(path: Path) -> Outlines:
    """The charstrings of a CID-keyed CFF font whose subroutines were expanded and hints removed."""
    from fontTools.cffLib import privateDictOperators
    from fontTools.ttLib import TTFont

    cff = TTFont(str(path))["CFF "].cff
    top = cff.topDictIndex[0]
    if getattr(top, "ROS", None) is None or cff.GlobalSubrs:
        raise ValueError(f"{path}: 证书字体应为展开了子程序的 CID 字体")
    operators = {name: op for op, name, *_ in privateDictOperators}
    font_dicts = tuple((str(fd.FontName), _private(fd.Private.rawDict, operators, path)) for fd in top.FDArray)
    strings = top.CharStrings
    glyphs: dict[int, tuple[int, bytes]] = {}
    for gid, name in enumerate(top.charset):
        charstring = strings[name]
        if charstring.bytecode is None:
            charstring.compile()
        glyphs[0 if name == ".notdef" else int(name[3:])] = (top.FDSelect[gid], bytes(charstring.bytecode))
    registry, ordering, supplement = top.ROS
    return Outlines(str(cff.fontNames[0]), (str(registry), str(ordering), int(supplement)),
                    int(getattr(top, "CIDCount", 8720)), tuple(top.FontBBox), font_dicts, glyphs)


def _private(raw: Mapping[str, object], operators: Mapping[str, int | tuple[int, int]], path: Path) -> bytes:
    out = b""
    for key, value in raw.items():
        if key == "Subrs" or not isinstance(value, int | float):
            raise ValueError(f"{path}: 证书字体的私有字典只应有数值项（{key} 不是），请去掉提示信息后再切分")
        out += _number(value) + _operator(operators[key])
    return out


def program(outlines: Outlines, cids: Iterable[int]) -> bytes:
    """A CID-keyed CFF with .notdef and these glyphs (by CID), in CID order."""
    order = [0, *sorted(set(cids) - {0})]
    registry, ordering, supplement = outlines.ros
    strings = _index([registry.encode("latin-1"), ordering.encode("latin-1"),
                      *(name.encode("latin-1") for name, _ in outlines.font_dicts)])
    charset = b"\x00" + b"".join(struct.pack(">H", cid) for cid in order[1:])
    fd_select = b"\x00" + bytes(outlines.glyphs[cid][0] for cid in order)
    charstrings = _index([outlines.glyphs[cid][1] for cid in order])
    privates = [private for _, private in outlines.font_dicts]

    def top(at: tuple[int, int, int, int]) -> bytes:
        return (_number(_FIRST_CUSTOM_SID) + _number(_FIRST_CUSTOM_SID + 1) + _number(supplement) + b"\x0c\x1e"
                + _number(outlines.cid_count) + b"\x0c\x22" + b"".join(_number(v) for v in outlines.bbox) + b"\x05"
                + _fixed(at[0]) + b"\x0f" + _fixed(at[1]) + b"\x0c\x25" + _fixed(at[2]) + b"\x11"
                + _fixed(at[3]) + b"\x0c\x24")

    def font_dicts(first: int) -> bytes:
        starts = accumulate((len(p) for p in privates[:-1]), initial=first)
        return _index([_number(_FIRST_CUSTOM_SID + 2 + n) + b"\x0c\x26" + _fixed(len(p)) + _fixed(at) + b"\x12"
                       for n, (p, at) in enumerate(zip(privates, starts, strict=True))])

    name = _index([outlines.font_name.encode("latin-1")])
    charset_at = len(_HEADER) + len(name) + len(_index([top((0, 0, 0, 0))])) + len(strings) + len(_index([]))
    fd_select_at = charset_at + len(charset)
    charstrings_at = fd_select_at + len(fd_select)
    fd_array_at = charstrings_at + len(charstrings)
    private_at = fd_array_at + len(font_dicts(0))
    return b"".join([_HEADER, name, _index([top((charset_at, fd_select_at, charstrings_at, fd_array_at))]), strings,
                     _index([]), charset, fd_select, charstrings, font_dicts(private_at), *privates])


def _index(items: list[bytes]) -> bytes:
    if not items:
        return b"\x00\x00"
    ends = list(accumulate((len(item) for item in items), initial=1))
    size = next(n for n in (1, 2, 3, 4) if ends[-1] < 1 << (8 * n))
    return (struct.pack(">HB", len(items), size) + b"".join(end.to_bytes(size, "big") for end in ends)
            + b"".join(items))


def _fixed(value: int) -> bytes:
    """An integer in the five-byte form: an offset whose width does not depend on its value."""
    return b"\x1d" + struct.pack(">l", value)


def _number(value: float) -> bytes:
    from fontTools.misc.psCharStrings import encodeFloat, encodeIntCFF

    if isinstance(value, int) or float(value).is_integer():
        return bytes(encodeIntCFF(int(value)))
    return bytes(encodeFloat(value))


def _operator(op: int | tuple[int, int]) -> bytes:
    return bytes(op) if isinstance(op, tuple) else bytes([op])
