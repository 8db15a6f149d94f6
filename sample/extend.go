package sample

import (
	"fmt"
	"net/netip"
	"sort"
)

// This file is how packages other than sample add fetches and converters:
// stats, stick tables, Lua and the proxy's own stream fetches (fe_name,
// srv_name...) register from the package that implements them, with a
// compile step that may look things up in the configuration (Env).

// Arg is an argument of a registered fetch or converter, parsed to its
// declared type.
type Arg struct {
	Set bool // false for an optional argument that was not given
	Str string
	Int int64      // ArgInt
	IP  netip.Addr // ArgIPv4, ArgIPv6
}

// FetchFunc produces a fetch's sample for a transaction.
type FetchFunc func(c *Ctx) (Value, bool)

// FetchDef describes a single-valued sample fetch.
type FetchDef struct {
	Name    string
	Args    []ArgType
	MinArgs int // how many of Args are mandatory
	Out     Type
	Src     Source // what the fetch reads, checked against where it is used
	// Compile checks the arguments, once, at load, and returns the
	// function that fetches.
	Compile func(env *Env, args []Arg) (FetchFunc, error)
	// Each, when set and returning a function, gives the fetch's values
	// one by one where ACLs walk them all (the i-th, from 0, while ok):
	// http_auth_group is a user name, and a user's groups to an ACL.
	Each func(env *Env, args []Arg) (func(c *Ctx, i int) (Value, bool), error)
}

// ConvFunc transforms a sample already cast to the converter's input type.
type ConvFunc func(c *Ctx, v Value) (Value, bool)

// ConverterDef describes a converter.
type ConverterDef struct {
	Name    string
	Args    []ArgType
	MinArgs int
	In, Out Type
	Compile func(env *Env, args []Arg) (ConvFunc, error)
}

// refusedFetches are haproxy fetches that switchyard cannot give a true
// value for, by name, with why (RefuseFetch).
var refusedFetches = map[string]string{}

// RefuseFetch makes a configuration that uses the fetch name fail to
// load with a message giving why, for a fetch that cannot be implemented
// truthfully (rather than return a value that is not what it says).
func RefuseFetch(name, why string) {
	if fetches[name] != nil || refusedFetches[name] != "" {
		panic(fmt.Sprintf("sample fetch %q registered twice", name))
	}
	refusedFetches[name] = why
}

// RegisterFetch adds a fetch. It is meant for init functions: registering
// a name twice is a programming error.
func RegisterFetch(d FetchDef) {
	if fetches[d.Name] != nil {
		panic(fmt.Sprintf("sample fetch %q registered twice", d.Name))
	}
	fetches[d.Name] = newFetchDef(d)
}

// newFetchDef wraps an exported definition into the registry's form.
func newFetchDef(d FetchDef) *fetchDef {
	compile, each := d.Compile, d.Each
	return &fetchDef{name: d.Name, args: argSpec{types: d.Args, min: d.MinArgs}, out: d.Out, src: d.Src,
		compile: func(env *Env, a []arg) (fetchFunc, error) {
			fn, err := compile(env, exportArgs(a))
			if err != nil {
				return nil, err
			}
			if each != nil {
				all, err := each(env, exportArgs(a))
				if err != nil {
					return nil, err
				}
				if all != nil {
					return func(c *Ctx, _ []arg, cur cursor) (Value, cursor, bool) {
						if !cur.all {
							v, ok := fn(c)
							return v, cur, ok
						}
						v, ok := all(c, cur.i)
						cur.i++
						cur.more = ok
						return v, cur, ok
					}, nil
				}
			}
			return func(c *Ctx, _ []arg, cur cursor) (Value, cursor, bool) {
				v, ok := fn(c)
				return v, cur, ok
			}, nil
		}}
}

// RegisterConverter adds a converter, as RegisterFetch adds a fetch.
func RegisterConverter(d ConverterDef) {
	if convs[d.Name] != nil {
		panic(fmt.Sprintf("converter %q registered twice", d.Name))
	}
	convs[d.Name] = newConvDef(d)
}

func newConvDef(d ConverterDef) *convDef {
	compile := d.Compile
	return &convDef{name: d.Name, args: argSpec{types: d.Args, min: d.MinArgs}, in: d.In, out: d.Out,
		compile: func(env *Env, a []arg) (convFunc, error) {
			fn, err := compile(env, exportArgs(a))
			if err != nil {
				return nil, err
			}
			return func(c *Ctx, _ []arg, v Value) (Value, bool) { return fn(c, v) }, nil
		}}
}

// Dynamic is a source of fetches and converters that a configuration
// defines itself rather than the program (Lua's core.register_fetches and
// core.register_converters, named "lua.NAME"): they exist for the
// configuration that loaded the script, not for every configuration.
type Dynamic interface {
	Fetch(name string) (FetchDef, bool)
	Converter(name string) (ConverterDef, bool)
}

