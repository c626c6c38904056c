"""Source bytes -> text, the way Python decodes a module (BOM, PEP 263 cookie, UTF-8).

A module of its own, importing nothing of torchlint and no LibCST: parsing decodes
before it parses, and the reporters (`sources.py`, also under the runtime watcher)
decode the lines they show.
"""

from __future__ import annotations


def decode(data: bytes) -> str:
    """Decode source bytes as Python does: BOM, then PEP 263 cookie, then UTF-8.

    Raises DecodeError with a message fit for a TL000 finding.
    """
    import io
    import tokenize

    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as error:  # undecodable first lines, an unknown codec, a BOM that contradicts it
        message = str(getattr(error, "msg", error))
        if "invalid or missing encoding declaration" in message:
            encoding = "utf-8"  # the first lines are not UTF-8: say where
        else:
            raise DecodeError(message) from None
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as error:
        name = "UTF-8" if encoding in ("utf-8", "utf-8-sig") else encoding
        bad = data[error.start]
        hint = "; declare the file's encoding with a PEP 263 coding comment" if name == "UTF-8" else ""
        raise DecodeError(f"not valid {name} (byte 0x{bad:02x} at offset {error.start}){hint}") from None
    except LookupError:
        raise DecodeError(f"unknown encoding: {encoding}") from None
    if text.startswith("\ufeff"):
        text = text[1:]
    return text


class DecodeError(ValueError):
    pass
