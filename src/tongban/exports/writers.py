"""Writing a table as CSV or XLSX without holding the file in memory.

CSV is UTF-8 with a byte-order mark: without it Excel (the program most recipients open a
download with) reads UTF-8 as the local ANSI code page and shows the Chinese as mojibake.

XLSX goes through XlsxWriter in ``constant_memory`` mode: each row is flushed to a temporary
file as it is written, so memory stays flat whatever the row count. An XLSX file is a zip whose
directory comes last, so it cannot be sent before its last row is written: it is built on disk,
then streamed from there in chunks (and the temporary file removed)."""

from __future__ import annotations

import asyncio
import contextlib
import csv
import io
import os
import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from datetime import date
from pathlib import Path

import xlsxwriter

from tongban.exports.types import Cell, Format, Table

CHUNK = 64 * 1024
MEDIA_TYPES: dict[Format, str] = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
Progress = Callable[[int], Awaitable[None]]


def _text(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


async def csv_chunks(table: Table) -> AsyncIterator[bytes]:
    """The table as CSV, one chunk per page of rows."""
    async for chunk in csv_pages([c.title for c in table.columns], table.pages):
        yield chunk


async def csv_pages(
    header: Sequence[str], pages: AsyncIterator[Sequence[Sequence[Cell]]]
) -> AsyncIterator[bytes]:
    """A header and pages of rows as CSV (after the BOM), one chunk per page."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")
    writer.writerow(header)
    async for rows in pages:
        writer.writerows([_text(v) for v in row] for row in rows)
        yield buffer.getvalue().encode()
        buffer.seek(0)
        buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue().encode()


async def _write_csv(table: Table, path: Path, progress: Progress | None) -> None:
    with path.open("wb") as out:
        async for chunk in csv_chunks(_counting(table, progress, [0])):
            out.write(chunk)


def _counting(table: Table, progress: Progress | None, done: list[int]) -> Table:
    """The same table, reporting the rows handed out so far after each page."""

    async def pages() -> AsyncIterator[list[tuple[Cell, ...]]]:
        async for rows in table.pages:
            yield rows
            done[0] += len(rows)
            if progress is not None:
                await progress(done[0])

    return Table(name=table.name, columns=table.columns, pages=pages(), total=table.total)


async def _write_xlsx(table: Table, path: Path, progress: Progress | None) -> None:
    book = xlsxwriter.Workbook(
        str(path),
        {"constant_memory": True, "tmpdir": str(path.parent), "strings_to_numbers": False},
    )
    try:
        sheet = book.add_worksheet(table.name[:31])
        bold = book.add_format({"bold": True})
        day = book.add_format({"num_format": "yyyy-mm-dd"})
        sheet.write_row(0, 0, [c.title for c in table.columns], bold)
        line = 1
        async for rows in _counting(table, progress, [0]).pages:
            for row in rows:
                for col, value in enumerate(row):
                    if isinstance(value, date):
                        sheet.write_datetime(line, col, value, day)
                    elif value is not None:
                        # write_string: an ID number or a case number stays text, never a
                        # number in scientific notation.
                        if isinstance(value, str):
                            sheet.write_string(line, col, value)
                        else:
                            sheet.write_number(line, col, value)
                line += 1
    finally:
        await asyncio.to_thread(book.close)


async def write_file(
    table: Table, format: Format, path: Path, progress: Progress | None = None
) -> None:
    """Write the table to ``path``; ``progress`` hears the rows written after each page."""
    if format == "csv":
        await _write_csv(table, path, progress)
    else:
        await _write_xlsx(table, path, progress)


def scratch_file(directory: str | None, suffix: str) -> Path:
    handle, name = tempfile.mkstemp(prefix="tongban-export-", suffix=suffix, dir=directory)
    os.close(handle)
    return Path(name)


async def file_chunks(path: Path) -> AsyncIterator[bytes]:
    """The file in chunks, then removed (also when the client goes away half-way)."""
    try:
        with path.open("rb") as source:
            while chunk := await asyncio.to_thread(source.read, CHUNK):
                yield chunk
    finally:
        with contextlib.suppress(OSError):
            os.unlink(path)


async def xlsx_chunks(table: Table, directory: str | None = None) -> AsyncIterator[bytes]:
    path = scratch_file(directory, ".xlsx")
    try:
        await _write_xlsx(table, path, None)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(path)
        raise
    async for chunk in file_chunks(path):
        yield chunk
