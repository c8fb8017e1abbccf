"""The yearly follow-up of a plan's collaboration initiatives (JSON, HTML, PDF) and the
experience bank; see :mod:`.build` for what they contain and :mod:`.router` for the routes."""
