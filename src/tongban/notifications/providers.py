"""Which SMS provider the settings pick. Its own module because the providers import the
channel protocols (``channels.py``), so the choice cannot live beside them."""

from __future__ import annotations

from tongban.config import Settings
from tongban.notifications.aliyun import AliyunSms
from tongban.notifications.channels import SmsProvider


def sms_provider_from_settings(settings: Settings) -> SmsProvider | None:
    """The configured SMS provider, or None when SMS is disabled (messages stay pending)."""
    if settings.sms_provider == "disabled":
        return None
    return AliyunSms(settings)
