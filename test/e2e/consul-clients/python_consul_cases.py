"""Cases run with a genuine Python Consul client against dcsgw's Consul face.

Run with Debian's python3-consul (0.7.1, the library Debian's Patroni uses) and with py-consul
from PyPI; both import as `consul`. Usage: python3 python_consul_cases.py PORT NODE_NAME.
Prints one line per case ("ok NAME" or "FAIL NAME: reason") and a closing "N passed, N failed".
"""
import base64
import sys
import threading
import time
import traceback

import consul

PORT = int(sys.argv[1])
NODE = sys.argv[2]
# Each client runs its cases under its own prefix, so two clients can share one store.
P = sys.argv[3] if len(sys.argv) > 3 else "py"
c = consul.Consul(host="127.0.0.1", port=PORT)
results = []


def case(fn):
    try:
        fn()
        results.append((fn.__name__, None))
    except Exception as err:  # a failing case must not stop the others
        results.append((fn.__name__, "%s: %s" % (type(err).__name__, err or traceback.format_exc(limit=2))))
    return fn


def check(cond, what):
    if not cond:
        raise AssertionError(what)


@case
def kv_put_get_delete():
    check(c.kv.put(P + "/a", "one") is True, "put returns True")
    index, entry = c.kv.get(P + "/a")
    check(entry["Value"] == b"one", "value bytes: %r" % (entry,))
    check(entry["Key"] == P + "/a" and entry["Flags"] == 0 and entry["LockIndex"] == 0, "fields: %r" % (entry,))
    check(int(index) == entry["ModifyIndex"], "index %s == ModifyIndex %s" % (index, entry["ModifyIndex"]))
    check(c.kv.delete(P + "/a") is True, "delete returns True")
    index, entry = c.kv.get(P + "/a")
    check(entry is None, "missing key gives None")
    check(index is not None and int(index) > 0, "404 still carries X-Consul-Index: %r" % (index,))


@case
def kv_recurse_keys_flags():
    c.kv.put(P + "/tree/x", "1", flags=7)
    c.kv.put(P + "/tree/y/z", "2")
    _, entries = c.kv.get(P + "/tree/", recurse=True)
    check([e["Key"] for e in entries] == [P + "/tree/x", P + "/tree/y/z"], "recurse keys: %r" % (entries,))
    check(entries[0]["Flags"] == 7, "flags kept")
    _, keys = c.kv.get(P + "/tree/", keys=True, separator="/")
    check(keys == [P + "/tree/x", P + "/tree/y/"], "keys with separator: %r" % (keys,))
    check(c.kv.delete(P + "/tree/", recurse=True) is True, "recursive delete")
    _, entries = c.kv.get(P + "/tree/", recurse=True)
    check(entries is None, "tree gone")


@case
def kv_cas():
    c.kv.put(P + "/cas", "v1")
    _, e = c.kv.get(P + "/cas")
    check(c.kv.put(P + "/cas", "v2", cas=e["ModifyIndex"]) is True, "cas with current index")
    check(c.kv.put(P + "/cas", "v3", cas=e["ModifyIndex"]) is False, "cas with old index")
    check(c.kv.put(P + "/cas-new", "x", cas=0) is True, "cas=0 creates")
    check(c.kv.put(P + "/cas-new", "y", cas=0) is False, "cas=0 refuses an existing key")


@case
def kv_blocking_get():
    c.kv.put(P + "/block", "before")
    index, _ = c.kv.get(P + "/block")
    got = {}

    def waiter():
        got["r"] = c.kv.get(P + "/block", index=index, wait="5s")

    t = threading.Thread(target=waiter)
    started = time.time()
    t.start()
    time.sleep(0.3)
    check(t.is_alive(), "blocking get waits for a change")
    c.kv.put(P + "/block", "after")
    t.join(10)
    check(not t.is_alive(), "blocking get released by the write")
    new_index, entry = got["r"]
    check(entry["Value"] == b"after" and int(new_index) > int(index), "new value and index")
    check(time.time() - started < 5, "released before the wait time")