// lookupFetch finds a fetch by name: the program's, then the
// configuration's own.
func lookupFetch(env *Env, name string) *fetchDef {
	if f := fetches[name]; f != nil {
		return f
	}
	if env != nil && env.Dynamic != nil {
		if d, ok := env.Dynamic.Fetch(name); ok {
			return newFetchDef(d)
		}
	}
	return nil
}

// lookupConv is lookupFetch for converters.
func lookupConv(env *Env, name string) *convDef {
	if cv := convs[name]; cv != nil {
		return cv
	}
	if env != nil && env.Dynamic != nil {
		if d, ok := env.Dynamic.Converter(name); ok {
			return newConvDef(d)
		}
	}
	return nil
}

func exportArgs(a []arg) []Arg {
	out := make([]Arg, len(a))
	for i, x := range a {
		out[i] = Arg{Set: x.set, Str: x.s, Int: x.i, IP: x.ip}
	}
	return out
}

// instantiate checks a fetch's arguments and returns the function that
// runs it for them.
func (f *fetchDef) instantiate(env *Env, a []arg) (fetchFunc, error) {
	if f.validate != nil {
		if err := f.validate(a); err != nil {
			return nil, err
		}
	}
	declareArgVars(env, a)
	if f.compile != nil {
		return f.compile(env, a)
	}
	return f.fn, nil
}

// instantiate is fetchDef.instantiate for a converter.
func (cv *convDef) instantiate(env *Env, a []arg) (convFunc, error) {
	if cv.validate != nil {
		if err := cv.validate(a); err != nil {
			return nil, err
		}
	}
	declareArgVars(env, a)
	if cv.compile != nil {
		return cv.compile(env, a)
	}
	return cv.fn, nil
}

// declareArgVars notes the variables a fetch's or converter's arguments
// name (var(), set-var(), concat()…), as haproxy's argument check does.
func declareArgVars(env *Env, a []arg) {
	for _, x := range a {
		env.DeclareVar(x.v)
	}
}

// CompileFetchCall compiles a call of the fetch name with arguments given
// one by one, already unquoted (Lua's txn.f:req_fhdr("host")): each is
// taken as it is, never split on commas. Missing optional arguments are
// left out; a mandatory one missing or a surplus one is an error.
func CompileFetchCall(env *Env, name string, args []string) (*Expr, error) {
	f := lookupFetch(env, name)
	if f == nil {
		return nil, unknownFetch(name, false)
	}
	a, err := callArgs(f.args, args)
	if err != nil {
		return nil, fmt.Errorf("fetch method '%s' : %v", name, err)
	}
	fn, err := f.instantiate(env, a)
	if err != nil {
		return nil, fmt.Errorf("invalid args in fetch method '%s' : %v", name, err)
	}
	return &Expr{fetch: f, fn: fn, args: a, text: name}, nil
}

// ConvCall is a converter ready to apply to values (Lua's txn.c).
type ConvCall struct {
	cv *convCall
}

// Apply casts v to the converter's input type and converts it.
func (c *ConvCall) Apply(ctx *Ctx, v Value) (Value, bool) {
	v, ok := convert(ctx, v, c.cv.def.in)
	if !ok {
		return Value{}, false
	}
	return c.cv.fn(ctx, c.cv.args, v)
}

// CompileConverterCall is CompileFetchCall for a converter.
func CompileConverterCall(env *Env, name string, args []string) (*ConvCall, error) {
	cv := lookupConv(env, name)
	if cv == nil {
		return nil, fmt.Errorf("unknown converter '%s'", name)
	}
	a, err := callArgs(cv.args, args)
	if err != nil {
		return nil, fmt.Errorf("converter '%s' : %v", name, err)
	}
	fn, err := cv.instantiate(env, a)
	if err != nil {
		return nil, fmt.Errorf("invalid args in converter '%s' : %v", name, err)
	}
	return &ConvCall{&convCall{def: cv, fn: fn, args: a}}, nil
}

// callArgs converts arguments given one by one to their declared types.
func callArgs(spec argSpec, words []string) ([]arg, error) {
	if len(words) > len(spec.types) {
		return nil, fmt.Errorf("too many arguments (got %d, at most %d)", len(words), len(spec.types))
	}
	if len(words) < spec.min {
		return nil, fmt.Errorf("missing arguments (got %d/%d)", len(words), spec.min)
	}
	out := make([]arg, len(spec.types))
	for i, w := range words {
		a, ok := convertArg(w, spec.types[i])
		if !ok {
			return nil, fmt.Errorf("failed to parse '%s' as type '%s' at position %d", w, argTypeNames[spec.types[i]], i+1)
		}
		out[i] = a
	}
	return out, nil
}

// FetchNames lists the program's fetches, sorted.
func FetchNames() []string { return fetchNames(false) }

// ConverterNames lists the program's converters, sorted.
func ConverterNames() []string {
	names := make([]string, 0, len(convs))
	for n := range convs {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}
