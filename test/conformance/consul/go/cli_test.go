package consulconformance

// The `consul` CLI's agent-level commands, as the calls each makes through the Go client
// (reference: consul-http-api.md §1), checking every field the command prints:
// members, info, reload, join, leave, force-leave, event, and exec's refusal.

import (
	"encoding/json"
	"fmt"
	"net"
	"os/exec"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/consul/api"
)

// consulVersion is what `consul version -format=json` (the shim, i.e. dcsgw) reports.
func consulVersion(t *testing.T) string {
	t.Helper()
	out, err := exec.Command("consul", "version", "-format=json").Output()
	if err != nil {
		t.Fatalf("consul version -format=json: %v", err)
	}
	var v struct{ Version string }
	if err := json.Unmarshal(out, &v); err != nil || v.Version == "" {
		t.Fatalf("consul version -format=json printed %q (%v)", out, err)
	}
	return v.Version
}

// `consul members`: GET /v1/agent/members?segment=_all; prints Node, Address (Addr:Port), Status
// (serf status name), Type (Tags.role), Build (Tags.build before ':'), Protocol (Tags.vsn), DC
// (Tags.dc), Partition (Tags.ap, "default" when absent), Segment; -detailed prints every tag.
func TestCLI_Members(t *testing.T) {
	t.Parallel()
	a := sharedAgent(t)
	version := consulVersion(t)

	members, err := a.client.Agent().MembersOpts(api.MembersOpts{Segment: api.AllSegments})
	if err != nil {
		t.Fatalf("members: %v", err)
	}
	if len(members) != 1 {
		t.Fatalf("members: want exactly this agent, got %d: %+v", len(members), members)
	}
	m := members[0]
	if m.Name != a.nodeName() {
		t.Errorf("Node: got %q, want %q", m.Name, a.nodeName())
	}
	if net.ParseIP(m.Addr) == nil || m.Addr != "127.0.0.1" {
		t.Errorf("Address: Addr %q is not the bind address 127.0.0.1", m.Addr)
	}
	if int(m.Port) != a.srv.Config.Ports.SerfLan {
		t.Errorf("Address: Port %d, want the serf LAN port %d", m.Port, a.srv.Config.Ports.SerfLan)
	}
	if m.Status != 1 {
		t.Errorf("Status: %d, want 1 (alive)", m.Status)
	}
	if m.Tags["role"] != "consul" {
		t.Errorf("Type: Tags.role %q, want consul (server)", m.Tags["role"])
	}
	if build := strings.SplitN(m.Tags["build"], ":", 2)[0]; build != version {
		t.Errorf("Build: Tags.build %q, want %s[:revision]", m.Tags["build"], version)
	}
	if m.Tags["vsn"] == "" {
		t.Errorf("Protocol: Tags.vsn is empty")
	} else if _, err := strconv.Atoi(m.Tags["vsn"]); err != nil {
		t.Errorf("Protocol: Tags.vsn %q is not a number", m.Tags["vsn"])
	}
	if m.Tags["dc"] != "dc1" {
		t.Errorf("DC: Tags.dc %q, want dc1", m.Tags["dc"])
	}
	if ap, ok := m.Tags["ap"]; ok && ap != "default" {
		t.Errorf("Partition: Tags.ap %q on an open-source agent", ap)
	}
	// -detailed: the server's tags a genuine server carries.
	if m.Tags["id"] != a.nodeID() {
		t.Errorf("Tags.id %q, want the node ID %q", m.Tags["id"], a.nodeID())
	}
	if m.Tags["port"] != strconv.Itoa(a.srv.Config.Ports.Server) {
		t.Errorf("Tags.port %q, want the server RPC port %d", m.Tags["port"], a.srv.Config.Ports.Server)
	}
	for _, k := range []string{"raft_vsn", "vsn_min", "vsn_max"} {
		if _, err := strconv.Atoi(m.Tags[k]); err != nil {
			t.Errorf("Tags.%s %q is not a number", k, m.Tags[k])
		}
	}

	// -status=alive filters client-side on the status name; -wan lists <node>.<dc> on the WAN port.
	wan, err := a.client.Agent().MembersOpts(api.MembersOpts{WAN: true})
	if err != nil {
		t.Fatalf("members -wan: %v", err)
	}
	if len(wan) != 1 || wan[0].Name != a.nodeName()+".dc1" {
		t.Fatalf("members -wan: want one member %s.dc1, got %+v", a.nodeName(), wan)
	}
	if int(wan[0].Port) != a.srv.Config.Ports.SerfWan || wan[0].Status != 1 || wan[0].Tags["dc"] != "dc1" || wan[0].Tags["role"] != "consul" {
		t.Errorf("members -wan: want port %d, status 1, dc dc1, role consul; got %+v", a.srv.Config.Ports.SerfWan, *wan[0])
	}
}

