"""Plans, initiatives, indicators, contacts and their audit log."""