@case
def session_lock_cycle():
    sid = c.session.create(name=P + "-lock", ttl=30, lock_delay=0)
    check(len(sid) == 36, "session id: %r" % (sid,))
    _, info = c.session.info(sid)
    check(info["Name"] == P + "-lock" and info["Node"] == NODE, "session info: %r" % (info,))
    check(c.kv.put(P + "/lock", "me", acquire=sid) is True, "acquire")
    _, e = c.kv.get(P + "/lock")
    check(e["Session"] == sid and e["LockIndex"] == 1, "held: %r" % (e,))
    other = c.session.create(name=P + "-other")
    check(c.kv.put(P + "/lock", "them", acquire=other) is False, "second acquire refused")
    check(c.kv.put(P + "/lock", "free", release=sid) is True, "release")
    _, e = c.kv.get(P + "/lock")
    check(e.get("Session") is None, "released: %r" % (e,))
    renewed = c.session.renew(sid)
    check(renewed["ID"] == sid, "renew: %r" % (renewed,))
    _, sessions = c.session.list()
    check({sid, other} <= {s["ID"] for s in sessions}, "list")
    _, on_node = c.session.node(NODE)
    check({sid, other} <= {s["ID"] for s in on_node}, "node sessions")
    check(c.session.destroy(sid) is True, "destroy")
    c.session.destroy(other)
    _, info = c.session.info(sid)
    check(info is None, "destroyed session is gone")


@case
def agent_service_ttl_check_health():
    c.agent.service.register(P + "-web", service_id=P + "-web-1", port=8081, tags=["a"], check=consul.Check.ttl("30s"))
    services = c.agent.services()
    check(services[P + "-web-1"]["Service"] == P + "-web" and services[P + "-web-1"]["Port"] == 8081, "agent services: %r" % (services,))
    _, passing = c.health.service(P + "-web", passing=True)
    check(passing == [], "critical until the TTL check passes: %r" % (passing,))
    check_id = "service:" + P + "-web-1"
    c.agent.check.ttl_pass(check_id, "fine")
    _, passing = c.health.service(P + "-web", passing=True)
    check(len(passing) == 1 and passing[0]["Service"]["ID"] == P + "-web-1", "passing instance: %r" % (passing,))
    statuses = {ch["CheckID"]: ch["Status"] for ch in passing[0]["Checks"]}
    check(statuses.get("serfHealth") == "passing" and statuses.get(check_id) == "passing", "checks: %r" % (statuses,))
    c.agent.check.ttl_fail(check_id, "broken")
    _, passing = c.health.service(P + "-web", passing=True)
    check(passing == [], "failed check leaves ?passing")
    check(c.agent.service.deregister(P + "-web-1") is True, "deregister")
    _, nodes = c.catalog.service(P + "-web")
    check(nodes == [], "deregistered from the catalog")


@case
def catalog_status_agent_self():
    _, nodes = c.catalog.nodes()
    check(NODE in [n["Node"] for n in nodes], "catalog nodes: %r" % (nodes,))
    check(c.catalog.datacenters() == ["dc1"], "datacenters")
    _, services = c.catalog.services()
    check(isinstance(services, dict), "services map")
    check(":" in c.status.leader(), "leader address")
    check(len(c.status.peers()) == 1, "one peer")
    self_ = c.agent.self()
    check(self_["Config"]["NodeName"] == NODE, "agent self")
    members = c.agent.members()
    check(members[0]["Name"] == NODE and members[0]["Status"] == 1, "members: %r" % (members,))


@case
def catalog_register_deregister():
    check(c.catalog.register(P + "-ext", "10.1.2.3", service={"Service": P + "-db", "Port": 5432}) is True, "register")
    _, instances = c.catalog.service(P + "-db")
    check(instances[0]["Address"] == "10.1.2.3" and instances[0]["ServicePort"] == 5432, "instance: %r" % (instances,))
    check(c.catalog.deregister(P + "-ext") is True, "deregister")
    _, instances = c.catalog.service(P + "-db")
    check(instances == [], "gone")


@case
def events():
    ev = c.event.fire(P + "-deploy", "v42")
    check(ev is True or (isinstance(ev, dict) and ev.get("Name") == P + "-deploy"), "fire: %r" % (ev,))
    _, events = c.event.list(name=P + "-deploy")
    payload = events[-1]["Payload"] if events else None
    # python-consul decodes the base64 payload for its user; a client that does not gets the base64 text.
    check(payload in (b"v42", base64.b64encode(b"v42").decode()), "list: %r" % (events,))


@case
def txn():
    if not hasattr(c, "txn"):
        return  # python-consul 0.7.1 has no txn endpoint
    r = c.txn.put([{"KV": {"Verb": "set", "Key": P + "/txn", "Value": base64.b64encode(b"t").decode()}},
                   {"KV": {"Verb": "get", "Key": P + "/txn"}}])
    check(len(r["Results"]) == 2 and base64.b64decode(r["Results"][1]["KV"]["Value"]) == b"t", "txn: %r" % (r,))


for name, err in results:
    print("ok %s" % name if err is None else "FAIL %s: %s" % (name, err))
failed = sum(1 for _, err in results if err is not None)
print("%d passed, %d failed" % (len(results) - failed, failed))
sys.exit(1 if failed else 0)
