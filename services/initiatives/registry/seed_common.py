"""Agency codes and helpers shared by the 2024 seed data modules."""

from __future__ import annotations

FK = "forsakringskassan"
AF = "arbetsformedlingen"
KV = "kriminalvarden"
REGION = "region-vasterbotten"
SF = "samordningsforbundet"
UMEA = "kommun-2480"
MEMBER_AREAS = ["2480", "2460", "2404", "2409", "2401", "2403"]
KOMMUNERNA = [f"kommun-{code}" for code in MEMBER_AREAS]
"""The six member municipalities ("kommunerna")."""


def lines(*items: str) -> str:
    """Bullet points of the document, one per line."""
    return "\n".join(items)
