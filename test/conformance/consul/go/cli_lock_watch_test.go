package consulconformance

// `consul lock` (the api Lock for -n=1, the api Semaphore for -n>1) and `consul watch` (the api/watch
// package the CLI runs), checking the keys, sessions and handler results they produce.

import (
	"encoding/json"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/hashicorp/consul/api"
	"github.com/hashicorp/consul/api/watch"
	"github.com/hashicorp/go-hclog"
)

// `consul lock PREFIX CHILD`: Agent().NodeName(), then a Lock on PREFIX/.lock with the CLI's session
// name; while held the key carries the session and Consul's lock flag; a second `consul lock -try`
// does not get it; on exit the CLI unlocks and destroys.
func TestCLI_Lock(t *testing.T) {
	t.Parallel()
	a := sharedAgent(t)
	c := a.client
	prefix := uniquePrefix(t)
	if name, err := c.Agent().NodeName(); err != nil || name != a.nodeName() {
		t.Fatalf("consul lock reads the node name first: %q %v", name, err)
	}
	sessionName := fmt.Sprintf("Consul lock for '%s' at '%s'", "sleep 1", prefix)
	lock, err := c.LockOpts(&api.LockOptions{Key: prefix + "/.lock", SessionName: sessionName, MonitorRetries: 3, MonitorRetryTime: time.Second})
	if err != nil {
		t.Fatalf("lock opts: %v", err)
	}
	lost, err := lock.Lock(nil)
	if err != nil || lost == nil {
		t.Fatalf("lock: %v", err)
	}
	p, _, err := c.KV().Get(prefix+"/.lock", nil)
	if err != nil || p == nil {
		t.Fatalf("lock key: %+v %v", p, err)
	}
	if p.Flags != api.LockFlagValue || p.Session == "" || p.LockIndex != 1 {
		t.Errorf("held lock key %+v; want Flags %d, a Session, LockIndex 1", *p, uint64(api.LockFlagValue))
	}
	se, _, err := c.Session().Info(p.Session, nil)
	if err != nil || se == nil {
		t.Fatalf("session info %s: %+v %v", p.Session, se, err)
	}
	if se.Name != sessionName || se.TTL != "15s" || se.Behavior != "release" || se.Node != a.nodeName() || se.LockDelay != 15*time.Second {
		t.Errorf("lock session %+v; want Name %q, TTL 15s, Behavior release, Node %s, LockDelay 15s", *se, sessionName, a.nodeName())
	}

	// `consul lock -try=500ms` from another process: not acquired.
	other, err := c.LockOpts(&api.LockOptions{Key: prefix + "/.lock", LockTryOnce: true, LockWaitTime: 500 * time.Millisecond})
	if err != nil {
		t.Fatalf("lock opts: %v", err)
	}
	start := time.Now()
	got, err := other.Lock(nil)
	if err != nil || got != nil {
		t.Errorf("a second lock got %v, %v; want nil (held elsewhere)", got, err)
	}
	if time.Since(start) > 10*time.Second {
		t.Errorf("a -try lock took %v; the 500 ms wait should bound it", time.Since(start))
	}
	_ = other.Destroy()

	// Child exits: unlock (release) and destroy (delete the key if unheld).
	if err := lock.Unlock(); err != nil {
		t.Fatalf("unlock: %v", err)
	}
	select {
	case <-lost:
	case <-time.After(5 * time.Second):
		t.Errorf("the lost channel did not close after Unlock")
	}
	p, _, _ = c.KV().Get(prefix+"/.lock", nil)
	if p == nil || p.Session != "" {
		t.Errorf("after unlock the key %+v should remain without a session", p)
	}
	if err := lock.Destroy(); err != nil {
		t.Fatalf("destroy: %v", err)
	}
	if p, _, _ := c.KV().Get(prefix+"/.lock", nil); p != nil {
		t.Errorf("after destroy the lock key is still there: %+v", *p)
	}
}

