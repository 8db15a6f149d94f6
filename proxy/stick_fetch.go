package proxy

import (
	"fmt"

	"switchyard/sample"
	"switchyard/stick"
)

// The sample fetches and converters of stick tables: sc_*, sc0_* to
// sc2_*, src_*, table_avl, table_cnt, and the table_* and in_table
// converters, as haproxy 2.6 defines them (src/stick_table.c).

// stkRef says which entry a fetch reads: the one tracked in a slot (sc*),
// or the client address's in a table (src_*); alt, when set, is another
// table where the tracked key is looked up.
type stkRef struct {
	slot int    // -1: src_*
	alt  string // sc*: another table for the tracked key
	tbl  string // src_*: the table
}

// entry finds the entry: ok is false when the fetch fails (nothing
// tracked in the slot, an address that is no key of the table); e is nil
// when the key is not in the table (the fetch then gives 0). now is the
// table clock to read it at.
func (r *stkRef) entry(c *sample.Ctx, create bool) (e *stick.Entry, t *stick.Table, now uint32, ok bool) {
	o, isTracker := c.Owner.(tracker)
	if !isTracker {
		return nil, nil, 0, false
	}
	snap, _, _ := o.scope()
	now = o.stickNow()
	if r.slot < 0 {
		t = snap.tables[r.tbl]
		if t == nil {
			return nil, nil, 0, false
		}
		var buf [16]byte
		key, ok := t.Spec().AddrKey(c.Src.Addr(), buf[:0])
		if !ok {
			return nil, nil, 0, false
		}
		if create {
			return t.Peek(key), t, now, true
		}
		if e := o.tracked().find(t, key); e != nil {
			return e, t, now, true
		}
		return t.LookupAt(key, now), t, now, true
	}
	st := o.tracked()
	if st == nil {
		return nil, nil, 0, false
	}
	tr := st.counter(r.slot)
	if tr == nil {
		return nil, nil, 0, false
	}
	if r.alt != "" {
		t = snap.tables[r.alt]
		if t == nil {
			return nil, nil, 0, false
		}
		key := tr.E.Key()
		if e := st.find(t, key); e != nil {
			return e, t, now, true
		}
		return t.LookupAt(key, now), t, now, true
	}
	return tr.E, tr.E.Table(), now, true
}

// find returns the entry of key in t if the stream or the session tracks
// it, nil otherwise: what a lookup of the key would find, without the
// table's lock and hashing (a src_* fetch after a track-sc of src, the
// usual rate limit). A tracked entry is referenced, so it is in its table
// and not expired.
func (st *stickState) find(t *stick.Table, key []byte) *stick.Entry {
	if st == nil {
		return nil
	}
	for _, set := range [...]*stick.Trackers{&st.strm, &st.sess} {
		for i := range set {
			if e := set[i].E; e != nil && e.Table() == t && e.KeyIs(key) {
				return e
			}
		}
	}
	return nil
}

// stickNowOf is the table clock for a sample's owner.
func stickNowOf(c *sample.Ctx) uint32 {
	if o, ok := c.Owner.(tracker); ok {
		return o.stickNow()
	}
	return stick.NowMs()
}

// tableArg checks at load that a table named by a fetch exists; name ""
// means the proxy's own table.
func tableArg(env *sample.Env, name, kw string) (string, error) {
	if name == "" && env != nil {
		if env.InDefaults {
			return "", fmt.Errorf("table name must be set in arg 1 of '%s' in a defaults section", kw)
		}
		name = env.Proxy
	}
	err := laterCheck(env, func() error {
		if env.Lookup == nil || env.Lookup("table", name) == nil {
			return fmt.Errorf("unable to find table '%s' referenced by '%s'", name, kw)
		}
		return nil
	})
	return name, err
}

// stkRead is what a reading fetch does with the entry: the value of a
// data type (element idx), or false when the table does not store it.
type stkRead func(e *stick.Entry, t *stick.Table, idx int, now uint32) (int64, bool)

func readData(d stick.DataType, shift uint) stkRead {
	return func(e *stick.Entry, t *stick.Table, idx int, now uint32) (int64, bool) {
		rd, ri, ok := t.Resolve(d, idx)
		if !ok {
			return 0, false
		}
		if e == nil {
			return 0, true
		}
		v, ok := e.ReadAt(rd, ri, now)
		return v >> shift, ok
	}
}

