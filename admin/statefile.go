package admin

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"switchyard/backend"
	"switchyard/config"
)

// Server state files (`server-state-file`, `load-server-state-from-file`):
// what `show servers state` printed before a restart, read once at start
// so that servers come back as they were left. Format version 1, haproxy's:
//
//	1
//	# be_id be_name srv_id srv_name srv_addr srv_op_state srv_admin_state srv_uweight srv_iweight srv_time_since_last_change srv_check_status srv_check_result srv_check_health srv_check_state srv_agent_state bk_f_forced_id srv_f_forced_id srv_fqdn srv_port srvrecord [...]
//	3 app 1 web1 10.0.0.1 2 0 1 1 120 6 3 4 6 0 0 0 - 8080 - ...

// LoadServerState applies the state files of cfg's backends; it returns
// the problems found, one message per file or line, which the caller logs
// as warnings (a missing or bad file changes nothing, as in haproxy).
func (a *Surface) LoadServerState(cfg *config.Config) []string {
	var warns []string
	files := map[string]map[string][]string{} // path -> "backend/server" -> fields
	snap := a.rt.Snapshot()
	for _, px := range snap.Proxies() {
		path := config.StateFilePath(&cfg.Global, px)
		if path == "" {
			continue
		}
		lines, ok := files[path]
		if !ok {
			var err error
			if lines, err = readStateFile(path); err != nil {
				warns = append(warns, err.Error())
			}
			files[path] = lines
		}
		be := snap.Backend(px.Name)
		if be == nil {
			continue
		}
		for _, s := range be.Servers() {
			f, ok := lines[px.Name+"/"+s.Name]
			if !ok {
				continue
			}
			st, err := parseSaved(f)
			if err != nil {
				warns = append(warns, fmt.Sprintf("server-state file %s: backend '%s', server '%s': %v", path, px.Name, s.Name, err))
				continue
			}
			s.ApplySaved(st)
			// srv_use_ssl, applied to a server with TLS settings as
			// haproxy applies it (-1, no-ssl's, is left as configured).
			if len(f) > 20 && s.Settings().PreparedTLS != nil && (f[20] == "0" || f[20] == "1") {
				s.SetSSL(f[20] == "1")
			}
			// Where checks and the agent connect, as haproxy restores
			// them (srv_check_port, srv_check_addr, srv_agent_addr,
			// srv_agent_port; "-" and 0: not saved).
			for _, w := range []string{
				savedAddr(f, 22, 21, s.SetCheckAddr),
				savedAddr(f, 23, 24, s.SetAgentAddr),
			} {
				if w != "" {
					warns = append(warns, fmt.Sprintf("server-state file %s: backend '%s', server '%s': %s", path, px.Name, s.Name, w))
				}
			}
		}
	}
	return warns
}

// savedAddr applies the address and port saved in fields ai and pi, when
// the line has them, with set; it returns set's warning.
func savedAddr(f []string, ai, pi int, set func(addr, port string) string) string {
	field := func(i int, none string) string {
		if i < len(f) && f[i] != none {
			return f[i]
		}
		return ""
	}
	addr, port := field(ai, "-"), field(pi, "0")
	if addr == "" && port == "" {
		return ""
	}
	return set(addr, port)
}

// readStateFile returns the file's server lines by "backend/server".
func readStateFile(path string) (map[string][]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("can't open server state file '%s': %v", path, err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	if !sc.Scan() || strings.TrimSpace(sc.Text()) != "1" {
		return nil, fmt.Errorf("can't get version of the server state file '%s'", path)
	}
	out := map[string][]string{}
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' {
			continue
		}
		f := strings.Fields(line)
		if len(f) < 17 {
			continue
		}
		out[f[1]+"/"+f[3]] = f
	}
	return out, sc.Err()
}

// parseSaved reads the fields of one server line, refusing values haproxy
// refuses (the whole line is then ignored).
func parseSaved(f []string) (backend.SavedState, error) {
	num := func(i int, name string) (int, error) {
		n, err := strconv.Atoi(f[i])
		if err != nil {
			return 0, fmt.Errorf("invalid %s value '%s'", name, f[i])
		}
		return n, nil
	}
	var st backend.SavedState
	var err error
	if st.OpState, err = num(5, "srv_op_state"); err != nil || st.OpState < 0 || st.OpState > 3 {
		return st, fmt.Errorf("invalid srv_op_state value '%s'", f[5])
	}
	adm, err := num(6, "srv_admin_state")
	if err != nil {
		return st, err
	}
	// Inherited and resolution flags are recomputed, as haproxy does.
	st.AdminState = backend.Admin(adm) & (backend.AdminFMaint | backend.AdminCMaint | backend.AdminFDrain)
	if st.UWeight, err = num(7, "srv_uweight"); err != nil || st.UWeight > 256 {
		return st, fmt.Errorf("invalid srv_uweight value '%s'", f[7])
	}
	if st.IWeight, err = num(8, "srv_iweight"); err != nil || st.IWeight > 256 {
		return st, fmt.Errorf("invalid srv_iweight value '%s'", f[8])
	}
	since, err := num(9, "srv_time_since_last_change")
	if err != nil {
		return st, err
	}
	st.SinceChange = time.Duration(since) * time.Second
	chk, err := num(13, "srv_check_state")
	if err != nil {
		return st, err
	}
	agt, err := num(14, "srv_agent_state")
	if err != nil {
		return st, err
	}
	st.HadCheckConf, st.CheckOff = chk&chkConfigured != 0, chk&chkEnabled == 0
	st.HadAgentConf, st.AgentOff = agt&chkConfigured != 0, agt&chkEnabled == 0
	return st, nil
}
