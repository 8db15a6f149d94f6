package hlua

import (
	"bytes"
	"math"
	"math/bits"
	"os"
	"strconv"
	"strings"

	glua "github.com/yuin/gopher-lua"
)

// gopher-lua speaks Lua 5.1; haproxy embeds 5.3 or 5.4. openCompat adds
// the 5.3 library functions that scripts commonly use and that cost
// little to provide (docs/lua.md lists what differs).
func openCompat(L *glua.LState) {
	openPatterns(L)
	if tb, ok := L.GetGlobal("table").(*glua.LTable); ok {
		if unpack := L.GetGlobal("unpack"); unpack != glua.LNil && tb.RawGetString("unpack") == glua.LNil {
			tb.RawSetString("unpack", unpack)
		}
		if tb.RawGetString("pack") == glua.LNil {
			// table.pack (5.2+): the arguments and their count n.
			tb.RawSetString("pack", L.NewFunction(func(L *glua.LState) int {
				n := L.GetTop()
				out := L.CreateTable(n, 1)
				for i := 1; i <= n; i++ {
					out.RawSetInt(i, L.Get(i))
				}
				out.RawSetString("n", glua.LNumber(n))
				L.Push(out)
				return 1
			}))
		}
	}
	if m, ok := L.GetGlobal("math").(*glua.LTable); ok {
		m.RawSetString("maxinteger", glua.LNumber(math.MaxInt64))
		m.RawSetString("mininteger", glua.LNumber(math.MinInt64))
		m.RawSetString("tointeger", L.NewFunction(func(L *glua.LState) int {
			n, ok := L.Get(1).(glua.LNumber)
			if !ok || float64(n) != math.Trunc(float64(n)) {
				L.Push(glua.LNil)
				return 1
			}
			L.Push(n)
			return 1
		}))
		m.RawSetString("type", L.NewFunction(func(L *glua.LState) int {
			n, ok := L.Get(1).(glua.LNumber)
			switch {
			case !ok:
				L.Push(glua.LNil)
			case float64(n) == math.Trunc(float64(n)):
				L.Push(glua.LString("integer"))
			default:
				L.Push(glua.LString("float"))
			}
			return 1
		}))
	}
	openUTF8(L)
	openPack(L)
	openBase52(L)
	openBit32(L)
	openLuaLoader(L)
	openFileLoaders(L)
}

// openLuaLoader replaces package.loaders' Lua file searcher by one that
// reads modules as lua-load reads scripts (with the 5.3 escapes), so that
// require'd code is treated as the scripts that require it.
func openLuaLoader(L *glua.LState) {
	pkg, ok := L.GetGlobal("package").(*glua.LTable)
	if !ok {
		return
	}
	loaders, ok := pkg.RawGetString("loaders").(*glua.LTable)
	if !ok || loaders.Len() < 2 {
		return
	}
	loaders.RawSetInt(2, L.NewFunction(func(L *glua.LState) int {
		name := strings.ReplaceAll(L.CheckString(1), ".", string(os.PathSeparator))
		path, ok := pkg.RawGetString("path").(glua.LString)
		if !ok {
			L.RaiseError("package.path must be a string")
		}
		var msgs []string
		for _, pattern := range strings.Split(string(path), ";") {
			file := strings.ReplaceAll(pattern, "?", name)
			src, err := readSource(file)
			if err != nil {
				msgs = append(msgs, "no file '"+file+"'")
				continue
			}
			fn, err := L.Load(bytes.NewReader(src), file)
			if err != nil {
				L.RaiseError("%s", err.Error())
			}
			L.Push(fn)
			return 1
		}
		L.Push(glua.LString("\n\t" + strings.Join(msgs, "\n\t")))
		return 1
	}))
}