// registerStk registers a fetch in its sc_, sc0_ to sc2_ and src_ forms
// (those haproxy has: only sc_ and src_ take an element index).
func registerStk(name string, indexed, create bool, read stkRead, forms ...string) {
	if len(forms) == 0 {
		forms = []string{"sc_", "sc0_", "sc1_", "sc2_", "src_"}
	}
	for _, form := range forms {
		form := form
		var args []sample.ArgType
		min := 0
		if indexed {
			args, min = append(args, sample.ArgInt), 1
		}
		if form == "sc_" {
			args, min = append(args, sample.ArgInt), min+1
		}
		args = append(args, sample.ArgStr)
		src := sample.Source(0)
		if form == "src_" {
			src = sample.SrcL4
		}
		kw := form + name
		sample.RegisterFetch(sample.FetchDef{Name: kw, Args: args, MinArgs: min, Out: sample.TypeInt, Src: src,
			Compile: func(env *sample.Env, a []sample.Arg) (sample.FetchFunc, error) {
				idx := 0
				if indexed {
					idx = int(a[0].Int)
					if idx < 0 || idx >= stick.MaxArray {
						return nil, fmt.Errorf("invalid index %d (expected 0 to %d)", idx, stick.MaxArray-1)
					}
					a = a[1:]
				}
				ref := &stkRef{slot: -1}
				switch form {
				case "sc_":
					ref.slot = int(a[0].Int)
					if ref.slot < 0 || ref.slot >= 3 {
						return nil, fmt.Errorf("invalid stick counter %d (expected 0 to 2)", ref.slot)
					}
					a = a[1:]
				case "src_":
				default:
					ref.slot = int(form[2] - '0')
				}
				if ref.slot < 0 {
					t, err := tableArg(env, a[0].Str, kw)
					if err != nil {
						return nil, err
					}
					ref.tbl = t
				} else if a[0].Set && a[0].Str != "" {
					t, err := tableArg(env, a[0].Str, kw)
					if err != nil {
						return nil, err
					}
					ref.alt = t
				}
				return func(c *sample.Ctx) (sample.Value, bool) {
					e, t, now, ok := ref.entry(c, create && ref.slot < 0)
					if !ok {
						return sample.Value{}, false
					}
					v, ok := read(e, t, idx, now)
					if !ok {
						return sample.Value{}, false
					}
					return sample.Int(v), true
				}, nil
			}})
	}
}

// storedData are the data types the sc_*, src_* fetches and the table_*
// converters read by the same name.
var storedData = map[string]stick.DataType{
	"bytes_in_rate": stick.DTBytesInRate, "bytes_out_rate": stick.DTBytesOutRate,
	"conn_cnt": stick.DTConnCnt, "conn_cur": stick.DTConnCur, "conn_rate": stick.DTConnRate,
	"gpt0": stick.DTGPT0, "gpc0": stick.DTGPC0, "gpc1": stick.DTGPC1,
	"gpc0_rate": stick.DTGPC0Rate, "gpc1_rate": stick.DTGPC1Rate,
	"http_err_cnt": stick.DTHTTPErrCnt, "http_err_rate": stick.DTHTTPErrRate,
	"http_fail_cnt": stick.DTHTTPFailCnt, "http_fail_rate": stick.DTHTTPFailRate,
	"http_req_cnt": stick.DTHTTPReqCnt, "http_req_rate": stick.DTHTTPReqRate,
	"sess_cnt": stick.DTSessCnt, "sess_rate": stick.DTSessRate,
}

func init() {
	for name, d := range storedData {
		if d == stick.DTGPT0 || d == stick.DTGPC0 || d == stick.DTGPC1 {
			name = "get_" + name // sc0_get_gpc0, but table_gpc0
		}
		registerStk(name, false, false, readData(d, 0))
	}
	registerStk("kbytes_in", false, false, readData(stick.DTBytesInCnt, 10))
	registerStk("kbytes_out", false, false, readData(stick.DTBytesOutCnt, 10))
	for name, d := range map[string]stick.DataType{"get_gpt": stick.DTGPT, "get_gpc": stick.DTGPC, "gpc_rate": stick.DTGPCRate} {
		registerStk(name, true, false, readData(d, 0), "sc_", "src_")
	}
	inc := func(cnt, rate stick.DataType) stkRead {
		return func(e *stick.Entry, t *stick.Table, idx int, _ uint32) (int64, bool) {
			if e == nil {
				return 0, true
			}
			v, _ := e.IncGPC(cnt, rate, idx, 1)
			return v, true
		}
	}
	registerStk("inc_gpc0", false, true, inc(stick.DTGPC0, stick.DTGPC0Rate))
	registerStk("inc_gpc1", false, true, inc(stick.DTGPC1, stick.DTGPC1Rate))
	registerStk("inc_gpc", true, true, inc(stick.DTGPC, stick.DTGPCRate), "sc_", "src_")
	clr := func(d stick.DataType) stkRead {
		return func(e *stick.Entry, t *stick.Table, idx int, _ uint32) (int64, bool) {
			if e == nil {
				return 0, true
			}
			v, _ := e.ClearGPC(d, idx)
			return v, true
		}
	}
	registerStk("clr_gpc0", false, false, clr(stick.DTGPC0))
	registerStk("clr_gpc1", false, false, clr(stick.DTGPC1))
	registerStk("clr_gpc", true, false, clr(stick.DTGPC), "sc_", "sc1_", "src_")
	registerStk("trackers", false, false, func(e *stick.Entry, _ *stick.Table, _ int, _ uint32) (int64, bool) {
		if e == nil {
			return 0, true
		}
		return int64(e.Refs()), true
	})
	registerStk("updt_conn_cnt", false, true, func(e *stick.Entry, t *stick.Table, _ int, _ uint32) (int64, bool) {
		if e == nil || !t.Stores(stick.DTConnCnt) {
			return 0, false
		}
		return e.Add(stick.DTConnCnt, 0, 1)
	}, "src_")
	// sc_tracked: whether the slot tracks something.
	for _, form := range []string{"sc_", "sc0_", "sc1_", "sc2_"} {
		form := form
		args, min := []sample.ArgType{sample.ArgStr}, 0
		if form == "sc_" {
			args, min = []sample.ArgType{sample.ArgInt, sample.ArgStr}, 1
		}
		sample.RegisterFetch(sample.FetchDef{Name: form + "tracked", Args: args, MinArgs: min, Out: sample.TypeBool,
			Compile: func(env *sample.Env, a []sample.Arg) (sample.FetchFunc, error) {
				slot := int(form[2] - '0')
				if form == "sc_" {
					slot = int(a[0].Int)
					if slot < 0 || slot >= 3 {
						return nil, fmt.Errorf("invalid stick counter %d (expected 0 to 2)", slot)
					}
				}
				return func(c *sample.Ctx) (sample.Value, bool) {
					o, ok := c.Owner.(tracker)
					return sample.Bool(ok && o.tracked() != nil && o.tracked().counter(slot) != nil), true
				}, nil
			}})
	}
	for name, f := range map[string]func(t *stick.Table) int64{
		"table_avl": func(t *stick.Table) int64 { return int64(t.Size() - t.Len()) },
		"table_cnt": func(t *stick.Table) int64 { return int64(t.Len()) },
	} {
		name, f := name, f
		sample.RegisterFetch(sample.FetchDef{Name: name, Args: []sample.ArgType{sample.ArgStr}, Out: sample.TypeInt,
			Compile: func(env *sample.Env, a []sample.Arg) (sample.FetchFunc, error) {
				tname, err := tableArg(env, a[0].Str, name)
				if err != nil {
					return nil, err
				}
				return func(c *sample.Ctx) (sample.Value, bool) {
					sc, ok := c.Owner.(scoper)
					if !ok {
						return sample.Value{}, false
					}
					snap, _, _ := sc.scope()
					t := snap.tables[tname]
					if t == nil {
						return sample.Value{}, false
					}
					return sample.Int(f(t)), true
				}, nil
			}})
	}
	registerTableConverters()
}

