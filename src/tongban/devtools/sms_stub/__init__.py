"""A local stand-in for the SMS provider (see server.py), for development and tests."""

from tongban.devtools.sms_stub.server import SmsStub

__all__ = ["SmsStub"]
