"""What a delivery notice (送达, Art. 44) fills in: how the result reached the applicant, and for
an electronic delivery the link that downloads the decision document.

The link is the platform's signed download link (``cases.downloads``) on its public address,
valid for ``TONGBAN_DELIVERY_LINK_DAYS`` rather than the few minutes of a link shown in the
browser: the applicant opens it from an SMS or an e-mail, maybe days later. It is signed when
the notice is planned, in real time like every download link, and never stored in the history.
"""

from __future__ import annotations

import time
from typing import Any

from tongban.cases import downloads
from tongban.config import Settings

METHODS = {"window": "窗口领取", "post": "邮寄送达", "electronic": "电子送达"}


def download_link(settings: Settings, document_id: str) -> str:
    seconds = settings.delivery_link_days * 86400
    path = downloads.signed_path(
        settings, document_id, now=time.time(), kind="decision", seconds=seconds
    )
    return settings.public_base_url.rstrip("/") + path


def delivery_values(event: Any, settings: Settings) -> dict[str, str]:
    """How it was delivered (the delivery day and result number are the planner's)."""
    values: dict[str, str] = {}
    name = event.recipient_name or ""
    values["collectedBy"] = f"代理人{name}" if event.recipient_is_agent else f"{name}本人"
    values["carrier"] = event.carrier or ""
    values["trackingNumber"] = event.tracking_number or ""
    if event.document_id is not None:
        values["downloadUrl"] = download_link(settings, event.document_id)
        values["linkDays"] = str(settings.delivery_link_days)
    return values
