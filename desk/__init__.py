"""绩效目标表 desk: offline editor for budget performance-target tables."""

__version__ = "0.1.0"
