"""Example rulesets per area and year (package data): ``<area>/<year>.yaml``."""