// openBit32 is Lua 5.2's bit32 library, which haproxy's Lua 5.3 keeps
// (LUA_COMPAT_5_2): the portable way to the bitwise operators that
// gopher-lua's parser lacks.
func openBit32(L *glua.LState) {
	u32 := func(L *glua.LState, i int) uint32 {
		f := float64(L.CheckNumber(i))
		// Lua 5.3's bit32: an integral number, taken modulo 2^32
		if f != math.Trunc(f) {
			L.ArgError(i, "number has no integer representation")
		}
		f = math.Mod(f, 4294967296)
		if f < 0 {
			f += 4294967296
		}
		return uint32(f)
	}
	fold := func(init uint32, op func(a, b uint32) uint32) func(L *glua.LState) uint32 {
		return func(L *glua.LState) uint32 {
			r := init
			for i := 1; i <= L.GetTop(); i++ {
				r = op(r, u32(L, i))
			}
			return r
		}
	}
	push := func(f func(L *glua.LState) uint32) glua.LGFunction {
		return func(L *glua.LState) int {
			L.Push(glua.LNumber(f(L)))
			return 1
		}
	}
	band := fold(^uint32(0), func(a, b uint32) uint32 { return a & b })
	shift := func(x uint32, n int) uint32 {
		switch {
		case n <= -32 || n >= 32:
			return 0
		case n >= 0:
			return x << uint(n)
		default:
			return x >> uint(-n)
		}
	}
	fieldArgs := func(L *glua.LState, fi int) (int, int) {
		f := L.CheckInt(fi)
		w := L.OptInt(fi+1, 1)
		if f < 0 {
			L.ArgError(fi, "field cannot be negative")
		}
		if w <= 0 {
			L.ArgError(fi+1, "width must be positive")
		}
		if f+w > 32 {
			L.RaiseError("trying to access non-existent bits")
		}
		return f, w
	}
	mask := func(w int) uint32 { return uint32((uint64(1) << uint(w)) - 1) }
	b := L.NewTable()
	L.SetFuncs(b, map[string]glua.LGFunction{
		"band": push(band),
		"bor":  push(fold(0, func(a, b uint32) uint32 { return a | b })),
		"bxor": push(fold(0, func(a, b uint32) uint32 { return a ^ b })),
		"btest": func(L *glua.LState) int {
			L.Push(glua.LBool(band(L) != 0))
			return 1
		},
		"bnot": func(L *glua.LState) int {
			L.Push(glua.LNumber(^u32(L, 1)))
			return 1
		},
		"lshift": func(L *glua.LState) int {
			L.Push(glua.LNumber(shift(u32(L, 1), L.CheckInt(2))))
			return 1
		},
		"rshift": func(L *glua.LState) int {
			L.Push(glua.LNumber(shift(u32(L, 1), -L.CheckInt(2))))
			return 1
		},
		"arshift": func(L *glua.LState) int {
			x, n := u32(L, 1), L.CheckInt(2)
			if n < 0 || x&0x80000000 == 0 {
				L.Push(glua.LNumber(shift(x, -n)))
				return 1
			}
			if n >= 32 {
				L.Push(glua.LNumber(^uint32(0)))
				return 1
			}
			L.Push(glua.LNumber(uint32(int32(x) >> uint(n))))
			return 1
		},
		"lrotate": func(L *glua.LState) int {
			L.Push(glua.LNumber(bits.RotateLeft32(u32(L, 1), L.CheckInt(2))))
			return 1
		},
		"rrotate": func(L *glua.LState) int {
			L.Push(glua.LNumber(bits.RotateLeft32(u32(L, 1), -L.CheckInt(2))))
			return 1
		},
		"extract": func(L *glua.LState) int {
			x := u32(L, 1)
			f, w := fieldArgs(L, 2)
			L.Push(glua.LNumber(x >> uint(f) & mask(w)))
			return 1
		},
		"replace": func(L *glua.LState) int {
			x, v := u32(L, 1), u32(L, 2)
			f, w := fieldArgs(L, 3)
			m := mask(w)
			L.Push(glua.LNumber(x&^(m<<uint(f)) | (v&m)<<uint(f)))
			return 1
		},
	})
	L.SetGlobal("bit32", b)
}

