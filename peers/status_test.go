package peers

import (
	"sync"
	"testing"
	"time"

	"switchyard/stick"
)

// TestStatus: what show peers reads of two sections in session, taken
// while updates flow (for the race detector), then checked once they are
// acknowledged.
func TestStatus(t *testing.T) {
	a, b := freePort(t), freePort(t)
	ta, tb := stick.New(testSpec()), stick.New(testSpec())
	ma, mb := NewManager(nil), NewManager(nil)
	defer ma.Close()
	defer mb.Close()
	// b knows a without an address: a dials, b accepts.
	if err := mb.Apply([]SectionConfig{{Name: "p", Local: "b", Listen: b, LocalIndex: 1,
		Remotes: []Remote{{Name: "a", Shown: "127.0.0.1:0"}}, Tables: []*stick.Table{tb}}}); err != nil {
		t.Fatal(err)
	}
	if err := ma.Apply([]SectionConfig{{Name: "p", Local: "a", Listen: a, LocalIndex: 0,
		Remotes: []Remote{{Name: "b", Addr: b}}, Tables: []*stick.Table{ta}}}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "a session", 5*time.Second, func() bool { return ma.Section("p").Peers()["b"] })
	var wg sync.WaitGroup
	stop := make(chan struct{})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			ma.Status()
			mb.Status()
		}
	}()
	for _, k := range []string{"k1", "k2", "k3"} {
		e := ta.Get([]byte(k))
		e.Add(stick.DTGPC0, 0, 1)
		e.SetServerKey("srv-" + k)
		e.Touch()
		e.Release()
	}
	waitFor(t, "b learns k3", 5*time.Second, func() bool { return read(tb, "k3", stick.DTGPC0, 0) == 1 })
	close(stop)
	wg.Wait()

	var sa []SectionStatus
	waitFor(t, "b acknowledges every update", 5*time.Second, func() bool {
		sa = ma.Status()
		return len(sa) == 1 && len(sa[0].Peers) == 2 && len(sa[0].Peers[0].Tables) == 1 &&
			sa[0].Peers[0].Tables[0].Update == sa[0].Peers[0].Tables[0].LocalUpdate
	})
	// haproxy's order: the last line first; a's line comes first.
	pb, pa := sa[0].Peers[0], sa[0].Peers[1]
	if pb.Name != "b" || pb.Local || !pb.Active || pb.Status != 200 || pb.NewConn != 1 ||
		pb.Session == nil || pb.Session.St0 != StWaitMsg || pb.Session.Incoming {
		t.Errorf("a's view of b: %+v %+v", pb, pb.Session)
	}
	if pa.Name != "a" || !pa.Local || pa.Active || pa.Addr != a || pa.Session != nil {
		t.Errorf("a's own line: %+v", pa)
	}
	// a learned nothing: its changes have every id, and the last was
	// pushed.
	st := pb.Tables[0]
	if st.LocalUpdate < 3 || st.TableUpdate != st.LocalUpdate || st.LastPushed != st.LocalUpdate ||
		st.CommitUpdate != st.LocalUpdate || st.TableName != "p/t" || st.LocalID != 1 {
		t.Errorf("a's table for b: %+v", st)
	}
	if len(pb.TxDict) != 3 || pb.TxDict[0] != "srv-k1" || pb.LastLocalTable == nil {
		t.Errorf("a's dictionary towards b: %q, last local table %+v", pb.TxDict, pb.LastLocalTable)
	}
	// b's lines: a's, then its own (local, after a's): reversed.
	sb := mb.Status()
	if len(sb) != 1 || len(sb[0].Peers) != 2 || sb[0].Peers[0].Name != "b" || sb[0].Peers[1].Name != "a" {
		t.Fatalf("b's peers: %+v", sb)
	}
	qa := sb[0].Peers[1]
	if qa.Addr != "127.0.0.1:0" || qa.Session == nil || !qa.Session.Incoming || qa.Session.Src == nil ||
		qa.RemoteTable == nil || qa.Tables[0].LastGet != st.LocalUpdate || qa.Tables[0].RemoteData == 0 {
		t.Errorf("b's view of a: %+v %+v", qa, qa.Session)
	}
	if qa.RxDict[0] != "srv-k1" || qa.RxDict[2] != "srv-k3" {
		t.Errorf("b's dictionary from a: %q", qa.RxDict[:4])
	}
}
