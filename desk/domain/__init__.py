"""Domain layer: plain objects, value parsing, checks. No Qt, no SQL."""
