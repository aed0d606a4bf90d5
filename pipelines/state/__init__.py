"""State kept in SQLite files: one way to open them, and the stores of the refresh queue and the
failed-push pages (the inbox, ledger and limiter live with the packages that own them)."""
