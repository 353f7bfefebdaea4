"""Attachments are judged by their content, limited in size and number, and stored under random names."""
from __future__ import annotations

import hashlib
import io
import re

import pytest
from flask import Flask
from PIL import Image
from werkzeug.datastructures import FileStorage

from ipgrs import settings
from ipgrs.grievances import attachments
from ipgrs.grievances.attachments import AttachmentNotFound, AttachmentRejected

MB = 1024 * 1024


def png(size=(32, 24)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (30, 120, 200)).save(out, "PNG")
    return out.getvalue()


def jpeg(size=(64, 48)) -> bytes:
    out = io.BytesIO()
    Image.effect_noise(size, 40).convert("RGB").save(out, "JPEG", quality=90)
    return out.getvalue()


def pdf(padding: int = 0) -> bytes:
    """A minimal valid one-page PDF; `padding` bytes of comment make it as large as a test needs."""
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>"]
    out = b"%PDF-1.4\n" + (b"%" + b"x" * (padding - 2) + b"\n" if padding else b"")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 4\n0000000000 65535 f \n" + b"".join(b"%010d 00000 n \n" % o for o in offsets)
    return out + b"trailer\n<< /Size 4 /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % xref


def pdf_of_size(size: int) -> bytes:
    padding = size - len(pdf())
    while len(data := pdf(padding)) != size:  # the offsets in the trailer grow by a digit or two
        padding += size - len(data)
    return data


def upload(data: bytes, filename: str, content_type: str = "application/octet-stream") -> FileStorage:
    return FileStorage(stream=io.BytesIO(data), filename=filename, content_type=content_type)


@pytest.fixture
def app(tmp_path):
    """A bare Flask app: attachments need only its config, not the database."""
    app = Flask("attachments-test")
    app.config["ATTACHMENT_DIR"] = str(tmp_path / "uploads")
    with app.app_context():
        yield app


# --- judged by content ---------------------------------------------------------------------------

@pytest.mark.parametrize("make, name, mime, extension", [
    (png, "photo.png", "image/png", ".png"),
    (jpeg, "IMG_2041.JPG", "image/jpeg", ".jpg"),
    (pdf, "rtc copy.pdf", "application/pdf", ".pdf"),
])
def test_real_pdf_jpeg_and_png_are_accepted(make, name, mime, extension):
    data = make()
    checked = attachments.check_upload(upload(data, name))
    assert (checked.content_type, checked.extension, checked.size) == (mime, extension, len(data))
    assert checked.sha256 == hashlib.sha256(data).hexdigest()
    assert checked.original_name == name.replace(" ", "_")


def test_the_declared_type_and_the_name_do_not_decide():
    checked = attachments.check_upload(upload(png(), "scan.pdf", content_type="application/pdf"))
    assert (checked.content_type, checked.extension) == ("image/png", ".png")


@pytest.mark.parametrize("data, name, reason", [
    (b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 200 + b"This program cannot be run in DOS mode",
     "invoice.pdf", "invoice.pdf is not a PDF, JPEG or PNG file"),
    (b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>",
     "photo.png", "photo.png is not a PDF, JPEG or PNG file"),
    (b"just some text\n", "notes.pdf", "notes.pdf is not a PDF, JPEG or PNG file"),
    (png()[:-40], "site.png", "site.png is a damaged or incomplete PNG image"),
    (jpeg()[:-200], "site.jpg", "site.jpg is a damaged or incomplete JPEG image"),
    (pdf()[:-60], "order.pdf", "order.pdf is a damaged or incomplete PDF"),
    (b"", "empty.pdf", "empty.pdf is empty"),
])
def test_files_that_are_not_what_they_claim_or_are_damaged_are_rejected(data, name, reason):
    with pytest.raises(AttachmentRejected) as info:
        attachments.check_upload(upload(data, name, "application/pdf"))
    assert str(info.value).startswith(reason)
    assert info.value.messages == [str(info.value)]


def test_size_limit_is_five_megabytes_and_can_be_configured(app):
    exactly = pdf_of_size(5 * MB)
    assert attachments.check_upload(upload(exactly, "big.pdf")).size == 5 * MB

    over = pdf_of_size(5 * MB + 1)
    with pytest.raises(AttachmentRejected) as info:
        attachments.check_upload(upload(over, "bigger.pdf"))
    assert str(info.value) == "bigger.pdf is larger than 5 MB; each file may be at most 5 MB."

    app.config["ATTACHMENT_MAX_BYTES"] = 1 * MB
    with pytest.raises(AttachmentRejected, match="big.pdf is larger than 1 MB"):
        attachments.check_upload(upload(exactly, "big.pdf"))


def test_limits_come_from_settings():
    config = settings.from_environment({"DATABASE_URL": "postgresql://db/ipgrs", "SECRET_KEY": "s",
                                        "IPGRS_ATTACHMENT_MAX_FILES": "3", "IPGRS_ATTACHMENT_DIR": "/srv/ipgrs/uploads"})
    assert (config["ATTACHMENT_MAX_FILES"], config["ATTACHMENT_MAX_BYTES"], config["ATTACHMENT_DIR"]) == (3, 5 * MB, "/srv/ipgrs/uploads")
    default = settings.from_environment({"DATABASE_URL": "postgresql://db/ipgrs", "SECRET_KEY": "s"})
    assert default["ATTACHMENT_MAX_FILES"] == 5
    assert default["ATTACHMENT_DIR"] == str(settings.INSTANCE / "uploads")


