package consulconformance

// `consul kv put/get/delete/export/import` (with -cas, -modify-index, -flags, -acquire, -release,
// -session, -recurse, -keys, -separator, -detailed, -stale), as the calls they make through the Go
// client, checking every field the commands print.

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"

	"github.com/hashicorp/consul/api"
)

// `kv put KEY DATA` → "Success! Data written to: KEY"; `kv get KEY` prints the raw value;
// `kv get -detailed KEY` prints CreateIndex, Flags, Key, LockIndex, ModifyIndex, Session, Value.
func TestCLI_KVPutGetDetailed(t *testing.T) {
	t.Parallel()
	a := sharedAgent(t)
	kv := a.client.KV()
	key := uniquePrefix(t) + "/config"

	if _, err := kv.Put(&api.KVPair{Key: key, Value: []byte("v1")}, nil); err != nil {
		t.Fatalf("kv put: %v", err)
	}
	p, meta, err := kv.Get(key, nil)
	if err != nil || p == nil {
		t.Fatalf("kv get: %+v %v", p, err)
	}
	if p.Key != key || string(p.Value) != "v1" || p.Flags != 0 || p.LockIndex != 0 || p.Session != "" {
		t.Errorf("kv get -detailed: %+v; want Key %s, Value v1, Flags 0, LockIndex 0, Session empty", *p, key)
	}
	if p.CreateIndex == 0 || p.ModifyIndex != p.CreateIndex {
		t.Errorf("new key: CreateIndex %d, ModifyIndex %d; want both equal and > 0", p.CreateIndex, p.ModifyIndex)
	}
	if meta.LastIndex != p.ModifyIndex {
		t.Errorf("X-Consul-Index %d of a single-key read, want its ModifyIndex %d", meta.LastIndex, p.ModifyIndex)
	}
	if !meta.KnownLeader {
		t.Errorf("X-Consul-KnownLeader false on a single server with a leader")
	}

	// -flags=N
	if _, err := kv.Put(&api.KVPair{Key: key, Value: []byte("v2"), Flags: 42}, nil); err != nil {
		t.Fatalf("kv put -flags=42: %v", err)
	}
	p2, _, err := kv.Get(key, nil)
	if err != nil || p2 == nil {
		t.Fatalf("kv get: %+v %v", p2, err)
	}
	if string(p2.Value) != "v2" || p2.Flags != 42 || p2.CreateIndex != p.CreateIndex || p2.ModifyIndex <= p.ModifyIndex {
		t.Errorf("after kv put -flags=42: %+v; want Value v2, Flags 42, same CreateIndex %d, ModifyIndex > %d", *p2, p.CreateIndex, p.ModifyIndex)
	}
	// The largest flags (`consul lock` uses 0x2ddccbc058a50c18) round-trip as uint64.
	if _, err := kv.Put(&api.KVPair{Key: key, Value: nil, Flags: 18446744073709551615}, nil); err != nil {
		t.Fatalf("kv put -flags=max: %v", err)
	}
	p3, _, _ := kv.Get(key, nil)
	if p3 == nil || p3.Flags != 18446744073709551615 || len(p3.Value) != 0 {
		t.Errorf("kv put -flags=18446744073709551615 with an empty value read back as %+v", p3)
	}

	// -stale: served, and says so.
	_, smeta, err := kv.Get(key, &api.QueryOptions{AllowStale: true})
	if err != nil {
		t.Fatalf("kv get -stale: %v", err)
	}
	if smeta.LastIndex == 0 {
		t.Errorf("kv get -stale: no X-Consul-Index")
	}

	// A missing key: `Error! No key exists at: KEY` — the client sees 404 as a nil pair, with an index.
	missing, mmeta, err := kv.Get(key+"-missing", nil)
	if err != nil || missing != nil {
		t.Fatalf("kv get of a missing key: %+v, %v; want nil pair and no error (404)", missing, err)
	}
	if mmeta.LastIndex == 0 {
		t.Errorf("404 for a missing key came without X-Consul-Index")
	}
}

