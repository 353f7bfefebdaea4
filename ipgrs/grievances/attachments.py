"""Documents a citizen attaches to a grievance: checked by their content, stored under random names outside the web root."""
from __future__ import annotations

import hashlib
import io
import os
import re
import secrets
import tempfile
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import filetype
from flask import current_app, has_app_context
from PIL import Image
from werkzeug.utils import secure_filename

from .. import settings

# Detected MIME type → (extension of the stored file, what the citizen is told it is, Pillow's format name).
ACCEPTED = {
    "application/pdf": (".pdf", "PDF", None),
    "image/jpeg": (".jpg", "JPEG image", "JPEG"),
    "image/png": (".png", "PNG image", "PNG"),
}
ORIGINAL_NAME_MAX = 100  # GrievanceAttachment.original_name holds 120
STORED_NAME = re.compile(r"^[0-9a-f]{32}\.(pdf|jpg|png)$")
PDF_EOF_WINDOW = 1024  # %%EOF must appear this close to the end; writers may add a newline or a little padding after it


class AttachmentRejected(ValueError):
    """An upload that will not be stored; `messages` holds one sentence per file, naming it and the reason."""

    def __init__(self, message: str, messages: list[str] | None = None):
        super().__init__(message)
        self.message = message
        self.messages = messages or [message]


class AttachmentNotFound(LookupError):
    pass


@dataclass(frozen=True)
class CheckedFile:
    original_name: str  # sanitised, for display only
    content_type: str
    extension: str
    size: int
    sha256: str
    data: bytes = field(repr=False)


@dataclass(frozen=True)
class StoredFile:
    stored_name: str
    original_name: str
    content_type: str
    size: int
    sha256: str


def _limit(key: str) -> int:
    default = getattr(settings, key)
    return int(current_app.config.get(key, default)) if has_app_context() else default


def max_files() -> int:
    return _limit("ATTACHMENT_MAX_FILES")


def max_bytes() -> int:
    return _limit("ATTACHMENT_MAX_BYTES")


def display_name(filename: str | None) -> str:
    """The name shown back to people: the last path component, reduced to safe ASCII by
    secure_filename and capped. It never takes part in a path on disk."""
    base = re.split(r"[\\/]", filename or "")[-1]
    stem, dot, extension = base.rpartition(".")
    if not dot:
        stem, extension = base, ""
    # secure_filename drops non-ASCII letters, so a Kannada name keeps its extension under a neutral stem.
    stem = secure_filename(stem) or "attachment"
    extension = secure_filename(extension)[:10]
    suffix = f".{extension}" if extension else ""
    return stem[: ORIGINAL_NAME_MAX - len(suffix)] + suffix


def _megabytes(n: int) -> str:
    return f"{n / (1024 * 1024):g} MB"


def check_upload(file_storage) -> CheckedFile:
    """Reads one werkzeug FileStorage and returns it checked, or raises AttachmentRejected."""
    name = display_name(file_storage.filename)
    limit = max_bytes()
    stream = file_storage.stream
    if stream.seekable():
        stream.seek(0)
    data = stream.read(limit + 1)
    if not data:
        raise AttachmentRejected(f"{name} is empty.")
    if len(data) > limit:
        raise AttachmentRejected(f"{name} is larger than {_megabytes(limit)}; each file may be at most {_megabytes(limit)}.")
    kind = filetype.guess(data[:8192])
    if kind is None or kind.mime not in ACCEPTED:
        raise AttachmentRejected(f"{name} is not a PDF, JPEG or PNG file; only those can be attached.")
    extension, description, pil_format = ACCEPTED[kind.mime]
    intact = _pdf_is_complete(data) if pil_format is None else _image_decodes(data, pil_format)
    if not intact:
        raise AttachmentRejected(f"{name} is a damaged or incomplete {description}; please attach the file again.")
    return CheckedFile(original_name=name, content_type=kind.mime, extension=extension, size=len(data),
                       sha256=hashlib.sha256(data).hexdigest(), data=data)


def check_uploads(file_storages) -> list[CheckedFile]:
    """Checks every upload of one submission: all of them are accepted, or AttachmentRejected names each
    file that is not. File inputs left unused (no name and no content) are ignored."""
    uploads = [f for f in file_storages if not _unused_input(f)]
    limit = max_files()
    if len(uploads) > limit:
        raise AttachmentRejected(f"At most {limit} files can be attached to a grievance; {len(uploads)} were given.")
    checked, messages = [], []
    for upload in uploads:
        try:
            checked.append(check_upload(upload))
        except AttachmentRejected as exc:
            messages.extend(exc.messages)
    if messages:
        raise AttachmentRejected(" ".join(messages), messages)
    return checked


def _unused_input(file_storage) -> bool:
    if file_storage is None:
        return True
    if file_storage.filename:
        return False
    stream = file_storage.stream
    if not stream.seekable():
        return False
    position = stream.tell()
    empty = stream.read(1) == b""
    stream.seek(position)
    return empty


def _pdf_is_complete(data: bytes) -> bool:
    return data.startswith(b"%PDF-") and b"%%EOF" in data[-PDF_EOF_WINDOW:]


def _image_decodes(data: bytes, pil_format: str) -> bool:
    # verify() checks the structure (a PNG's chunk checksums) but decodes nothing, and does little for a JPEG;
    # load() decodes every pixel, which is what finds a truncated JPEG. Decompression bombs count as damaged.
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=[pil_format]) as image:
                image.verify()
            with Image.open(io.BytesIO(data), formats=[pil_format]) as image:
                image.load()
    except (OSError, SyntaxError, ValueError, EOFError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        return False
    return True


# --- storage -----------------------------------------------------------------------------------

def storage_root() -> Path:
    return Path(current_app.config.get("ATTACHMENT_DIR") or settings.ATTACHMENT_DIR)


def _path_of(stored_name: str) -> Path:
    if not isinstance(stored_name, str) or not STORED_NAME.fullmatch(stored_name):
        raise AttachmentNotFound(f"not a stored attachment name: {stored_name!r}")
    return storage_root() / stored_name[:2] / stored_name[2:4] / stored_name


def store(checked: CheckedFile) -> StoredFile:
    """Writes a checked file under a new random name; the file appears complete or not at all."""
    stored_name = secrets.token_hex(16) + checked.extension
    target = _path_of(stored_name)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=".upload-", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(checked.data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return StoredFile(stored_name=stored_name, original_name=checked.original_name, content_type=checked.content_type,
                      size=checked.size, sha256=checked.sha256)


def open_stored(stored_name: str) -> Path:
    """The path of a stored file; refuses any name that store() could not have made."""
    path = _path_of(stored_name)
    if not path.is_file():
        raise AttachmentNotFound(f"no stored attachment {stored_name}")
    return path


def remove(stored_name: str) -> None:
    """Deletes a stored file, e.g. when the transaction that was to record it failed. Missing files are fine."""
    _path_of(stored_name).unlink(missing_ok=True)
