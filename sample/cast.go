package sample

// Cast converts a sample to type t at run time as haproxy's
// sample_fetch_as_type does (its cast functions): an action that needs an
// address or an integer takes the expression's value through it. Text the
// cast produces is appended to c.Scratch.
func Cast(c *Ctx, v Value, t Type) (Value, bool) {
	if v.Kind == KindNone {
		return v, false
	}
	return convert(c, v, t)
}
