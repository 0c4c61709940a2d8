"""A real six-node Redis Cluster for the test run: 3 masters + 3 replicas, each its own
`redis-server --cluster-enabled yes` process on a free 127.0.0.1 port, in a temp directory,
joined by `redis-cli --cluster create ... --cluster-replicas 1 --cluster-yes`.

Used by the cluster run (TEST_REDIS=cluster, see tests/conftest.py and .ci/run) and by the
failover test, which kills the master owning a key and waits for its replica to take over.
`python -m tests.support.redis_cluster` starts one by hand and prints its REDIS_URL.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from typing import Any

import redis

NODE_TIMEOUT_MS = 3000


def _free_ports(n: int) -> list[int]:
    """n free ports whose cluster bus port (+10000) is free too."""
    ports: list[int] = []
    while len(ports) < n:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port + 10000 > 65535 or port in ports:
            continue
        with socket.socket() as bus:
            try:
                bus.bind(("127.0.0.1", port + 10000))
            except OSError:
                continue
        ports.append(port)
    return ports


class RedisClusterServer:
    """Start with `start()`, stop with `stop()`; `url` is the app's REDIS_URL for it."""

    def __init__(self, node_timeout_ms: int = NODE_TIMEOUT_MS) -> None:
        self.node_timeout_ms = node_timeout_ms
        self.dir = ""
        self.ports: list[int] = []
        self.processes: dict[int, subprocess.Popen] = {}
        self.plain_ports: set[int] = set()  # plain Redis servers started beside the cluster

    @property
    def url(self) -> str:
        return f"redis+cluster://127.0.0.1:{self.ports[0]}/0"

    def start(self, timeout: float = 60) -> RedisClusterServer:
        if not shutil.which("redis-server") or not shutil.which("redis-cli"):
            raise RuntimeError("the cluster run needs redis-server and redis-cli (apt redis)")
        self.dir = tempfile.mkdtemp(prefix="fl-redis-cluster-")
        self.ports = _free_ports(6)
        try:
            for port in self.ports:
                self._start_node(port)
            for port in self.ports:
                self._wait_ping(port, timeout)
            subprocess.run(
                [
                    "redis-cli",
                    "--cluster",
                    "create",
                    *(f"127.0.0.1:{p}" for p in self.ports),
                    "--cluster-replicas",
                    "1",
                    "--cluster-yes",
                ],
                check=True,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                timeout=timeout,
            )
            self.wait_ok(timeout)
        except BaseException:
            self.stop()
            raise
        return self

    def start_queue_server(self) -> str:
        """One plain Redis beside the cluster (for RQ, which cannot run on a cluster, or the
        bench's single-Redis side), same binary and flags, stopped with the cluster: its URL."""
        (port,) = _free_ports(1)
        self._start_node(port, cluster=False)
        self._wait_ping(port, 30)
        self.plain_ports.add(port)
        return f"redis://127.0.0.1:{port}/0"

    def _start_node(self, port: int, cluster: bool = True) -> None:
        node_dir = os.path.join(self.dir, str(port))
        os.makedirs(node_dir, exist_ok=True)
        clustered = [
            "--cluster-enabled",
            "yes",
            "--cluster-config-file",
            "nodes.conf",
            "--cluster-node-timeout",
            str(self.node_timeout_ms),
        ]
        self.processes[port] = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(port),
                "--bind",
                "127.0.0.1",
                "--dir",
                node_dir,
                *(clustered if cluster else []),
                "--save",
                "",
                "--appendonly",
                "no",
                "--maxmemory-policy",
                "noeviction",
                "--logfile",
                os.path.join(node_dir, "redis.log"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def _wait_ping(self, port: int, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                redis.Redis(port=port, socket_connect_timeout=0.5).ping()
                return
            except redis.RedisError:
                if self.processes[port].poll() is not None:
                    raise RuntimeError(f"redis-server on {port} exited") from None
                if time.monotonic() > deadline:
                    raise RuntimeError(f"redis-server on {port} did not answer") from None
                time.sleep(0.05)

    def node(self, port: int) -> redis.Redis:
        return redis.Redis(port=port, decode_responses=True, socket_connect_timeout=1)

    def wait_ok(self, timeout: float = 60) -> None:
        """Until every live node says cluster_state:ok and the 16384 slots are covered."""
        deadline = time.monotonic() + timeout
        while True:
            states = []
            for port in self.live_ports():
                try:
                    states.append(self.node(port).cluster("info"))
                except redis.RedisError:
                    states.append({})
            if states and all(
                s.get("cluster_state") == "ok" and int(s.get("cluster_slots_ok", 0)) == 16384
                for s in states
            ):
                return
            if time.monotonic() > deadline:
                raise RuntimeError(f"the cluster is not ok: {states}")
            time.sleep(0.1)

    def live_ports(self) -> list[int]:
        return [
            p
            for p, proc in self.processes.items()
            if proc.poll() is None and p not in self.plain_ports
        ]

    def client(self, **options: Any) -> Any:
        from redis.cluster import RedisCluster

        return RedisCluster(host="127.0.0.1", port=self.ports[0], decode_responses=True, **options)

    def master_of(self, key: str) -> int:
        """The port of the master owning `key`'s slot, as the live nodes see it."""
        for port in self.live_ports():
            try:
                slot = self.node(port).cluster("keyslot", key)
                for start, end, master, *_ in self.node(port).execute_command("CLUSTER SLOTS"):
                    if int(start) <= int(slot) <= int(end):
                        return int(master[1])
            except redis.RedisError:
                continue
        raise RuntimeError(f"no live node knows the owner of {key!r}")

    def kill(self, port: int) -> None:
        """SIGKILL one node (a crashed master): its replica is promoted after the node timeout."""
        proc = self.processes[port]
        proc.send_signal(signal.SIGKILL)
        proc.wait()

    def stop(self) -> None:
        for proc in self.processes.values():
            if proc.poll() is None:
                proc.terminate()
        for proc in self.processes.values():
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        self.processes.clear()
        if self.dir:
            shutil.rmtree(self.dir, ignore_errors=True)
            self.dir = ""


if __name__ == "__main__":  # start one by hand: prints its URL, stops on Ctrl-C
    server = RedisClusterServer().start()
    print(server.url, flush=True)
    try:
        signal.pause()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
