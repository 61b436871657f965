"""Digest delivery against a real local SMTP server (aiosmtpd)."""

from __future__ import annotations

import email
import email.header
import socket

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Message

from digest.build import write_digest
from digest.mail import MailError, send_digest, settings_from_env


class Inbox(Message):
    def __init__(self):
        super().__init__()
        self.messages: list[email.message.Message] = []

    def handle_message(self, message):
        self.messages.append(message)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller, inbox
    controller.stop()


def test_digest_is_delivered_as_text_and_html(digest_db, tmp_path, smtp):
    controller, inbox = smtp
    result = write_digest(digest_db, "2026-W46", tmp_path / "out")
    settings = settings_from_env({
        "OBS_SMTP_HOST": "127.0.0.1", "OBS_SMTP_PORT": str(controller.port),
        "OBS_SMTP_FROM": "osservatorio@example.org",
        "OBS_DIGEST_TO": "redazione@example.org, ricerca@example.org"})
    assert send_digest(result, settings) == ["redazione@example.org", "ricerca@example.org"]
    assert len(inbox.messages) == 1
    msg = inbox.messages[0]
    subject = str(email.header.make_header(email.header.decode_header(msg["Subject"])))
    assert subject.startswith("Osservatorio co-progettazione · settimana 46")
    assert msg["To"] == "redazione@example.org, ricerca@example.org"
    parts = {p.get_content_type(): p.get_payload(decode=True).decode() for p in msg.walk()
             if not p.is_multipart()}
    assert "## Co-progettazione" in parts["text/plain"]
    assert "<h2" in parts["text/html"] and "<script>" not in parts["text/html"]


def test_missing_settings_are_named():
    with pytest.raises(MailError, match="OBS_SMTP_HOST, OBS_SMTP_FROM, OBS_DIGEST_TO"):
        settings_from_env({})


def test_unreachable_server_is_a_clear_error(digest_db, tmp_path):
    result = write_digest(digest_db, "2026-W46", tmp_path / "out")
    settings = settings_from_env({"OBS_SMTP_HOST": "127.0.0.1", "OBS_SMTP_PORT": str(free_port()),
                                  "OBS_SMTP_FROM": "a@example.org", "OBS_DIGEST_TO": "b@x.org"})
    with pytest.raises(MailError, match="SMTP 127.0.0.1"):
        send_digest(result, settings)
