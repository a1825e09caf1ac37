"""Storing an application's uploaded materials: the bytes in the blob store, a row per file.

Its own module because submission, supplements and owed materials (容缺) all store files, and
the modules of those actions import each other's neighbours: kept here, it imports none of them.
"""

from __future__ import annotations

from datetime import datetime

import asyncpg

from tongban.blobs import BlobStore
from tongban.cases import material_repository as material_repo
from tongban.cases.files import safe_filename
from tongban.cases.types import UploadedFile
from tongban.catalogue.types import MatterSpec


async def store_materials(
    conn: asyncpg.Connection,
    blobs: BlobStore,
    case_id: str,
    files: list[UploadedFile],
    phase: str,
    spec: MatterSpec,
    at: datetime,
) -> None:
    names = {m.code: m.name for m in spec.materials}
    for f in files:
        key = await blobs.put(f.data)
        await material_repo.insert_material(
            conn,
            case_id=case_id,
            material_code=f.material_code,
            name=safe_filename(f.filename) or names.get(f.material_code or "", "material"),
            size=len(f.data),
            content_type=f.content_type,
            sha256=key,
            blob_key=key,
            phase=phase,
            at=at,
        )
