"""Reading and writing email (RFC 5322 / MIME) with the standard library's `email` package.

Pure functions: raw bytes to an Inbound, an Outbound to a message. Encoded-word headers and
body charsets are decoded by `policy.default`, so Vietnamese text round-trips.
"""

from __future__ import annotations

import hashlib
import html
import re
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import format_datetime, formataddr, getaddresses, parsedate_to_datetime

from connectors.base import Attachment, Inbound, InboundKind, Outbound, Sender
from inbox.html import to_text

MESSAGE_ID = re.compile(r"<([^<>\s]+)>")
CONVERSATION_REF = re.compile(r"\[#(C-\d{6})\]")
REPLY_PREFIX = re.compile(r"^\s*((re|fwd?|tr|sv|aw|trả lời|phản hồi)\s*:\s*)+", re.IGNORECASE)
QUOTE_HEADERS = [
    re.compile(r"^On .{4,200}wrote:\s*$", re.IGNORECASE),
    re.compile(r"^Vào .{4,200}đã viết:\s*$", re.IGNORECASE),
    re.compile(r"^-{2,}\s*Original Message\s*-{2,}\s*$", re.IGNORECASE),
    re.compile(r"^From:\s.+$"),
    re.compile(r"^_{10,}\s*$"),
]
BULK_PRECEDENCE = {"bulk", "junk", "list"}


def message_ids(value: str | None) -> list[str]:
    """The ids in a Message-ID, In-Reply-To or References header, without angle brackets."""
    return MESSAGE_ID.findall(value or "")


def is_automated(message: EmailMessage, own_address: str) -> bool:
    """Mail a machine sent: answer it never automatically (RFC 3834 and common practice)."""
    auto_submitted = str(message.get("Auto-Submitted", "")).strip().lower()
    if auto_submitted and auto_submitted != "no":
        return True
    if str(message.get("Precedence", "")).strip().lower() in BULK_PRECEDENCE:
        return True
    if any(message.get(h) for h in ("List-Id", "List-Unsubscribe", "X-Autoreply", "X-Autorespond")):
        return True
    return_path = str(message.get("Return-Path", "")).strip()
    if return_path in ("<>", "") and message.get("Return-Path") is not None:
        return True
    sender = _sender_address(message)
    local = sender.split("@")[0]
    return local in ("mailer-daemon", "postmaster") or sender == own_address.lower()


def split_quoted(text: str) -> tuple[str, str | None]:
    """Cut the quoted history off a reply, for display; returns (new text, quoted part)."""
    lines = text.splitlines()
    for number, line in enumerate(lines):
        stripped = line.strip()
        starts_quote = any(p.match(stripped) for p in QUOTE_HEADERS)
        trailing_quotes = stripped.startswith(">") and all(
            not rest.strip() or rest.lstrip().startswith(">") for rest in lines[number:]
        )
        if (starts_quote and number > 0) or (trailing_quotes and number > 0):
            new = "\n".join(lines[:number]).rstrip()
            if new:
                return new, "\n".join(lines[number:]).strip()
    return text.strip(), None


def parse_email(raw: bytes, own_address: str) -> Inbound | None:
    """One received email as an Inbound (a bounce report becomes a BOUNCE), or None to drop."""
    message: EmailMessage = BytesParser(policy=policy.default).parsebytes(raw)  # type: ignore[assignment]
    own = own_address.lower()
    if own in str(message.get("X-Loop", "")).lower():
        return None  # our own automatic mail came back: never process it again
    if _is_bounce(message):
        return _bounce(message, raw)
    sender = _sender_address(message)
    if not sender:
        return None
    if sender == own:
        return None  # a copy of what we sent
    own_id = (message_ids(message.get("Message-ID")) or [_generated_id(raw)])[0]
    replied = message_ids(message.get("In-Reply-To"))
    references = message_ids(message.get("References"))
    subject = str(message.get("Subject", "") or "").strip() or None
    plain, markup = _bodies(message)
    text = plain if plain is not None else (to_text(markup) if markup else None)
    new_text, quoted = split_quoted(text) if text else (None, None)
    name = _sender_name(message)
    ref = CONVERSATION_REF.search(subject or "")
    return Inbound(
        kind=InboundKind.MESSAGE,
        external_id=own_id,
        thread_id=(references or replied or [own_id])[0],
        sender=Sender(external_id=sender, name=name or sender, email=sender),
        sent_at=_date(message),
        text=new_text,
        quoted=quoted,
        html=markup,
        subject=subject,
        attachments=tuple(_attachments(message)),
        reply_to=replied[0] if replied else None,
        thread_hints=tuple(dict.fromkeys([*reversed(references), *replied])),
        conversation_ref=ref.group(1) if ref else None,
        automated=is_automated(message, own_address),
    )


LINK = re.compile(r"(https?://[^\s<>\"]+)")
"""Web addresses in a reply, made links in its HTML part (plain-text readers link them too)."""


