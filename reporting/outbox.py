"""The demo's outbox: emails Django's file-based backend wrote under EMAIL_FILE_PATH, read
back for the admin-only "Outbox" page, so a demo shows what managers would receive without
an SMTP server. An org's admins see only messages addressed to their org's people or to its
schedules' recipients.
"""

from __future__ import annotations

import email
import email.policy
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import getaddresses, parsedate_to_datetime
from pathlib import Path

from django.conf import settings

from oauth.models import Membership, Organization

from .models import ReportSchedule

FILE_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
# Django's file backend separates the messages of one connection with this line.
SEPARATOR = "\n" + "-" * 79 + "\n"
_SAFE_NAME = re.compile(r"^[A-Za-z0-9_.-]+\.log$")
MAX_MESSAGES = 200


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str
    content: bytes

    @property
    def size_bytes(self) -> int:
        return len(self.content)


@dataclass(frozen=True)
class OutboxMessage:
    message_id: str  # "<file name>:<position in the file>"
    subject: str
    sender: str
    recipients: tuple[str, ...]
    sent_at: datetime | None
    body: str
    attachments: tuple[Attachment, ...]


def enabled() -> bool:
    return bool(settings.EMAIL_BACKEND == FILE_BACKEND)


def folder() -> Path:
    return Path(settings.EMAIL_FILE_PATH)


def _org_addresses(org: Organization) -> set[str]:
    addresses = {
        address.lower()
        for address in Membership.objects.filter(organization=org).values_list(
            "user__email", flat=True
        )
        if address
    }
    for recipients in ReportSchedule.objects.filter(organization=org).values_list(
        "recipients", flat=True
    ):
        addresses.update(str(r).lower() for r in recipients)
    return addresses


def _payload_bytes(part: EmailMessage) -> bytes:
    payload = part.get_payload(decode=True)
    return payload if isinstance(payload, bytes) else b""


def _parse(message_id: str, raw: str) -> OutboxMessage:
    parsed = email.message_from_string(raw.strip("\n"), policy=email.policy.default)
    assert isinstance(parsed, EmailMessage)
    recipients = tuple(
        address for _, address in getaddresses(parsed.get_all("to", []) + parsed.get_all("cc", []))
    )
    try:
        sent_at = parsedate_to_datetime(str(parsed["date"])) if parsed["date"] else None
    except (TypeError, ValueError):
        sent_at = None
    body_part = parsed.get_body(preferencelist=("plain", "html"))
    body = body_part.get_content() if body_part is not None else ""
    attachments = tuple(
        Attachment(
            filename=part.get_filename() or "attachment",
            content_type=part.get_content_type(),
            content=_payload_bytes(part),
        )
        for part in parsed.iter_attachments()
    )
    return OutboxMessage(
        message_id=message_id,
        subject=str(parsed["subject"] or ""),
        sender=str(parsed["from"] or ""),
        recipients=recipients,
        sent_at=sent_at.astimezone(UTC) if sent_at else None,
        body=str(body),
        attachments=attachments,
    )


def _messages_in(path: Path) -> list[OutboxMessage]:
    text = path.read_text(encoding="utf-8", errors="replace")
    parts = [part for part in text.split(SEPARATOR) if part.strip()]
    return [_parse(f"{path.name}:{position}", part) for position, part in enumerate(parts)]


def messages_for(org: Organization) -> list[OutboxMessage]:
    """The newest messages addressed to the org's people or schedule recipients."""
    root = folder()
    if not root.is_dir():
        return []
    addresses = _org_addresses(org)
    files = sorted(
        (p for p in root.iterdir() if _SAFE_NAME.match(p.name)), key=lambda p: p.name, reverse=True
    )
    found: list[OutboxMessage] = []
    for path in files:
        for message in reversed(_messages_in(path)):
            if {r.lower() for r in message.recipients} & addresses:
                found.append(message)
        if len(found) >= MAX_MESSAGES:
            break
    return found[:MAX_MESSAGES]


def attachment_for(org: Organization, message_id: str, index: int) -> Attachment | None:
    name, _, position = message_id.partition(":")
    if not _SAFE_NAME.match(name) or not position.isdigit():
        return None
    path = folder() / name
    if not path.is_file():
        return None
    messages = _messages_in(path)
    if int(position) >= len(messages):
        return None
    message = messages[int(position)]
    if not {r.lower() for r in message.recipients} & _org_addresses(org):
        return None
    if not 0 <= index < len(message.attachments):
        return None
    return message.attachments[index]
