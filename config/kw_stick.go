package config

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"switchyard/sample"
	"switchyard/stick"
)

// Stick tables (stick-table in proxies, table in peers sections) and the
// actions that track and count in them (track-sc*, sc-inc-gpc*,
// sc-set-gpt*, sc-add-gpc).

// MaxTrackers is how many entries a stream tracks at once: sc0, sc1, sc2
// (haproxy's MAX_SESS_STKCTR).
const MaxTrackers = 3

type stickTableKey struct{}

// StickTable is the proxy's stick-table line, nil when it has none.
func StickTable(px *Proxy) *stick.Spec {
	s, _ := px.Ext[stickTableKey{}].(*stick.Spec)
	return s
}

// tableSources list the tables declared outside proxies (peers sections).
var tableSources []func(cfg *Config) []*stick.Spec

// RegisterTableSource adds a kind of section that declares tables.
func RegisterTableSource(list func(cfg *Config) []*stick.Spec) {
	tableSources = append(tableSources, list)
}

// Tables lists every stick table of the configuration: those of proxies
// in order, then those of peers sections.
func (cfg *Config) Tables() []*stick.Spec {
	var out []*stick.Spec
	for _, px := range cfg.Proxies {
		if s := StickTable(px); s != nil {
			out = append(out, s)
		}
	}
	for _, src := range tableSources {
		out = append(out, src(cfg)...)
	}
	return out
}

// Table finds a table by the name configurations use for it: a proxy's
// name, or peers/table for a table of a peers section.
func (cfg *Config) Table(name string) *stick.Spec {
	for _, s := range cfg.Tables() {
		if s.Name == name {
			return s
		}
	}
	return nil
}

// ParseStickTable reads the arguments of a stick-table line (or of a
// peers section's table line, inPeers, where "peers" is not an option)
// with haproxy's messages. warn is told of store options given twice.
func ParseStickTable(args []string, name, netName string, inPeers bool, warn func(string)) (*stick.Spec, error) {
	s := &stick.Spec{Name: name, NetName: netName}
	typed := false
	for i := 0; i < len(args); i++ {
		a := args[i]
		next := func() (string, error) {
			if i+1 >= len(args) || args[i+1] == "" {
				return "", fmt.Errorf("missing argument after '%s'.", a)
			}
			i++
			return args[i], nil
		}
		switch {
		case a == "size":
			v, err := next()
			if err != nil {
				return nil, err
			}
			n, err := ParseSize(v)
			if err != nil || n > 1<<31-1 {
				return nil, fmt.Errorf("unexpected character in argument of 'size' ('%s').", v)
			}
			s.Size = int(n)
		case a == "peers" && !inPeers:
			v, err := next()
			if err != nil {
				return nil, err
			}
			s.Peers = v
		case a == "expire":
			v, err := next()
			if err != nil {
				return nil, err
			}
			d, err := ParseDuration(v)
			if err != nil {
				return nil, fmt.Errorf("'expire': %v", err)
			}
			if d > 0 && d < time.Millisecond {
				return nil, fmt.Errorf("timer underflow in argument <%s> to <expire>, minimum non-null value is 1 ms.", v)
			}
			s.Expire = d
		case a == "nopurge":
			s.NoPurge = true
		case a == "type":
			v, err := next()
			if err != nil {
				return nil, err
			}
			kt, ok := stick.ParseKeyType(v)
			if !ok {
				return nil, fmt.Errorf("unknown type '%s'.", v)
			}
			s.Type, s.KeySize, typed = kt, kt.DefaultKeySize(), true
			if (kt == stick.KeyString || kt == stick.KeyBinary) && i+1 < len(args) && args[i+1] == "len" {
				i++
				v, err := next()
				if err != nil {
					return nil, err
				}
				n, err := strconv.Atoi(v)
				if err != nil || n <= 0 {
					return nil, fmt.Errorf("unknown type '%s'.", v)
				}
				s.KeySize = n
				if kt == stick.KeyString {
					s.KeySize++ // haproxy keeps room for the NUL
				}
			}
		case a == "store":
			v, err := next()
			if err != nil {
				return nil, err
			}
			if err := parseStores(s, v, warn); err != nil {
				return nil, err
			}
		case a == "srvkey":
			v, err := next()
			if err != nil {
				return nil, err
			}
			switch v {
			case "name":
				s.SrvKey = stick.SrvKeyName
			case "addr":
				s.SrvKey = stick.SrvKeyAddr
			default:
				return nil, fmt.Errorf("unknown server key type '%s'.", v)
			}
		default:
			return nil, fmt.Errorf("unknown argument '%s'.", a)
		}
	}
	if s.Size == 0 {
		return nil, fmt.Errorf("missing size.")
	}
	if !typed {
		return nil, fmt.Errorf("missing type.")
	}
	return s, nil
}

