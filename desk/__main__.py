from desk.cli import entry

raise SystemExit(entry())