// `consul lock -n=2 PREFIX CHILD`: a Semaphore; holders' contender keys PREFIX/<session> and the
// coordination key PREFIX/.lock {"Limit":2,"Holders":{...}}; a third contender with -try fails.
func TestCLI_LockSemaphore(t *testing.T) {
	t.Parallel()
	a := sharedAgent(t)
	c := a.client
	prefix := uniquePrefix(t)
	newSem := func(try bool) *api.Semaphore {
		s, err := c.SemaphoreOpts(&api.SemaphoreOptions{Prefix: prefix, Limit: 2, SessionName: "Consul lock for 'x' at '" + prefix + "'", SemaphoreTryOnce: try, SemaphoreWaitTime: 500 * time.Millisecond})
		if err != nil {
			t.Fatalf("semaphore opts: %v", err)
		}
		return s
	}
	s1, s2, s3 := newSem(false), newSem(false), newSem(true)
	for i, s := range []*api.Semaphore{s1, s2} {
		ch, err := s.Acquire(nil)
		if err != nil || ch == nil {
			t.Fatalf("semaphore holder %d: %v", i+1, err)
		}
	}
	p, _, err := c.KV().Get(prefix+"/.lock", nil)
	if err != nil || p == nil {
		t.Fatalf("semaphore .lock: %+v %v", p, err)
	}
	if p.Flags != api.SemaphoreFlagValue {
		t.Errorf(".lock Flags %d, want %d", p.Flags, uint64(api.SemaphoreFlagValue))
	}
	var doc struct {
		Limit   int
		Holders map[string]bool
	}
	if err := json.Unmarshal(p.Value, &doc); err != nil || doc.Limit != 2 || len(doc.Holders) != 2 {
		t.Errorf(".lock value %s (%v); want Limit 2 and two holders", p.Value, err)
	}
	contenders, _, err := c.KV().List(prefix+"/", nil)
	if err != nil {
		t.Fatalf("list contenders: %v", err)
	}
	held := 0
	for _, k := range contenders {
		if k.Key != prefix+"/.lock" && k.Session != "" && k.Flags == api.SemaphoreFlagValue {
			held++
		}
	}
	if held != 2 {
		t.Errorf("%d contender keys held with the semaphore flag, want 2", held)
	}
	if ch, err := s3.Acquire(nil); err != nil || ch != nil {
		t.Errorf("third contender with -try: %v %v; want not acquired", ch, err)
	}
	for _, s := range []*api.Semaphore{s1, s2} {
		if err := s.Release(); err != nil {
			t.Errorf("release: %v", err)
		}
	}
	if err := s1.Destroy(); err != nil {
		t.Errorf("destroy: %v", err)
	}
}

// watchResult is one call of a watch plan's handler.
type watchResult struct {
	idx uint64
	raw interface{}
}

// watchOnce runs a `consul watch` plan and returns a channel of the handler's calls.
func watchOnce(t *testing.T, c *api.Client, params map[string]interface{}) <-chan watchResult {
	t.Helper()
	plan, err := watch.Parse(params)
	if err != nil {
		t.Fatalf("watch parse %v: %v", params, err)
	}
	results := make(chan watchResult, 64)
	plan.Handler = func(idx uint64, raw interface{}) {
		select {
		case results <- watchResult{idx, raw}:
		default:
		}
	}
	logger := hclog.New(&hclog.LoggerOptions{Output: io.Discard})
	go func() { _ = plan.RunWithClientAndHclog(c, logger) }()
	t.Cleanup(plan.Stop)
	return results
}

// next waits for a handler call whose result satisfies ok; every call must carry a non-zero index
// (the CLI hands it to the child as CONSUL_INDEX).
func next(t *testing.T, ch <-chan watchResult, what string, ok func(interface{}) bool) {
	t.Helper()
	deadline := time.After(20 * time.Second)
	for {
		select {
		case r := <-ch:
			if r.idx == 0 {
				t.Errorf("watch handler called with index 0 (%s)", what)
			}
			if ok(r.raw) {
				return
			}
		case <-deadline:
			t.Fatalf("watch: %s never reached the handler", what)
		}
	}
}

