"""docs/output-format.md's tables are held against the engine's output schema (_core.schema()).

The schema (sim/engine/include/powershift/engine/schema.hpp) is the one definition of what a run
records; the doc is written by hand. Every variable, its dimensions and its type, every event
column and every auxiliary coordinate must appear in the doc exactly as the schema has them, and
the doc must name nothing the schema lacks.
"""

import re
from pathlib import Path

import pytest

DOC = Path(__file__).resolve().parents[2] / "docs" / "output-format.md"


def section(text: str, heading: str) -> str:
    start = text.index(f"## {heading}\n")
    end = text.find("\n## ", start + 1)
    return text[start:end if end >= 0 else len(text)]


def table_rows(block: str) -> list[list[str]]:
    rows = []
    for line in block.splitlines():
        if line.startswith("|") and not line.startswith("|---"):
            rows.append([cell.strip() for cell in line.strip().strip("|").split("|")])
    return rows[1:]  # without the header


def names_in(cell: str) -> list[str]:
    return re.findall(r"`([a-z_]+)`", cell)


@pytest.fixture(scope="module")
def schema(ps):
    return ps._core.schema()


@pytest.fixture(scope="module")
def doc() -> str:
    return DOC.read_text(encoding="utf-8")


def test_every_variable_is_documented_with_its_dimensions_and_type(schema, doc):
    documented = {}
    for row in table_rows(section(doc, "Variables")):
        dims = tuple(d.strip() for d in row[1].split(","))
        for name in names_in(row[0]):
            documented[name] = (dims, row[2])
    expected = {v["name"]: (tuple(v["dims"]), v["dtype"]) for v in schema["variables"]}
    assert documented == expected


def test_every_event_column_is_documented(schema, doc):
    documented = set()
    for row in table_rows(section(doc, "Events")):
        documented.update(names_in(row[0]))
    expected = {c["name"] for c in schema["event_columns"]} | {"event"}
    assert documented == expected


def test_event_kinds_are_documented_with_their_codes(schema, doc):
    kinds_row = next(row for row in table_rows(section(doc, "Events")) if "`event_kind`" in row[0])
    documented = {int(code): name for code, name in re.findall(r"(\d+) `([a-z_]+)`", kinds_row[1])}
    assert documented == {int(k): v for k, v in schema["event_kinds"].items()}


def test_auxiliary_coordinates_are_documented_with_their_dimensions(schema, doc):
    dims_block = section(doc, "Dimensions and coordinates")
    paragraph = dims_block[dims_block.index("Auxiliary coordinates:"):].split("\n\n")[0]
    documented = {}
    pending = []
    for token in re.findall(r"`([a-z_]+)`|\(([a-z]+)\)", paragraph):
        name, dim = token
        if name:
            pending.append(name)
        else:
            for n in pending:
                documented[n] = dim
            pending = []
    assert documented == {a["name"]: a["dim"] for a in schema["aux_coordinates"]}
