"""Closed value sets shared by inputs and outputs: one vocabulary for the front ends."""

from __future__ import annotations

from enum import Enum

import strawberry


@strawberry.enum(description="Applicant kind.")
class ApplicantKind(Enum):
    PERSON = strawberry.enum_value("person", description="A natural person (resident ID number).")
    ORGANISATION = strawberry.enum_value(
        "organisation", description="An organisation (unified social credit code)."
    )


@strawberry.enum(description="A notice channel.")
class Channel(Enum):
    SMS = strawberry.enum_value("sms", description="Text message.")
    EMAIL = strawberry.enum_value("email", description="E-mail.")


@strawberry.enum(description="The decision on a case.")
class DecisionKind(Enum):
    APPROVED = strawberry.enum_value("approved", description="准予.")
    APPROVED_DEFERRED = strawberry.enum_value(
        "approved_deferred", description="容缺: approved, materials to follow."
    )
    DENIED = strawberry.enum_value("denied", description="不予.")


@strawberry.enum(description="When a material came in.")
class MaterialPhase(Enum):
    SUBMISSION = strawberry.enum_value("submission", description="With the application.")
    SUPPLEMENT = strawberry.enum_value("supplement", description="With a supplement (补正).")
