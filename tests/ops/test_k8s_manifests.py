"""deploy/k8s: render both overlays with kustomize (kubectl's built-in one, or a standalone
`kustomize`), validate every object against a pinned Kubernetes version's schemas
(kubernetes-validate) and the custom resources against the vendored CRD schemas
(deploy/k8s/crds), then check what schemas cannot: ACLs, topics, references, probes."""

from __future__ import annotations

import copy
import functools
import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from samstat_kit.kafka import Topics
from tests.ops.metrics_inventory import ROOT

yaml = pytest.importorskip("yaml", reason="PyYAML not installed (a dev dependency: make install)")

K8S = ROOT / "deploy/k8s"
# Every overlay there is, each rendered and validated.
OVERLAYS = tuple(sorted(p.parent.name for p in (K8S / "overlays").glob("*/kustomization.yaml")))
# The Kubernetes minor version the manifests must be valid for (schemas shipped by
# kubernetes-validate; the same minor as the kubectl used here).
K8S_VERSION = "1.32"
CRDS = K8S / "crds"
STRIMZI_CLUSTER = "samstat-kafka"
HTTP_SERVICES = ("ingest", "indicators", "initiatives", "notify")
AGENCIES = [a["code"] for a in json.loads((ROOT / "schemas/codelists/agencies.json").read_text())]

Doc = dict[str, Any]


# --- rendering ----------------------------------------------------------------------------


@functools.cache
def renderer() -> list[str] | None:
    """`kustomize build` or `kubectl kustomize` (kustomize v4+ for `patches`/`labels`)."""
    if shutil.which("kustomize"):
        return ["kustomize", "build"]
    if shutil.which("kubectl"):
        run = subprocess.run(["kubectl", "version", "--client", "-o", "json"],
                             capture_output=True, text=True, timeout=30)
        if run.returncode == 0:
            version = json.loads(run.stdout).get("kustomizeVersion", "")
            m = re.match(r"v(\d+)", version)
            if m and int(m.group(1)) >= 4:
                return ["kubectl", "kustomize"]
    return None


