package luapat

import "testing"

func TestCachedCompilesOnce(t *testing.T) {
	a, err := Cached("^(%w+)=(%w+)$")
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := Cached("^(%w+)=(%w+)$"); a != b {
		t.Error("the same pattern was compiled twice")
	}
	mds, err := a.Find([]byte("k=v"), 0, 1)
	if err != nil || len(mds) != 1 || mds[0].CaptureLength() != 6 || mds[0].Capture(2) != 0 || mds[0].Capture(3) != 1 {
		t.Errorf("match: %v, %v", mds, err)
	}
	if _, err := Cached("[a"); err == nil {
		t.Error("a bad pattern compiled")
	}
}
