"""A loaded, validated ruleset: what every later stage reads."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .models import Arrangement, Party, Period, RulesetDocument, Settings
from .source import Source

if TYPE_CHECKING:
    # for the types only: the plugin contract and the rules both import the ruleset, so the
    # ruleset cannot import them back. ``options`` are the very ``PaymentOption``s the ruleset
    # was loaded with; ``rulebook`` is its compiled ``rules:`` block.
    from ..plugin_contract import PaymentOption
    from ..rules.model import Rule, RuleBook


@dataclass(frozen=True)
class Ruleset:
    path: Path
    document: RulesetDocument
    arrangements: tuple[Arrangement, ...]
    options: dict[str, PaymentOption]
    source: Source = field(repr=False)
    rulebook: RuleBook | None = field(default=None, repr=False)

    @property
    def rules(self) -> tuple[Rule, ...]:
        return self.rulebook.rules if self.rulebook else ()

    @property
    def settings(self) -> Settings:
        return self.document.settings

    @property
    def period(self) -> Period:
        return self.document.period

    @property
    def providers(self) -> dict[str, Party]:
        return {p.code: p for p in self.document.parties.providers}

    @property
    def commissioners(self) -> dict[str, Party]:
        return {p.code: p for p in self.document.parties.commissioners}

    @property
    def sha256(self) -> str:
        """One hash over the YAML and every table file it names, in a fixed order."""
        digest = hashlib.sha256()
        for name in sorted(self.source.files):
            digest.update(Path(name).name.encode() + b"\0" + self.source.files[name] + b"\0")
        return digest.hexdigest()

    def file_hashes(self) -> dict[str, str]:
        return {name: hashlib.sha256(data).hexdigest() for name, data in sorted(self.source.files.items())}

    def option_of(self, arrangement: Arrangement) -> PaymentOption:
        return self.options[arrangement.option]

    def arrangement(self, arrangement_id: str) -> Arrangement:
        for arrangement in self.arrangements:
            if arrangement.id == arrangement_id:
                return arrangement
        raise KeyError(arrangement_id)
