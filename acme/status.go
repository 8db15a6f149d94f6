package acme

import (
	"fmt"
	"io"
	"sort"
	"time"
)

// Status is one certificate's line of `acme status`.
type Status struct {
	Path    string
	Section string
	// State is haproxy's: "Running" (an issuance is under way),
	// "Scheduled" or "Stopped" (acme.scheduler off).
	State string
	// Expires is the certificate's notAfter (a stand-in's is past).
	Expires time.Time
	// Next is the next attempt (zero: none until `acme renew`).
	Next time.Time
}

// Status lists the certificates, by path.
func (m *Manager) Status() []Status {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []Status
	for _, t := range m.tasks {
		st := Status{Path: t.path, Section: t.cert.ACME, State: "Scheduled"}
		if m.conf.SchedulerOff {
			st.State = "Stopped"
		}
		if t.running {
			st.State = "Running"
		} else {
			st.Next = t.next
		}
		if t.leaf != nil {
			st.Expires = t.leaf.NotAfter
		}
		out = append(out, st)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out
}

// WriteStatus writes `acme status` as haproxy 3.2 does: a header, then a
// line per certificate, fields separated by tabs, dates in UTC ISO 8601,
// durations as "89d 23h01m13s" (0 when past).
func (m *Manager) WriteStatus(w io.Writer, now time.Time) {
	fmt.Fprint(w, "# certificate\tsection\tstate\texpiration date (UTC)\texpires in\tscheduled date (UTC)\tscheduled in\n")
	for _, s := range m.Status() {
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t", s.Path, s.Section, s.State, date(s.Expires), remain(s.Expires, now))
		if s.Next.IsZero() {
			fmt.Fprint(w, "-\t-\n")
			continue
		}
		fmt.Fprintf(w, "%s\t%s\n", date(s.Next), remain(s.Next, now))
	}
}

func date(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05Z") }

func remain(t, now time.Time) string {
	d := int64(0)
	if t.After(now) {
		d = int64(t.Sub(now) / time.Second)
	}
	return fmt.Sprintf("%dd %dh%02dm%02ds", d/86400, d%86400/3600, d%3600/60, d%60)
}
