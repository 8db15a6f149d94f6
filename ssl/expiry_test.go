package ssl

import (
	"math/big"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"switchyard/internal/testcert"
)

// loadLeaf writes a leaf and loads it as a `crt` would.
func loadLeaf(t *testing.T, o testcert.Opts) (*Cert, *testcert.Leaf) {
	t.Helper()
	leaf := testcert.NewCA("expiry CA").Issue(o)
	path := filepath.Join(t.TempDir(), "c.pem")
	testcert.Write(path, leaf.Bundle())
	c, err := LoadCert(path, ExtraAll)
	if err != nil {
		t.Fatal(err)
	}
	return c, leaf
}

func TestCertExpiry(t *testing.T) {
	c, leaf := loadLeaf(t, testcert.Opts{CN: "www.example.com", DNS: []string{"www.example.com"}, Validity: 3 * 24 * time.Hour})
	end := leaf.Cert.NotAfter
	if !c.NotAfter().Equal(end) {
		t.Errorf("NotAfter %v, want %v", c.NotAfter(), end)
	}
	if c.Expired(end.Add(-time.Nanosecond)) || !c.Expired(end) || !c.Expired(end.Add(time.Hour)) {
		t.Error("Expired: the instant of notAfter and after, not before")
	}
	c.TLS.Leaf.SerialNumber = big.NewInt(0x0a1b2c)
	if s := c.Serial(); s != "0A1B2C" {
		t.Errorf("Serial %q", s)
	}
	c.TLS.Leaf.SerialNumber = big.NewInt(0)
	if s := c.Serial(); s != "00" {
		t.Errorf("Serial of 0: %q", s)
	}
}

// Uncovered reads the names as Go's VerifyHostname: wildcards over one
// label, IP addresses among the IP SANs, the common name not at all; a
// wildcard filter needs the same wildcard.
func TestUncovered(t *testing.T) {
	c, _ := loadLeaf(t, testcert.Opts{CN: "cn-only.example.com", DNS: []string{"www.example.com", "*.Example.org", "192.0.2.1"}})
	filters := []string{"www.example.com", "api.example.org", "*.example.org", "192.0.2.1", // covered
		"!skip.example.com", "!*.example.net", // negative: skipped
		"cn-only.example.com", "a.b.example.org", "example.org", "*.example.com", "*.api.example.org", "192.0.2.2"}
	want := []string{"cn-only.example.com", "a.b.example.org", "example.org", "*.example.com", "*.api.example.org", "192.0.2.2"}
	if got := c.Uncovered(filters); !reflect.DeepEqual(got, want) {
		t.Errorf("Uncovered:\n got %q\nwant %q", got, want)
	}
	if got := c.AltNames(); !reflect.DeepEqual(got, []string{"www.example.com", "*.Example.org", "192.0.2.1"}) {
		t.Errorf("AltNames %q", got)
	}
}

// A crt-list entry knows its line; a crt argument is named by its file.
func TestEntryWhere(t *testing.T) {
	dir := t.TempDir()
	leaf := testcert.NewCA("where CA").Issue(testcert.Opts{CN: "a.example.com", DNS: []string{"a.example.com"}})
	testcert.Write(filepath.Join(dir, "a.pem"), leaf.Bundle())
	list := filepath.Join(dir, "list.txt")
	testcert.Write(list, []byte("# x\n\na.pem a.example.com\n"))
	es, err := LoadCrtList(list, dir, ExtraAll, nil)
	if err != nil || len(es) != 1 {
		t.Fatal(es, err)
	}
	if es[0].List != list || es[0].Line != 3 || es[0].Where() != list+":3" {
		t.Errorf("entry at %q %d %q", es[0].List, es[0].Line, es[0].Where())
	}
	e := &Entry{Cert: es[0].Cert}
	if e.Where() != filepath.Join(dir, "a.pem") {
		t.Errorf("crt entry at %q", e.Where())
	}
}