// `kv put -cas -modify-index=N KEY DATA` → "Success! Data written to" / "Error! Did not write to KEY: CAS failed".
func TestCLI_KVPutCAS(t *testing.T) {
	t.Parallel()
	a := sharedAgent(t)
	kv := a.client.KV()
	key := uniquePrefix(t) + "/cas"

	// -modify-index=0: create only if absent.
	ok, _, err := kv.CAS(&api.KVPair{Key: key, Value: []byte("first"), ModifyIndex: 0}, nil)
	if err != nil || !ok {
		t.Fatalf("kv put -cas -modify-index=0 on an absent key: %v %v; want true", ok, err)
	}
	ok, _, err = kv.CAS(&api.KVPair{Key: key, Value: []byte("again"), ModifyIndex: 0}, nil)
	if err != nil || ok {
		t.Fatalf("kv put -cas -modify-index=0 on an existing key: %v %v; want false (CAS failed)", ok, err)
	}
	p, _, _ := kv.Get(key, nil)
	if p == nil {
		t.Fatalf("key missing after CAS create")
	}
	ok, _, err = kv.CAS(&api.KVPair{Key: key, Value: []byte("stale"), ModifyIndex: p.ModifyIndex + 1000}, nil)
	if err != nil || ok {
		t.Fatalf("kv put -cas with a wrong index: %v %v; want false", ok, err)
	}
	ok, _, err = kv.CAS(&api.KVPair{Key: key, Value: []byte("second"), Flags: 7, ModifyIndex: p.ModifyIndex}, nil)
	if err != nil || !ok {
		t.Fatalf("kv put -cas with the current index: %v %v; want true", ok, err)
	}
	p2, _, _ := kv.Get(key, nil)
	if p2 == nil || string(p2.Value) != "second" || p2.Flags != 7 {
		t.Errorf("after a successful CAS: %+v; want Value second, Flags 7", p2)
	}
}

// `kv put -acquire -session=S KEY DATA` → "Success! Lock acquired on: KEY" / "Error! Did not acquire lock";
// `kv put -release -session=S KEY [DATA]` → "Success! Lock released on: KEY" / "Error! Did not release lock".
func TestCLI_KVAcquireRelease(t *testing.T) {
	t.Parallel()
	a := sharedAgent(t)
	kv, sessions := a.client.KV(), a.client.Session()
	key := uniquePrefix(t) + "/leader"

	s1, _, err := sessions.Create(&api.SessionEntry{Name: "cli-a"}, nil)
	if err != nil {
		t.Fatalf("session create: %v", err)
	}
	defer sessions.Destroy(s1, nil)
	s2, _, err := sessions.Create(&api.SessionEntry{Name: "cli-b"}, nil)
	if err != nil {
		t.Fatalf("session create: %v", err)
	}
	defer sessions.Destroy(s2, nil)

	ok, _, err := kv.Acquire(&api.KVPair{Key: key, Value: []byte("node-a"), Session: s1}, nil)
	if err != nil || !ok {
		t.Fatalf("kv put -acquire: %v %v", ok, err)
	}
	p, _, _ := kv.Get(key, nil)
	if p == nil || p.Session != s1 || p.LockIndex != 1 || string(p.Value) != "node-a" {
		t.Fatalf("after acquire: %+v; want Session %s, LockIndex 1, Value node-a", p, s1)
	}
	ok, _, err = kv.Acquire(&api.KVPair{Key: key, Value: []byte("node-b"), Session: s2}, nil)
	if err != nil || ok {
		t.Fatalf("kv put -acquire by another session: %v %v; want false", ok, err)
	}
	ok, _, err = kv.Release(&api.KVPair{Key: key, Session: s2}, nil)
	if err != nil || ok {
		t.Fatalf("kv put -release by a session that does not hold it: %v %v; want false", ok, err)
	}
	// Re-acquiring by the holder updates the value, keeps LockIndex.
	ok, _, err = kv.Acquire(&api.KVPair{Key: key, Value: []byte("node-a2"), Session: s1}, nil)
	if err != nil || !ok {
		t.Fatalf("kv put -acquire by the holder: %v %v", ok, err)
	}
	p, _, _ = kv.Get(key, nil)
	if p == nil || p.LockIndex != 1 || string(p.Value) != "node-a2" {
		t.Errorf("re-acquire by the holder: %+v; want LockIndex 1, Value node-a2", p)
	}
	// -release writes the given data (the CLI sends it, possibly empty) and clears Session.
	ok, _, err = kv.Release(&api.KVPair{Key: key, Value: []byte("released"), Session: s1}, nil)
	if err != nil || !ok {
		t.Fatalf("kv put -release: %v %v", ok, err)
	}
	p, _, _ = kv.Get(key, nil)
	if p == nil || p.Session != "" || p.LockIndex != 1 || string(p.Value) != "released" {
		t.Errorf("after release: %+v; want Session empty, LockIndex 1, Value released", p)
	}
	// An unknown session is an error, with Consul's body.
	_, _, err = kv.Acquire(&api.KVPair{Key: key, Session: "00000000-0000-0000-0000-000000000000"}, nil)
	if err == nil || !strings.Contains(err.Error(), `invalid session "00000000-0000-0000-0000-000000000000"`) {
		t.Errorf("acquire with an unknown session: %v; want Unexpected response code: 500 (invalid session \"…\")", err)
	}
}

