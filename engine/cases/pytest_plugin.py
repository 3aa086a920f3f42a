"""pytest collects ruleset tests: each ``*.tests.yaml`` file is a test file and each of its cases
a test, run against the ruleset beside it (``2025-26.tests.yaml`` -> ``2025-26.yaml``).

Registered through the ``pytest11`` entry point, so it loads in every pytest session where
localpay is installed: the case files' model, the pipeline (and durable-rules with it) and the
plugins are imported only once such a file is found, inside the functions below (the package's
own root, with its hook specifications, loads with this module).
"""

from __future__ import annotations

from functools import cached_property

import pytest

from ..errors import LocalpayError

SUFFIX = ".tests.yaml"


def pytest_collect_file(file_path, parent):
    # only a tests file with its ruleset beside it: another project's *.tests.yaml is left alone
    if file_path.name.endswith(SUFFIX) and file_path.with_name(file_path.name.removesuffix(SUFFIX) + ".yaml").is_file():
        return RulesetTestsFile.from_parent(parent, path=file_path)
    return None


class CaseFailed(Exception):
    """A case's expectations were not met; the message is the diff."""


def _plain(excinfo, fallback):
    if excinfo.errisinstance((CaseFailed, LocalpayError)):
        return str(excinfo.value)  # the diff or the located problem, never a traceback
    return fallback(excinfo)


class RulesetTestsFile(pytest.File):
    def collect(self):
        from .model import load_cases  # deferred, as every import below: see the module's docstring

        for located in load_cases(self.path, self.plugins.input_tables):
            yield RulesetCaseItem.from_parent(self, name=located.case.name, located=located)

    @cached_property
    def plugins(self):
        from ..manager import make_plugins

        return make_plugins()

    @cached_property
    def ruleset(self):
        from ..ruleset.load import load_ruleset
        from .run import ruleset_for

        return load_ruleset(ruleset_for(self.path), self.plugins.options, self.plugins.vocabulary,
                            self.plugins.input_columns)

    def repr_failure(self, excinfo):
        return _plain(excinfo, super().repr_failure)


class RulesetCaseItem(pytest.Item):
    def __init__(self, *, located, **kwargs):
        super().__init__(**kwargs)
        self.located = located

    def runtest(self) -> None:
        from .run import run_case

        tests_file = self.parent
        assert isinstance(tests_file, RulesetTestsFile)  # a case is collected from its tests file only
        result = run_case(tests_file.ruleset, tests_file.plugins, self.located)
        if not result.passed:
            raise CaseFailed(result.diff)

    def repr_failure(self, excinfo):
        return _plain(excinfo, super().repr_failure)

    def reportinfo(self):
        line = self.located.line - 1 if self.located.line else None
        return self.path, line, f"ruleset case: {self.name}"
