package config

import "testing"

// use-service accepts the services the process registered, and refuses
// others with haproxy's words.
func init() {
	RegisterService("test-svc")
	moreKeywordCases = append(moreKeywordCases, func() []kwCase {
		return []kwCase{
			{kw: "http-request use-service", in: inNamed, src: "mode http\nhttp-request use-service test-svc if { path /metrics }", check: func(t *testing.T, _ *Config, px *Proxy) {
				eq(t, "Name", px.HTTPRequest[0].Args.(*UseService).Name, "test-svc")
			}},
			{kw: "http-request use-service", in: inNamed, src: "http-request use-service nope",
				err: "t.cfg:2: 'http-request use-service': 'nope' unknown service name."},
			{kw: "http-request use-service", in: inNamed, src: "http-request use-service",
				err: "t.cfg:2: 'http-request use-service': 'use-service' expects a service name."},
		}
	})
}

func TestServiceNames(t *testing.T) {
	found := false
	for _, n := range ServiceNames() {
		found = found || n == "test-svc"
	}
	if !found {
		t.Errorf("ServiceNames() = %v, lacks the registered test-svc", ServiceNames())
	}
}