// `kv get -recurse PREFIX` prints key:value per entry in key order; `kv get -keys [-separator=/] PREFIX`
// prints keys folded at the separator; `kv delete [-recurse] [-cas -modify-index=N]`.
func TestCLI_KVRecurseKeysDelete(t *testing.T) {
	t.Parallel()
	a := sharedAgent(t)
	kv := a.client.KV()
	prefix := uniquePrefix(t) + "/"
	for _, k := range []string{"b", "a", "sub/x", "sub/y", "sub/deeper/z"} {
		if _, err := kv.Put(&api.KVPair{Key: prefix + k, Value: []byte("val-" + k)}, nil); err != nil {
			t.Fatalf("put %s: %v", k, err)
		}
	}
	pairs, meta, err := kv.List(prefix, nil)
	if err != nil {
		t.Fatalf("kv get -recurse: %v", err)
	}
	var got []string
	var maxModify uint64
	for _, p := range pairs {
		got = append(got, strings.TrimPrefix(p.Key, prefix)+":"+string(p.Value))
		if p.ModifyIndex > maxModify {
			maxModify = p.ModifyIndex
		}
	}
	want := "a:val-a b:val-b sub/deeper/z:val-sub/deeper/z sub/x:val-sub/x sub/y:val-sub/y"
	if strings.Join(got, " ") != want {
		t.Errorf("kv get -recurse printed %q, want %q", strings.Join(got, " "), want)
	}
	if meta.LastIndex != maxModify {
		t.Errorf("X-Consul-Index of a recurse read %d, want the highest ModifyIndex under the prefix %d", meta.LastIndex, maxModify)
	}

	keys, _, err := kv.Keys(prefix, "/", nil)
	if err != nil {
		t.Fatalf("kv get -keys: %v", err)
	}
	if w := []string{prefix + "a", prefix + "b", prefix + "sub/"}; strings.Join(keys, ",") != strings.Join(w, ",") {
		t.Errorf("kv get -keys -separator=/ printed %v, want %v", keys, w)
	}
	all, _, err := kv.Keys(prefix, "", nil)
	if err != nil || len(all) != 5 {
		t.Errorf("kv get -keys -separator='' printed %v (%v), want the 5 keys", all, err)
	}

	// delete -cas: false with a wrong index, true with the right one.
	p, _, _ := kv.Get(prefix+"a", nil)
	if p == nil {
		t.Fatalf("missing %sa", prefix)
	}
	ok, _, err := kv.DeleteCAS(&api.KVPair{Key: p.Key, ModifyIndex: p.ModifyIndex + 1000}, nil)
	if err != nil || ok {
		t.Errorf("kv delete -cas with a wrong index: %v %v; want false", ok, err)
	}
	ok, _, err = kv.DeleteCAS(&api.KVPair{Key: p.Key, ModifyIndex: p.ModifyIndex}, nil)
	if err != nil || !ok {
		t.Errorf("kv delete -cas with the right index: %v %v; want true", ok, err)
	}
	// delete (plain) of a key, then of a key that does not exist: both succeed.
	if _, err := kv.Delete(prefix+"b", nil); err != nil {
		t.Errorf("kv delete: %v", err)
	}
	if _, err := kv.Delete(prefix+"never-there", nil); err != nil {
		t.Errorf("kv delete of a missing key: %v", err)
	}
	// delete -recurse removes the rest.
	if _, err := kv.DeleteTree(prefix+"sub", nil); err != nil {
		t.Fatalf("kv delete -recurse: %v", err)
	}
	rest, _, err := kv.List(prefix, nil)
	if err != nil || len(rest) != 0 {
		t.Errorf("after deleting everything under %s: %d keys left (%v)", prefix, len(rest), err)
	}
	// An emptied prefix still has an index that does not go back (tombstones).
	_, after, err := kv.List(prefix, nil)
	if err != nil || after.LastIndex < maxModify {
		t.Errorf("X-Consul-Index of the emptied prefix %d went below %d (%v)", after.LastIndex, maxModify, err)
	}
}

