package sample

import (
	"fmt"
	"path/filepath"
	"unsafe"
)

// The map converters (haproxy's map.c): look the sample up among the keys
// of a map file and return the value of the matching entry, or the
// default. The name says how keys match and what type values have:
// map_<match> returns strings, map_<match>_int integers, map_<match>_ip
// addresses; map and map_str are map_str. map_int takes an integer sample,
// map_ip an address, the others a string. As in haproxy 2.6, map_regm
// (regular expressions with \N back-references in the value) exists only
// with string output.
//
// Values are parsed to the output type when the file is loaded (or
// reloaded, or edited at run time): a map_str_int whose value is not a
// number fails then, naming the file and line. Keys never go to the
// resolver (haproxy loads maps with PAT_MF_NO_DNS) and match case
// sensitively: maps take no -i.
var mapConvs = func() []convDef {
	type kind struct {
		name   string
		method matchMethod
		in     Type
	}
	kinds := []kind{
		{"str", mStr, TypeStr}, {"beg", mBeg, TypeStr}, {"sub", mSub, TypeStr},
		{"dir", mDir, TypeStr}, {"dom", mDom, TypeStr}, {"end", mEnd, TypeStr},
		{"reg", mReg, TypeStr}, {"int", mInt, TypeInt}, {"ip", mIP, TypeAddr},
	}
	outs := []struct {
		suffix string
		out    Type
		dflt   ArgType
	}{{"", TypeStr, ArgStr}, {"_int", TypeInt, ArgInt}, {"_ip", TypeAddr, ArgStr}}
	var defs []convDef
	add := func(name string, m matchMethod, in, out Type, dflt ArgType) {
		defs = append(defs, convDef{name: name, args: args(1, ArgStr, dflt), in: in, out: out,
			compile: compileMap(m, out)})
	}
	add("map", mStr, TypeStr, TypeStr, ArgStr)
	for _, o := range outs {
		for _, k := range kinds {
			add("map_"+k.name+o.suffix, k.method, k.in, o.out, o.dflt)
		}
	}
	defs = append(defs, convDef{name: "map_regm", args: args(1, ArgStr, ArgStr), in: TypeStr, out: TypeStr,
		compile: compileMapRegm})
	return defs
}()

// mapFlags are the pattern flags of every map: no DNS, no -i.
var mapFlags = patFlags{noDNS: true}

// loadMap resolves a map converter's file argument to its reference, read
// once per configuration, and returns its index for method and out.
func loadMap(env *Env, name string, method matchMethod, out Type) (*refIndex, error) {
	path := name
	if dir := env.dir(); dir != "" && !filepath.IsAbs(path) {
		path = filepath.Join(dir, path)
	}
	ref, err := env.refs().load(path, name, true)
	if err != nil {
		return nil, err
	}
	return ref.index(indexKey{method: method, flags: mapFlags, out: out})
}

// mapDefault parses a map converter's default value to its output type.
func mapDefault(a arg, out Type) (Value, error) {
	switch out {
	case TypeInt:
		return Int(a.i), nil
	case TypeAddr:
		v, ok := parseMapIP(a.s)
		if !ok {
			return Value{}, fmt.Errorf("map: cannot parse default ip <%s>.", a.s)
		}
		return v, nil
	}
	return Str(a.b), nil
}

func compileMap(method matchMethod, out Type) func(env *Env, a []arg) (convFunc, error) {
	return func(env *Env, a []arg) (convFunc, error) {
		idx, err := loadMap(env, a[0].s, method, out)
		if err != nil {
			return nil, err
		}
		hasDefault := a[1].set
		var dflt Value
		if hasDefault {
			if dflt, err = mapDefault(a[1], out); err != nil {
				return nil, err
			}
		}
		return func(c *Ctx, _ []arg, v Value) (Value, bool) {
			x := idx.cur.Load()
			if id, ok := x.set.lookup(c, v); ok {
				if v, ok := x.value(id); ok {
					return v, true
				}
			}
			return dflt, hasDefault
		}, nil
	}
}

