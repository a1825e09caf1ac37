"""GraphQL: the files of a case — uploaded materials — and their signed download links."""

from __future__ import annotations

import time
from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from tongban.api.context import Info
from tongban.api.enums import MaterialPhase
from tongban.api.node import Node
from tongban.cases import downloads
from tongban.cases import types as domain

if TYPE_CHECKING:
    from tongban.api.licences import Licence


def download_url(
    info: Info, file_id: strawberry.ID, *, downloadable: bool, kind: downloads.FileKind
) -> str | None:
    """A file's signed link, or None for a viewer who may not download it."""
    if not downloadable:
        return None
    principal = info.context.principal
    # An officer's link names them: the download (no token) is recorded against them.
    by = principal.officer_id or "" if principal.is_officer else ""
    # A link expires in real time (browsers and proxies), not on the platform clock.
    return downloads.signed_path(
        info.context.settings, str(file_id), now=time.time(), kind=kind, by=by
    )


@strawberry.type(description="An uploaded material, with its fingerprint.")
class Material(Node):
    id: strawberry.ID = strawberry.field(description="Stable identifier.")
    material_code: str | None = strawberry.field(description="The required material it satisfies.")
    name: str = strawberry.field(description="File name.")
    size: int = strawberry.field(description="Size in bytes.")
    content_type: str = strawberry.field(description="MIME type.")
    sha256: str = strawberry.field(description="SHA-256 of the content.")
    phase: MaterialPhase = strawberry.field(description="With the application or a supplement.")
    uploaded_at: datetime = strawberry.field(description="When it was uploaded.")
    downloadable: strawberry.Private[bool]
    licence_id: strawberry.Private[str | None]

    @strawberry.field(
        description="免提交: the electronic licence linked instead of an upload (null for an "
        "uploaded file); its document is this material's download."
    )
    async def licence(
        self, info: Info
    ) -> Annotated[Licence, strawberry.lazy("tongban.api.licences")] | None:
        if self.licence_id is None:
            return None
        # Imported here: tongban.api.licences imports this module for its download links.
        from tongban.api.licences import Licence, licence_by_id, today_of

        found = await licence_by_id(info, self.licence_id)
        if found is None:
            return None
        holder = info.context.principal.applicant_id == found.holder_applicant_id
        return Licence.from_domain(
            found, today=today_of(info), holder=holder, downloadable=self.downloadable
        )

    @strawberry.field(
        description="A short-lived signed link (a path on the API's origin) that downloads the "
        "file without a token; null unless you are the applicant or work on the case."
    )
    def download_url(self, info: Info) -> str | None:
        return download_url(info, self.id, downloadable=self.downloadable, kind="material")


def materials(found: list[domain.Material], *, downloadable: bool) -> list[Material]:
    return [
        Material(
            id=strawberry.ID(m.id),
            material_code=m.material_code,
            name=m.name,
            size=m.size,
            content_type=m.content_type,
            sha256=m.sha256,
            phase=MaterialPhase(m.phase),
            uploaded_at=m.uploaded_at,
            downloadable=downloadable,
            licence_id=m.licence_id,
        )
        for m in found
    ]
