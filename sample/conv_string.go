package sample

// stringConvs transform strings.
var stringConvs = []convDef{
	{name: "lower", in: TypeStr, out: TypeStr, fn: convCase(lower)},
	{name: "upper", in: TypeStr, out: TypeStr, fn: convCase(upper)},
}

// convCase maps every byte of the sample through f. A sample that f leaves
// unchanged is returned as is; otherwise the result is built in c.Scratch,
// never in place, since samples point into request buffers.
func convCase(f func(byte) byte) convFunc {
	return func(c *Ctx, _ []arg, v Value) (Value, bool) {
		i := 0
		for i < len(v.Str) && f(v.Str[i]) == v.Str[i] {
			i++
		}
		if i == len(v.Str) {
			return v, true
		}
		start := len(c.Scratch)
		c.Scratch = append(c.Scratch, v.Str[:i]...)
		for _, b := range v.Str[i:] {
			c.Scratch = append(c.Scratch, f(b))
		}
		return Str(c.Scratch[start:len(c.Scratch):len(c.Scratch)]), true
	}
}

func upper(c byte) byte {
	if c >= 'a' && c <= 'z' {
		return c - 'a' + 'A'
	}
	return c
}