// openBase52 adds the Lua 5.2/5.3 base functions that cost a few lines:
// load of a string chunk (with env), rawlen, table.move, string.rep's
// separator, math.ult.
func openBase52(L *glua.LState) {
	if load, ok := L.GetGlobal("load").(*glua.LFunction); ok {
		L.SetGlobal("load", L.NewFunction(func(L *glua.LState) int {
			src, ok := L.Get(1).(glua.LString)
			if !ok {
				// a reader function: Lua 5.1's load (Insert
				// grows the stack by one: no Push before it, or
				// load would get itself as a chunk name)
				L.Insert(load, 1)
				L.Call(L.GetTop()-1, glua.MultRet)
				return L.GetTop()
			}
			name := L.OptString(2, string(src))
			mode := L.OptString(3, "bt")
			if !strings.Contains(mode, "t") {
				L.Push(glua.LNil)
				L.Push(glua.LString("attempt to load a text chunk (mode is '" + mode + "')"))
				return 2
			}
			fn, err := L.Load(bytes.NewReader(rewriteEscapes([]byte(src))), name)
			if err != nil {
				L.Push(glua.LNil)
				L.Push(glua.LString(err.Error()))
				return 2
			}
			if env, ok := L.Get(4).(*glua.LTable); ok {
				fn.Env = env
			}
			L.Push(fn)
			return 1
		}))
	}
	if tonumber, ok := L.GetGlobal("tonumber").(*glua.LFunction); ok {
		// gopher-lua's tonumber("1e3") is nil (an exponent without a
		// dot); Lua reads it as 1000.
		L.SetGlobal("tonumber", L.NewFunction(func(L *glua.LState) int {
			top := L.GetTop()
			L.Push(tonumber)
			for i := 1; i <= top; i++ {
				L.Push(L.Get(i))
			}
			L.Call(top, 1)
			res := L.Get(-1)
			if res != glua.LNil || top > 1 && L.Get(2) != glua.LNil && L.Get(2) != glua.LNumber(10) {
				return 1
			}
			str, ok := L.Get(1).(glua.LString)
			t := strings.TrimSpace(string(str))
			if !ok || t == "" || strings.Trim(t, "0123456789.eE+-") != "" {
				return 1
			}
			if f, err := strconv.ParseFloat(t, 64); err == nil {
				L.Pop(1)
				L.Push(glua.LNumber(f))
			}
			return 1
		}))
	}
	L.SetGlobal("rawlen", L.NewFunction(func(L *glua.LState) int {
		switch x := L.Get(1).(type) {
		case *glua.LTable:
			L.Push(glua.LNumber(x.Len()))
		case glua.LString:
			L.Push(glua.LNumber(len(x)))
		default:
			L.ArgError(1, "table or string expected")
		}
		return 1
	}))
	if tb, ok := L.GetGlobal("table").(*glua.LTable); ok && tb.RawGetString("move") == glua.LNil {
		tb.RawSetString("move", L.NewFunction(func(L *glua.LState) int {
			a1 := L.CheckTable(1)
			f, e, t := L.CheckInt(2), L.CheckInt(3), L.CheckInt(4)
			a2 := a1
			if L.GetTop() >= 5 {
				a2 = L.CheckTable(5)
			}
			if e >= f {
				if t > e || t <= f || a1 != a2 {
					for i := 0; i <= e-f; i++ {
						L.SetTable(a2, glua.LNumber(t+i), L.GetTable(a1, glua.LNumber(f+i)))
					}
				} else {
					for i := e - f; i >= 0; i-- {
						L.SetTable(a2, glua.LNumber(t+i), L.GetTable(a1, glua.LNumber(f+i)))
					}
				}
			}
			L.Push(a2)
			return 1
		}))
	}
	if str, ok := L.GetGlobal("string").(*glua.LTable); ok {
		if rep, ok := str.RawGetString("rep").(*glua.LFunction); ok {
			str.RawSetString("rep", L.NewFunction(func(L *glua.LState) int {
				if L.GetTop() < 3 || L.Get(3) == glua.LNil {
					L.Push(rep)
					L.Push(L.Get(1))
					L.Push(L.Get(2))
					L.Call(2, 1)
					return 1
				}
				s, n, sep := L.CheckString(1), L.CheckInt(2), L.CheckString(3)
				if n <= 0 {
					L.Push(glua.LString(""))
					return 1
				}
				var b strings.Builder
				for i := 0; i < n; i++ {
					if i > 0 {
						b.WriteString(sep)
					}
					b.WriteString(s)
				}
				L.Push(glua.LString(b.String()))
				return 1
			}))
		}
	}
	if m, ok := L.GetGlobal("math").(*glua.LTable); ok {
		m.RawSetString("ult", L.NewFunction(func(L *glua.LState) int {
			a, b := packInteger(L, 1), packInteger(L, 2)
			L.Push(glua.LBool(uint64(a) < uint64(b)))
			return 1
		}))
	}
}

// openClasses adds the global classes scripts may name beyond core and
// act: Map, Regex and StickTable, and core.tcp and core.httpclient.
func openClasses(v *vm) {
	if core, ok := v.L.GetGlobal("core").(*glua.LTable); ok {
		openSocket(v, core)
		openHTTPClient(v, core)
	}
	openMap(v)
	openRegex(v)
	openStickTable(v)
}

// ---- utf8 (Lua 5.3) ----

// utf8Max is Lua 5.3's MAXUNICODE: its utf8 library accepts surrogates
// but nothing above U+10FFFF.
const utf8Max = 0x10FFFF

