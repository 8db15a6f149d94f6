package hlua

import (
	"math"
	"strconv"

	glua "github.com/yuin/gopher-lua"

	"switchyard/sample"
)

// toLua is a sample as haproxy's hlua_smp2lua gives it to scripts:
// integers and booleans as such, addresses in their text form, strings
// and binaries as strings.
func toLua(v sample.Value) glua.LValue {
	switch v.Kind {
	case sample.KindInt:
		return glua.LNumber(v.Int)
	case sample.KindBool:
		return glua.LNumber(v.Int) // haproxy gives booleans as 0 or 1
	case sample.KindIP:
		return glua.LString(v.IP.String())
	case sample.KindStr, sample.KindBin:
		return glua.LString(string(v.Str))
	}
	return glua.LNil
}

// toSample is a value a script returns as a sample, as haproxy's
// hlua_lua2smp makes it: a number is an integer (0 when it has a
// fraction, as Lua 5.3's lua_tointeger gives), nil and the values that
// have no sample form (tables, functions) the boolean false.
func toSample(v glua.LValue) (sample.Value, bool) {
	switch x := v.(type) {
	case glua.LString:
		return sample.Str([]byte(x)), true
	case glua.LNumber:
		return sample.Int(luaInteger(x)), true
	case glua.LBool:
		return sample.Bool(bool(x)), true
	}
	return sample.Bool(false), true
}

// luaInteger is Lua 5.3's lua_tointeger: the integer a number is, or 0.
func luaInteger(n glua.LNumber) int64 {
	f := float64(n)
	if f != math.Trunc(f) || f < math.MinInt64 || f >= math.MaxInt64 {
		return 0
	}
	return int64(f)
}

// numberText writes a number as Lua 5.3's tostring does for integers (no
// exponent, no ".0"), as %.14g otherwise.
func numberText(n glua.LNumber) string {
	f := float64(n)
	if f == math.Trunc(f) && math.Abs(f) < 1e15 {
		return strconv.FormatInt(int64(f), 10)
	}
	return strconv.FormatFloat(f, 'g', 14, 64)
}

// argText is an argument a script passes to a fetch or a converter, as
// text.
func argText(v glua.LValue) string {
	if n, ok := v.(glua.LNumber); ok {
		return numberText(n)
	}
	return v.String()
}