// `consul info`: GET /v1/agent/self, prints Stats: sections sorted, `key = value`; every value must
// be a string (the CLI prints them with %s).
func TestCLI_Info(t *testing.T) {
	t.Parallel()
	a := sharedAgent(t)
	version := consulVersion(t)

	self, err := a.client.Agent().Self()
	if err != nil {
		t.Fatalf("agent self: %v", err)
	}
	statsRaw, ok := self["Stats"]
	if !ok {
		t.Fatalf("agent self has no Stats: %v", keysOf(self))
	}
	for _, section := range []string{"agent", "build", "consul", "raft", "runtime", "serf_lan", "serf_wan"} {
		sec, ok := statsRaw[section].(map[string]interface{})
		if !ok {
			t.Errorf("Stats.%s missing or not an object (%T)", section, statsRaw[section])
			continue
		}
		if len(sec) == 0 {
			t.Errorf("Stats.%s is empty", section)
		}
	}
	for section, v := range statsRaw {
		sec, ok := v.(map[string]interface{})
		if !ok {
			t.Errorf("Stats.%s is %T, not an object: consul info fails on it", section, v)
			continue
		}
		for k, val := range sec {
			if _, ok := val.(string); !ok {
				t.Errorf("Stats.%s.%s is %T (%v), not a string: consul info prints it as Go junk", section, k, val, val)
			}
		}
	}
	str := func(section, key string) string {
		sec, _ := statsRaw[section].(map[string]interface{})
		s, _ := sec[key].(string)
		return s
	}
	if got := str("build", "version"); got != version {
		t.Errorf("build.version %q, want %q", got, version)
	}
	if got := str("consul", "server"); got != "true" {
		t.Errorf("consul.server %q, want true", got)
	}
	if got := str("consul", "leader"); got != "true" {
		t.Errorf("consul.leader %q, want true", got)
	}
	if got := str("consul", "bootstrap"); got != "true" {
		t.Errorf("consul.bootstrap %q, want true (testutil starts the agent with bootstrap)", got)
	}
	if got := str("consul", "leader_addr"); got != fmt.Sprintf("127.0.0.1:%d", a.srv.Config.Ports.Server) {
		t.Errorf("consul.leader_addr %q, want 127.0.0.1:%d", got, a.srv.Config.Ports.Server)
	}
	if got := str("consul", "known_datacenters"); got != "1" {
		t.Errorf("consul.known_datacenters %q, want 1", got)
	}
	if got := str("raft", "state"); got != "Leader" {
		t.Errorf("raft.state %q, want Leader", got)
	}
	if got := str("raft", "num_peers"); got != "0" {
		t.Errorf("raft.num_peers %q, want 0 (a single server has no peers)", got)
	}
	for _, k := range []string{"applied_index", "commit_index", "last_log_index", "term"} {
		if n, err := strconv.ParseUint(str("raft", k), 10, 64); err != nil || n == 0 {
			t.Errorf("raft.%s %q, want a positive number", k, str("raft", k))
		}
	}
	if got := str("serf_lan", "members"); got != "1" {
		t.Errorf("serf_lan.members %q, want 1", got)
	}
	for _, k := range []string{"services", "checks", "check_monitors", "check_ttls"} {
		if _, err := strconv.Atoi(str("agent", k)); err != nil {
			t.Errorf("agent.%s %q is not a count", k, str("agent", k))
		}
	}

	// Config: what `consul lock`, `consul rtt` and `consul exec` read.
	cfg := self["Config"]
	if cfg["NodeName"] != a.nodeName() {
		t.Errorf("Config.NodeName %v, want %q", cfg["NodeName"], a.nodeName())
	}
	if cfg["NodeID"] != a.nodeID() {
		t.Errorf("Config.NodeID %v, want %q", cfg["NodeID"], a.nodeID())
	}
	if cfg["Datacenter"] != "dc1" {
		t.Errorf("Config.Datacenter %v, want dc1", cfg["Datacenter"])
	}
	if cfg["Server"] != true {
		t.Errorf("Config.Server %v, want true", cfg["Server"])
	}
	if cfg["Version"] != version {
		t.Errorf("Config.Version %v, want %q", cfg["Version"], version)
	}
	name, err := a.client.Agent().NodeName()
	if err != nil || name != a.nodeName() {
		t.Errorf("Agent().NodeName() = %q, %v; want %q", name, err, a.nodeName())
	}
}