// parseStores reads a store list: "gpc0,http_req_rate(10s),gpc(3)".
func parseStores(s *stick.Spec, list string, warn func(string)) error {
	for list != "" {
		// An item ends at the first comma outside parentheses.
		depth, end := 0, len(list)
		for j := 0; j < len(list); j++ {
			if list[j] == '(' {
				depth++
			} else if list[j] == ')' {
				depth--
			} else if list[j] == ',' && depth == 0 {
				end = j
				break
			}
		}
		item := list[:end]
		list = strings.TrimPrefix(list[end:], ",")
		name, arg, paren := strings.Cut(item, "(")
		if paren {
			if !strings.HasSuffix(arg, ")") {
				return fmt.Errorf("missing closing parenthesis after store option '%s'.", name)
			}
			arg = strings.TrimSuffix(arg, ")")
		}
		d, ok := stick.LookupDataType(name)
		if !ok {
			return fmt.Errorf("unknown store option '%s'.", name)
		}
		info := d.Info()
		st := stick.Store{Type: d, Elems: 1}
		a1, a2, two := strings.Cut(arg, ",")
		if info.Array {
			if !paren {
				return fmt.Errorf("missing argument to store option '%s'.", name)
			}
			n, _ := strconv.Atoi(a1)
			if n <= 0 || n > stick.MaxArray {
				return fmt.Errorf("array size is out of allowed range (1-%d) for store option '%s'.", stick.MaxArray, name)
			}
			st.Elems = n
			a1, paren = a2, two
		} else if two {
			return fmt.Errorf("unexpected argument to store option '%s'.", name)
		}
		switch {
		case info.Delay && !paren:
			return fmt.Errorf("missing argument to store option '%s'.", name)
		case info.Delay:
			p, err := ParseDuration(a1)
			if err != nil {
				return fmt.Errorf("store option '%s': %v", name, err)
			}
			st.Period = p
		case paren:
			return fmt.Errorf("unexpected argument to store option '%s'.", name)
		}
		exists, err := s.AddStore(st)
		if err != nil {
			return err
		}
		if exists && warn != nil {
			warn(fmt.Sprintf("store option '%s' already enabled, ignored.", name))
		}
	}
	return nil
}

func init() {
	RegisterKeyword(SecFrontend|SecBackend, "stick-table", func(c *Context, args []string) error {
		px := c.Proxy()
		if StickTable(px) != nil {
			return fmt.Errorf("only one stick-table per proxy is allowed ('%s' already has one)", px.Name)
		}
		s, err := ParseStickTable(args, px.Name, px.Name, false, func(m string) { c.Warnf("stick-table: %s", m) })
		if err != nil {
			return fmt.Errorf("stick-table: %v", err)
		}
		px.Ext.Set(stickTableKey{}, s)
		c.Later(func(cfg *Config) error { return checkTableName(cfg, s) })
		return nil
	})
	RegisterLookup("table", func(c *Context, name string) any {
		if s := c.p.cfg.Table(name); s != nil {
			return s
		}
		return nil
	})
}

