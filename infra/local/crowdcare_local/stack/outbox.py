"""The local outbox: every email and SMS the emulator accepted, read back from moto and
written as files a person can open."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path

from crowdcare_local.template import ACCOUNT_ID, REGION


@dataclass(frozen=True)
class SentEmail:
    message_id: str
    source: str
    to: tuple[str, ...]
    subject: str
    body: str


@dataclass(frozen=True)
class SentSms:
    message_id: str
    phone: str
    text: str


def sent_emails() -> list[SentEmail]:
    """Emails SES accepted, read back from the in-process emulator."""
    from moto.ses.models import ses_backends  # noqa: PLC0415 - moto is local-only

    return [
        SentEmail(m.id, m.source, tuple(m.destinations.get("ToAddresses", [])), m.subject, m.body)
        for m in ses_backends[ACCOUNT_ID][REGION].sent_messages
        if hasattr(m, "subject")
    ]


def sent_sms() -> list[SentSms]:
    """SMS that SNS accepted, read back from the in-process emulator."""
    from moto.sns.models import sns_backends  # noqa: PLC0415

    return [
        SentSms(message_id, phone, text)
        for message_id, (phone, text) in sns_backends[ACCOUNT_ID][REGION].sms_messages.items()
    ]


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