// utf8Decode decodes one character at s[i:] as Lua 5.3's utf8_decode:
// the code and its length, or ok false for an invalid sequence.
func utf8Decode(s string, i int) (code rune, n int, ok bool) {
	c := s[i]
	if c < 0x80 {
		return rune(c), 1, true
	}
	var limits = [...]rune{0xFF, 0x7F, 0x7FF, 0xFFFF}
	count := 0
	res := rune(0)
	for ; c&0x40 != 0; c <<= 1 {
		count++
		if i+count >= len(s) {
			return 0, 0, false
		}
		cc := s[i+count]
		if cc&0xC0 != 0x80 {
			return 0, 0, false
		}
		res = res<<6 | rune(cc&0x3F)
	}
	if count == 0 || count > 3 {
		return 0, 0, false
	}
	res |= rune(c&0x7F) << (count * 5)
	if res > utf8Max || res <= limits[count] {
		return 0, 0, false
	}
	return res, count + 1, true
}

func utf8Encode(b []byte, x rune) []byte {
	if x < 0x80 {
		return append(b, byte(x))
	}
	var tmp [8]byte
	n := 0
	mfb := rune(0x3f)
	for {
		tmp[7-n] = byte(0x80 | (x & 0x3f))
		n++
		x >>= 6
		mfb >>= 1
		if x <= mfb {
			break
		}
	}
	tmp[7-n] = byte((^mfb << 1) | x)
	n++
	return append(b, tmp[8-n:]...)
}

// uPos is Lua's u_posrelat: a relative string position made absolute.
func uPos(pos, n int) int {
	if pos >= 0 {
		return pos
	}
	if -pos > n {
		return 0
	}
	return n + pos + 1
}

func openUTF8(L *glua.LState) {
	// iter is utf8.codes's iterator: the same function for every call, as
	// in Lua 5.3, not a new one per loop.
	iter := L.NewFunction(func(L *glua.LState) int {
		s := L.CheckString(1)
		p := int(L.CheckInt64(2))
		if p > 0 { // skip the current character
			p--
			_, k, ok := utf8Decode(s, p)
			if !ok {
				L.RaiseError("invalid UTF-8 code")
			}
			p += k
		}
		if p >= len(s) {
			return 0
		}
		c, _, ok := utf8Decode(s, p)
		if !ok {
			L.RaiseError("invalid UTF-8 code")
		}
		L.Push(glua.LNumber(p + 1))
		L.Push(glua.LNumber(c))
		return 2
	})
	u := L.NewTable()
	u.RawSetString("charpattern", glua.LString("[\x00-\x7F\xC2-\xF4][\x80-\xBF]*"))
	L.SetFuncs(u, map[string]glua.LGFunction{
		"char": func(L *glua.LState) int {
			var b []byte
			for i := 1; i <= L.GetTop(); i++ {
				c := L.CheckInt64(i)
				if c < 0 || c > utf8Max {
					L.ArgError(i, "value out of range")
				}
				b = utf8Encode(b, rune(c))
			}
			L.Push(glua.LString(b))
			return 1
		},
		"codepoint": func(L *glua.LState) int {
			s := L.CheckString(1)
			i := uPos(L.OptInt(2, 1), len(s))
			j := uPos(L.OptInt(3, i), len(s))
			if i < 1 {
				L.ArgError(2, "out of range")
			}
			if j > len(s) {
				L.ArgError(3, "out of range")
			}
			n := 0
			for p := i - 1; p < j; {
				c, k, ok := utf8Decode(s, p)
				if !ok {
					L.RaiseError("invalid UTF-8 code")
				}
				L.Push(glua.LNumber(c))
				n++
				p += k
			}
			return n
		},
		"len": func(L *glua.LState) int {
			s := L.CheckString(1)
			i := uPos(L.OptInt(2, 1), len(s))
			j := uPos(L.OptInt(3, -1), len(s))
			if i < 1 || i-1 > len(s) {
				L.ArgError(2, "initial position out of string")
			}
			if j > len(s) {
				L.ArgError(3, "final position out of string")
			}
			n := 0
			for p := i - 1; p < j; {
				_, k, ok := utf8Decode(s, p)
				if !ok {
					L.Push(glua.LNil)
					L.Push(glua.LNumber(p + 1))
					return 2
				}
				p += k
				n++
			}
			L.Push(glua.LNumber(n))
			return 1
		},
		"offset": func(L *glua.LState) int {
			s := L.CheckString(1)
			n := L.CheckInt(2)
			def := 1
			if n < 0 {
				def = len(s) + 1
			}
			posi := uPos(L.OptInt(3, def), len(s)) - 1
			if posi < 0 || posi > len(s) {
				L.ArgError(3, "position out of range")
			}
			cont := func(p int) bool { return p < len(s) && s[p]&0xC0 == 0x80 }
			if n == 0 {
				for posi > 0 && cont(posi) {
					posi--
				}
				L.Push(glua.LNumber(posi + 1))
				return 1
			}
			if cont(posi) {
				L.RaiseError("initial position is a continuation byte")
			}
			if n < 0 {
				for n < 0 && posi > 0 {
					posi--
					for posi > 0 && cont(posi) {
						posi--
					}
					n++
				}
			} else {
				n--
				for n > 0 && posi < len(s) {
					posi++
					for cont(posi) {
						posi++
					}
					n--
				}
			}
			if n == 0 {
				L.Push(glua.LNumber(posi + 1))
			} else {
				L.Push(glua.LNil)
			}
			return 1
		},
		"codes": func(L *glua.LState) int {
			s := L.CheckString(1)
			L.Push(iter)
			L.Push(glua.LString(s))
			L.Push(glua.LNumber(0))
			return 3
		},
	})
	L.SetGlobal("utf8", u)
	if loaded, ok := L.GetField(L.Get(glua.RegistryIndex), "_LOADED").(*glua.LTable); ok {
		loaded.RawSetString("utf8", u)
	}
}

