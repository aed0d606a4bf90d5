"""The options `report` and `export` share: which month, which department, where to write, and
`--json` for the summary line."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

MonthOption = Annotated[str, typer.Option("--month", help="The month, YYYY-MM.")]
DeptOption = Annotated[
    int | None, typer.Option("--dept", help="Only the members of this department id.")
]
OutOption = Annotated[
    Path | None,
    typer.Option("--out", help="Where to write (default: the data dir's reports/<month>/)."),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print the summary as one JSON object.")]
