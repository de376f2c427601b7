// A user's program on the official Go client (github.com/hashicorp/consul/api): its configuration
// comes only from the environment the consul CLI reads too (CONSUL_HTTP_ADDR=https://...,
// CONSUL_CACERT, CONSUL_CLIENT_CERT / CONSUL_CLIENT_KEY, CONSUL_HTTP_SSL_VERIFY). It writes the
// key named by its first argument, reads it back and prints one JSON line with what it saw; any
// failure is printed as the client reports it ({"error": "..."}) with exit status 1.
package main

import (
	"encoding/json"
	"fmt"
	"os"

	"github.com/hashicorp/consul/api"
)

type result struct {
	Leader string `json:"leader,omitempty"`
	Value  string `json:"value,omitempty"`
	Error  string `json:"error,omitempty"`
}

func emit(r result, code int) {
	out, _ := json.Marshal(r)
	fmt.Println(string(out))
	os.Exit(code)
}

func main() {
	key := "tls/probe"
	if len(os.Args) > 1 {
		key = os.Args[1]
	}
	client, err := api.NewClient(api.DefaultConfig())
	if err != nil {
		emit(result{Error: err.Error()}, 1)
	}
	leader, err := client.Status().Leader()
	if err != nil {
		emit(result{Error: err.Error()}, 1)
	}
	if _, err := client.KV().Put(&api.KVPair{Key: key, Value: []byte("over-tls")}, nil); err != nil {
		emit(result{Error: err.Error()}, 1)
	}
	pair, _, err := client.KV().Get(key, nil)
	if err != nil {
		emit(result{Error: err.Error()}, 1)
	}
	if pair == nil {
		emit(result{Leader: leader, Error: "key not found after put"}, 1)
	}
	emit(result{Leader: leader, Value: string(pair.Value)}, 0)
}
