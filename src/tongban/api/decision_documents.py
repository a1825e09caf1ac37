"""GraphQL: the signed decision document (决定书) of a decided case."""

from __future__ import annotations

from datetime import datetime

import strawberry

from tongban.api.context import Info
from tongban.api.materials import download_url
from tongban.cases import types as domain


@strawberry.type(
    description="The signed decision document (决定书), as uploaded with the decision."
)
class DecisionDocument:
    id: strawberry.ID = strawberry.field(description="Stable identifier.")
    file_name: str = strawberry.field(description="File name.")
    content_type: str = strawberry.field(description="MIME type (application/pdf).")
    size: int = strawberry.field(description="Size in bytes.")
    sha256: str = strawberry.field(description="SHA-256 of the content.")
    uploaded_at: datetime = strawberry.field(description="When it was uploaded.")
    downloadable: strawberry.Private[bool]

    @strawberry.field(
        description="A short-lived signed link (a path on the API's origin) that downloads the "
        "document without a token; null unless you are the applicant or work on the case."
    )
    def download_url(self, info: Info) -> str | None:
        return download_url(info, self.id, downloadable=self.downloadable, kind="decision")

    @classmethod
    def from_domain(
        cls, document: domain.DecisionDocument | None, *, downloadable: bool
    ) -> DecisionDocument | None:
        if document is None:
            return None
        return cls(
            id=strawberry.ID(document.id),
            file_name=document.file_name,
            content_type=document.content_type,
            size=document.size,
            sha256=document.sha256,
            uploaded_at=document.uploaded_at,
            downloadable=downloadable,
        )