// exportEntry is the `consul kv export` format: lowercase keys, base64 value.
type exportEntry struct {
	Key   string `json:"key"`
	Flags uint64 `json:"flags"`
	Value string `json:"value"`
}

// `kv export PREFIX` (GET ?recurse, printed as [{key, flags, value}]) and `kv import` (one PUT per
// entry with ?flags) carry every key, value byte and flag across.
func TestCLI_KVExportImport(t *testing.T) {
	t.Parallel()
	a := sharedAgent(t)
	kv := a.client.KV()
	src := uniquePrefix(t) + "/src/"
	dst := strings.Replace(src, "/src/", "/dst/", 1)
	binary := []byte{0, 1, 2, 0xff, 0xfe, '\n'}
	in := map[string]struct {
		v []byte
		f uint64
	}{"plain": {[]byte("hello"), 0}, "flagged": {[]byte("x"), 99}, "binary": {binary, 1}, "empty": {nil, 0}}
	for k, e := range in {
		if _, err := kv.Put(&api.KVPair{Key: src + k, Value: e.v, Flags: e.f}, nil); err != nil {
			t.Fatalf("put %s: %v", k, err)
		}
	}
	pairs, _, err := kv.List(src, nil)
	if err != nil {
		t.Fatalf("kv export (recurse read): %v", err)
	}
	var exported []exportEntry
	for _, p := range pairs {
		exported = append(exported, exportEntry{Key: p.Key, Flags: p.Flags, Value: base64.StdEncoding.EncodeToString(p.Value)})
	}
	if len(exported) != len(in) {
		t.Fatalf("kv export printed %d entries, want %d", len(exported), len(in))
	}
	doc, _ := json.MarshalIndent(exported, "", "\t")

	var back []exportEntry
	if err := json.Unmarshal(doc, &back); err != nil {
		t.Fatalf("re-read export: %v", err)
	}
	for _, e := range back {
		v, err := base64.StdEncoding.DecodeString(e.Value)
		if err != nil {
			t.Fatalf("export value of %s is not base64: %v", e.Key, err)
		}
		if _, err := kv.Put(&api.KVPair{Key: dst + strings.TrimPrefix(e.Key, src), Value: v, Flags: e.Flags}, nil); err != nil {
			t.Fatalf("kv import %s: %v", e.Key, err)
		}
	}
	for k, e := range in {
		p, _, err := kv.Get(dst+k, nil)
		if err != nil || p == nil {
			t.Errorf("imported %s missing: %v", k, err)
			continue
		}
		if !bytes.Equal(p.Value, e.v) || p.Flags != e.f {
			t.Errorf("imported %s: value %q flags %d; want %q flags %d", k, p.Value, p.Flags, e.v, e.f)
		}
	}
}
