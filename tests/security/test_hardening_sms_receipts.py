"""SMS delivery receipts: signed together with a timestamp, accepted once, and only while fresh.

Before, the signature covered the body alone: a captured report could be replayed forever.
"""

import time

import msgspec
from tests.conftest import GraphQLClient

from tongban.notifications.aliyun import SIGNATURE_HEADER, receipt_headers, receipt_signature

URL = "/notifications/sms/receipts"


def report() -> bytes:
    return msgspec.json.encode(
        [
            {
                "phone_number": "13800138000",
                "send_time": "2026-03-02 09:30:00",
                "report_time": "2026-03-02 09:30:05",
                "success": True,
                "err_code": "DELIVERED",
                "err_msg": "用户接收成功",
                "sms_size": "1",
                "biz_id": "900000000000000000^0",
                "out_id": "00000000-0000-4000-8000-00000000abcd",
            }
        ]
    )


async def test_a_replayed_receipt_is_refused(client: GraphQLClient) -> None:
    body = report()
    headers = receipt_headers(client.settings.sms_callback_secret, body)
    first = await client.http.post(URL, content=body, headers=headers)
    assert first.status_code == 200, first.text
    again = await client.http.post(URL, content=body, headers=headers)
    assert again.status_code == 409, again.text


async def test_a_receipt_signed_outside_the_window_is_refused(client: GraphQLClient) -> None:
    body = report()
    window = client.settings.sms_receipt_window_seconds
    for offset in (-window - 60, window + 60):
        headers = receipt_headers(
            client.settings.sms_callback_secret, body, now=time.time() + offset
        )
        response = await client.http.post(URL, content=body, headers=headers)
        assert response.status_code == 401, (offset, response.text)


async def test_the_timestamp_is_signed(client: GraphQLClient) -> None:
    body = report()
    secret = client.settings.sms_callback_secret
    old = str(int(time.time()) - 3600)
    # A fresh timestamp pasted onto an old report's signature does not verify.
    headers = receipt_headers(secret, body) | {
        SIGNATURE_HEADER: receipt_signature(secret, body, old)
    }
    response = await client.http.post(URL, content=body, headers=headers)
    assert response.status_code == 401
    # Nor does a report without a timestamp (the old scheme, body only).
    bare = {SIGNATURE_HEADER: receipt_signature(secret, body, "")}
    assert (await client.http.post(URL, content=body, headers=bare)).status_code == 401
