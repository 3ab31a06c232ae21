"""Start, stop and call the standalone fake catalog platform (catalogctl fake-server).

Standard library only. The fake prints one line of JSON when it listens: its URL
and the TEST credentials it accepts, which `call` sends with every request.
"""
import json
import os
import pathlib
import shlex
import signal
import subprocess
import urllib.error
import urllib.request

REPO = pathlib.Path(__file__).resolve().parents[2]


def start_fake(*flags):
    """Starts the fake on a free port; returns its process and its ready line as a dict."""
    cmd = shlex.split(os.environ.get("CATALOGCTL", "go run ./cmd/catalogctl"))
    proc = subprocess.Popen([*cmd, "fake-server", "--addr", "127.0.0.1:0", "--json", *flags],
                            cwd=REPO, stdout=subprocess.PIPE, text=True, start_new_session=True)
    line = proc.stdout.readline()  # blocks until the fake listens, or exits
    if not line:
        raise RuntimeError(f"the fake server exited before it was ready (exit {proc.wait()})")
    return proc, json.loads(line)


def stop_fake(proc):
    """Stops the fake and, under go run, the program it built: they share a process group."""
    os.killpg(proc.pid, signal.SIGTERM)
    proc.wait(timeout=60)
    proc.stdout.close()


# Loopback only: never through a proxy from the environment.
_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def call(fake, method, path, body=None, want=200):
    """Sends one request with the fake's test API key and returns (answer's JSON, headers).

    Fails with the answer's body when its status is not `want`.
    """
    req = urllib.request.Request(
        fake["url"] + path, method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={"Content-Type": "application/json", "x-auth-method": "api-key",
                 "x-api-key-id": fake["api_key_id"], "x-api-secret": fake["api_secret"]})
    try:
        with _opener.open(req, timeout=300) as res:  # above the longest admin wait the suites ask for
            status, headers, data = res.status, res.headers, res.read()
    except urllib.error.HTTPError as err:
        status, headers, data = err.code, err.headers, err.read()
    if status != want:
        raise AssertionError(f"{method} {path}: status {status}, want {want}: {data.decode()}")
    return (json.loads(data) if data else None), headers