// compileMapRegm is map_regm: the first regular expression that matches
// gives the value, in which \0 to \9 are replaced by the text the groups
// matched, and \xHH by that byte (haproxy's exp_replace).
func compileMapRegm(env *Env, a []arg) (convFunc, error) {
	idx, err := loadMap(env, a[0].s, mReg, TypeStr)
	if err != nil {
		return nil, err
	}
	hasDefault := a[1].set
	dflt := Str(a[1].b)
	return func(c *Ctx, _ []arg, v Value) (Value, bool) {
		x := idx.cur.Load()
		rs := x.set.(*regSet)
		var groups [20]int
		for i, re := range rs.res {
			m := re.FindSubmatchIndex(v.Str)
			if m == nil {
				continue
			}
			n := copy(groups[:], m)
			for j := n; j < len(groups); j++ {
				groups[j] = -1
			}
			id := rs.ids[i]
			if id < 0 || int(id) >= len(x.strs) {
				return Int(1), true
			}
			start := len(c.Scratch)
			out, ok := expandRegm(c.Scratch, v.Str, unsafe.Slice(unsafe.StringData(x.strs[id]), len(x.strs[id])), &groups)
			if !ok {
				c.Scratch = c.Scratch[:start]
				return Value{}, false
			}
			c.Scratch = out
			return Str(out[start:len(out):len(out)]), true
		}
		return dflt, hasDefault
	}, nil
}

// regmMax bounds the output of map_regm as haproxy's trash buffer does.
const regmMax = 16384 - 1

// expandRegm appends tmpl to dst with \N replaced by group N of src.
func expandRegm(dst, src, tmpl []byte, groups *[20]int) ([]byte, bool) {
	start := len(dst)
	for i := 0; i < len(tmpl); i++ {
		ch := tmpl[i]
		if ch == '\\' {
			i++
			if i >= len(tmpl) {
				return dst, false
			}
			ch = tmpl[i]
			switch {
			case ch >= '0' && ch <= '9':
				n := int(ch - '0')
				if lo, hi := groups[2*n], groups[2*n+1]; lo >= 0 && hi >= 0 {
					dst = append(dst, src[lo:hi]...)
				}
				continue
			case ch == 'x':
				if i+2 >= len(tmpl) {
					return dst, false
				}
				h1, h2 := regmNibble(tmpl[i+1]), regmNibble(tmpl[i+2])
				i += 2
				ch = h1<<4 + h2
			}
		}
		dst = append(dst, ch)
		if len(dst)-start > regmMax {
			return dst, false
		}
	}
	return dst, len(dst)-start <= regmMax
}

// regmNibble is exp_replace's lenient hex digit: no validation.
func regmNibble(c byte) byte {
	c = upper(c) - '0'
	if c > 9 {
		c -= 'A' - '9' - 1
	}
	return c
}

// parseMapIP reads an address value as haproxy's map_parse_ip: a dotted
// IPv4 address or an IPv6 one, nothing resolved.
func parseMapIP(s string) (Value, bool) {
	if a, ok := parseIPv4([]byte(s)); ok {
		return IP(a), true
	}
	if a, ok := parseIPv6([]byte(s)); ok {
		return IP(a), true
	}
	return Value{}, false
}

// parseMapInt reads an integer value as haproxy's map_parse_int: an
// optional sign and digits, saturating, and nothing after them; the empty
// string is 0.
func parseMapInt(s string) (int64, bool) {
	i, neg := 0, false
	if i < len(s) && (s[i] == '-' || s[i] == '+') {
		neg = s[i] == '-'
		i++
	}
	var u uint64
	for ; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
		d := uint64(s[i] - '0')
		if u > (1<<64-1-d)/10 {
			u = 1<<64 - 1
			continue
		}
		u = u*10 + d
	}
	if i != len(s) {
		return 0, false
	}
	switch {
	case neg && u >= 1<<63:
		return -1 << 63, true
	case neg:
		return -int64(u), true
	case u > 1<<63-1:
		return 1<<63 - 1, true
	}
	return int64(u), true
}
