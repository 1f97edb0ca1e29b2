"""Interchange: JSON, Excel import, merge. Pure functions over domain objects."""
