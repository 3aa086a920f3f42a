"""The contract schedule: each arrangement's terms gathered through the
``localpay_schedule_sections`` hook (``sections``), laid out as one document with the local
variations and the expected contract value (``document``), and written as HTML, Markdown, JSON
and PDF (``writing``)."""
