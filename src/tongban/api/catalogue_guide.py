"""GraphQL types and inputs of the matter guide (办事指南), public like the rest of a version."""

from __future__ import annotations

import strawberry

from tongban.api.convert import raw
from tongban.api.enums import ApplicationChannelKind, GuideResultType
from tongban.catalogue import guide as rules
from tongban.catalogue import types as domain


@strawberry.type(description="A law, regulation or normative document and the article relied on.")
class LegalBasis:
    law: str = strawberry.field(description="Title, e.g. 《中华人民共和国公司法》.")
    article: str = strawberry.field(description="Article(s), e.g. 第二十九条; may be empty.")

    @classmethod
    def from_domain(cls, b: domain.LegalBasis) -> LegalBasis:
        return cls(law=b.law, article=b.article)


@strawberry.type(description="A way to apply (办理渠道).")
class ApplicationChannel:
    kind: ApplicationChannelKind = strawberry.field(description="Online, window or post.")
    url: str = strawberry.field(description="Where to apply online (online channels).")
    address: str = strawberry.field(description="Window or mailing address.")
    hours: str = strawberry.field(description="Opening hours of a window.")
    note: str = strawberry.field(description="Anything else the applicant should know.")


@strawberry.type(description="One processing step (办理流程), in order.")
class ProcessStep:
    name: str = strawberry.field(description="Step name, e.g. 受理.")
    description: str = strawberry.field(description="What happens in this step.")


@strawberry.type(description="One fee item (收费项目).")
class FeeItem:
    name: str = strawberry.field(description="What is charged for, e.g. 证件工本费.")
    amount_fen: int | None = strawberry.field(
        description="Fixed amount in fen (分); null when the fee follows a formula."
    )
    formula: str = strawberry.field(description="How the amount is reckoned, when not fixed.")
    display: str = strawberry.field(description="The amount as shown, e.g. ¥20.00, or the formula.")
    legal_basis: LegalBasis = strawberry.field(description="The law that provides for the fee.")


@strawberry.type(description="Fees (收费标准): free, or the items charged.")
class MatterFees:
    free: bool = strawberry.field(description="No fee at all (不收费).")
    items: list[FeeItem] = strawberry.field(description="The items charged; empty when free.")
    display: str = strawberry.field(description="One line: 免费, or the items and amounts.")


@strawberry.type(description="What the applicant receives (办理结果).")
class GuideResult:
    type: GuideResultType = strawberry.field(description="Licence, certificate, approval …")
    name: str = strawberry.field(description="The result's name, e.g. 营业执照.")


@strawberry.type(description="The matter guide (办事指南) of one version of a matter.")
class MatterGuide:
    legal_basis: list[LegalBasis] = strawberry.field(description="设定依据 and 实施依据.")
    conditions: list[str] = strawberry.field(description="受理条件, one per entry.")
    channels: list[ApplicationChannel] = strawberry.field(description="Where and how to apply.")
    steps: list[ProcessStep] = strawberry.field(description="Processing steps in order.")
    fees: MatterFees = strawberry.field(description="Fees, or free.")
    consultation_phone: str = strawberry.field(description="咨询电话.")
    complaint_phone: str = strawberry.field(description="监督投诉电话.")
    result: GuideResult = strawberry.field(description="办理结果.")

    @classmethod
    def from_domain(cls, g: domain.MatterGuide) -> MatterGuide:
        return cls(
            legal_basis=[LegalBasis.from_domain(b) for b in g.legal_basis],
            conditions=list(g.conditions),
            channels=[
                ApplicationChannel(
                    kind=ApplicationChannelKind(c.kind),
                    url=c.url,
                    address=c.address,
                    hours=c.hours,
                    note=c.note,
                )
                for c in g.channels
            ],
            steps=[ProcessStep(name=s.name, description=s.description) for s in g.steps],
            fees=MatterFees(
                free=g.fees.free,
                items=[
                    FeeItem(
                        name=i.name,
                        amount_fen=i.amount_fen,
                        formula=i.formula,
                        display=rules.fee_display(i),
                        legal_basis=LegalBasis.from_domain(i.legal_basis),
                    )
                    for i in g.fees.items
                ],
                display=rules.fees_display(g.fees),
            ),
            consultation_phone=g.consultation_phone,
            complaint_phone=g.complaint_phone,
            result=GuideResult(type=GuideResultType(g.result.type), name=g.result.name),
        )


