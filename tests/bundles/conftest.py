"""The bundle tests assert the applicant's SMS and e-mail end to end, as the notification tests
do: the same local SMTP server, SMS stub and planner/sender pipeline."""

from tests.notifications.conftest import mailbox, pipeline, settings, sms_stub

__all__ = ["mailbox", "pipeline", "settings", "sms_stub"]