// ---- string.pack, string.unpack, string.packsize (Lua 5.3) ----
//
// Every format option but X is supported. Numbers are Lua 5.1's doubles:
// 8-byte integers beyond 2^53 lose precision when unpacked.

type packOpt struct {
	kind  byte // 'i' signed int, 'u' unsigned, 'f' float, 'd' double, 's' string with length, 'z', 'c' fixed, 'x' pad, 0 none
	size  int
	align int
}

type packState struct {
	L        *glua.LState
	fmt      string
	pos      int
	little   bool
	maxAlign int
}

func (ps *packState) num(def int) int {
	if ps.pos >= len(ps.fmt) || ps.fmt[ps.pos] < '0' || ps.fmt[ps.pos] > '9' {
		return def
	}
	n := 0
	for ps.pos < len(ps.fmt) && ps.fmt[ps.pos] >= '0' && ps.fmt[ps.pos] <= '9' && n < 1<<20 {
		n = n*10 + int(ps.fmt[ps.pos]-'0')
		ps.pos++
	}
	return n
}

func (ps *packState) intSize(def int) int {
	n := ps.num(def)
	if n < 1 || n > 16 {
		ps.L.RaiseError("integral size (%d) out of limits [1,16]", n)
	}
	return n
}

// next reads one option; ok false at the end of the format.
func (ps *packState) next() (packOpt, bool) {
	for ps.pos < len(ps.fmt) {
		c := ps.fmt[ps.pos]
		ps.pos++
		o := packOpt{}
		switch c {
		case 'b':
			o = packOpt{kind: 'i', size: 1}
		case 'B':
			o = packOpt{kind: 'u', size: 1}
		case 'h':
			o = packOpt{kind: 'i', size: 2}
		case 'H':
			o = packOpt{kind: 'u', size: 2}
		case 'i':
			o = packOpt{kind: 'i', size: ps.intSize(4)}
		case 'I':
			o = packOpt{kind: 'u', size: ps.intSize(4)}
		case 'l', 'j':
			o = packOpt{kind: 'i', size: 8}
		case 'L', 'J', 'T':
			o = packOpt{kind: 'u', size: 8}
		case 'f':
			o = packOpt{kind: 'f', size: 4}
		case 'd', 'n':
			o = packOpt{kind: 'd', size: 8}
		case 's':
			o = packOpt{kind: 's', size: ps.intSize(8)}
		case 'z':
			o = packOpt{kind: 'z'}
		case 'c':
			n := ps.num(-1)
			if n < 0 {
				ps.L.RaiseError("missing size for format option 'c'")
			}
			o = packOpt{kind: 'c', size: n}
		case 'x':
			o = packOpt{kind: 'x', size: 1}
		case ' ':
			continue
		case '<':
			ps.little = true
			continue
		case '>':
			ps.little = false
			continue
		case '=':
			ps.little = true // the native order of every platform we run on
			continue
		case '!':
			ps.maxAlign = ps.intSize(8)
			continue
		case 'X':
			ps.L.RaiseError("format option 'X' is not supported")
		default:
			ps.L.RaiseError("invalid format option '%c'", c)
		}
		if o.kind == 'i' || o.kind == 'u' || o.kind == 'f' || o.kind == 'd' {
			o.align = min(o.size, ps.maxAlign)
		}
		return o, true
	}
	return packOpt{}, false
}