# --- several files -------------------------------------------------------------------------------

def test_at_most_five_files(app):
    files = [upload(png(), f"page{i}.png") for i in range(6)]
    with pytest.raises(AttachmentRejected) as info:
        attachments.check_uploads(files)
    assert str(info.value) == "At most 5 files can be attached to a grievance; 6 were given."
    assert len(attachments.check_uploads(files[:5])) == 5

    app.config["ATTACHMENT_MAX_FILES"] = 2
    with pytest.raises(AttachmentRejected, match="At most 2 files"):
        attachments.check_uploads(files[:3])


def test_one_bad_file_rejects_the_whole_submission_naming_each_bad_file():
    files = [upload(png(), "good.png"), upload(b"MZ" + b"\x00" * 100, "setup.pdf"), upload(pdf(), "order.pdf"),
             upload(b"<html></html>", "x.png")]
    with pytest.raises(AttachmentRejected) as info:
        attachments.check_uploads(files)
    assert [m.split(" is ")[0] for m in info.value.messages] == ["setup.pdf", "x.png"]
    assert "good.png" not in str(info.value) and "order.pdf" not in str(info.value)


def test_file_inputs_left_unused_are_ignored():
    files = [upload(b"", ""), upload(pdf(), "order.pdf"), upload(b"", "")]
    assert [c.original_name for c in attachments.check_uploads(files)] == ["order.pdf"]


# --- names ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("given, shown", [
    ("../../etc/passwd", "passwd"),
    ("..\\..\\windows\\system32\\drivers.pdf", "drivers.pdf"),
    ("/var/www/static/x.png", "x.png"),
    ("..", "attachment"),
    ("ಪಹಣಿ.pdf", "attachment.pdf"),
    ("my scan (1).jpeg", "my_scan_1.jpeg"),
    ("", "attachment"),
    (None, "attachment"),
])
def test_original_names_are_reduced_to_safe_display_text(given, shown):
    assert attachments.display_name(given) == shown


def test_long_names_are_capped_and_keep_their_extension():
    name = attachments.display_name("a" * 300 + ".pdf")
    assert len(name) == attachments.ORIGINAL_NAME_MAX and name.endswith("a.pdf")


def test_a_rejected_file_is_named_by_its_sanitised_name():
    with pytest.raises(AttachmentRejected) as info:
        attachments.check_upload(upload(b"<script>", "../../<b>evil</b>.png"))
    assert str(info.value).startswith("b.png is not")


# --- storage -------------------------------------------------------------------------------------

def test_stored_under_a_random_name_in_fan_out_folders(app, tmp_path):
    data = pdf()
    stored = attachments.store(attachments.check_upload(upload(data, "../../etc/passwd")))
    assert re.fullmatch(r"[0-9a-f]{32}\.pdf", stored.stored_name)
    assert stored.original_name == "passwd"
    assert (stored.content_type, stored.size, stored.sha256) == ("application/pdf", len(data), hashlib.sha256(data).hexdigest())

    path = attachments.open_stored(stored.stored_name)
    root = tmp_path / "uploads"
    assert path == root / stored.stored_name[:2] / stored.stored_name[2:4] / stored.stored_name
    assert path.read_bytes() == data
    assert [p for p in root.rglob("*") if p.is_file()] == [path]  # no temporary file left behind
    assert not (tmp_path / "etc").exists()

    again = attachments.store(attachments.check_upload(upload(data, "passwd")))
    assert again.stored_name != stored.stored_name


@pytest.mark.parametrize("name", [
    "../../etc/passwd", "../" + "a" * 32 + ".pdf", "A" * 32 + ".pdf", "a" * 32 + ".exe", "a" * 31 + ".pdf",
    "a" * 32 + ".pdf/../../x", "", None,
])
def test_open_stored_refuses_names_store_could_not_have_made(app, name):
    with pytest.raises(AttachmentNotFound):
        attachments.open_stored(name)
    with pytest.raises(AttachmentNotFound):
        attachments.remove(name)


def test_open_stored_of_a_well_formed_but_unknown_name(app):
    with pytest.raises(AttachmentNotFound, match="no stored attachment"):
        attachments.open_stored("0" * 32 + ".png")


def test_remove_deletes_the_file_and_tolerates_a_second_call(app):
    stored = attachments.store(attachments.check_upload(upload(jpeg(), "photo.jpg")))
    path = attachments.open_stored(stored.stored_name)
    attachments.remove(stored.stored_name)
    assert not path.exists()
    attachments.remove(stored.stored_name)
    with pytest.raises(AttachmentNotFound):
        attachments.open_stored(stored.stored_name)


def test_a_failed_write_leaves_no_partial_file(app, tmp_path, monkeypatch):
    name = "ab" * 16
    monkeypatch.setattr(attachments.secrets, "token_hex", lambda n: name)  # to know where the file will go
    blocker = tmp_path / "uploads" / "ab" / "ab" / (name + ".png")
    blocker.mkdir(parents=True)  # a folder where the file should be makes the final rename fail
    with pytest.raises(OSError):
        attachments.store(attachments.check_upload(upload(png(), "photo.png")))
    assert sorted(p.name for p in blocker.parent.iterdir()) == [name + ".png"]