@strawberry.input(description="A law or regulation and the article relied on.")
class LegalBasisInput:
    law: str = strawberry.field(description="Title of the law or regulation.")
    article: str = strawberry.field(default="", description="Article(s).")

    def to_domain(self) -> domain.LegalBasis:
        return domain.LegalBasis(law=self.law, article=self.article)


@strawberry.input(description="A way to apply.")
class ApplicationChannelInput:
    kind: ApplicationChannelKind = strawberry.field(description="Online, window or post.")
    url: str = strawberry.field(default="", description="https:// address (online).")
    address: str = strawberry.field(default="", description="Address (window, post).")
    hours: str = strawberry.field(default="", description="Opening hours (window).")
    note: str = strawberry.field(default="", description="Anything else.")


@strawberry.input(description="One processing step.")
class ProcessStepInput:
    name: str = strawberry.field(description="Step name.")
    description: str = strawberry.field(default="", description="What happens.")


@strawberry.input(description="One fee item: an amount in fen or a formula, and its basis.")
class FeeItemInput:
    name: str = strawberry.field(description="What is charged for.")
    amount_fen: int | None = strawberry.field(default=None, description="Amount in fen.")
    formula: str = strawberry.field(default="", description="How the amount is reckoned.")
    legal_basis: LegalBasisInput = strawberry.field(description="The law providing for it.")


@strawberry.input(description="Fees: free with no items, or the items charged.")
class MatterFeesInput:
    free: bool = strawberry.field(default=False, description="No fee at all.")
    items: list[FeeItemInput] = strawberry.field(
        default_factory=list, description="Items charged; none when free."
    )


@strawberry.input(description="What the applicant receives.")
class GuideResultInput:
    type: GuideResultType = strawberry.field(description="Licence, certificate, approval …")
    name: str = strawberry.field(description="The result's name.")


@strawberry.input(description="The matter guide (办事指南) of a version.")
class MatterGuideInput:
    legal_basis: list[LegalBasisInput] = strawberry.field(description="Legal basis.")
    conditions: list[str] = strawberry.field(description="受理条件, one per entry.")
    channels: list[ApplicationChannelInput] = strawberry.field(description="Ways to apply.")
    steps: list[ProcessStepInput] = strawberry.field(description="Processing steps in order.")
    fees: MatterFeesInput = strawberry.field(description="Fees, or free.")
    consultation_phone: str = strawberry.field(description="咨询电话.")
    complaint_phone: str = strawberry.field(description="监督投诉电话.")
    result: GuideResultInput = strawberry.field(description="办理结果.")

    def to_domain(self) -> domain.MatterGuide:
        return domain.MatterGuide(
            legal_basis=tuple(b.to_domain() for b in self.legal_basis),
            conditions=tuple(self.conditions),
            channels=tuple(
                domain.ApplicationChannel(
                    kind=raw(c.kind), url=c.url, address=c.address, hours=c.hours, note=c.note
                )
                for c in self.channels
            ),
            steps=tuple(
                domain.ProcessStep(name=s.name, description=s.description) for s in self.steps
            ),
            fees=domain.Fees(
                free=self.fees.free,
                items=tuple(
                    domain.FeeItem(
                        name=i.name,
                        amount_fen=i.amount_fen,
                        formula=i.formula,
                        legal_basis=i.legal_basis.to_domain(),
                    )
                    for i in self.fees.items
                ),
            ),
            consultation_phone=self.consultation_phone,
            complaint_phone=self.complaint_phone,
            result=domain.GuideResult(type=raw(self.result.type), name=self.result.name),
        )