def build_reply(out: Outbound, address: str, display_name: str, domain: str) -> EmailMessage:
    """The email for an agent's reply, threaded with the customer's mail."""
    message = EmailMessage()
    message["From"] = formataddr((display_name, address))
    message["To"] = out.recipient_id
    message["Reply-To"] = address
    message["Subject"] = reply_subject(
        out.subject, out.reference, first=out.reply_to is None and not out.references
    )
    message["Date"] = format_datetime(datetime.now(UTC))
    message["Message-ID"] = f"<{outbound_message_id(out.message_id, domain)}>"
    if out.reply_to:
        message["In-Reply-To"] = f"<{out.reply_to}>"
    references = [r for r in out.references if "@" in r] or ([out.reply_to] if out.reply_to else [])
    if references:
        message["References"] = " ".join(f"<{r}>" for r in references)
    if out.automatic:  # RFC 3834: mark it, so auto-responders do not answer it
        message["Auto-Submitted"] = "auto-replied"
        message["X-Auto-Response-Suppress"] = "All"
        message["X-Loop"] = address
    text = out.text or ""
    message.set_content(text)
    escaped = LINK.sub(r'<a href="\1">\1</a>', html.escape(text)).replace("\n", "<br>\n")
    message.add_alternative(
        f"<!doctype html><html><body><p>{escaped}</p></body></html>", subtype="html"
    )
    for attachment in out.attachments:
        if attachment.data is None:
            continue
        maintype, _, subtype = (attachment.mime_type or "application/octet-stream").partition("/")
        message.add_attachment(
            attachment.data,
            maintype=maintype,
            subtype=subtype or "octet-stream",
            filename=attachment.name or "attachment",
        )
    return message


def outbound_message_id(message_id: str, domain: str) -> str:
    return f"inbox.{message_id}@{domain}"


def reply_subject(subject: str | None, reference: str | None, *, first: bool = False) -> str:
    """`Re: <the customer's subject> [#C-000123]`, without stacking prefixes or references;
    no `Re:` on the `first` mail of a thread we start."""
    base = REPLY_PREFIX.sub("", CONVERSATION_REF.sub("", subject or "")).strip() or "Your message"
    tag = f" [#{reference}]" if reference else ""
    return f"{'' if first else 'Re: '}{base}{tag}"


# ---- helpers ---------------------------------------------------------------------------


def _sender_address(message: EmailMessage) -> str:
    addresses = getaddresses([str(message.get("From", ""))])
    return addresses[0][1].strip().lower() if addresses else ""


def _sender_name(message: EmailMessage) -> str | None:
    addresses = getaddresses([str(message.get("From", ""))])
    return (addresses[0][0].strip() or None) if addresses else None


def _generated_id(raw: bytes) -> str:
    return f"generated.{hashlib.sha256(raw).hexdigest()[:32]}@inbox"


def _date(message: EmailMessage) -> datetime | None:
    try:
        value = parsedate_to_datetime(str(message["Date"]))
    except (TypeError, ValueError):
        return None
    return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)


def _bodies(message: EmailMessage) -> tuple[str | None, str | None]:
    plain = message.get_body(preferencelist=("plain",))
    markup = message.get_body(preferencelist=("html",))
    return (
        _unix_lines(plain.get_content()) if plain is not None else None,
        _unix_lines(markup.get_content()) if markup is not None else None,
    )


def _unix_lines(text: str) -> str:
    """Mail travels with CRLF line ends; store text with plain newlines."""
    return text.replace("\r\n", "\n")


def _attachments(message: EmailMessage) -> list[Attachment]:
    found = []
    for part in message.iter_attachments():
        data = part.get_payload(decode=True)
        if not isinstance(data, bytes):
            continue
        mime = part.get_content_type()
        kind = mime.split("/")[0] if mime.split("/")[0] in ("image", "audio", "video") else "file"
        found.append(
            Attachment(kind, name=part.get_filename(), size=len(data), mime_type=mime, data=data)
        )
    return found


def _is_bounce(message: EmailMessage) -> bool:
    return (
        message.get_content_type() == "multipart/report"
        and message.get_param("report-type", "").lower() == "delivery-status"
    )


def _bounce(message: EmailMessage, raw: bytes) -> Inbound:
    """A delivery status notification (RFC 3464): which of our messages it is about, what
    happened (`payload`: failed, delayed, or delivered for relayed/expanded/delivered), why."""
    originals: list[str] = []
    reasons: list[str] = []
    actions: list[str] = []
    for part in message.walk():
        content_type = part.get_content_type()
        if content_type in ("message/rfc822", "text/rfc822-headers"):
            text = part.as_string() if content_type == "message/rfc822" else str(part.get_content())
            found = re.search(r"(?im)^Message-ID:\s*(<[^>]+>)", text)
            if found:
                originals.extend(message_ids(found.group(1)))
        elif content_type == "message/delivery-status":
            text = part.as_string()
            actions.extend(a.lower() for a in re.findall(r"(?im)^Action:\s*([a-z]+)", text))
            for label in ("Diagnostic-Code", "Status"):
                match = re.search(rf"(?im)^{label}:\s*(.+)$", text)
                if match:
                    reasons.append(match.group(1).strip())
                    break
    own_id = (message_ids(message.get("Message-ID")) or [_generated_id(raw)])[0]
    reason = reasons[0] if reasons else "Undeliverable"
    outcome = _dsn_outcome(actions)
    text = {
        "failed": f"The mail server refused the message: {reason}",
        "delayed": f"Delivery delayed, still being tried by the mail server: {reason}",
    }.get(outcome, "The mail server reports the message delivered.")
    return Inbound(
        kind=InboundKind.BOUNCE,
        external_id=own_id,
        thread_id=own_id,
        sender=Sender(external_id=_sender_address(message) or "mailer-daemon"),
        text=text,
        payload=outcome,
        target_ids=tuple(originals),
        automated=True,
    )


def _dsn_outcome(actions: list[str]) -> str:
    """failed if any recipient failed, else delayed if any is delayed, else delivered. A
    report without an Action field is read as a failure (old-style bounces)."""
    if not actions or "failed" in actions:
        return "failed"
    return "delayed" if "delayed" in actions else "delivered"