// checkTableName refuses two tables of one name (a proxy and a peers
// table named like it) and a peers section that does not exist.
func checkTableName(cfg *Config, s *stick.Spec) error {
	n := 0
	for _, o := range cfg.Tables() {
		if o.Name == s.Name {
			n++
		}
	}
	if n > 1 {
		return fmt.Errorf("stick-table name '%s' conflicts with another table of the same name", s.Name)
	}
	if s.Peers != "" && peersExists != nil && !peersExists(cfg, s.Peers) {
		return fmt.Errorf("stick-table '%s': unknown peers section '%s'", s.Name, s.Peers)
	}
	return nil
}

// peersExists says whether a peers section is declared (set by the peers
// section's keywords).
var peersExists func(cfg *Config, name string) bool

// TrackAction is the argument of track-sc0/1/2: which counter, the key
// and the table ("" for the proxy's own).
type TrackAction struct {
	Slot  int
	Key   *sample.Expr
	Table string // the table named, else the proxy's own
	// Backend: the rule is a backend's (haproxy then counts the
	// requests the backend sees on the entry, and stops tracking when a
	// keep-alive request goes elsewhere).
	Backend bool
}

// CounterAction is the argument of sc-inc-gpc0/1, sc-inc-gpc, sc-set-gpt0,
// sc-set-gpt and sc-add-gpc: the counter tracked in slot Slot, the data
// type and its index, and the value (an expression, or Value).
type CounterAction struct {
	Slot  int
	Data  stick.DataType
	Index int
	Expr  *sample.Expr // nil: Value
	Value int64
	Add   bool // sc-add-gpc: adds the value (sc-inc-gpc adds 1)
}

func init() {
	trackSets := HTTPRequestRules | HTTPResponseRules | TCPRequestConnectionRules | TCPRequestSessionRules | TCPRequestContentRules
	for i := 0; i < MaxTrackers; i++ {
		slot := i
		RegisterAction(&ActionDef{Name: fmt.Sprintf("track-sc%d", i), Where: trackSets,
			Parse: func(c *RuleContext, r *HTTPRule, args []string) (int, error) {
				return parseTrack(c, r, slot, args)
			}})
	}
	counterSets := trackSets | TCPResponseContentRules
	for _, name := range []string{"sc-inc-gpc0", "sc-inc-gpc1", "sc-inc-gpc", "sc-set-gpt0", "sc-set-gpt", "sc-add-gpc"} {
		name := name
		RegisterAction(&ActionDef{Name: name, Where: counterSets, Prefix: true,
			Parse: func(c *RuleContext, r *HTTPRule, args []string) (int, error) {
				return parseCounterAction(c, r, name, args)
			}})
		parenActions[name] = true
	}
}

func parseTrack(c *RuleContext, r *HTTPRule, slot int, args []string) (int, error) {
	name := fmt.Sprintf("track-sc%d", slot)
	if len(args) == 0 || isCondStart(args[0]) {
		return 0, fmt.Errorf("'%s' expects a sample expression", name)
	}
	expr, n, err := sample.ParseExprWords(c.Env(), args)
	if err != nil {
		return 0, fmt.Errorf("'%s': %v", name, err)
	}
	avail := c.avail()
	if c.Set&(TCPRequestConnectionRules|TCPRequestSessionRules|TCPRequestContentRules) != 0 {
		avail = tcpAvail(c.Set, c.Proxy())
	}
	if err := expr.Check(avail); err != nil {
		return 0, fmt.Errorf("'%s': %v", name, err)
	}
	px := c.Proxy()
	a := &TrackAction{Slot: slot, Key: expr, Table: px.Name, Backend: px.Cap&(CapFE|CapDef) == 0}
	if n < len(args) && args[n] == "table" {
		if n+1 >= len(args) {
			return 0, fmt.Errorf("missing table name after 'table' in '%s'", name)
		}
		a.Table = args[n+1]
		n += 2
	}
	c.Later(func(cfg *Config) error {
		tname := a.Table
		s := cfg.Table(tname)
		if s == nil {
			return fmt.Errorf("Proxy '%s': unable to find table '%s' referenced by %s.", px.Name, tname, name)
		}
		if !keyCompatible(expr, s) {
			return fmt.Errorf("stick-table '%s' uses a type incompatible with the '%s' rule", tname, name)
		}
		return nil
	})
	r.Args = a
	return n, nil
}

