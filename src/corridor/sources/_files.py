"""Describing the files of one release: several files that share a publisher, a page, a licence
and a date differ only in key, mirror path and size, so they are written as a table."""

from __future__ import annotations

from collections.abc import Iterable

from corridor.sources.base import FileSpec, ceiling


def release_files(
    files: Iterable[tuple[str, str, int | None]],
    *,
    url: str,
    publisher: str,
    licence: str = FileSpec.licence,
    published: str | None = None,
) -> tuple[FileSpec, ...]:
    """One FileSpec per (key, mirror path, data rows as published: None for the default
    ceiling), all with the release's url, publisher, licence and date."""
    return tuple(
        FileSpec(
            key=key,
            mirror_path=path,
            url=url,
            publisher=publisher,
            licence=licence,
            published=published,
            max_rows=None if rows is None else ceiling(rows),
        )
        for key, path, rows in files
    )