// pad is the padding before an option at offset total.
func (ps *packState) pad(o packOpt, total int) int {
	if o.align <= 1 {
		return 0
	}
	if o.align&(o.align-1) != 0 {
		ps.L.RaiseError("format asks for alignment not power of 2")
	}
	return (o.align - total&(o.align-1)) & (o.align - 1)
}

func newPackState(L *glua.LState, f string) *packState {
	return &packState{L: L, fmt: f, little: true, maxAlign: 1}
}

func (ps *packState) putInt(b []byte, v uint64, size int) []byte {
	start := len(b)
	for i := 0; i < size; i++ {
		by := byte(0)
		if i < 8 {
			by = byte(v >> (8 * i))
		} else if int64(v) < 0 {
			by = 0xFF
		}
		b = append(b, by)
	}
	if !ps.little {
		for i, j := start, len(b)-1; i < j; i, j = i+1, j-1 {
			b[i], b[j] = b[j], b[i]
		}
	}
	return b
}

func (ps *packState) getInt(s string, size int, signed bool) uint64 {
	var v uint64
	for i := 0; i < size && i < 8; i++ {
		var by byte
		if ps.little {
			by = s[i]
		} else {
			by = s[size-1-i]
		}
		v |= uint64(by) << (8 * i)
	}
	if signed && size < 8 {
		shift := uint(64 - 8*size)
		v = uint64(int64(v<<shift) >> shift)
	}
	return v
}

func packInteger(L *glua.LState, arg int) int64 {
	n := float64(L.CheckNumber(arg))
	if n != math.Trunc(n) || n < -9.3e18 || n > 1.85e19 {
		L.ArgError(arg, "number has no integer representation")
	}
	if n >= 9.2233720368547758e18 {
		return int64(uint64(n))
	}
	return int64(n)
}

func openPack(L *glua.LState) {
	str, ok := L.GetGlobal("string").(*glua.LTable)
	if !ok {
		return
	}
	str.RawSetString("pack", L.NewFunction(func(L *glua.LState) int {
		ps := newPackState(L, L.CheckString(1))
		var b []byte
		arg := 1
		for {
			o, ok := ps.next()
			if !ok {
				break
			}
			for n := ps.pad(o, len(b)); n > 0; n-- {
				b = append(b, 0)
			}
			switch o.kind {
			case 'i', 'u':
				arg++
				v := packInteger(L, arg)
				if o.size < 8 {
					lim := int64(1) << (o.size*8 - 1)
					if o.kind == 'i' && (v < -lim || v >= lim) || o.kind == 'u' && uint64(v) >= uint64(lim)*2 {
						L.ArgError(arg, "integer overflow")
					}
				}
				b = ps.putInt(b, uint64(v), o.size)
			case 'f':
				arg++
				b = ps.putInt(b, uint64(math.Float32bits(float32(L.CheckNumber(arg)))), 4)
			case 'd':
				arg++
				b = ps.putInt(b, math.Float64bits(float64(L.CheckNumber(arg))), 8)
			case 's':
				arg++
				s := L.CheckString(arg)
				if o.size < 8 && uint64(len(s)) >= 1<<(uint(o.size)*8) {
					L.ArgError(arg, "string length does not fit in given size")
				}
				b = ps.putInt(b, uint64(len(s)), o.size)
				b = append(b, s...)
			case 'z':
				arg++
				s := L.CheckString(arg)
				if strings.IndexByte(s, 0) >= 0 {
					L.ArgError(arg, "string contains zeros")
				}
				b = append(append(b, s...), 0)
			case 'c':
				arg++
				s := L.CheckString(arg)
				if len(s) > o.size {
					L.ArgError(arg, "string longer than given size")
				}
				b = append(b, s...)
				for i := len(s); i < o.size; i++ {
					b = append(b, 0)
				}
			case 'x':
				b = append(b, 0)
			}
		}
		L.Push(glua.LString(b))
		return 1
	}))
	str.RawSetString("packsize", L.NewFunction(func(L *glua.LState) int {
		ps := newPackState(L, L.CheckString(1))
		total := 0
		for {
			o, ok := ps.next()
			if !ok {
				break
			}
			if o.kind == 's' || o.kind == 'z' {
				L.ArgError(1, "variable-length format")
			}
			total += ps.pad(o, total) + o.size
		}
		L.Push(glua.LNumber(total))
		return 1
	}))
	str.RawSetString("unpack", L.NewFunction(func(L *glua.LState) int {
		ps := newPackState(L, L.CheckString(1))
		data := L.CheckString(2)
		pos := uPos(L.OptInt(3, 1), len(data)) - 1
		if pos < 0 || pos > len(data) {
			L.ArgError(3, "initial position out of string")
		}
		n := 0
		need := func(k int) {
			if k < 0 || pos+k > len(data) {
				L.ArgError(2, "data string too short")
			}
		}
		for {
			o, ok := ps.next()
			if !ok {
				break
			}
			pad := ps.pad(o, pos)
			need(pad + o.size)
			pos += pad
			switch o.kind {
			case 'i':
				L.Push(glua.LNumber(int64(ps.getInt(data[pos:], o.size, true))))
			case 'u':
				L.Push(glua.LNumber(ps.getInt(data[pos:], o.size, false)))
			case 'f':
				L.Push(glua.LNumber(math.Float32frombits(uint32(ps.getInt(data[pos:], 4, false)))))
			case 'd':
				L.Push(glua.LNumber(math.Float64frombits(ps.getInt(data[pos:], 8, false))))
			case 's':
				l := int(ps.getInt(data[pos:], o.size, false))
				pos += o.size
				need(l)
				L.Push(glua.LString(data[pos : pos+l]))
				pos += l
				n++
				continue
			case 'z':
				e := strings.IndexByte(data[pos:], 0)
				if e < 0 {
					L.ArgError(2, "unfinished string for format 'z'")
				}
				L.Push(glua.LString(data[pos : pos+e]))
				pos += e + 1
				n++
				continue
			case 'c':
				L.Push(glua.LString(data[pos : pos+o.size]))
			case 'x':
				pos += o.size
				continue
			}
			pos += o.size
			n++
		}
		L.Push(glua.LNumber(pos + 1))
		return n + 1
	}))
}

