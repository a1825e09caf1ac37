"""The demo catalogue (``matters.toml``): about ten matters people actually ask about, each with
its first version. It is data, so it lives in a data file; decoding it into ``MatterSpec`` checks
every field's name and type at import, as the structs would in code."""

from __future__ import annotations

from pathlib import Path

import msgspec

from tongban.bundles.types import BundleSpec
from tongban.catalogue.types import MatterSpec


class DemoMatter(msgspec.Struct, frozen=True):
    """A matter's code and its first version. Departments are named by their codes here;
    loading puts in their ids."""

    code: str
    spec: MatterSpec

    @property
    def name(self) -> str:
        return self.spec.name


class _Catalogue(msgspec.Struct, frozen=True):
    matter: list[DemoMatter]


MATTERS: list[DemoMatter] = msgspec.toml.decode(
    Path(__file__).with_name("matters.toml").read_bytes(), type=_Catalogue
).matter


class DemoBundle(msgspec.Struct, frozen=True):
    """一件事一次办: a bundle's code and its first version (departments by code)."""

    code: str
    spec: BundleSpec


class _Bundles(msgspec.Struct, frozen=True):
    bundle: list[DemoBundle]


BUNDLES: list[DemoBundle] = msgspec.toml.decode(
    Path(__file__).with_name("bundles.toml").read_bytes(), type=_Bundles
).bundle
