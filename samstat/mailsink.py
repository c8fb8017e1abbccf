"""The local stack's outgoing mail: a real SMTP server on loopback that keeps every message.

``samstat run`` starts it unless ``SAMSTAT_SMTP_HOST`` or ``SAMSTAT_SMTP_PORT`` names a mail
server: without one, the
conveners' digests and the e-mailed sign-in links of the demo had nowhere to go (a refused
connection and a retry, logged again and again). Messages land in a Maildir under the data
directory (``mail/new/``, one RFC 5322 file per message, which any mail program opens).
aiosmtpd (a development dependency, as in the tests) does the SMTP and the Maildir; when it
is not installed, the stack runs without it, as before.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

DEFAULT_PORT = 8025  # the usual port of a development mail catcher


def start(mail_dir: Path, port: int) -> Any | None:
    """A started SMTP server on 127.0.0.1:``port`` (any free port if that one cannot be
    bound) keeping messages in ``mail_dir``; None without aiosmtpd. ``stop()`` it when done.
    """
    try:
        from aiosmtpd.controller import Controller
        from aiosmtpd.handlers import Mailbox
    except ImportError:
        return None
    from samstat_kit.broker import bindable, free_port

    port = port if bindable(port) else free_port()  # (aiosmtpd takes 5 s to give up on it)
    for sub in ("tmp", "new", "cur"):  # a Maildir's own folders (Maildir makes them only
        (mail_dir / sub).mkdir(parents=True, exist_ok=True)  # when mail_dir is new)

    def serve(on: int) -> Any:
        controller = Controller(Mailbox(mail_dir), hostname="127.0.0.1", port=on)
        controller.start()
        return controller

    try:
        return serve(port)
    except OSError:  # taken since, or still in TIME_WAIT from the last run
        return serve(free_port())


def port_for(port_base: int | None) -> int:
    """The default port, or the one after the services' when they are moved (base+5), so
    that stacks side by side do not share a mailbox."""
    return DEFAULT_PORT if port_base is None else port_base + 5
