"""Top-level conftest for running py-consul's OWN test suite against dcsgw.

py-consul's suite (its sdist's tests/) starts genuine Consul in Docker (`hashicorp/consul`, `agent -dev`)
from its top-level conftest.py. No container engine or Consul binary exists here, so the runner
(py-consul-suite.test.ts) puts this file in place of that conftest: the same fixtures, with the
same names and the same configuration, but each instance is a `dcsgw agent -dev` process on
loopback. The test files themselves are py-consul's, unchanged.
"""
from __future__ import annotations

import collections
import json
import os
import signal
import socket
import subprocess
import tempfile
import time
import uuid

import pytest
import requests

DCSGW_BIN = os.environ["DCSGW_BIN"]
ConsulInstance = collections.namedtuple("ConsulInstance", ["container", "port", "version"])


@pytest.fixture(scope="session", autouse=True)
def _unset_consul_token():
    if "CONSUL_HTTP_TOKEN" in os.environ:
        del os.environ["CONSUL_HTTP_TOKEN"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class DcsgwAgent:
    """A `dcsgw agent -dev` process with the configuration py-consul gives its containers."""

    def __init__(self, acl_master_token: str | None):
        self.dir = tempfile.mkdtemp(prefix="dcsgw-pyconsul-")
        self.port = free_port()
        config = {
            "ports": {"http": self.port, "https": -1, "dns": -1, "grpc_tls": -1, "etcd": -1},
            "performance": {"raft_multiplier": 1},
            "enable_script_checks": True,
        }
        if acl_master_token:
            config.update({"primary_datacenter": "dc1", "acl": {"enabled": True, "tokens": {"initial_management": acl_master_token}}})
        config_file = os.path.join(self.dir, "local.json")
        with open(config_file, "w", encoding="utf-8") as f:
            json.dump(config, f)
        self.log = open(os.path.join(self.dir, "agent.log"), "wb")
        self.proc = subprocess.Popen(
            [DCSGW_BIN, "agent", "-dev", "-client=127.0.0.1", "-log-level", "trace", "-config-file", config_file],
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        self.wait_ready()

    def output(self) -> str:
        with open(os.path.join(self.dir, "agent.log"), encoding="utf-8", errors="replace") as f:
            return f.read()[-4000:]

    def wait_ready(self) -> None:
        # The same readiness rule as py-consul's own conftest: a leader, then a service visible in health.
        base = f"http://127.0.0.1:{self.port}/v1/"
        deadline = time.time() + 20
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError("dcsgw agent exited with %s:\n%s" % (self.proc.returncode, self.output()))
            if time.time() > deadline:
                self.stop()
                raise TimeoutError("dcsgw agent not ready:\n" + self.output())
            try:
                r = requests.get(base + "status/leader", timeout=2)
                if r.status_code == 200 and r.json():
                    break
            except (requests.RequestException, ValueError):
                pass
            time.sleep(0.1)

    def version(self) -> str:
        r = requests.get(f"http://127.0.0.1:{self.port}/v1/agent/self", timeout=10)
        return r.json()["Config"]["Version"].strip()

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


def setup_and_teardown(acl_master_token: str | None = None):
    agent = DcsgwAgent(acl_master_token)
    try:
        instance = ConsulInstance(agent, agent.port, agent.version())
        yield instance if acl_master_token is None else (instance, acl_master_token)
    finally:
        agent.stop()


@pytest.fixture
def consul_instance():
    yield from setup_and_teardown()


@pytest.fixture
def acl_consul_instance():
    yield from setup_and_teardown(uuid.uuid4().hex)


@pytest.fixture
def consul_port(consul_instance):
    return consul_instance.port, consul_instance.version
