"""samstat_http_request_seconds, which the HTTP panels and SamstatDatabaseUnavailable read:
every answer counted by its route's template and status class."""

from __future__ import annotations

from fastapi.testclient import TestClient
from prometheus_client import REGISTRY
from sqlalchemy import create_engine
from sqlalchemy.orm import sessionmaker

from samstat_kit.http import create_service_app


def count(route: str, status: str) -> float:
    return REGISTRY.get_sample_value("samstat_http_request_seconds_count", {
        "service": "probe-metrics", "route": route, "status": status}) or 0.0


def test_an_unhandled_error_is_counted_as_5xx() -> None:
    engine = create_engine("sqlite://")
    app = create_service_app("probe-metrics", title="probe",
                             factory=sessionmaker(engine))

    @app.get("/v1/broken/{item}")
    def broken(item: str) -> None:
        raise RuntimeError(f"a bug with {item}")

    before = count("/v1/broken/{item}", "5xx")
    client = TestClient(app, raise_server_exceptions=False)
    assert client.get("/v1/broken/one").status_code == 500
    engine.dispose()
    # The 500 the client got, not a request that left no trace.
    assert count("/v1/broken/{item}", "5xx") == before + 1
