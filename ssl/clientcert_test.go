package ssl

import (
	"crypto/tls"
	"path/filepath"
	"testing"

	"switchyard/internal/testcert"
)

// A server's crt is in the store: set and commit replace what new
// handshakes present, and the sessions made with the old one are not
// resumed.
func TestClientCertReplaced(t *testing.T) {
	ca := testcert.NewCA("client CA")
	dir := t.TempDir()
	path := filepath.Join(dir, "client.pem")
	testcert.Write(path, ca.Issue(testcert.Opts{CN: "one", Client: true}).Bundle())
	c, err := LoadCert(path, ExtraAll)
	if err != nil {
		t.Fatal(err)
	}
	cc := &ClientConf{Conf: Conf{Verify: VerifyNone}, Cert: c}
	cfg, err := cc.NewClient()
	if err != nil {
		t.Fatal(err)
	}
	var st Store
	st.Clients = func() []*ClientCert { return []*ClientCert{cc.Ref} }
	sent := func() string {
		got, err := cfg.GetClientCertificate(&tls.CertificateRequestInfo{})
		if err != nil {
			t.Fatal(err)
		}
		return got.Leaf.Subject.CommonName
	}
	if sent() != "one" {
		t.Fatalf("before: %s", sent())
	}
	cache := SessionCache(tls.NewLRUClientSessionCache(4), cc.Ref)
	cache.Put("srv", &tls.ClientSessionState{})
	if _, ok := cache.Get("srv"); !ok {
		t.Fatal("the session was not kept")
	}
	if cs, ok := st.Show(path, false); !ok || cs.Status != "Used" {
		t.Fatalf("show: %+v %v", cs, ok)
	}
	if _, err := st.Set(path, ca.Issue(testcert.Opts{CN: "two", Client: true}).Bundle()); err != nil {
		t.Fatal(err)
	}
	if n, err := st.Commit(path); err != nil || n != 1 {
		t.Fatalf("commit: %d %v", n, err)
	}
	if sent() != "two" {
		t.Errorf("after commit: %s", sent())
	}
	if _, ok := cache.Get("srv"); ok {
		t.Error("a session made with the old certificate would be resumed")
	}
}
