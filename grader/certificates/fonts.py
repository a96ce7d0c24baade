"""The certificate font: Noto Sans CJK SC (Debian `fonts-noto-cjk`), embedded as a subset.

A name with a character the font lacks is refused with a message naming the character: it is
never printed as a box or silently dropped. Loading the full font for every certificate costs
a third of a second, so a batch cuts one small font holding every character it needs first, with
its subroutines expanded: each page's embedded program is then assembled from those glyphs
(`cff.program`) instead of being subset again."""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from grader.certificates.cff import Outlines

FAMILY = "Noto Sans CJK SC"
SEARCH = (
    Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),  # Debian, Ubuntu: fonts-noto-cjk
    Path("/usr/share/fonts/opentype/noto/NotoSansCJKsc-Regular.otf"),
    Path("/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc"),  # Arch, Alpine
    Path("/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc"),  # Fedora
)
# every certificate prints ASCII (serials, key ids, dates) whatever its facts
_ALWAYS = "".join(chr(c) for c in range(0x20, 0x7F))


class FontError(Exception):
    pass


@dataclass(frozen=True)
class FontSource:
    path: Path
    face: int  # the face's index in a .ttc collection (0 for a single font)


def find_cjk_font(candidates: Sequence[Path] = SEARCH) -> FontSource:
    """The first Noto Sans CJK SC font file found, or a clear error saying how to install it."""
    for path in candidates:
        if path.exists():
            return FontSource(path, _sc_face(path))
    raise FontError(f"找不到证书字体 {FAMILY}（查找了 {'、'.join(str(p) for p in candidates)}）。"
                    "请安装 Debian 软件包 fonts-noto-cjk（make demo / make test 会在缺少时安装）。")


def _sc_face(path: Path) -> int:
    if path.suffix.lower() not in (".ttc", ".otc"):
        return 0
    from fontTools.ttLib import TTCollection

    collection = TTCollection(str(path), lazy=True)
    for index, face in enumerate(collection.fonts):
        if face["name"].getDebugName(4) == FAMILY:
            return index
    raise FontError(f"{path} 中没有 {FAMILY} 字形")


@dataclass(frozen=True)
class BatchFont:
    """The font cut for one batch: the file fpdf2 lays pages out with, and its glyphs."""

    path: Path
    outlines: Outlines


class CertificateFont:
    """The font's character map, loaded once: which characters can be printed."""

    def __init__(self, source: FontSource) -> None:
        from fontTools.ttLib import TTFont

        self.source = source
        self.cmap: frozenset[int] = frozenset(
            TTFont(str(source.path), fontNumber=source.face, lazy=True).getBestCmap())

    def missing(self, text: str) -> list[str]:
        return list(dict.fromkeys(c for c in text if ord(c) not in self.cmap))

    def refusal(self, fields: Mapping[str, str]) -> str | None:
        """Why these fields cannot be printed (every missing character, by field), or None."""
        problems = []
        for label, text in fields.items():
            missing = self.missing(text)
            if missing:
                chars = "、".join(f"“{c}”（U+{ord(c):04X}）" for c in missing)
                problems.append(f"{label}“{text}”中的 {chars}")
        if not problems:
            return None
        return (f"{'；'.join(problems)} 不在证书字体 {FAMILY} 中，印出来会缺字，因此不签发；"
                "请核对名单中的写法，或由管理员换用包含该字的字体")

    @contextmanager
    def batch(self, texts: Iterable[str]) -> Iterator[BatchFont]:
        """The batch font for certificates: `subset` and its glyphs, read once."""
        from grader.certificates.cff import read_outlines

        with self.subset(texts) as path:
            yield BatchFont(path, read_outlines(path))

    @contextmanager
    def subset(self, texts: Iterable[str]) -> Iterator[Path]:
        """A temporary font file with just these characters (and ASCII), for rendering a batch."""
        from fontTools import subset
        from fontTools.ttLib import TTFont

        wanted = {ord(c) for text in (_ALWAYS, *texts) for c in text} & self.cmap
        font = TTFont(str(self.source.path), fontNumber=self.source.face, lazy=True)
        options = subset.Options()
        options.name_IDs = ["*"]
        options.notdef_outline = True
        options.layout_features = []
        options.hinting = False
        options.desubroutinize = True  # every charstring standing alone; also cuts in a third of the time
        subsetter = subset.Subsetter(options)
        subsetter.populate(unicodes=sorted(wanted))
        subsetter.subset(font)
        with tempfile.TemporaryDirectory(prefix="qinglian-font-") as folder:
            path = Path(folder) / "certificate-font.otf"
            font.save(str(path))
            yield path
