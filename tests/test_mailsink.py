"""``samstat run``'s local mail server: a real SMTP conversation over loopback, and the
message kept in the data directory's Maildir."""

from __future__ import annotations

import mailbox
import smtplib
from email.header import decode_header, make_header
from email.message import EmailMessage
from pathlib import Path

import pytest

from samstat import mailsink, supervisor
from samstat_kit.broker import free_port
from samstat_kit.settings import KitSettings


def test_the_sink_keeps_what_is_sent_to_it(tmp_path: Path) -> None:
    sink = mailsink.start(tmp_path / "mail", free_port())
    assert sink is not None
    try:
        msg = EmailMessage()
        msg["From"], msg["To"] = "samstat@localhost", "sammankallande@example.org"
        msg["Subject"] = "Avvikelse: andel i arbete, Umeå"
        msg.set_content("Indikatorn avviker.")
        with smtplib.SMTP("127.0.0.1", sink.port, timeout=10) as smtp:
            smtp.send_message(msg)
    finally:
        sink.stop()
    [kept] = list(mailbox.Maildir(tmp_path / "mail", create=False))
    assert str(make_header(decode_header(kept["Subject"]))) == "Avvikelse: andel i arbete, Umeå"
    assert kept["To"] == "sammankallande@example.org"
    assert len(list((tmp_path / "mail" / "new").iterdir())) == 1


def test_run_points_the_services_at_the_sink_unless_mail_is_configured(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SAMSTAT_SMTP_HOST", raising=False)
    settings = KitSettings(data_dir=tmp_path)
    sink = supervisor._mail_sink(settings, free_port() - 5)
    assert sink is not None
    try:
        env = supervisor._environment(settings, supervisor.ports(None), sink.port)
        assert (env["SAMSTAT_SMTP_HOST"], env["SAMSTAT_SMTP_PORT"]) == \
            ("127.0.0.1", str(sink.port))
    finally:
        sink.stop()
    monkeypatch.setenv("SAMSTAT_SMTP_PORT", "1025")  # a mail catcher of one's own
    assert supervisor._mail_sink(settings, None) is None
    monkeypatch.delenv("SAMSTAT_SMTP_PORT")
    monkeypatch.setenv("SAMSTAT_SMTP_HOST", "mail.example.org")
    assert supervisor._mail_sink(settings, None) is None


def test_stacks_side_by_side_get_mailboxes_of_their_own(tmp_path: Path) -> None:
    base = free_port() - 5
    assert mailsink.port_for(base) == base + 5 and mailsink.port_for(None) == 8025
    first = mailsink.start(tmp_path / "a", base + 5)
    assert first is not None and first.port == base + 5
    try:
        # The port is taken: the second sink starts on another one instead of failing.
        second = mailsink.start(tmp_path / "b", base + 5)
        assert second is not None and second.port != base + 5
        second.stop()
    finally:
        first.stop()
