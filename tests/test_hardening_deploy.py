"""Deployment files: Kubernetes manifests valid against the API schema and safe by policy; the
Dockerfile and gunicorn settings as production needs them (the image itself is built and run by
../shared/tools/container-check, not here)."""

from __future__ import annotations

import re
import runpy
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
K8S = ROOT / "deploy" / "kubernetes"
KUBERNETES_VERSIONS = ("1.32", "1.37")


def _resources() -> list[dict]:
    yaml = pytest.importorskip("yaml", reason="PyYAML comes with kubernetes-validate")
    out = []
    for path in sorted(K8S.glob("*.yaml")):
        out.extend(doc for doc in yaml.safe_load_all(path.read_text()) if doc)
    return out


def _by_kind(kind: str) -> dict:
    return next(r for r in _resources() if r["kind"] == kind)


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
def test_manifests_validate_against_the_kubernetes_schema(version):
    kv = pytest.importorskip(
        "kubernetes_validate", reason="kubernetes-validate is not installed (requirements-dev)"
    )
    resources = _resources()
    assert {r["kind"] for r in resources} >= {
        "Deployment",
        "Service",
        "HorizontalPodAutoscaler",
        "ConfigMap",
    }
    for resource in resources:
        kv.validate(resource, version, strict=True)


def test_deployment_runs_read_only_and_non_root_with_tmpfs_tmp():
    pod = _by_kind("Deployment")["spec"]["template"]["spec"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    (container,) = pod["containers"]
    sc = container["securityContext"]
    assert sc["readOnlyRootFilesystem"] is True
    assert sc["allowPrivilegeEscalation"] is False
    assert sc["capabilities"]["drop"] == ["ALL"]
    mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
    tmp = next(v for v in pod["volumes"] if v["name"] == mounts["/tmp"])
    assert tmp["emptyDir"]["medium"] == "Memory"


def test_deployment_probes_use_healthz_and_readyz():
    (container,) = _by_kind("Deployment")["spec"]["template"]["spec"]["containers"]
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert container["startupProbe"]["httpGet"]["path"] == "/healthz"
    assert container["ports"][0]["containerPort"] == 8000


def test_deployment_reads_the_shared_configmap():
    cm = _by_kind("ConfigMap")
    assert {"KRATOM_DATA_SOURCE", "KRATOM_REFRESH_SECONDS"} <= set(cm["data"])
    (container,) = _by_kind("Deployment")["spec"]["template"]["spec"]["containers"]
    assert {"configMapRef": {"name": cm["metadata"]["name"]}} in container["envFrom"]
    assert container["resources"]["requests"]["memory"]
    assert container["resources"]["limits"]["memory"]


def test_hpa_scales_the_deployment():
    hpa = _by_kind("HorizontalPodAutoscaler")["spec"]
    assert hpa["scaleTargetRef"]["name"] == _by_kind("Deployment")["metadata"]["name"]
    assert hpa["minReplicas"] >= 2


def test_dockerfile_follows_the_container_rules():
    text = (ROOT / "Dockerfile").read_text()
    lines = [ln for ln in text.splitlines() if ln.strip() and not ln.startswith("#")]
    assert lines[0].startswith("ARG BASE=python:3.11-slim")
    assert lines[1] == "FROM ${BASE}"
    assert re.search(r"^USER \d+", text, re.M), "must run as a numeric non-root user"
    assert 'CMD ["python", "deploy/run.py"]' in text  # nginx in front of gunicorn
    assert "apt-get install -y --no-install-recommends nginx" in text
    assert "HEALTHCHECK" in text and "urllib.request" in text and "curl" not in text
    assert "EXPOSE 8000" in text
    assert "--only-binary=" in text
    copied = re.findall(r"^COPY (\S+)", text, re.M)
    assert set(copied) == {
        "requirements.txt",
        "service/",
        "data/",
        "gunicorn.conf.py",
        "deploy/run.py",
        "deploy/nginx/",
        "docs/example-article.html",
    }
    assert "KRATOM_CACHE_DIR=/tmp/" in text and "PYTHONDONTWRITEBYTECODE=1" in text


def test_gunicorn_settings_are_valid_gunicorn_settings(monkeypatch):
    from gunicorn.config import Config

    monkeypatch.delenv("WEB_CONCURRENCY", raising=False)
    monkeypatch.setenv("KRATOM_RATE_LIMIT_FILE", "")  # the config's setdefault must not leak
    settings = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    cfg = Config()
    for name, value in settings.items():
        if name.startswith("_") or name in ("os", "annotations", "Any", "Path"):
            continue
        cfg.set(name, value)  # raises on unknown names or bad values
    assert cfg.worker_class_str == "gthread"
    assert cfg.workers == 2 and cfg.threads == 4
    assert cfg.timeout == 30 and cfg.keepalive == 5
    assert cfg.max_requests >= 100_000 and cfg.max_requests_jitter > 0  # safety net, not churn
    assert cfg.preload_app is False
    assert cfg.control_socket_disable is True
    assert cfg.accesslog is None
    assert cfg.on_starting is settings["on_starting"]  # the grid-cache prewarm hook
    assert cfg.post_fork is settings["post_fork"]  # gunicorn's own errors as JSON


def test_web_concurrency_sets_the_worker_count(monkeypatch):
    monkeypatch.setenv("WEB_CONCURRENCY", "3")
    monkeypatch.setenv("KRATOM_RATE_LIMIT_FILE", "")
    assert runpy.run_path(str(ROOT / "gunicorn.conf.py"))["workers"] == 3


def test_every_file_the_dockerfile_copies_passes_the_dockerignore():
    """`.dockerignore` starts from `*` and allows paths back in: a COPY of a path it does not
    allow fails the image build (it did once, for deploy/run.py)."""
    ignore = (ROOT / ".dockerignore").read_text().splitlines()
    allowed = [p[1:].rstrip("/") for p in ignore if p.startswith("!")]
    copies = [
        line.split()[1]
        for line in (ROOT / "Dockerfile").read_text().splitlines()
        if line.startswith("COPY ") and "--from" not in line
    ]
    assert copies
    for src in copies:
        src = src.rstrip("/")
        assert any(src == a or src.startswith(a + "/") for a in allowed), src
        assert (ROOT / src).exists(), src