// ---- Lua source files ----

// readSource reads a Lua file as Lua 5.3's luaL_loadfile does: a first
// line starting with '#' (a Unix "#!" line) is skipped, its line break
// kept so that line numbers stay right; and with the 5.3 escapes
// rewritten for gopher-lua's lexer.
func readSource(file string) ([]byte, error) {
	src, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	if len(src) > 0 && src[0] == '#' {
		if i := bytes.IndexByte(src, '\n'); i >= 0 {
			src = src[i:]
		} else {
			src = nil
		}
	}
	return rewriteEscapes(src), nil
}

// openFileLoaders replaces loadfile and dofile by ones that read files as
// lua-load does (readSource), with Lua 5.3's arguments and messages.
// Without a file name Lua reads standard input, which a proxy has not:
// that raises an error.
func openFileLoaders(L *glua.LState) {
	loadFile := func(L *glua.LState, file string) (*glua.LFunction, string) {
		src, err := readSource(file)
		if err != nil {
			msg := err.Error()
			if pe, ok := err.(*os.PathError); ok {
				msg = pe.Err.Error()
				if len(msg) > 0 { // strerror's capital, as Lua prints it
					msg = strings.ToUpper(msg[:1]) + msg[1:]
				}
			}
			return nil, "cannot open " + file + ": " + msg
		}
		fn, err := L.Load(bytes.NewReader(src), file)
		if err != nil {
			return nil, err.Error()
		}
		return fn, ""
	}
	fileArg := func(L *glua.LState, fn string) string {
		if L.Get(1) == glua.LNil {
			L.RaiseError("%s: reading a chunk from standard input is not supported", fn)
		}
		return L.CheckString(1)
	}
	L.SetGlobal("loadfile", L.NewFunction(func(L *glua.LState) int {
		file := fileArg(L, "loadfile")
		if mode := L.OptString(2, "bt"); !strings.Contains(mode, "t") {
			L.Push(glua.LNil)
			L.Push(glua.LString("attempt to load a text chunk (mode is '" + mode + "')"))
			return 2
		}
		fn, msg := loadFile(L, file)
		if fn == nil {
			L.Push(glua.LNil)
			L.Push(glua.LString(msg))
			return 2
		}
		if env, ok := L.Get(3).(*glua.LTable); ok {
			fn.Env = env
		}
		L.Push(fn)
		return 1
	}))
	L.SetGlobal("dofile", L.NewFunction(func(L *glua.LState) int {
		file := fileArg(L, "dofile")
		fn, msg := loadFile(L, file)
		if fn == nil {
			L.Error(glua.LString(msg), 0) // as Lua: no position
		}
		top := L.GetTop()
		L.Push(fn)
		L.Call(0, glua.MultRet)
		return L.GetTop() - top
	}))
}

