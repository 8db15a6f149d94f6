package proxy

import (
	"strings"
	"testing"

	"switchyard/config"
)

// The stream fetches say where they can be used, as haproxy checks it: the
// backend is not known in a frontend's request rules, the server only once
// the request went to one.
func TestStreamFetchesWhereKnown(t *testing.T) {
	for _, tt := range []struct{ cfg, err string }{
		{"frontend f\n mode http\n http-request return status 200 content-type text/plain lf-string %[be_name]\n",
			"t.cfg:3: 'http-request return': 'lf-string': sample fetch <be_name> may not be reliably used here because it needs 'backend' which is not available here"},
		{"backend b\n mode http\n http-request return status 200 content-type text/plain lf-string %[srv_name]\n",
			"t.cfg:3: 'http-request return': 'lf-string': sample fetch <srv_name> may not be reliably used here because it needs 'server' which is not available here"},
		{"listen l\n mode http\n http-request return status 200 content-type text/plain lf-string %[be_name]\n", ""},
		{"frontend f\n mode http\n http-response set-header x %[be_name]-%[srv_name]\n", ""},
		{"frontend f\n mode http\n log 127.0.0.1 local0\n log-format \"%[be_id] %[srv_id]\"\n", ""},
	} {
		_, _, errs := config.LoadBytes("t.cfg", []byte(tt.cfg), config.LoadOptions{})
		got := ""
		if len(errs) > 0 {
			got = errs[0].Error()
		}
		if tt.err == "" && got != "" || tt.err != "" && !strings.Contains(got, tt.err) {
			t.Errorf("%q:\n got  %q\n want %q", tt.cfg, got, tt.err)
		}
	}
}
