package proxy

import (
	"strings"
	"testing"

	"switchyard/config"
)

// A fetch whose server or table argument would default to the proxy's own
// must name it in a defaults section, as haproxy refuses it there
// (reg-test startup/default_rules, its h15); naming it is fine.
func TestDefaultsFetchNeedsExplicitObject(t *testing.T) {
	const tail = "\nbackend be from d\n stick-table type ip size 1k store conn_cur\n server www 127.0.0.1:80\n"
	for _, tt := range []struct{ rule, err string }{
		{`http-request set-header x "%[srv_conn(www)]"`, "backend name must be set in arg 1 of sample fetch keyword 'srv_conn'"},
		{`http-request deny if { srv_is_up(www) }`, "backend name must be set in arg 1 of sample fetch keyword 'srv_is_up'"},
		{`http-request deny if { src_conn_cur gt 1 }`, "table name must be set in arg 1 of 'src_conn_cur'"},
		{`http-request deny if { table_avl lt 1 }`, "table name must be set in arg 1 of 'table_avl'"},
		{`http-request set-header x "%[srv_conn(be/www)]"`, ""},
		{`http-request deny if { src_conn_cur(be) gt 1 }`, ""},
		{`http-request deny if { sc_http_req_rate(0) gt 20 }`, ""},
	} {
		cfg := "defaults d\n mode http\n " + tt.rule + tail
		_, _, errs := config.LoadBytes("t.cfg", []byte(cfg), config.LoadOptions{})
		got := ""
		if len(errs) > 0 {
			got = errs[0].Error()
		}
		if tt.err == "" && got != "" || tt.err != "" && !strings.Contains(got, tt.err) {
			t.Errorf("%s:\n got  %q\n want %q", tt.rule, got, tt.err)
		}
	}
	// The same fetches in a proxy take its own server or table.
	cfg := "backend be\n mode http\n stick-table type ip size 1k store conn_cur\n http-request deny if { srv_is_up(www) } { src_conn_cur gt 1 }\n server www 127.0.0.1:80\n"
	if _, _, errs := config.LoadBytes("t.cfg", []byte(cfg), config.LoadOptions{}); len(errs) > 0 {
		t.Errorf("in a backend: %v", errs)
	}
}
