"""plots/report.py's parts: one module per concern (see each module's opening line)."""
