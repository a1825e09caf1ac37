"""Who sees which case, as SQL: lists are filtered in the database, so they stay fast and a
case a viewer may not see never reaches Python."""

from __future__ import annotations

from typing import Any

from tongban.auth.types import Principal


class ViewerSql:
    """SQL fragments for one viewer, adding their parameters to a shared list."""

    def __init__(self, principal: Principal, params: list[Any], alias: str = "c") -> None:
        self.principal = principal
        self.params = params
        self.alias = alias

    def _p(self, value: Any) -> str:
        self.params.append(value)
        return f"${len(self.params)}"

    def _not_officer(self) -> str | None:
        """The whole condition for a viewer who is no officer (an applicant's own cases, or
        none); None for an officer."""
        p = self.principal
        if p.is_applicant:
            return f"({self.alias}.applicant_id = {self._p(p.applicant_id)}::uuid)"
        return None if p.is_officer else "FALSE"

    def _department_reach(self, department: str) -> list[str]:
        """The cases the officer's department handles or reviews."""
        c = self.alias
        return [
            f"{c}.handling_department_id = {department}::uuid",
            f"EXISTS (SELECT 1 FROM review_task vt WHERE vt.case_id = {c}.id"
            f" AND vt.department_id = {department}::uuid)",
        ]

    def visible(self) -> str:
        outside = self._not_officer()
        if outside is not None:
            return outside
        c, p = self.alias, self.principal
        clearance = f"{c}.confidentiality <= {self._p(p.clearance)}"
        region = self._p(p.region_code)
        reach = [
            # Whoever filed a case sees it (a district window filing for one of its townships).
            f"{c}.submitted_by = {self._p(p.subject)}",
            f"{c}.receiving_region = {region}",
            *self._department_reach(self._p(p.department_id)),
        ]
        if p.has_role("head", "supervisor", "admin"):
            # Heads, supervisors and administrators oversee their region and every region
            # below it — a city's administrator no other city, the province's all of them.
            reach.append(f"{c}.receiving_lineage @> ARRAY[{region}]::text[]")
            reach.append(f"{c}.handling_lineage @> ARRAY[{region}]::text[]")
        return f"({clearance} AND ({' OR '.join(reach)}))"

    def involved(self) -> str:
        """Whether the viewer works on the case: only then personal data is shown unmasked."""
        outside = self._not_officer()
        if outside is not None:
            return outside
        c, p = self.alias, self.principal
        parts = self._department_reach(self._p(p.department_id))
        if p.has_role("intake"):
            parts.append(f"{c}.receiving_region = {self._p(p.region_code)}")
            parts.append(f"{c}.submitted_by = {self._p(p.subject)}")
        return f"({' OR '.join(parts)})"
