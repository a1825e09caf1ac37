"""Arguments several fields take, declared once so they read and document the same everywhere."""

from __future__ import annotations

from typing import Annotated

import strawberry

CaseNumber = Annotated[str, strawberry.argument(description="Case number.")]
MatterCode = Annotated[str, strawberry.argument(description="Matter code.")]
RegionCode = Annotated[str, strawberry.argument(description="Region code.")]