// registerTableConverters registers in_table and the table_* converters:
// the sample is a key, looked up in the table named.
func registerTableConverters() {
	conv := func(name string, out sample.Type, indexed bool, get func(e *stick.Entry, t *stick.Table, idx int, now uint32) (sample.Value, bool)) {
		args, min := []sample.ArgType{sample.ArgStr}, 1
		if indexed {
			args, min = []sample.ArgType{sample.ArgInt, sample.ArgStr}, 2
		}
		sample.RegisterConverter(sample.ConverterDef{Name: name, Args: args, MinArgs: min, In: sample.TypeAny, Out: out,
			Compile: func(env *sample.Env, a []sample.Arg) (sample.ConvFunc, error) {
				idx := 0
				if indexed {
					idx = int(a[0].Int)
					a = a[1:]
				}
				tname, err := tableArg(env, a[0].Str, name)
				if err != nil {
					return nil, err
				}
				return func(c *sample.Ctx, v sample.Value) (sample.Value, bool) {
					sc, ok := c.Owner.(scoper)
					if !ok {
						return sample.Value{}, false
					}
					snap, _, _ := sc.scope()
					t := snap.tables[tname]
					if t == nil {
						return sample.Value{}, false
					}
					var buf [64]byte
					key, ok := t.KeyOf(c, v, buf[:0])
					if !ok {
						return sample.Value{}, false
					}
					now := stickNowOf(c)
					return get(t.LookupAt(key, now), t, idx, now)
				}, nil
			}})
	}
	conv("in_table", sample.TypeBool, false, func(e *stick.Entry, _ *stick.Table, _ int, _ uint32) (sample.Value, bool) {
		return sample.Bool(e != nil), true
	})
	conv("table_trackers", sample.TypeInt, false, func(e *stick.Entry, _ *stick.Table, _ int, _ uint32) (sample.Value, bool) {
		if e == nil {
			return sample.Int(0), true
		}
		// haproxy's lookup holds a reference while it reads: it counts.
		return sample.Int(int64(e.Refs()) + 1), true
	})
	data := func(name string, d stick.DataType, indexed bool, shift uint) {
		read := readData(d, shift)
		conv(name, sample.TypeInt, indexed, func(e *stick.Entry, t *stick.Table, idx int, now uint32) (sample.Value, bool) {
			v, ok := read(e, t, idx, now)
			return sample.Int(v), ok
		})
	}
	for name, d := range storedData {
		data("table_"+name, d, false, 0)
	}
	data("table_server_id", stick.DTServerID, false, 0)
	data("table_kbytes_in", stick.DTBytesInCnt, false, 10)
	data("table_kbytes_out", stick.DTBytesOutCnt, false, 10)
	data("table_gpt", stick.DTGPT, true, 0)
	data("table_gpc", stick.DTGPC, true, 0)
	data("table_gpc_rate", stick.DTGPCRate, true, 0)
}
