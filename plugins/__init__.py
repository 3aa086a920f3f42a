"""The built-in payment options, one package each. Each registers through the same hooks a third
party uses, and imports from localpay only what a third party can: ``localpay`` and
``localpay.plugin``."""
