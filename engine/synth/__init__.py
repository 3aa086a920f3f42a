"""Synthetic data shaped like a real trust's: episodes and assessments (``episodes``,
``assessments``), the national shape they follow (``shape``), each example area's own services
(``areas``), and the budgets, returns and population files the options read (``tables``)."""
