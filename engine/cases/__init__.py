"""Ruleset tests: YAML cases written beside a ruleset (input rows and the lines or totals they
should give), read (``model``), run through the real pipeline and compared (``run``,
``compare``), by ``localpay test`` and by pytest (``pytest_plugin``)."""