// keyCompatible says whether an expression's output converts to the
// table's key type (haproxy's stktable_compatible_sample).
func keyCompatible(e *sample.Expr, s *stick.Spec) bool { return e.CastsTo(s.Type.SampleType()) }

// parseCounterAction parses sc-inc-gpc0(N), sc-inc-gpc(I,N), sc-set-gpt0(N)
// VALUE, sc-set-gpt(I,N) VALUE and sc-add-gpc(I,N) VALUE; args[0] is the
// whole first word.
func parseCounterAction(c *RuleContext, r *HTTPRule, name string, args []string) (int, error) {
	word := args[0]
	inner := strings.TrimPrefix(word, name)
	indexed := name == "sc-inc-gpc" || name == "sc-set-gpt" || name == "sc-add-gpc"
	expects := fmt.Sprintf("%s(<Track ID>)", name)
	if indexed {
		expects = fmt.Sprintf("%s(<%s ID>,<Track ID>)", name, strings.ToUpper(name[len(name)-3:]))
	}
	a := &CounterAction{}
	switch name {
	case "sc-inc-gpc0":
		a.Data = stick.DTGPC0
	case "sc-inc-gpc1":
		a.Data = stick.DTGPC1
	case "sc-inc-gpc", "sc-add-gpc":
		a.Data, a.Add = stick.DTGPC, name == "sc-add-gpc"
	case "sc-set-gpt0":
		a.Data = stick.DTGPT0
	case "sc-set-gpt":
		a.Data = stick.DTGPT
	}
	if inner == "" && indexed {
		return 0, fmt.Errorf("Missing %s ID '%s'. Expects %s", strings.ToLower(name[len(name)-3:]), word, expects)
	}
	if inner != "" {
		if !strings.HasPrefix(inner, "(") || !strings.HasSuffix(inner, ")") {
			return 0, fmt.Errorf("invalid stick table track ID '%s'. Expects %s", word, expects)
		}
		inner = inner[1 : len(inner)-1]
		if indexed {
			idx, rest, ok := strings.Cut(inner, ",")
			n, err := strconv.Atoi(idx)
			if !ok || err != nil || n < 0 || n >= stick.MaxArray {
				return 0, fmt.Errorf("invalid %s ID '%s'. Expects %s", strings.ToLower(name[len(name)-3:]), word, expects)
			}
			a.Index, inner = n, rest
		}
		n, err := strconv.Atoi(inner)
		if err != nil || n < 0 {
			return 0, fmt.Errorf("invalid stick table track ID '%s'. Expects %s", word, expects)
		}
		if n >= MaxTrackers {
			return 0, fmt.Errorf("invalid stick table track ID '%s'. The max allowed ID is %d", word, MaxTrackers-1)
		}
		a.Slot = n
	}
	used := 1
	if strings.HasPrefix(name, "sc-set-") || name == "sc-add-gpc" {
		rest := args[1:]
		if len(rest) == 0 || isCondStart(rest[0]) {
			return 0, fmt.Errorf("'%s' expects an integer or a sample expression", word)
		}
		if v, err := strconv.ParseInt(rest[0], 10, 64); err == nil {
			a.Value = v
			used++
		} else {
			expr, n, err := sample.ParseExprWords(c.Env(), rest)
			if err != nil {
				return 0, fmt.Errorf("'%s': %v", word, err)
			}
			a.Expr = expr
			used += n
		}
	}
	r.Args = a
	return used, nil
}
