"""A loaded, validated ruleset: what every later stage reads."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from .models import Arrangement, Party, RulesetDocument
from .source import Source


class Option(Protocol):
    """What loading a ruleset needs of a payment option: the model its arrangement blocks are
    validated by, and its checks across arrangements, if any. A ``localpay.PaymentOption`` is
    one, and ``Ruleset.option_of`` hands back the very option the ruleset was loaded with."""

    @property
    def parameters(self) -> type[Arrangement]: ...

    @property
    def check(self) -> Callable[[list[tuple[int, Arrangement]], Ruleset], list[tuple[tuple, str]]] | None: ...


class Rules(Protocol):
    """What the ruleset reads of its compiled ``rules:`` block (``localpay.rules.model.RuleBook``)."""

    @property
    def rules(self) -> tuple: ...


@dataclass(frozen=True)
class Ruleset:
    path: Path
    document: RulesetDocument
    arrangements: tuple[Arrangement, ...]
    options: dict[str, Option]
    source: Source = field(repr=False)
    rulebook: Rules | None = field(default=None, repr=False)

    @property
    def rules(self) -> tuple:
        return self.rulebook.rules if self.rulebook else ()

    @property
    def settings(self):
        return self.document.settings

    @property
    def period(self):
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

    def option_of(self, arrangement: Arrangement) -> Option:
        return self.options[arrangement.option]

    def arrangement(self, arrangement_id: str) -> Arrangement:
        for arrangement in self.arrangements:
            if arrangement.id == arrangement_id:
                return arrangement
        raise KeyError(arrangement_id)
