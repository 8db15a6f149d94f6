package sample

import (
	"fmt"
	"math"
)

// arithConvs compute on integers. The operand of the binary ones is an
// integer or the name of a variable read when the converter runs; a
// variable that is missing or cannot become an integer makes the
// converter fail. Results saturate instead of overflowing, as haproxy's.
var arithConvs = []convDef{
	{name: "add", args: args(1, ArgStr), validate: validateOperand, in: TypeInt, out: TypeInt, fn: arith(arithAdd)},
	{name: "sub", args: args(1, ArgStr), validate: validateOperand, in: TypeInt, out: TypeInt, fn: arith(arithSub)},
	{name: "mul", args: args(1, ArgStr), validate: validateOperand, in: TypeInt, out: TypeInt, fn: arith(arithMul)},
	{name: "div", args: args(1, ArgStr), validate: validateOperand, in: TypeInt, out: TypeInt, fn: arith(arithDiv)},
	{name: "mod", args: args(1, ArgStr), validate: validateOperand, in: TypeInt, out: TypeInt, fn: arith(arithMod)},
	{name: "and", args: args(1, ArgStr), validate: validateOperand, in: TypeInt, out: TypeInt, fn: arith(func(a, b int64) int64 { return a & b })},
	{name: "or", args: args(1, ArgStr), validate: validateOperand, in: TypeInt, out: TypeInt, fn: arith(func(a, b int64) int64 { return a | b })},
	{name: "xor", args: args(1, ArgStr), validate: validateOperand, in: TypeInt, out: TypeInt, fn: arith(func(a, b int64) int64 { return a ^ b })},
	{name: "neg", in: TypeInt, out: TypeInt, fn: intOp(func(a int64) int64 {
		if a == math.MinInt64 {
			return math.MaxInt64
		}
		return -a
	})},
	{name: "cpl", in: TypeInt, out: TypeInt, fn: intOp(func(a int64) int64 { return ^a })},
	{name: "bool", in: TypeInt, out: TypeBool, fn: intTest(func(a int64) bool { return a != 0 })},
	{name: "not", in: TypeInt, out: TypeBool, fn: intTest(func(a int64) bool { return a == 0 })},
	{name: "odd", in: TypeInt, out: TypeBool, fn: intTest(func(a int64) bool { return a&1 != 0 })},
	{name: "even", in: TypeInt, out: TypeBool, fn: intTest(func(a int64) bool { return a&1 == 0 })},
}

// validateOperand reads the operand of add, sub...: a variable name if it
// is one, otherwise a whole integer.
func validateOperand(a []arg) error {
	if ref, err := ParseVarName(a[0].s); err == nil {
		a[0].v = ref
		return nil
	}
	n, ok := parseOperandInt(a[0].s)
	if !ok {
		return fmt.Errorf("expects an integer or a variable name")
	}
	a[0].i = n
	return nil
}

// parseOperandInt is haproxy's read_int64 required to use the whole text:
// an optional sign and digits, where the empty text is 0.
func parseOperandInt(s string) (int64, bool) {
	digits := s
	if digits != "" && (digits[0] == '-' || digits[0] == '+') {
		digits = digits[1:]
	}
	for i := 0; i < len(digits); i++ {
		if digits[i] < '0' || digits[i] > '9' {
			return 0, false
		}
	}
	return leadingInt([]byte(s)), true
}

// operand returns the value of an integer-or-variable argument.
func operand(c *Ctx, a *arg) (int64, bool) {
	if a.v.Scope == 0 {
		return a.i, true
	}
	v, ok := c.Vars.Get(a.v)
	if !ok {
		return 0, false
	}
	if v, ok = convert(c, v, TypeInt); !ok || v.Kind != KindInt {
		return 0, false
	}
	return v.Int, true
}

func arith(f func(a, b int64) int64) convFunc {
	return func(c *Ctx, a []arg, v Value) (Value, bool) {
		b, ok := operand(c, &a[0])
		if !ok {
			return Value{}, false
		}
		return Int(f(v.Int, b)), true
	}
}

func intOp(f func(int64) int64) convFunc {
	return func(_ *Ctx, _ []arg, v Value) (Value, bool) { return Int(f(v.Int)), true }
}

func intTest(f func(int64) bool) convFunc {
	return func(_ *Ctx, _ []arg, v Value) (Value, bool) { return Bool(f(v.Int)), true }
}

// arithAdd adds, saturating at the int64 limits.
func arithAdd(a, b int64) int64 {
	s := a + b
	if a >= 0 && b >= 0 && s < 0 {
		return math.MaxInt64
	}
	if a < 0 && b < 0 && s >= 0 {
		return math.MinInt64
	}
	return s
}

func arithSub(a, b int64) int64 {
	if b == math.MinInt64 { // -b does not exist: add MaxInt64, then one more
		s := arithAdd(a, math.MaxInt64)
		if s < math.MaxInt64 {
			s++
		}
		return s
	}
	return arithAdd(a, -b)
}

func arithMul(a, b int64) int64 {
	if a == 0 || b == 0 {
		return 0
	}
	if a == math.MinInt64 && b == -1 {
		return math.MaxInt64
	}
	p := a * b
	if p/b != a {
		if (a < 0) == (b < 0) {
			return math.MaxInt64
		}
		return math.MinInt64
	}
	return p
}

// arithDiv divides; by zero it gives the largest integer.
func arithDiv(a, b int64) int64 {
	switch {
	case b == 0:
		return math.MaxInt64
	case a == math.MinInt64 && b == -1:
		return math.MaxInt64
	}
	return a / b
}

// arithMod is the remainder with the dividend's sign; modulo zero is 0.
func arithMod(a, b int64) int64 {
	if b == 0 || (a == math.MinInt64 && b == -1) {
		return 0
	}
	return a % b
}
