"""Where uploaded materials live: a small interface, a filesystem store for development.

Keys are content addresses (SHA-256), so storing the same file twice — a retried upload — is
harmless, and a file stored by a transaction that then rolled back is merely unreferenced.
An S3-compatible store implements the same two methods.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import shutil
from pathlib import Path
from typing import Protocol


class BlobStore(Protocol):
    async def put(self, data: bytes) -> str:
        """Store ``data``; return its key."""
        ...

    async def get(self, key: str) -> bytes: ...

    async def put_file(self, path: Path) -> str:
        """Store the file at ``path`` (read in chunks, never whole in memory); return its key."""
        ...


def content_key(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class FilesystemBlobStore:
    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        return self.root / key[:2] / key[2:4] / key

    async def put(self, data: bytes) -> str:
        key = content_key(data)
        path = self._path(key)
        if not path.exists():
            await asyncio.to_thread(self._write, path, data)
        return key

    @staticmethod
    def _write(path: Path, data: bytes) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_bytes(data)
        os.replace(tmp, path)  # atomic: a reader never sees half a file

    async def get(self, key: str) -> bytes:
        return await asyncio.to_thread(self._path(key).read_bytes)

    async def put_file(self, path: Path) -> str:
        return await asyncio.to_thread(self._copy, Path(path))

    def _copy(self, source: Path) -> str:
        digest = hashlib.sha256()
        with source.open("rb") as f:
            while chunk := f.read(1 << 20):
                digest.update(chunk)
        key = digest.hexdigest()
        path = self._path(key)
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(f".{os.getpid()}.tmp")
            shutil.copyfile(source, tmp)
            os.replace(tmp, path)
        return key
