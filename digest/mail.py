"""Optional delivery of the digest by SMTP, configured only from the environment:

    OBS_SMTP_HOST, OBS_SMTP_PORT (default 587), OBS_SMTP_USER, OBS_SMTP_PASSWORD,
    OBS_SMTP_STARTTLS (1/0, default 1 when a user is set), OBS_SMTP_FROM, OBS_DIGEST_TO
    (comma-separated recipients).
"""

from __future__ import annotations

import os
import smtplib
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid


class MailError(ValueError):
    """Delivery is not configured or the SMTP server refused it."""


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    user: str | None
    password: str | None
    starttls: bool
    sender: str
    recipients: list[str]


def settings_from_env(env: dict[str, str] | None = None) -> SmtpSettings:
    env = dict(os.environ if env is None else env)
    missing = [k for k in ("OBS_SMTP_HOST", "OBS_SMTP_FROM", "OBS_DIGEST_TO") if not env.get(k)]
    if missing:
        raise MailError("per inviare il digest servono le variabili d'ambiente "
                        f"{', '.join(missing)}")
    try:
        port = int(env.get("OBS_SMTP_PORT", "587"))
    except ValueError as exc:
        raise MailError("OBS_SMTP_PORT deve essere un numero, "
                        f"non {env['OBS_SMTP_PORT']!r}") from exc
    user = env.get("OBS_SMTP_USER") or None
    starttls = env.get("OBS_SMTP_STARTTLS", "1" if user else "0") not in ("0", "false", "no")
    return SmtpSettings(host=env["OBS_SMTP_HOST"], port=port, user=user,
                        password=env.get("OBS_SMTP_PASSWORD") or None, starttls=starttls,
                        sender=env["OBS_SMTP_FROM"],
                        recipients=[r.strip() for r in env["OBS_DIGEST_TO"].split(",")
                                    if r.strip()])


def build_message(subject: str, markdown: str, html: str, settings: SmtpSettings) -> EmailMessage:
    """A multipart/alternative message: Markdown as the plain-text part, HTML as the rich one."""
    msg = EmailMessage()
    msg["Subject"] = subject
    msg["From"] = settings.sender
    msg["To"] = ", ".join(settings.recipients)
    msg["Date"] = formatdate(localtime=True)
    msg["Message-ID"] = make_msgid(domain=settings.sender.rsplit("@", 1)[-1])
    msg.set_content(markdown)
    msg.add_alternative(html, subtype="html")
    return msg


def send_digest(result, settings: SmtpSettings | None = None) -> list[str]:
    """Send a written digest (digest.build.DigestResult); returns the recipients."""
    settings = settings or settings_from_env()
    title = result.markdown.splitlines()[0].lstrip("# ").strip()
    msg = build_message(title, result.markdown, result.html, settings)
    try:
        with smtplib.SMTP(settings.host, settings.port, timeout=30) as smtp:
            if settings.starttls:
                smtp.starttls()
            if settings.user:
                smtp.login(settings.user, settings.password or "")
            smtp.send_message(msg)
    except (OSError, smtplib.SMTPException) as exc:
        raise MailError(f"SMTP {settings.host}:{settings.port}: {exc}") from exc
    return settings.recipients
