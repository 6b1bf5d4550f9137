"""deploy/kubernetes: every rendered manifest validates strictly, and SPEC §14's invariants hold."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.deploy.conftest import Manifest, kubernetes_validate, of_kind

SERVICES = {"intake": 8001, "backoffice": 8002, "notifier": 8003}
PUBLIC_PATHS = {"/v1", "/console", "/schema"}
SECRET_NAMES = {"DATABASE_URL", "JWT_SECRET", "JWT_PUBLIC_KEY", "METRICS_TOKEN", "REDIS_URL"}
CLOSE_TIMEOUT_SECONDS = 10  # NOTIFIER_CLOSE_TIMEOUT_SECONDS' default


def pod_specs(manifests: list[Manifest]) -> dict[str, dict[str, Any]]:
    """The pod template of every Deployment and Job, by workload name."""
    return {
        m["metadata"]["name"]: m["spec"]["template"]["spec"]
        for m in manifests
        if m["kind"] in ("Deployment", "Job")
    }


def test_every_manifest_validates_strictly(rendered_text: str, tmp_path: Path) -> None:
    path = tmp_path / "rendered.yaml"
    path.write_text(rendered_text, encoding="utf-8")
    result = kubernetes_validate(path)
    assert result.returncode == 0, result.stdout + result.stderr


def test_strict_validation_rejects_an_unknown_field(rendered_text: str, tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text(
        rendered_text.replace("maxUnavailable: 1\n", "maxUnavailable: 1\n  maxUnavaliable: 1\n"),
        encoding="utf-8",
    )
    result = kubernetes_validate(path)
    assert result.returncode != 0
    assert "maxUnavaliable" in result.stdout + result.stderr


def test_one_deployment_per_service_running_the_one_image(manifests: list[Manifest]) -> None:
    deployments = of_kind(manifests, "Deployment")
    assert set(deployments) == set(SERVICES)
    for name, port in SERVICES.items():
        (container,) = deployments[name]["spec"]["template"]["spec"]["containers"]
        assert container["command"] == ["inquiries", "serve", name]
        assert container["image"] == "registry.example.com/sales-inquiries:0.1.0"
        assert container["ports"] == [{"name": "http", "containerPort": port}]
        assert deployments[name]["spec"]["replicas"] >= 2


def test_every_container_has_probes_and_resources(manifests: list[Manifest]) -> None:
    for name, deployment in of_kind(manifests, "Deployment").items():
        for container in deployment["spec"]["template"]["spec"]["containers"]:
            for probe in ("readinessProbe", "livenessProbe"):
                http = container[probe]["httpGet"]
                assert http["path"].startswith("/health/"), (name, probe)
                assert http["port"] == "http"
            assert container["livenessProbe"]["httpGet"]["path"] == "/health/live"
            # Readiness drains on SIGTERM (SPEC §14): it must be the endpoint that does.
            assert container["readinessProbe"]["httpGet"]["path"] == "/health/ready", name
            for bound in ("requests", "limits"):
                assert set(container["resources"][bound]) == {"cpu", "memory"}, (name, bound)
    notifier = of_kind(manifests, "Deployment")["notifier"]["spec"]["template"]["spec"]
    assert notifier["containers"][0]["readinessProbe"]["httpGet"]["path"] == "/health/ready"


def test_every_pod_runs_as_non_root_without_privileges(manifests: list[Manifest]) -> None:
    specs = pod_specs(manifests)
    assert set(specs) == {*SERVICES, "migrate"}
    for name, spec in specs.items():
        assert spec["securityContext"]["runAsNonRoot"] is True, name
        assert spec["securityContext"]["runAsUser"] == 10001, "the image's USER"
        assert spec["automountServiceAccountToken"] is False, name
        for container in spec["containers"]:
            context = container["securityContext"]
            assert context["runAsNonRoot"] is True
            assert context["allowPrivilegeEscalation"] is False
            assert context["readOnlyRootFilesystem"] is True
            assert context["capabilities"] == {"drop": ["ALL"]}


def test_no_secret_values_only_references(manifests: list[Manifest]) -> None:
    assert of_kind(manifests, "Secret") == {}
    (config,) = of_kind(manifests, "ConfigMap").values()
    assert not (SECRET_NAMES - {"REDIS_URL"}) & set(config["data"])
    for name, spec in pod_specs(manifests).items():
        for container in spec["containers"]:
            for variable in container.get("env", []):
                assert "value" not in variable, f"{name}: {variable['name']} holds a literal"
                reference = variable["valueFrom"]["secretKeyRef"]
                assert reference["name"] == "inquiries-secrets"
                assert reference["key"] == variable["name"]
                assert variable["name"] in SECRET_NAMES


def test_each_workload_gets_the_secrets_it_needs_and_no_more(manifests: list[Manifest]) -> None:
    def required(spec: dict[str, Any]) -> set[str]:
        env = spec["containers"][0].get("env", [])
        return {v["name"] for v in env if not v["valueFrom"]["secretKeyRef"].get("optional")}

    specs = pod_specs(manifests)
    assert required(specs["intake"]) == {"DATABASE_URL", "JWT_SECRET"}
    assert required(specs["backoffice"]) == {"DATABASE_URL", "JWT_SECRET"}
    assert required(specs["notifier"]) == {"JWT_SECRET"}
    assert required(specs["migrate"]) == {"DATABASE_URL"}


def test_pre_stop_pause_and_a_grace_period_that_covers_the_drain(
    manifests: list[Manifest],
) -> None:
    for name, spec in pod_specs(manifests).items():
        if name == "migrate":
            continue
        pause = spec["containers"][0]["lifecycle"]["preStop"]["sleep"]["seconds"]
        assert pause >= 3, "endpoints need a moment to drop the pod"
        drain = 2 * CLOSE_TIMEOUT_SECONDS if name == "notifier" else 10
        assert spec["terminationGracePeriodSeconds"] >= pause + drain, name


def test_a_disruption_budget_and_an_autoscaler_per_service(manifests: list[Manifest]) -> None:
    deployments = of_kind(manifests, "Deployment")
    budgets = of_kind(manifests, "PodDisruptionBudget")
    autoscalers = of_kind(manifests, "HorizontalPodAutoscaler")
    for name, deployment in deployments.items():
        pod_labels = deployment["spec"]["template"]["metadata"]["labels"]
        selector = budgets[name]["spec"]["selector"]["matchLabels"]
        assert selector.items() <= pod_labels.items(), name
        assert budgets[name]["spec"]["maxUnavailable"] == 1
        target = autoscalers[name]["spec"]["scaleTargetRef"]
        assert (target["kind"], target["name"]) == ("Deployment", name)
        assert autoscalers[name]["spec"]["minReplicas"] >= 2, "one pod may be disrupted"
        assert autoscalers[name]["spec"]["maxReplicas"] > autoscalers[name]["spec"]["minReplicas"]


def test_services_route_to_their_pods(manifests: list[Manifest]) -> None:
    deployments = of_kind(manifests, "Deployment")
    for name, service in of_kind(manifests, "Service").items():
        pod_labels = deployments[name]["spec"]["template"]["metadata"]["labels"]
        assert service["spec"]["selector"].items() <= pod_labels.items()
        assert service["spec"].get("type", "ClusterIP") == "ClusterIP", "reached via the Ingress"
        assert service["spec"]["ports"] == [
            {"name": "http", "port": SERVICES[name], "targetPort": "http"}
        ]


def test_the_ingress_exposes_v1_console_and_schema_never_metrics(
    manifests: list[Manifest],
) -> None:
    routes: set[tuple[str, str]] = set()
    services = of_kind(manifests, "Service")
    for ingress in of_kind(manifests, "Ingress").values():
        for rule in ingress["spec"]["rules"]:
            for path in rule["http"]["paths"]:
                assert path["path"] in PUBLIC_PATHS, path["path"]
                assert path["pathType"] == "Prefix"
                backend = path["backend"]["service"]
                assert backend["name"] in services
                assert backend["port"] == {"name": "http"}
                routes.add((backend["name"], path["path"]))
    assert routes == {
        ("intake", "/v1"),
        ("intake", "/schema"),
        ("backoffice", "/v1"),
        ("backoffice", "/console"),
        ("backoffice", "/schema"),
        ("notifier", "/v1"),
    }


def test_migration_job_runs_once_per_release(manifests: list[Manifest]) -> None:
    # The README applies it alone first: `kubectl apply -k ... -l <the label below>`.
    selected = [
        (m["kind"], m["metadata"]["name"])
        for m in manifests
        if m["metadata"].get("labels", {}).get("app.kubernetes.io/component") == "migrate"
    ]
    assert selected == [("Job", "migrate")]
    job = of_kind(manifests, "Job")["migrate"]
    assert job["spec"]["parallelism"] == 1
    assert job["spec"]["template"]["spec"]["restartPolicy"] == "Never"
    container = job["spec"]["template"]["spec"]["containers"][0]
    assert container["command"] == ["inquiries", "migrate"]


def test_the_overlay_chooses_redis(manifests: list[Manifest], overlay: str) -> None:
    (config,) = of_kind(manifests, "ConfigMap").values()
    assert config["data"]["REDIS_CLUSTER"] == {"single-redis": "0", "redis-cluster": "1"}[overlay]
    assert config["data"]["REDIS_URL"].startswith("redis://")
    for name, spec in pod_specs(manifests).items():
        if name != "migrate":
            (source,) = spec["containers"][0]["envFrom"]
            assert source["configMapRef"]["name"] == config["metadata"]["name"]
