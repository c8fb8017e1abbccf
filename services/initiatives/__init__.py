"""The initiatives service: the registry of collaboration initiatives and their indicators."""