func keysOf(m map[string]map[string]interface{}) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// `consul reload`: PUT /v1/agent/reload → "Configuration reload triggered".
func TestCLI_Reload(t *testing.T) {
	t.Parallel()
	a := sharedAgent(t)
	if err := a.client.Agent().Reload(); err != nil {
		t.Fatalf("reload: %v", err)
	}
	// The agent still answers after a reload.
	if _, err := a.client.Agent().Self(); err != nil {
		t.Fatalf("agent self after reload: %v", err)
	}
}

// `consul join <addr>`: PUT /v1/agent/join/<addr> → "Successfully joined cluster by contacting 1 nodes."
// Joining the agent's own serf LAN address succeeds on genuine Consul.
func TestCLI_Join(t *testing.T) {
	t.Parallel()
	a := sharedAgent(t)
	self, err := a.client.Agent().Self()
	if err != nil {
		t.Fatalf("agent self: %v", err)
	}
	addr := fmt.Sprintf("127.0.0.1:%d", a.srv.Config.Ports.SerfLan)
	if adv, ok := self["DebugConfig"]["SerfAdvertiseAddrLAN"].(string); ok {
		if want := "tcp://" + addr; adv != want {
			t.Errorf("DebugConfig.SerfAdvertiseAddrLAN %q, want %q", adv, want)
		}
	} else {
		t.Errorf("DebugConfig.SerfAdvertiseAddrLAN missing (the api's own TestAPI_AgentJoin reads it)")
	}
	if err := a.client.Agent().Join(addr, false); err != nil {
		t.Fatalf("join %s: %v", addr, err)
	}
	members, err := a.client.Agent().Members(false)
	if err != nil || len(members) != 1 {
		t.Fatalf("members after joining itself: %d members, %v", len(members), err)
	}
}

// `consul force-leave <node>`: PUT /v1/agent/force-leave/<node> (+?prune=1); prints nothing. Forcing
// the agent's own (alive) node out is accepted, as the api's own tests show.
func TestCLI_ForceLeave(t *testing.T) {
	t.Parallel()
	a := ownAgent(t)
	if err := a.client.Agent().ForceLeave(a.nodeName()); err != nil {
		t.Fatalf("force-leave: %v", err)
	}
	if err := a.client.Agent().ForceLeavePrune(a.nodeName()); err != nil {
		t.Fatalf("force-leave -prune: %v", err)
	}
}

// `consul leave`: PUT /v1/agent/leave → "Graceful leave complete"; the agent then shuts down.
func TestCLI_Leave(t *testing.T) {
	t.Parallel()
	a := ownAgent(t)
	if err := a.client.Agent().Leave(); err != nil && !strings.Contains(err.Error(), "EOF") {
		t.Fatalf("leave: %v", err)
	}
	eventually(t, 20*time.Second, "the agent still answers after a graceful leave", func() error {
		if _, err := a.client.Status().Leader(); err == nil {
			return fmt.Errorf("GET /v1/status/leader still answers")
		}
		return nil
	})
}