@functools.cache
def render(path: str) -> tuple[Doc, ...]:
    cmd = renderer()
    if cmd is None:
        return tuple(raw_documents(K8S / path))
    run = subprocess.run([*cmd, str(K8S / path)], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    return tuple(d for d in yaml.safe_load_all(run.stdout) if d)


def raw_documents(directory: Path) -> list[Doc]:
    """Without kustomize: every resource file the kustomizations list, unpatched."""
    kustomization = yaml.safe_load((directory / "kustomization.yaml").read_text())
    docs: list[Doc] = []
    for entry in kustomization.get("resources", []):
        target = (directory / entry).resolve()
        if target.is_dir():
            docs += raw_documents(target)
        else:
            docs += [d for d in yaml.safe_load_all(target.read_text()) if d]
    labels = kustomization.get("generatorOptions", {}).get("labels", {})
    for gen in kustomization.get("configMapGenerator", []):
        docs.append({"apiVersion": "v1", "kind": "ConfigMap",
                     "metadata": {"name": gen["name"], "labels": dict(labels)},
                     "data": {f: (directory / f).read_text() for f in gen.get("files", [])}})
    return docs


def overlay(name: str) -> tuple[Doc, ...]:
    return render(f"overlays/{name}")


def of_kind(docs: tuple[Doc, ...], kind: str) -> list[Doc]:
    return [d for d in docs if d["kind"] == kind]


def named(docs: tuple[Doc, ...], kind: str, name: str) -> Doc:
    found = [d for d in of_kind(docs, kind) if d["metadata"]["name"] == name]
    assert len(found) == 1, f"{kind}/{name}: {len(found)} found"
    return found[0]


def extra_documents() -> list[Doc]:
    """Manifests outside the overlays: the secret templates and the on-demand replay Job."""
    docs = []
    for path in [*sorted((K8S / "secrets").glob("*.yaml")), *sorted((K8S / "jobs").glob("*.yaml"))]:
        if path.name != "kustomization.yaml":
            docs += [d for d in yaml.safe_load_all(path.read_text()) if d]
    return docs


def test_a_kustomize_renderer_is_available() -> None:
    # Not a skip: without one, the other tests fall back to the raw files (unpatched).
    if renderer() is None:
        pytest.xfail("neither kustomize nor kubectl (with kustomize v4+) installed: "
                     "validating the raw files, overlays unapplied")


@pytest.mark.parametrize("name", OVERLAYS)
def test_overlay_renders_into_one_namespace(name: str) -> None:
    docs = overlay(name)
    assert docs
    if renderer() is None:
        return
    namespaces = of_kind(docs, "Namespace")
    assert len(namespaces) == 1
    ns = namespaces[0]["metadata"]["name"]
    assert {d["metadata"].get("namespace") for d in docs if d["kind"] != "Namespace"} == {ns}


# --- schemas ------------------------------------------------------------------------------


@functools.cache
def crd_schemas() -> dict[tuple[str, str], Doc]:
    schemas = {}
    for path in sorted(CRDS.glob("*.yaml")):
        doc = yaml.safe_load(path.read_text())
        schemas[(f"{doc['group']}/{doc['version']}", doc["kind"])] = doc
    return schemas


def strict(schema: Any) -> Any:
    """Unknown fields are errors (kubectl's Strict field validation), except where the CRD
    keeps them (x-kubernetes-preserve-unknown-fields)."""
    if isinstance(schema, dict):
        out = {k: strict(v) for k, v in schema.items()}
        if ("properties" in out and "additionalProperties" not in out
                and not out.get("x-kubernetes-preserve-unknown-fields")):
            out["additionalProperties"] = False
        return out
    if isinstance(schema, list):
        return [strict(v) for v in schema]
    return schema


DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")


@functools.cache
def crd_validator(api_version: str, kind: str) -> Any:
    schema = strict(crd_schemas()[(api_version, kind)]["openAPIV3Schema"])
    return jsonschema.Draft202012Validator(schema)


@functools.cache
def core_validator(api_version: str, kind: str) -> Any:
    """kubernetes_validate.validate(doc, K8S_VERSION, strict=True), with the schemas loaded
    once (the library parses its 1.3 MB definitions file on every call)."""
    utils = pytest.importorskip(
        "kubernetes_validate.utils",
        reason="kubernetes-validate not installed (a dev dependency: make install)")
    from referencing import Registry, Resource

    version = [v for v in utils.all_versions()
               if utils.major_minor(v) <= K8S_VERSION][-1]
    folder = f"kubernetes-json-schema/v{version}-local-strict"
    group_version = re.sub(r"^([^./]*)(?:\.[^/]*)?/", r"\1-", api_version)
    try:
        schema = utils.schema_contents(f"{folder}/{kind.lower()}-{group_version}.json",
                                       K8S_VERSION)
    except FileNotFoundError:
        raise AssertionError(
            f"no Kubernetes {K8S_VERSION} schema for {api_version} {kind}") from None
    definitions = _definitions(folder)
    registry = Resource.from_contents(definitions) @ (Resource.from_contents(schema) @ Registry())
    return jsonschema.Draft202012Validator(schema, registry=registry)


@functools.cache
def _definitions(folder: str) -> Any:
    from kubernetes_validate import utils

    return utils.schema_contents(f"{folder}/_definitions.json", K8S_VERSION)


def validate(doc: Doc) -> None:
    key = (doc["apiVersion"], doc["kind"])
    if key in crd_schemas():
        name = doc["metadata"]["name"]
        assert len(name) <= 253 and DNS_SUBDOMAIN.match(name), f"bad name {name!r}"
        for k, v in (doc["metadata"].get("labels") or {}).items():
            assert isinstance(v, str) and len(v) <= 63, f"{name}: label {k}"
        crd_validator(*key).validate(doc)
        return
    core_validator(*key).validate(doc)


def test_core_validation_agrees_with_kubernetes_validate() -> None:
    kubernetes_validate = pytest.importorskip(
        "kubernetes_validate",
        reason="kubernetes-validate not installed (a dev dependency: make install)")

    for doc in overlay("prod")[:20]:
        if (doc["apiVersion"], doc["kind"]) not in crd_schemas():
            kubernetes_validate.validate(doc, K8S_VERSION, strict=True)
            validate(doc)
    bad = copy.deepcopy(named(overlay("prod"), "Deployment", "samstat-ingest"))
    bad["spec"]["replicaz"] = 2
    with pytest.raises(jsonschema.ValidationError):
        kubernetes_validate.validate(bad, K8S_VERSION, strict=True)
    with pytest.raises(jsonschema.ValidationError):
        validate(bad)


def label(doc: Doc) -> str:
    return f"{doc['kind']}/{doc['metadata']['name']}"


@pytest.mark.parametrize("name", OVERLAYS)
def test_every_object_is_valid(name: str) -> None:
    errors = []
    for doc in overlay(name):
        try:
            validate(doc)
        except Exception as exc:
            errors.append(f"{label(doc)}: {getattr(exc, 'message', exc)}")
    assert not errors, "\n".join(errors)


def test_secret_templates_and_jobs_are_valid() -> None:
    for doc in extra_documents():
        validate(doc)


def test_the_strict_crd_check_rejects_mistakes() -> None:
    topic = copy.deepcopy(named(overlay("prod"), "KafkaTopic", "samstat.registry"))
    topic["spec"]["partitionz"] = 3
    with pytest.raises(jsonschema.ValidationError):
        validate(topic)
    user = copy.deepcopy(named(overlay("prod"), "KafkaUser", "samstat-ingest"))
    user["spec"]["authorization"]["acls"][0]["operations"] = ["Wright"]
    with pytest.raises(jsonschema.ValidationError):
        validate(user)


def test_vendored_crd_schemas_cover_every_custom_resource() -> None:
    kinds = {(d["apiVersion"], d["kind"]) for n in OVERLAYS for d in overlay(n)
             if "." in d["apiVersion"].split("/")[0]
             and not d["apiVersion"].split("/")[0].endswith("k8s.io")}
    assert kinds <= set(crd_schemas()), kinds - set(crd_schemas())


# --- overlays and patches -----------------------------------------------------------------


def matches(target: Doc, doc: Doc) -> bool:
    group = doc["apiVersion"].split("/")[0] if "/" in doc["apiVersion"] else ""
    if "group" in target and target["group"] != group:
        return False
    if "kind" in target and target["kind"] != doc["kind"]:
        return False
    if "name" in target and target["name"] != doc["metadata"]["name"]:
        return False
    if "labelSelector" in target:
        labels = doc["metadata"].get("labels") or {}
        for term in target["labelSelector"].split(","):
            k, _, v = term.partition("=")
            if labels.get(k.strip()) != v.strip():
                return False
    return True


@pytest.mark.parametrize("name", OVERLAYS)
def test_every_overlay_patch_targets_an_existing_resource(name: str) -> None:
    kustomization = yaml.safe_load((K8S / "overlays" / name / "kustomization.yaml").read_text())
    base = render("base") if renderer() else tuple(raw_documents(K8S / "base"))
    for patch in kustomization.get("patches", []):
        target = patch["target"]
        assert any(matches(target, d) for d in base), f"{name}: nothing matches {target}"


# --- Kafka: topics, users, ACLs -----------------------------------------------------------


def config(docs: tuple[Doc, ...]) -> dict[str, str]:
    return dict(named(docs, "ConfigMap", "samstat-config")["data"])


@pytest.mark.parametrize("name", OVERLAYS)
def test_every_contract_topic_exists(name: str) -> None:
    docs = overlay(name)
    prefix = config(docs)["SAMSTAT_KAFKA_TOPIC_PREFIX"]
    topics = Topics(prefix)
    expected = {*topics.core(), *(topics.raw(code) for code in AGENCIES)}
    got = {d["spec"].get("topicName", d["metadata"]["name"]) for d in of_kind(docs, "KafkaTopic")}
    assert got == expected
    for topic in of_kind(docs, "KafkaTopic"):
        assert topic["metadata"]["labels"]["strimzi.io/cluster"] == STRIMZI_CLUSTER


@pytest.mark.parametrize("name", OVERLAYS)
def test_partitions_replicas_and_retention_fit_together(name: str) -> None:
    docs = overlay(name)
    cfg = config(docs)
    validated = named(docs, "KafkaTopic", "samstat.observations.validated")
    # The worker's tables and its repartition topic are co-partitioned with the validated topic.
    assert validated["spec"]["partitions"] == int(cfg["SAMSTAT_KAFKA_PARTITIONS"])
    assert named(docs, "KafkaTopic", "samstat.indicators.internal")["spec"]["partitions"] \
        == validated["spec"]["partitions"]
    # A worker beyond the partition count has nothing to do (see base/apps/worker.yaml).
    assert named(docs, "StatefulSet", "samstat-worker")["spec"]["replicas"] \
        <= validated["spec"]["partitions"]
    assert not any(h["spec"]["scaleTargetRef"]["name"] == "samstat-worker"
                   for h in of_kind(docs, "HorizontalPodAutoscaler"))
    # Keyed by area: never compacted; the registry is read as latest-per-key: compacted.
    assert validated["spec"]["config"]["cleanup.policy"] == "delete"
    assert named(docs, "KafkaTopic", "samstat.registry")["spec"]["config"]["cleanup.policy"] \
        == "compact"
    brokers = sum(p["spec"]["replicas"] for p in of_kind(docs, "KafkaNodePool")
                  if "broker" in p["spec"]["roles"])
    kafka_config = named(docs, "Kafka", STRIMZI_CLUSTER)["spec"]["kafka"]["config"]
    assert int(cfg["SAMSTAT_KAFKA_REPLICATION_FACTOR"]) <= brokers
    assert kafka_config["default.replication.factor"] <= brokers
    for topic in of_kind(docs, "KafkaTopic"):
        assert topic["spec"]["replicas"] <= brokers, label(topic)
        assert topic["spec"]["config"]["min.insync.replicas"] <= topic["spec"]["replicas"]
    for pool in of_kind(docs, "KafkaNodePool"):
        assert pool["metadata"]["labels"]["strimzi.io/cluster"] == STRIMZI_CLUSTER


def acls(docs: tuple[Doc, ...], user: str) -> list[Doc]:
    return list(named(docs, "KafkaUser", user)["spec"]["authorization"]["acls"])


def allows(docs: tuple[Doc, ...], user: str, operation: str, rtype: str, name: str) -> bool:
    for acl in acls(docs, user):
        if acl.get("type", "allow") != "allow":
            continue
        r = acl["resource"]
        if r["type"] != rtype:
            continue
        pattern = r.get("patternType", "literal")
        covers = (pattern == "literal" and r["name"] == name) or \
            (pattern == "prefix" and name.startswith(r["name"]))
        if covers and (operation in acl["operations"] or "All" in acl["operations"]):
            return True
    return False


def test_an_agency_may_write_only_its_own_raw_topic() -> None:
    docs = overlay("prod")
    users = {u["metadata"]["name"]: u for u in of_kind(docs, "KafkaUser")}
    for code in AGENCIES:
        user = users[f"agency-{code}"]
        assert user["spec"]["authentication"]["type"] == "scram-sha-512"
        assert acls(docs, f"agency-{code}") == [{
            "resource": {"type": "topic", "name": f"samstat.observations.raw.{code}",
                         "patternType": "literal"},
            "operations": ["Write", "Describe"]}]
        for other in AGENCIES:
            if other != code:
                assert not allows(docs, f"agency-{code}", "Write", "topic",
                                  f"samstat.observations.raw.{other}")
        for topic in Topics("samstat").core():
            assert not allows(docs, f"agency-{code}", "Write", "topic", topic)
            assert not allows(docs, f"agency-{code}", "Read", "topic", topic)
    # Nobody but ingest reads what agencies publish.
    readers = {u for u in users if any(
        allows(docs, u, "Read", "topic", f"samstat.observations.raw.{c}") for c in AGENCIES)}
    assert readers == {"samstat-ingest"}


# What each service does on Kafka (docs/contracts-internal.md and the code).
NEEDS = {
    "samstat-ingest": [
        ("Write", "topic", "samstat.observations.validated"),
        ("Write", "topic", "samstat.observations.deadletter"),
        ("Read", "topic", "samstat.observations.raw.kommun-2480"),
        ("Read", "group", "samstat-ingest-raw"),
        ("Describe", "topic", "samstat.indicator-values"),  # ensure_topics(core)
    ],
    "samstat-worker": [
        ("Read", "topic", "samstat.observations.validated"),
        ("Read", "topic", "samstat.registry"),
        ("Write", "topic", "samstat.indicator-values"),
        ("Write", "topic", "samstat.data-quality"),
        ("Read", "topic", "samstat.indicators.internal"),
        ("Write", "topic", "samstat.indicators.internal"),
        ("Read", "group", "samstat-indicators"),
        ("Create", "topic", "samstat-indicators-fye-days-changelog"),
        ("Write", "topic", "samstat-indicators-fye-days-changelog"),
        ("Describe", "topic", "samstat.observations.deadletter"),  # ensure_topics(core)
    ],
    "samstat-indicators": [
        ("Read", "topic", "samstat.indicator-values"),
        ("Read", "group", "samstat-indicators-readmodel"),
    ],
    "samstat-notify": [
        ("Read", "topic", "samstat.indicator-values"),
        ("Read", "topic", "samstat.data-quality"),
        ("Read", "topic", "samstat.registry"),
        ("Read", "group", "samstat-notify"),
    ],
    "samstat-initiatives": [("Write", "topic", "samstat.registry")],
    "samstat-lag-exporter": [
        ("Describe", "group", "samstat-indicators"),
        ("Describe", "group", "samstat-notify"),
        ("Describe", "topic", "samstat.observations.validated"),
    ],
}
# ...and what they must not.
MUST_NOT = {
    "samstat-indicators": [("Write", "topic", "samstat.indicator-values")],
    "samstat-notify": [("Write", "topic", "samstat.indicator-values"),
                       ("Write", "topic", "samstat.registry")],
    "samstat-initiatives": [("Read", "topic", "samstat.observations.validated")],
    "samstat-lag-exporter": [("Read", "topic", "samstat.observations.validated"),
                             ("Read", "group", "samstat-notify")],
    "samstat-worker": [("Write", "topic", "samstat.observations.validated")],
}


def test_service_users_have_what_they_need_and_no_more() -> None:
    docs = overlay("prod")
    for user, needs in NEEDS.items():
        for need in needs:
            assert allows(docs, user, *need), f"{user} lacks {need}"
    for user, forbidden in MUST_NOT.items():
        for op in forbidden:
            assert not allows(docs, user, *op), f"{user} may {op}"
    for kafka_user in of_kind(docs, "KafkaUser"):
        assert kafka_user["spec"]["authentication"]["type"] == "scram-sha-512"
        for acl in kafka_user["spec"]["authorization"]["acls"]:
            assert "All" not in acl["operations"], label(kafka_user)
            assert acl["resource"]["type"] != "cluster", label(kafka_user)


def test_kafka_listeners_authenticate_and_authorize() -> None:
    kafka = named(overlay("prod"), "Kafka", STRIMZI_CLUSTER)
    assert kafka["metadata"]["annotations"]["strimzi.io/kraft"] == "enabled"
    assert kafka["spec"]["kafka"]["authorization"]["type"] == "simple"
    for listener in kafka["spec"]["kafka"]["listeners"]:
        assert listener["tls"] is True
        assert listener["authentication"]["type"] == "scram-sha-512"
    assert kafka["spec"]["kafka"]["config"]["auto.create.topics.enable"] is False


# --- workloads ----------------------------------------------------------------------------


def pod_specs(docs: tuple[Doc, ...]) -> list[tuple[Doc, Doc]]:
    return [(d, d["spec"]["template"]["spec"]) for d in docs
            if d["kind"] in ("Deployment", "StatefulSet", "Job")] + \
        [(d, d["spec"]["jobTemplate"]["spec"]["template"]["spec"]) for d in docs
         if d["kind"] == "CronJob"]


def env_value(container: Doc, name: str) -> Any:
    for e in container.get("env", []):
        if e["name"] == name:
            return e.get("value", e.get("valueFrom"))
    return None


@pytest.mark.parametrize("name", OVERLAYS)
def test_deployments_run_the_right_commands_with_probes_and_limits(name: str) -> None:
    docs = overlay(name)
    for svc in HTTP_SERVICES:
        dep = named(docs, "Deployment", f"samstat-{svc}")
        c = dep["spec"]["template"]["spec"]["containers"][0]
        assert c["args"][:2] == ["serve", svc]
        assert c["args"][c["args"].index("--host") + 1] == "0.0.0.0"
        assert c["readinessProbe"]["httpGet"]["path"] == "/healthz"
        assert c["livenessProbe"]["httpGet"]["path"]
        assert env_value(c, "SAMSTAT_KAFKA_SASL_USERNAME") == f"samstat-{svc}"
        # a moment to leave the endpoints before the port closes, inside the grace period
        wait = int(c["lifecycle"]["preStop"]["exec"]["command"][1])
        assert 0 < wait < dep["spec"]["template"]["spec"]["terminationGracePeriodSeconds"] - 10
        assert env_value(c, "SAMSTAT_DATABASE_URL")["secretKeyRef"]["name"] == "samstat-database"
        hpa = named(docs, "HorizontalPodAutoscaler", f"samstat-{svc}")
        assert hpa["spec"]["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment",
                                                 "name": f"samstat-{svc}"}
    worker = named(docs, "StatefulSet", "samstat-worker")["spec"]["template"]["spec"]
    assert worker["containers"][0]["args"] == ["worker"]
    assert config(docs)["SAMSTAT_WORKER_WEB_HOST"] == "0.0.0.0"
    assert config(docs)["SAMSTAT_ENV"] == "prod"
    job = named(docs, "Job", "samstat-migrate")["spec"]["template"]["spec"]
    assert job["containers"][0]["args"] == ["migrate"]
    # The nightly privacy audit, whose figures ingest shows and two alerts read
    audit = named(docs, "CronJob", "samstat-privacy-audit")["spec"]
    assert audit["concurrencyPolicy"] == "Forbid"
    [c] = audit["jobTemplate"]["spec"]["template"]["spec"]["containers"]
    assert c["args"][:2] == ["privacy", "audit"]
    assert c["image"].split("/")[-1].split(":")[0] == "samstat"  # the lean image
    assert env_value(c, "SAMSTAT_DATABASE_URL")["secretKeyRef"]["name"] == "samstat-database"
    for doc, spec in pod_specs(docs):
        assert spec["securityContext"]["runAsNonRoot"] is True, label(doc)
        for c in spec["containers"]:
            assert c["resources"]["requests"]["memory"], label(doc)
            assert c["resources"]["limits"]["memory"], label(doc)
            assert c["securityContext"]["allowPrivilegeEscalation"] is False, label(doc)
            if doc["kind"] in ("Deployment", "StatefulSet"):
                assert "readinessProbe" in c and "livenessProbe" in c, label(doc)
            if doc["metadata"]["name"] != "samstat-postgres":
                assert c["securityContext"]["readOnlyRootFilesystem"] is True, label(doc)
                # (unrendered, the image is still the base's placeholder name); only the
                # initiatives service, which prints PDFs, runs the image with a browser
                image = "samstat-report" if doc["metadata"]["name"] == "samstat-initiatives" \
                    else "samstat"
                assert c["image"].startswith(f"registry.example.org/samstat/{image}:") or \
                    (renderer() is None and c["image"] == image), label(doc)


@pytest.mark.parametrize("name", OVERLAYS)
def test_the_worker_keeps_its_tables_on_a_volume_of_its_own(name: str) -> None:
    """Standbys save a rebuild only with a store that keeps its changelog offset (rocksdb://),
    and a replica that is replaced keeps that store only on a claim of its own (a
    volumeClaimTemplate); the root filesystem is read-only, so the store must live there."""
    docs = overlay(name)
    worker = named(docs, "StatefulSet", "samstat-worker")
    spec = worker["spec"]["template"]["spec"]
    c = spec["containers"][0]
    assert env_value(c, "SAMSTAT_WORKER_STORE") == "rocksdb://"
    standbys = env_value(c, "SAMSTAT_WORKER_STANDBY_REPLICAS") \
        or config(docs).get("SAMSTAT_WORKER_STANDBY_REPLICAS")
    assert standbys is None or int(standbys) >= 1  # None: the setting's default, 1
    assert c["securityContext"]["readOnlyRootFilesystem"] is True
    data_dir = env_value(c, "SAMSTAT_DATA_DIR")  # faust's directory is <data dir>/faust/<app>
    assert env_value(c, "APP_DATADIR") is None  # faust would let it override that directory
    mounts = [m for m in c["volumeMounts"]
              if Path(data_dir).is_relative_to(m["mountPath"]) and not m.get("readOnly")]
    assert len(mounts) == 1, c["volumeMounts"]
    claims = {t["metadata"]["name"]: t["spec"] for t in worker["spec"]["volumeClaimTemplates"]}
    assert mounts[0]["name"] in claims
    assert mounts[0]["name"] not in {v["name"] for v in spec.get("volumes", [])}
    assert claims[mounts[0]["name"]]["accessModes"] == ["ReadWriteOnce"]
    assert claims[mounts[0]["name"]]["resources"]["requests"]["storage"]
    # Writable for the image's user (a volume's files belong to the pod's fsGroup).
    assert spec["securityContext"]["fsGroup"] == spec["securityContext"]["runAsGroup"]
    # The governing Service exists, and no Deployment of the worker is left beside it.
    assert named(docs, "Service", worker["spec"]["serviceName"])["spec"]["clusterIP"] == "None"
    assert not [d for d in of_kind(docs, "Deployment")
                if d["metadata"]["name"] == "samstat-worker"]


def selects(selector: dict[str, str], labels: dict[str, str]) -> bool:
    return all(labels.get(k) == v for k, v in selector.items())


@pytest.mark.parametrize("name", OVERLAYS)
def test_services_budgets_and_monitors_point_at_something(name: str) -> None:
    docs = overlay(name)
    pods = [(d["spec"]["template"]["metadata"]["labels"], d["spec"]["template"]["spec"])
            for d in docs if d["kind"] in ("Deployment", "StatefulSet")]
    for svc in of_kind(docs, "Service"):
        matching = [spec for labels, spec in pods if selects(svc["spec"]["selector"], labels)]
        assert matching, label(svc)
        ports = {p["name"] for spec in matching for c in spec["containers"]
                 for p in c.get("ports", [])}
        for port in svc["spec"]["ports"]:
            assert port["targetPort"] in ports, f"{label(svc)}: {port['targetPort']}"
    for pdb in of_kind(docs, "PodDisruptionBudget"):
        assert any(selects(pdb["spec"]["selector"]["matchLabels"], labels)
                   for labels, _ in pods), label(pdb)
    jobs = set()
    for sm in of_kind(docs, "ServiceMonitor"):
        services = [s for s in of_kind(docs, "Service")
                    if selects(sm["spec"]["selector"]["matchLabels"], s["metadata"]["labels"])]
        assert len(services) == 1, label(sm)
        port_names = {p["name"] for p in services[0]["spec"]["ports"]}
        assert all(e["port"] in port_names for e in sm["spec"]["endpoints"]), label(sm)
        # Keep the application's `service` label (see servicemonitors.yaml).
        assert all(e.get("honorLabels") is True for e in sm["spec"]["endpoints"]), label(sm)
        jobs.add(services[0]["metadata"]["labels"][sm["spec"]["jobLabel"]])
    # The job names the alert rules expect.
    assert jobs == {*HTTP_SERVICES, "worker", "lag-exporter"}


@pytest.mark.parametrize("name", OVERLAYS)
def test_agencies_from_outside_reach_only_ingest(name: str) -> None:
    docs = overlay(name)
    policies = of_kind(docs, "NetworkPolicy")
    deny = [p for p in policies if p["spec"]["podSelector"] == {} and not p["spec"].get("ingress")]
    assert deny and "Ingress" in deny[0]["spec"]["policyTypes"]
    for policy in policies:
        for rule in policy["spec"].get("ingress", []):
            for peer in rule.get("from", []):
                ns = (peer.get("namespaceSelector") or {}).get("matchLabels", {})
                if ns.get("kubernetes.io/metadata.name") == "ingress-nginx":
                    assert policy["spec"]["podSelector"]["matchLabels"] == {
                        "app.kubernetes.io/name": "samstat",
                        "app.kubernetes.io/component": "ingest"}
                    assert [p["port"] for p in rule["ports"]] == [8001]
                assert "ipBlock" not in peer, label(policy)
    ingresses = of_kind(docs, "Ingress")
    backends = {p["backend"]["service"]["name"] for i in ingresses
                for r in i["spec"]["rules"] for p in r["http"]["paths"]}
    assert backends == {"samstat-ingest"}
    paths = {p["path"] for i in ingresses for r in i["spec"]["rules"] for p in r["http"]["paths"]}
    assert not any(p.startswith(("/metrics", "/healthz")) or p == "/" for p in paths)


@pytest.mark.parametrize("name", OVERLAYS)
def test_every_referenced_secret_and_configmap_is_provided(name: str) -> None:
    docs = overlay(name)
    templates = {d["metadata"]["name"] for d in extra_documents() if d["kind"] == "Secret"}
    made_by_strimzi = {u["metadata"]["name"] for u in of_kind(docs, "KafkaUser")} | {
        f"{STRIMZI_CLUSTER}-cluster-ca-cert"}
    tls = {t["secretName"] for i in of_kind(docs, "Ingress") for t in i["spec"].get("tls", [])}
    rendered = {d["metadata"]["name"] for d in of_kind(docs, "Secret")}
    available = templates | made_by_strimzi | tls | rendered
    configmaps = {d["metadata"]["name"] for d in of_kind(docs, "ConfigMap")}
    text = json.dumps([spec for _, spec in pod_specs(docs)])
    for ref in re.findall(r'"secretKeyRef": \{[^}]*"name": "([^"]+)"', text) + \
            re.findall(r'"secretRef": \{"name": "([^"]+)"', text) + \
            re.findall(r'"secretName": "([^"]+)"', text):
        assert ref in available, ref
    for ref in re.findall(r'"configMapRef": \{"name": "([^"]+)"', text):
        assert ref in configmaps, ref


def test_no_real_secrets_are_shipped() -> None:
    assert of_kind(overlay("prod"), "Secret") == [], "prod must not render placeholder Secrets"
    for secret in [d for d in extra_documents() if d["kind"] == "Secret"]:
        for key, value in secret.get("stringData", {}).items():
            if re.search(r"password|url|token", key, re.I):
                assert "CHANGE-ME" in value, f"{label(secret)}: {key}"
        assert "data" not in secret, label(secret)


# --- monitoring ---------------------------------------------------------------------------


def test_prometheusrule_embeds_the_tested_rule_file() -> None:
    rules = yaml.safe_load((ROOT / "deploy/prometheus/rules/samstat.rules.yml").read_text())
    rule = named(overlay("prod"), "PrometheusRule", "samstat")
    assert rule["spec"]["groups"] == rules["groups"], \
        "out of sync: run .venv/bin/python tests/ops/render_prometheusrule.py"


@pytest.mark.parametrize("name", OVERLAYS)
def test_runbook_links_follow_the_overlays_base(name: str) -> None:
    docs = overlay(name)
    base = named(docs, "ConfigMap", "samstat-config")["data"]["SAMSTAT_RUNBOOK_BASE_URL"]
    urls = [r["annotations"]["runbook_url"]
            for g in named(docs, "PrometheusRule", "samstat")["spec"]["groups"]
            for r in g["rules"] if "alert" in r]
    assert urls and all(u.startswith(base + "#") for u in urls), (base, urls)


def test_an_overlay_sets_the_runbook_base_in_one_place(tmp_path: Path) -> None:
    if renderer() is None:
        pytest.skip("needs kustomize (or kubectl with kustomize v4+)")
    base = "https://docs.example.net/samstat/blob/v2/docs/operations.md"
    (tmp_path / "kustomization.yaml").write_text(yaml.safe_dump({
        "apiVersion": "kustomize.config.k8s.io/v1beta1", "kind": "Kustomization",
        # kustomize takes no absolute paths: relative ones from the test's own directory.
        "resources": [os.path.relpath(K8S / "overlays/prod", tmp_path)],
        "configMapGenerator": [{"name": "samstat-config", "behavior": "merge",
                                "options": {"disableNameSuffixHash": True},
                                "literals": [f"SAMSTAT_RUNBOOK_BASE_URL={base}"]}],
        "components": [os.path.relpath(K8S / "components/runbook-links", tmp_path)],
    }))
    run = subprocess.run([*renderer(), str(tmp_path)], capture_output=True, text=True,
                         timeout=120)
    assert run.returncode == 0, run.stderr
    docs = [d for d in yaml.safe_load_all(run.stdout) if d]
    rule = next(d for d in docs if d["kind"] == "PrometheusRule")
    urls = [r["annotations"]["runbook_url"] for g in rule["spec"]["groups"]
            for r in g["rules"] if "alert" in r]
    anchors = [u.partition("#")[2] for u in urls]
    assert urls == [f"{base}#{a}" for a in anchors] and all(anchors)


def test_dashboards_ship_as_a_configmap() -> None:
    cm = named(overlay("prod"), "ConfigMap", "samstat-grafana-dashboards")
    assert cm["metadata"]["labels"]["grafana_dashboard"] == "1"
    for path in sorted((ROOT / "deploy/grafana").glob("*.json")):
        assert json.loads(cm["data"][path.name]) == json.loads(path.read_text())


# --- the image ----------------------------------------------------------------------------


def test_dockerfile_builds_non_root_images_for_every_entrypoint() -> None:
    text = (ROOT / "deploy/Dockerfile").read_text()
    stages = re.findall(r"^FROM\s+(\S+)(?:\s+AS\s+(\S+))?", text, re.M)
    names = {name for _, name in stages}
    # Every stage starts from the slim Python image or from an earlier stage of this file;
    # the last (default) stage is the lean services' image, the report image a named target.
    assert stages and all(base == "python:3.11-slim" or base in names for base, _ in stages)
    assert stages[-1][1] == "services" and "report" in names
    users = re.findall(r"^USER\s+(\S+)", text, re.M)
    assert users and users[-1].split(":")[0].isdigit() and users[-1].split(":")[0] != "0"
    assert re.search(r'^ENTRYPOINT \["samstat"\]', text, re.M)
    for needed in ("samstat", "samstat_kit", "services", "schemas"):
        assert re.search(rf"^COPY {needed} ", text, re.M), needed
    assert not re.search(r"^ADD\s", text, re.M)
    assert not re.search(r"(PASSWORD|SECRET|TOKEN)\s*=", text)
    # The uid the manifests run as is the image's.
    uid = int(users[-1].split(":")[0])
    for doc, spec in pod_specs(overlay("prod")):
        if doc["metadata"]["name"] != "samstat-postgres":
            assert spec["securityContext"]["runAsUser"] == uid, label(doc)