// `consul watch -type=key|keyprefix|services|nodes|service|checks|event`: the pre-flight status
// call, then a blocking loop per type; the first result is printed as JSON, later ones only after
// a change.
func TestCLI_Watch(t *testing.T) {
	t.Parallel()
	a := sharedAgent(t)
	c := a.client
	if leader, err := c.Status().Leader(); err != nil || leader == "" {
		t.Fatalf("watch pre-flight GET /v1/status/leader: %q %v", leader, err)
	}
	prefix := uniquePrefix(t)

	t.Run("key", func(t *testing.T) {
		key := prefix + "/watched"
		ch := watchOnce(t, c, map[string]interface{}{"type": "key", "key": key})
		c.KV().Put(&api.KVPair{Key: key, Value: []byte("one")}, nil)
		next(t, ch, "the written key", func(raw interface{}) bool {
			p, _ := raw.(*api.KVPair)
			return p != nil && string(p.Value) == "one"
		})
		c.KV().Put(&api.KVPair{Key: key, Value: []byte("two")}, nil)
		next(t, ch, "the updated key", func(raw interface{}) bool {
			p, _ := raw.(*api.KVPair)
			return p != nil && string(p.Value) == "two"
		})
	})
	t.Run("keyprefix", func(t *testing.T) {
		kp := prefix + "/tree/"
		ch := watchOnce(t, c, map[string]interface{}{"type": "keyprefix", "prefix": kp})
		c.KV().Put(&api.KVPair{Key: kp + "a", Value: []byte("1")}, nil)
		c.KV().Put(&api.KVPair{Key: kp + "b", Value: []byte("2")}, nil)
		next(t, ch, "both keys under the prefix", func(raw interface{}) bool {
			ps, _ := raw.(api.KVPairs)
			return len(ps) == 2 && ps[0].Key == kp+"a" && ps[1].Key == kp+"b"
		})
	})
	svc := fmt.Sprintf("watched-%d", time.Now().UnixNano())
	t.Run("services", func(t *testing.T) {
		ch := watchOnce(t, c, map[string]interface{}{"type": "services"})
		next(t, ch, "the consul service", func(raw interface{}) bool {
			m, _ := raw.(map[string][]string)
			_, ok := m["consul"]
			return ok
		})
		if err := c.Agent().ServiceRegister(&api.AgentServiceRegistration{Name: svc, Tags: []string{"t1"}, Check: &api.AgentServiceCheck{TTL: "60s", Status: api.HealthPassing}}); err != nil {
			t.Fatalf("register: %v", err)
		}
		next(t, ch, "the new service", func(raw interface{}) bool {
			m, _ := raw.(map[string][]string)
			return len(m[svc]) == 1 && m[svc][0] == "t1"
		})
	})
	t.Cleanup(func() { c.Agent().ServiceDeregister(svc) })
	t.Run("nodes", func(t *testing.T) {
		ch := watchOnce(t, c, map[string]interface{}{"type": "nodes"})
		next(t, ch, "this node", func(raw interface{}) bool {
			ns, _ := raw.([]*api.Node)
			return len(ns) >= 1 && ns[0].Node == a.nodeName()
		})
	})
	t.Run("service", func(t *testing.T) {
		ch := watchOnce(t, c, map[string]interface{}{"type": "service", "service": svc, "passingonly": true})
		next(t, ch, "the passing instance", func(raw interface{}) bool {
			es, _ := raw.([]*api.ServiceEntry)
			return len(es) == 1 && es[0].Service.Service == svc && es[0].Node.Node == a.nodeName()
		})
	})
	t.Run("checks", func(t *testing.T) {
		ch := watchOnce(t, c, map[string]interface{}{"type": "checks", "state": "any"})
		next(t, ch, "serfHealth and the service check", func(raw interface{}) bool {
			cs, _ := raw.([]*api.HealthCheck)
			serf, svcCheck := false, false
			for _, hc := range cs {
				serf = serf || (hc.CheckID == "serfHealth" && hc.Status == api.HealthPassing)
				svcCheck = svcCheck || hc.ServiceName == svc
			}
			return serf && svcCheck
		})
	})
	t.Run("event", func(t *testing.T) {
		name := fmt.Sprintf("watched-event-%d", time.Now().UnixNano())
		ch := watchOnce(t, c, map[string]interface{}{"type": "event", "name": name})
		time.Sleep(200 * time.Millisecond)
		if _, _, err := c.Event().Fire(&api.UserEvent{Name: name, Payload: []byte("p")}, nil); err != nil {
			t.Fatalf("fire: %v", err)
		}
		next(t, ch, "the fired event", func(raw interface{}) bool {
			es, _ := raw.([]*api.UserEvent)
			return len(es) >= 1 && es[len(es)-1].Name == name && string(es[len(es)-1].Payload) == "p"
		})
	})
}
