"""The example operations in graphql/operations are valid against the schema the code serves."""

from pathlib import Path

import pytest
from graphql import parse, validate

from tongban.api.schema import schema

OPERATIONS = sorted(
    (Path(__file__).resolve().parents[2] / "graphql" / "operations").glob("*.graphql")
)


def test_there_are_example_operations_for_every_audience() -> None:
    assert {p.stem for p in OPERATIONS} >= {"applicant", "officer", "catalogue", "admin"}


@pytest.mark.parametrize("path", OPERATIONS, ids=lambda p: p.name)
def test_every_example_operation_is_valid(path: Path) -> None:
    document = parse(path.read_text(encoding="utf-8"))
    errors = validate(schema._schema, document)
    assert [e.message for e in errors] == []
