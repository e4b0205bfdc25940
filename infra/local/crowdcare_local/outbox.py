"""The local outbox: every email and SMS the emulator accepted, as files a person can open."""

from __future__ import annotations

import json
from email.message import EmailMessage
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Sequence

    from crowdcare_local.stack import SentEmail, SentSms


def write_outbox(folder: Path, emails: Sequence[SentEmail], texts: Sequence[SentSms]) -> Path:
    """Write emails as .eml files and SMS as sms.jsonl into `folder` (replacing older runs)."""
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.eml"):
        old.unlink()
    for number, sent in enumerate(emails, start=1):
        message = EmailMessage()
        message["From"] = sent.source
        message["To"] = ", ".join(sent.to)
        message["Subject"] = sent.subject
        message["Message-ID"] = f"<{sent.message_id}@local.crowdcare>"
        body = sent.body
        if body.lstrip().startswith("<"):
            message.set_content(body, subtype="html")
        else:
            message.set_content(body)
        (folder / f"{number:04d}-{sent.to[0] if sent.to else 'unknown'}.eml").write_bytes(
            bytes(message)
        )
    with (folder / "sms.jsonl").open("w", encoding="utf-8") as handle:
        for text in texts:
            handle.write(
                json.dumps({"id": text.message_id, "to": text.phone, "text": text.text}) + "\n"
            )
    return folder
