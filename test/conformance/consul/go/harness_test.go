package consulconformance

// The agent these tests talk to: `dcsgw agent`, started exactly as Consul's own api tests start
// genuine Consul — through sdk/testutil, which execs `consul agent -config-file F` from PATH (the
// runner puts the dcsgw shim there). One agent is shared by the tests that leave it running as
// they found it; tests that end an agent (leave) start their own.

import (
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/consul/api"
	"github.com/hashicorp/consul/sdk/testutil"
)

// Meta every agent of these tests carries, so `catalog nodes -node-meta` has something to match.
var testNodeMeta = map[string]string{"rack": "r1", "role-hint": "cli-tests"}

// withoutMesh is the testutil configuration minus Connect and peering: the CLI commands tested
// here never touch them, and dcsgw's agent does not provide them (issue 6 leaves mesh out).
func withoutMesh(c *testutil.TestServerConfig) {
	c.Connect = nil
	c.Peering = nil
	c.NodeMeta = testNodeMeta
}

// testAgent is one running agent and a client of it.
type testAgent struct {
	srv    *testutil.TestServer
	client *api.Client
}

func (a *testAgent) nodeName() string { return a.srv.Config.NodeName }
func (a *testAgent) nodeID() string   { return a.srv.Config.NodeID }

// startAgent starts an agent and waits, as testutil's WaitForLeader does, until it has a leader.
func startAgent(tb testutil.TestingTB) (*testAgent, error) {
	srv, err := testutil.NewTestServerConfigT(tb, withoutMesh)
	if err != nil {
		return nil, err
	}
	client, err := api.NewClient(&api.Config{Address: srv.HTTPAddr})
	if err != nil {
		srv.Stop()
		return nil, err
	}
	deadline := time.Now().Add(15 * time.Second)
	for {
		leader, err := client.Status().Leader()
		if err == nil && leader != "" {
			break
		}
		if time.Now().After(deadline) {
			srv.Stop()
			return nil, fmt.Errorf("agent has no leader after 15 s (last: %q, %v)", leader, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	return &testAgent{srv: srv, client: client}, nil
}

// ownAgent starts an agent for one test and stops it when the test ends.
func ownAgent(t *testing.T) *testAgent {
	t.Helper()
	a, err := startAgent(t)
	if err != nil {
		t.Fatalf("cannot start the agent: %v", err)
	}
	t.Cleanup(func() { _ = a.srv.Stop() })
	return &testAgent{srv: a.srv, client: clientFor(t, a.srv)}
}

var (
	sharedOnce  sync.Once
	sharedAg    *testAgent
	sharedErr   error
	sharedOwner = &processTB{name: "TestMain"}
)

// sharedAgent is the agent most tests use (started on first use, stopped by TestMain).
func sharedAgent(t *testing.T) *testAgent {
	t.Helper()
	sharedOnce.Do(func() { sharedAg, sharedErr = startShared() })
	if sharedErr != nil {
		t.Fatalf("cannot start the shared agent: %v", sharedErr)
	}
	return &testAgent{srv: sharedAg.srv, client: clientFor(t, sharedAg.srv)}
}

// clientFor is a client of the agent whose requests name the test (header X-Dcsgw-Test), so the
// runner can tell which test an answer of the shared agent belongs to. Consul ignores the header.
func clientFor(t *testing.T, srv *testutil.TestServer) *api.Client {
	t.Helper()
	c, err := api.NewClient(&api.Config{Address: srv.HTTPAddr})
	if err != nil {
		t.Fatalf("client: %v", err)
	}
	c.AddHeader("X-Dcsgw-Test", t.Name())
	return c
}

// startShared starts the shared agent; testutil's Fatal on processTB panics, turned into an error here.
func startShared() (a *testAgent, err error) {
	defer func() {
		if r := recover(); r != nil {
			f, ok := r.(processTBFatal)
			if !ok {
				panic(r)
			}
			a, err = nil, fmt.Errorf("testutil: %s", f.msg)
		}
	}()
	return startAgent(sharedOwner)
}

func TestMain(m *testing.M) {
	code := m.Run()
	if sharedAg != nil {
		_ = sharedAg.srv.Stop()
	}
	sharedOwner.cleanup()
	if sharedOwner.failed && code == 0 {
		code = 1
	}
	os.Exit(code)
}

// processTB is testutil's TestingTB for an agent that outlives single tests: its cleanups run when
// the test binary ends, its log goes to stderr (shown by the runner for a failing run).
type processTB struct {
	mu       sync.Mutex
	name     string
	cleanups []func()
	failed   bool
	last     string
}

type processTBFatal struct{ msg string }

func (p *processTB) Cleanup(f func()) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cleanups = append(p.cleanups, f)
}

func (p *processTB) cleanup() {
	p.mu.Lock()
	fs := p.cleanups
	p.cleanups = nil
	p.mu.Unlock()
	for i := len(fs) - 1; i >= 0; i-- {
		fs[i]()
	}
}
func (p *processTB) Error(args ...any)                 { p.Log(args...); p.Fail() }
func (p *processTB) Errorf(format string, args ...any) { p.Logf(format, args...); p.Fail() }
func (p *processTB) Fail()                             { p.mu.Lock(); p.failed = true; p.mu.Unlock() }
func (p *processTB) FailNow() {
	p.Fail()
	p.mu.Lock()
	msg := p.last
	p.mu.Unlock()
	panic(processTBFatal{msg})
}
func (p *processTB) Failed() bool                      { p.mu.Lock(); defer p.mu.Unlock(); return p.failed }
func (p *processTB) Fatal(args ...any)                 { p.Log(args...); p.FailNow() }
func (p *processTB) Fatalf(format string, args ...any) { p.Logf(format, args...); p.FailNow() }
func (p *processTB) Helper()                           {}
func (p *processTB) Log(args ...any)                   { p.say(fmt.Sprint(args...)) }
func (p *processTB) Logf(format string, args ...any)   { p.say(fmt.Sprintf(format, args...)) }
func (p *processTB) say(msg string) {
	p.mu.Lock()
	p.last = msg
	p.mu.Unlock()
	fmt.Fprintln(os.Stderr, p.name+": "+strings.TrimSuffix(msg, "\n"))
}
func (p *processTB) Name() string             { return p.name }
func (p *processTB) Setenv(key, value string) { os.Setenv(key, value) }
func (p *processTB) TempDir() string {
	d, err := os.MkdirTemp("", "dcsgw-cli-tests")
	if err != nil {
		panic(err)
	}
	p.Cleanup(func() { os.RemoveAll(d) })
	return d
}

// uniquePrefix gives each test its own KV prefix on the shared agent.
func uniquePrefix(t *testing.T) string {
	return "cli-tests/" + strings.ReplaceAll(t.Name(), "/", "-") + "/" + fmt.Sprint(time.Now().UnixNano())
}

// eventually retries f until it returns nil or the timeout passes.
func eventually(t *testing.T, timeout time.Duration, what string, f func() error) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		err := f()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: %v", what, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
