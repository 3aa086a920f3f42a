"""Payment statements: each provider and commissioner's month built from the payment lines
(``document``), and a run's outputs written beside them (``writing``): the lines, the
exceptions, the workings, the manifest and the statements in HTML, Markdown and JSON."""
