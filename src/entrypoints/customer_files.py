"""Customer files of merged companies: CSV with a header row, or JSON Lines."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Mapping
from typing import Any, Literal

import msgspec

from funflights_core.customer_import import FIELDS
from funflights_core.errors import InvalidInput

FileFormat = Literal["csv", "jsonl"]
Line = tuple[int, Mapping[str, Any] | InvalidInput]


def customer_lines(text: str, file_format: FileFormat) -> Iterator[Line]:
    """Each line of the file with its line number, decoded, or why it cannot be."""
    return _csv_lines(text) if file_format == "csv" else _jsonl_lines(text)


def guess_format(name: str, content_type: str | None = None) -> FileFormat | None:
    """The format from a file name or a media type, if either says."""
    kind = (content_type or "").split(";")[0].strip().lower()
    if kind == "text/csv" or name.lower().endswith(".csv"):
        return "csv"
    if kind in ("application/jsonl", "application/x-ndjson", "application/x-jsonlines") or (
        name.lower().endswith((".jsonl", ".ndjson"))
    ):
        return "jsonl"
    return None


def _jsonl_lines(text: str) -> Iterator[Line]:
    decoder = msgspec.json.Decoder()
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            yield number, InvalidInput("line", "is empty")
            continue
        try:
            value = decoder.decode(line)
        except msgspec.DecodeError:
            yield number, InvalidInput("line", "is not valid JSON")
            continue
        if isinstance(value, dict):
            yield number, value
        else:
            yield number, InvalidInput("line", "is not a JSON object")


def _csv_lines(text: str) -> Iterator[Line]:
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None)
    if header is None:
        return
    names = [name.strip().lower() for name in header]
    unknown = sorted(set(names) - set(FIELDS))
    if unknown or len(set(names)) != len(names):
        problem = f"unknown column(s): {', '.join(unknown)}" if unknown else "a column is repeated"
        yield 1, InvalidInput("header", f"{problem}; columns are {', '.join(FIELDS)}")
        return
    for values in reader:
        number = reader.line_num
        if not any(value.strip() for value in values):
            continue  # a blank line in a CSV file is not a record
        if len(values) != len(names):
            yield number, InvalidInput("line", f"has {len(values)} values for {len(names)} columns")
            continue
        yield number, dict(zip(names, values, strict=True))
