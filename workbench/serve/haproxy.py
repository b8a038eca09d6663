"""An HAProxy config for replicas of `workbench serve`: health checks on /health, retries
and redispatch, so a replica that dies under load costs the clients no failed request."""

from __future__ import annotations

from workbench.errors import QueryError


def parse_replicas(text: str) -> list[tuple[str, int]]:
    """`host:port,host:port` -> [(host, port), ...].

    Raises:
        QueryError: empty, or a part is not host:port.
    """
    out = []
    for part in filter(None, (p.strip() for p in text.split(","))):
        host, _, port = part.rpartition(":")
        if not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise QueryError(f"replica '{part}' is not host:port")
        out.append((host, int(port)))
    if not out:
        raise QueryError("give the replicas: --replicas host:port,host:port")
    return out


def haproxy_config(replicas: list[tuple[str, int]], bind: str = "127.0.0.1:8765", check_ms: int = 500) -> str:
    """The config text: one frontend on `bind`, one backend of the replicas.

    Idempotent requests (GET, and POST /ask which writes nothing) are retried on another
    replica when the connection fails, the answer is empty (a replica killed mid-request)
    or the replica answers 503 (pool full, starting); `observe layer4` with `on-error
    mark-down` takes a replica out at its first refused connection, before the health
    check would (a 503 from a busy replica does not take it out).
    """
    servers = "\n".join(
        f"    server replica{i} {host}:{port} check inter {check_ms} fall 2 rise 2 "
        f"observe layer4 error-limit 1 on-error mark-down"
        for i, (host, port) in enumerate(replicas, 1)
    )
    return f"""# HAProxy in front of {len(replicas)} `workbench serve` replica(s); made by
# workbench serve --print-haproxy-config. Run: haproxy -f this.cfg
global
    maxconn 4096

defaults
    mode http
    timeout connect 1s
    timeout client 60s
    timeout server 60s
    timeout queue 10s
    retries 3
    option redispatch 1
    retry-on conn-failure empty-response response-timeout 503

frontend workbench
    bind {bind}
    default_backend replicas

backend replicas
    balance leastconn
    option httpchk GET /health
    http-check expect status 200
    http-request disable-l7-retry if METH_POST !{{ path /ask }}
{servers}
"""