// `consul event -name=N [-node -service -tag] [payload]`: PUT /v1/event/fire/N, prints "Event ID: <id>";
// `consul watch -type=event` then reads /v1/event/list?name=N.
func TestCLI_Event(t *testing.T) {
	t.Parallel()
	a := sharedAgent(t)
	name := fmt.Sprintf("cli-event-%d", time.Now().UnixNano())
	id, meta, err := a.client.Event().Fire(&api.UserEvent{Name: name, Payload: []byte("deploy v2"), NodeFilter: "node-.*"}, nil)
	if err != nil {
		t.Fatalf("event fire: %v", err)
	}
	if !isUUID(id) {
		t.Fatalf("Event ID %q is not a UUID", id)
	}
	if meta.RequestTime <= 0 {
		t.Errorf("no request time in the write meta")
	}
	var events []*api.UserEvent
	eventually(t, 10*time.Second, "fired event not in /v1/event/list", func() error {
		var err error
		events, _, err = a.client.Event().List(name, nil)
		if err != nil {
			return err
		}
		if len(events) != 1 {
			return fmt.Errorf("want 1 event named %s, got %d", name, len(events))
		}
		return nil
	})
	e := events[0]
	if e.ID != id || e.Name != name || string(e.Payload) != "deploy v2" || e.NodeFilter != "node-.*" || e.Version != 1 {
		t.Errorf("event list entry %+v; want ID %s, Name %s, Payload 'deploy v2', NodeFilter node-.*, Version 1", *e, id, name)
	}
	// An event needs a name: PUT /v1/event/fire/ is refused (400 Missing name).
	if _, _, err := a.client.Event().Fire(&api.UserEvent{}, nil); err == nil {
		t.Errorf("firing an event without a name succeeded")
	}
}

func isUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i, c := range s {
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !strings.ContainsRune("0123456789abcdef", c) {
				return false
			}
		}
	}
	return true
}

// `consul exec <cmd>` against an agent with remote exec disabled (Consul's default): the CLI creates
// a "Remote Exec" session, acquires _rexec/<session>/job with the job spec, fires the `_rexec`
// event, then watches _rexec/<session>/ for acks. The agent ignores the event (it is not even
// listed), so nothing acks: the CLI prints "0 / 0 node(s) completed / acknowledged" and cleans up.
func TestCLI_ExecRefused(t *testing.T) {
	t.Parallel()
	a := sharedAgent(t)
	c := a.client
	if _, err := c.Agent().Self(); err != nil {
		t.Fatalf("agent self: %v", err)
	}
	sid, _, err := c.Session().Create(&api.SessionEntry{Name: "Remote Exec", Behavior: api.SessionBehaviorDelete, TTL: "15s"}, nil)
	if err != nil {
		t.Fatalf("session create: %v", err)
	}
	dir := "_rexec/" + sid
	spec := []byte(`{"Command":"uptime","Script":null,"Wait":2000000000}`)
	ok, _, err := c.KV().Acquire(&api.KVPair{Key: dir + "/job", Value: spec, Session: sid}, nil)
	if err != nil || !ok {
		t.Fatalf("acquire %s/job: %v %v", dir, ok, err)
	}
	payload, _ := json.Marshal(map[string]string{"Prefix": "_rexec", "Session": sid})
	if _, _, err := c.Event().Fire(&api.UserEvent{Name: "_rexec", Payload: payload}, nil); err != nil {
		t.Fatalf("fire _rexec: %v", err)
	}
	// The CLI's quiet wait: a blocking Keys on the job dir, 2 s.
	keys, meta, err := c.KV().Keys(dir+"/", "", nil)
	if err != nil {
		t.Fatalf("keys %s/: %v", dir, err)
	}
	deadline := time.Now().Add(2 * time.Second)
	for time.Now().Before(deadline) {
		keys, meta, err = c.KV().Keys(dir+"/", "", &api.QueryOptions{WaitIndex: meta.LastIndex, WaitTime: time.Until(deadline)})
		if err != nil {
			t.Fatalf("blocking keys %s/: %v", dir, err)
		}
	}
	if len(keys) != 1 || keys[0] != dir+"/job" {
		t.Errorf("with remote exec disabled only the job key may exist under %s/, got %v", dir, keys)
	}
	events, _, err := c.Event().List("_rexec", nil)
	if err != nil {
		t.Fatalf("event list: %v", err)
	}
	if len(events) != 0 {
		t.Errorf("the agent listed %d _rexec events; genuine Consul handles them internally and never lists them", len(events))
	}
	// Clean-up as the CLI does: destroy the session (behavior delete removes the job key), delete the dir.
	if _, err := c.Session().Destroy(sid, nil); err != nil {
		t.Fatalf("session destroy: %v", err)
	}
	if _, err := c.KV().DeleteTree(dir, nil); err != nil {
		t.Fatalf("delete %s: %v", dir, err)
	}
	if p, _, err := c.KV().Get(dir+"/job", nil); err != nil || p != nil {
		t.Errorf("job key still there after clean-up: %+v %v", p, err)
	}
}
