"""GraphQL: delivery (送达, Art. 44) — what deliverCase takes and what the case shows after it."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry.file_uploads import Upload

from tongban.api.context import Info
from tongban.api.convert import raw
from tongban.api.enums import DeliveryMethod
from tongban.api.materials import download_url
from tongban.cases import types as domain


@strawberry.type(description="The proof of a delivery (送达回证, post receipt), as uploaded.")
class DeliveryProof:
    file_name: str = strawberry.field(description="File name.")
    content_type: str = strawberry.field(description="MIME type.")
    size: int = strawberry.field(description="Size in bytes.")
    sha256: str = strawberry.field(description="SHA-256 of the content.")
    delivery_id: strawberry.Private[str]
    downloadable: strawberry.Private[bool]

    @strawberry.field(
        description="A short-lived signed link (a path on the API's origin) that downloads the "
        "proof without a token; null unless you are the applicant or work on the case."
    )
    def download_url(self, info: Info) -> str | None:
        return download_url(
            info,
            strawberry.ID(self.delivery_id),
            downloadable=self.downloadable,
            kind="delivery_proof",
        )


@strawberry.type(
    description="送达: how the result (licence, certificate, decision) reached the applicant."
)
class Delivery:
    method: DeliveryMethod = strawberry.field(description="Window, post or electronic.")
    recipient: str = strawberry.field(
        description="Who collected or signed for it (the applicant for an electronic delivery)."
    )
    recipient_is_agent: bool = strawberry.field(
        description="Whether the recipient is an agent (代理人), not the applicant in person."
    )
    carrier: str | None = strawberry.field(description="Postal delivery: the carrier (寄递企业).")
    tracking_number: str | None = strawberry.field(
        description="Postal delivery: the tracking number (邮件单号)."
    )
    delivered_at: datetime = strawberry.field(description="When it reached the applicant.")
    recorded_at: datetime = strawberry.field(description="When the delivery was recorded.")
    proof: DeliveryProof | None = strawberry.field(description="The uploaded proof, if any.")
    delivered_by: str = strawberry.field(description="The officer who recorded the delivery.")

    @classmethod
    def from_domain(cls, d: domain.Delivery | None, *, downloadable: bool) -> Delivery | None:
        if d is None:
            return None
        proof = d.proof
        return cls(
            method=DeliveryMethod(d.method),
            recipient=d.recipient_name,
            recipient_is_agent=d.recipient_is_agent,
            carrier=d.carrier,
            tracking_number=d.tracking_number,
            delivered_at=d.delivered_at,
            recorded_at=d.recorded_at,
            proof=None
            if proof is None
            else DeliveryProof(
                file_name=proof.file_name,
                content_type=proof.content_type,
                size=proof.size,
                sha256=proof.sha256,
                delivery_id=d.id,
                downloadable=downloadable,
            ),
            delivered_by=d.delivered_by_name,
        )


@strawberry.input(description="送达: how the result reached the applicant.")
class DeliveryInput:
    method: DeliveryMethod = strawberry.field(description="Window, post or electronic.")
    recipient_name: str | None = strawberry.field(
        default=None,
        description="Who collected it at the window or signed for the post (required for both); "
        "an electronic delivery goes to the applicant.",
    )
    recipient_is_agent: bool = strawberry.field(
        default=False, description="The recipient is an agent (代理人), not the applicant."
    )
    carrier: str | None = strawberry.field(
        default=None, description="Postal delivery (required): the carrier, e.g. 中国邮政EMS."
    )
    tracking_number: str | None = strawberry.field(
        default=None, description="Postal delivery (required): the tracking number."
    )
    delivered_at: datetime | None = strawberry.field(
        default=None,
        description="When it reached the applicant (with its zone); omitted: now. Never in the "
        "future, never before the decision; not given for an electronic delivery (sent now).",
    )
    proof: Upload | None = strawberry.field(
        default=None,
        description="Optional proof: the signed receipt scan or the post receipt (multipart "
        "request; PDF, JPEG, PNG or OFD).",
    )

    def to_domain(self, proof: domain.UploadedFile | None) -> domain.DeliveryInput:
        return domain.DeliveryInput(
            method=raw(self.method),
            recipient_name=self.recipient_name,
            recipient_is_agent=self.recipient_is_agent,
            carrier=self.carrier,
            tracking_number=self.tracking_number,
            delivered_at=self.delivered_at,
            proof=proof,
        )
