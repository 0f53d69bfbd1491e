"""Decode an export's bytes: UTF-8 (with or without BOM), UTF-16/32 with a BOM, UTF-16 without one (every
other byte zero), else a Latin-1 fallback."""
from __future__ import annotations

import codecs
from pathlib import Path

from reviewkit.core.errors import ReviewInputError

_BOMS = (  # UTF-32 first: its little-endian BOM starts with UTF-16's
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def _utf16_without_bom(data: bytes) -> str | None:
    """``utf-16-le`` or ``utf-16-be`` when most of every other byte is zero (text in the Latin alphabet saved as
    UTF-16 without a byte-order mark, as some Windows tools do), else None."""
    sample = data[:4096]
    if len(sample) < 4:
        return None
    odd, even = sample[1::2], sample[0::2]
    if odd.count(0) > 0.6 * len(odd) and even.count(0) < 0.1 * len(even):
        return "utf-16-le"
    if even.count(0) > 0.6 * len(even) and odd.count(0) < 0.1 * len(odd):
        return "utf-16-be"
    return None


def decode(data: bytes, path: str | Path) -> tuple[str, str, str | None]:
    """``(text, encoding, warning)`` for a file's bytes, with line ends made ``\\n``.

    A byte-order mark decides; without one, text with every other byte zero is UTF-16 (with a warning),
    other text is UTF-8 if it decodes as such, else
    Windows-1252 (Latin-1 plus the curly quotes and dashes Windows exports use; plain Latin-1
    when a byte is undefined in it), and then ``warning`` names the file and the first byte
    that was not UTF-8, since accented letters may be wrong.
    """
    warning = None
    bom = next(((mark, name) for mark, name in _BOMS if data.startswith(mark)), None)
    if bom is not None:
        encoding = bom[1]
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            raise ReviewInputError(path, f"starts with a {encoding} byte-order mark but is not valid "
                                   f"{encoding} (byte {exc.start})", line=line) from None
        text = text.removeprefix("\ufeff")
    elif (utf16 := _utf16_without_bom(data)) is not None:
        try:
            text, encoding = data.decode(utf16), utf16
        except UnicodeDecodeError as exc:
            raise ReviewInputError(path, f"looks like {utf16} without a byte-order mark (every other byte is zero) but "
                                   f"is not valid {utf16} (byte {exc.start}); save the file as UTF-8") from None
        warning = f"{path}: no byte-order mark; read as {utf16}, since every other byte is zero"
    else:
        try:
            text, encoding = data.decode("utf-8"), "utf-8"
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            try:
                text, encoding = data.decode("cp1252"), "cp1252"
            except UnicodeDecodeError:
                text, encoding = data.decode("latin-1"), "latin-1"
            warning = (f"{path}: not UTF-8 (first bad byte on line {line}); read as {encoding} "
                       "(Latin-1); check accented letters, or save the file as UTF-8")
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text, encoding, warning