// ---- Lua 5.2/5.3 string escapes ----

// rewriteEscapes rewrites the escapes of quoted string literals that Lua
// 5.2 and 5.3 know and gopher-lua's 5.1 lexer does not — \xXX, \z and
// \u{XXX} — into 5.1's decimal \ddd, so that "\x41" is "A" as under
// haproxy and not "x41". Comments and long strings are left alone. Line
// numbers are kept: the line breaks that a \z skips are put back after
// the literal.
func rewriteEscapes(src []byte) []byte {
	if !bytes.Contains(src, []byte(`\x`)) && !bytes.Contains(src, []byte(`\z`)) && !bytes.Contains(src, []byte(`\u`)) {
		return src
	}
	out := make([]byte, 0, len(src)+16)
	dec := func(b byte) { out = append(out, '\\', '0'+b/100, '0'+b/10%10, '0'+b%10) }
	// longBracket returns the level of a long bracket opening at i
	// ("[[", "[=[", …), or -1.
	longBracket := func(i int) int {
		if i >= len(src) || src[i] != '[' {
			return -1
		}
		j := i + 1
		for j < len(src) && src[j] == '=' {
			j++
		}
		if j < len(src) && src[j] == '[' {
			return j - i - 1
		}
		return -1
	}
	skipLong := func(i, level int) int {
		closer := "]" + strings.Repeat("=", level) + "]"
		if k := bytes.Index(src[i:], []byte(closer)); k >= 0 {
			return i + k + len(closer)
		}
		return len(src)
	}
	isHex := func(c byte) bool { return c >= '0' && c <= '9' || c|0x20 >= 'a' && c|0x20 <= 'f' }
	hexVal := func(c byte) rune {
		if c <= '9' {
			return rune(c - '0')
		}
		return rune(c|0x20-'a') + 10
	}
	for i := 0; i < len(src); {
		c := src[i]
		switch {
		case c == '-' && i+1 < len(src) && src[i+1] == '-':
			end := len(src)
			if lvl := longBracket(i + 2); lvl >= 0 {
				end = skipLong(i+2, lvl)
			} else if k := bytes.IndexByte(src[i:], '\n'); k >= 0 {
				end = i + k
			}
			out = append(out, src[i:end]...)
			i = end
		case c == '[' && longBracket(i) >= 0:
			end := skipLong(i, longBracket(i))
			out = append(out, src[i:end]...)
			i = end
		case c == '"' || c == '\'':
			out = append(out, c)
			i++
			lines := 0
			for i < len(src) && src[i] != c && src[i] != '\n' {
				if src[i] != '\\' || i+1 >= len(src) {
					out = append(out, src[i])
					i++
					continue
				}
				switch e := src[i+1]; {
				case e == 'x' && i+3 < len(src) && isHex(src[i+2]) && isHex(src[i+3]):
					dec(byte(hexVal(src[i+2])<<4 | hexVal(src[i+3])))
					i += 4
				case e == 'z':
					i += 2
					for i < len(src) && (src[i] == ' ' || src[i] == '\t' || src[i] == '\r' || src[i] == '\n' || src[i] == '\f' || src[i] == '\v') {
						if src[i] == '\n' {
							lines++
						}
						i++
					}
				case e == 'u' && i+2 < len(src) && src[i+2] == '{':
					j, r := i+3, rune(0)
					for j < len(src) && isHex(src[j]) && r <= utf8Max {
						r = r<<4 | hexVal(src[j])
						j++
					}
					if j < len(src) && src[j] == '}' && j > i+3 && r <= utf8Max {
						for _, b := range utf8Encode(nil, r) {
							dec(b)
						}
						i = j + 1
					} else {
						out = append(out, src[i], src[i+1])
						i += 2
					}
				default:
					out = append(out, src[i], src[i+1])
					i += 2
				}
			}
			if i < len(src) && src[i] == c {
				out = append(out, c)
				i++
			}
			for ; lines > 0; lines-- {
				out = append(out, '\n')
			}
		default:
			out = append(out, c)
			i++
		}
	}
	return out
}
