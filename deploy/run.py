"""Production entry point: nginx on $PORT in front of gunicorn on a private Unix socket.

    python deploy/run.py            # what the Dockerfile runs; PORT (8000), HOST (0.0.0.0)

nginx (Debian's package) absorbs slow and malformed clients and answers its own errors in JSON;
gunicorn (gunicorn.conf.py) serves complete requests only. This process renders
deploy/nginx/kratom.conf.template into a private run directory (under TMPDIR: works on a
read-only root with a tmpfs /tmp), starts both, forwards SIGTERM/SIGINT (gunicorn drains its
workers, nginx finishes open answers) and exits when either child exits, stopping the other.

Settings: PORT, HOST; NGINX (the binary, default `nginx`); KRATOM_PROXY_CONN_PER_CLIENT (open
connections per client address, default 128); KRATOM_PROXY_COUNT is 1 (this nginx) unless set:
set it to 1 + the number of proxies in front (an ingress makes 2).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "deploy" / "nginx" / "kratom.conf.template"
# the app's MAX_CONTENT_LENGTH (service/config.py): nginx refuses larger bodies itself
MAX_BODY = 2 * 1024 * 1024 + 1024


def render(run_dir: Path, listen: str, socket_path: Path, conn_per_client: int) -> str:
    user = ""
    if (
        os.geteuid() == 0
    ):  # nginx as root drops its workers to this user (the container is not root)
        user = "user www-data;"
    values = {
        "USER": user,
        "RUN_DIR": str(run_dir),
        "LISTEN": listen,
        "SOCKET": str(socket_path),
        "MAX_BODY": str(MAX_BODY),
        "CONN_PER_CLIENT": str(conn_per_client),
    }
    text = TEMPLATE.read_text(encoding="utf-8")
    for key, value in values.items():
        text = text.replace("{{" + key + "}}", value)
    return text


def listen_address(host: str, port: str) -> str:
    if ":" in host:  # IPv6
        return f"[{host}]:{port}"
    return f"{host}:{port}"


def main() -> int:
    port = os.environ.get("PORT", "8000")
    host = os.environ.get("HOST", "0.0.0.0")
    nginx = shutil.which(os.environ.get("NGINX", "nginx")) or "/usr/sbin/nginx"
    conn_per_client = int(os.environ.get("KRATOM_PROXY_CONN_PER_CLIENT", "128"))
    run_dir = Path(tempfile.mkdtemp(prefix="kratom-run-"))
    run_dir.chmod(0o755)  # nginx workers (www-data when started as root) reach the socket
    socket_path = run_dir / "gunicorn.sock"
    conf = run_dir / "nginx.conf"
    conf.write_text(render(run_dir, listen_address(host, port), socket_path, conn_per_client))

    env = dict(os.environ)
    env.setdefault("KRATOM_PROXY_COUNT", "1")
    gunicorn = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py",
         "--bind", f"unix:{socket_path}", "service:create_app()"],
        cwd=ROOT, env=env,
    )  # fmt: skip
    proxy = subprocess.Popen([nginx, "-p", str(run_dir), "-c", str(conf), "-e", "stderr"])
    children = {gunicorn.pid: ("gunicorn", gunicorn), proxy.pid: ("nginx", proxy)}

    def stop(signum: int, _frame: object) -> None:
        if gunicorn.poll() is None:
            gunicorn.send_signal(signal.SIGTERM)
        if proxy.poll() is None:
            proxy.send_signal(signal.SIGQUIT)  # graceful: finish what is being sent

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    code = 0
    try:
        first = None
        while children:
            try:
                pid, status = os.wait()  # also reaps strays when this runs as PID 1
            except ChildProcessError:
                break
            if pid not in children:
                continue
            name, proc = children.pop(pid)
            proc.returncode = os.waitstatus_to_exitcode(status)
            if first is None:
                first = name
                code = proc.returncode or 0
                if children:
                    print(f"deploy/run.py: {name} exited ({proc.returncode}); stopping the other",
                          file=sys.stderr, flush=True)  # fmt: skip
                    stop(signal.SIGTERM, None)
    finally:
        for _name, proc in children.values():
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        shutil.rmtree(run_dir, ignore_errors=True)
    return code


if __name__ == "__main__":
    sys.exit(main())
