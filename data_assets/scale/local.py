"""A throwaway Ray cluster on this machine, for the tests and benchmarks: loopback only, free ports,
its own temporary folder, no dashboard, no usage stats.

`ray stop` stops every Ray process on the machine, other users' clusters included, so this cluster is
started as `ray start --head --block` in a process group of its own and stopped by signalling that
group; any process still naming its temporary folder afterwards is ended by its pid.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import closing
from pathlib import Path

from data_assets.settings import PACKAGE_DIR


_DRIVER_ENV = {"RAY_USAGE_STATS_ENABLED": "0", "RAY_DATA_USAGE_DISABLED": "1"}


def free_port() -> int:
    with closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LocalRayCluster:
    """`with LocalRayCluster(num_cpus=2) as address:` a head node at `address` (`127.0.0.1:<port>`)."""

    def __init__(self, num_cpus: int = 2, object_store_mb: int = 512, start_timeout_s: float = 120.0) -> None:
        self.num_cpus = num_cpus
        self.object_store_mb = object_store_mb
        self.start_timeout_s = start_timeout_s
        self.temp_dir = ""
        self.address = ""
        self._process: subprocess.Popen | None = None

    def __enter__(self) -> str:
        # Ray puts sockets under the temp dir; their paths must stay short (AF_UNIX allows ~107 bytes).
        self.temp_dir = tempfile.mkdtemp(prefix="ray_", dir="/tmp")
        port = free_port()
        ports = {"--node-manager-port": free_port(), "--object-manager-port": free_port(),
                 "--ray-client-server-port": free_port(), "--dashboard-agent-listen-port": free_port(),
                 "--dashboard-agent-grpc-port": free_port(), "--metrics-export-port": free_port(),
                 "--runtime-env-agent-port": free_port()}
        command = [
            str(Path(sys.executable).with_name("ray")), "start", "--head", "--block", "--node-ip-address", "127.0.0.1",
            "--port", str(port), "--num-cpus", str(self.num_cpus), "--temp-dir", self.temp_dir,
            "--include-dashboard=false", "--disable-usage-stats", "--object-store-memory", str(self.object_store_mb * 1024 * 1024),
            "--min-worker-port", "0", "--max-worker-port", "0",
            *[str(part) for item in ports.items() for part in item],
        ]
        env = {**os.environ, "RAY_USAGE_STATS_ENABLED": "0",
               # Workers import data_assets from the same checkout as this process.
               "PYTHONPATH": os.pathsep.join(p for p in [str(PACKAGE_DIR.parent), os.environ.get("PYTHONPATH", "")] if p)}
        # This process is the driver: its own usage collection (Ray Data's included) stays off too.
        self._saved_env = {k: os.environ.get(k) for k in _DRIVER_ENV}
        os.environ.update(_DRIVER_ENV)
        self._log = open(Path(self.temp_dir) / "ray_start.log", "w")
        self._process = subprocess.Popen(command, env=env, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True)
        self.address = f"127.0.0.1:{port}"
        deadline = time.monotonic() + self.start_timeout_s
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                self.__exit__(None, None, None)
                raise RuntimeError(f"ray start exited with {self._process.returncode}; see its log in {self.temp_dir}")
            if self._ready():
                return self.address
            time.sleep(0.5)
        self.__exit__(None, None, None)
        raise TimeoutError(f"the local Ray cluster did not start within {self.start_timeout_s:.0f}s")

    def _ready(self) -> bool:
        sessions = Path(self.temp_dir) / "session_latest"
        # The raylet writes its port file once the node accepts work.
        return sessions.exists() and any(sessions.glob("logs/raylet.out"))

    def _leftovers(self) -> list[int]:
        found = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                cmdline = (entry / "cmdline").read_bytes().decode(errors="replace")
            except OSError:
                continue
            if self.temp_dir and self.temp_dir in cmdline:
                found.append(int(entry.name))
        return [pid for pid in found if pid != os.getpid()]

    def __exit__(self, *exc) -> None:
        import ray

        if ray.is_initialized():
            ray.shutdown()
        if self._process is not None and self._process.poll() is None:
            try:
                os.killpg(self._process.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self._process.pid, signal.SIGKILL)
                self._process.wait(timeout=10)
        deadline = time.monotonic() + 5
        while self._leftovers() and time.monotonic() < deadline:
            time.sleep(0.5)
        for pid in self._leftovers():
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        if getattr(self, "_log", None):
            self._log.close()
        for key, value in getattr(self, "_saved_env", {}).items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        shutil.rmtree(self.temp_dir, ignore_errors=True)
