package sample

import (
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"strconv"
)

// bytesConvs read or build binary samples: big-endian chunks as numbers
// or hex (be2dec, be2hex), an integer as 4 bytes (htonl), and the text
// helpers add_item and cut_crlf. Results are built in c.Scratch.
var bytesConvs = []convDef{
	{name: "be2dec", args: args(1, ArgStr, ArgInt, ArgInt), validate: validateBe2Dec, in: TypeBin, out: TypeStr, fn: convBe2Dec},
	{name: "be2hex", args: args(0, ArgStr, ArgInt, ArgInt), validate: validateBe2Hex, in: TypeBin, out: TypeStr, fn: convBe2Hex},
	{name: "htonl", in: TypeInt, out: TypeBin, fn: convHtonl},
	{name: "cut_crlf", in: TypeStr, out: TypeStr, fn: convCutCRLF},
	{name: "add_item", args: args(2, ArgStr, ArgStr, ArgStr), validate: validateAddItem, in: TypeStr, out: TypeStr, fn: convAddItem},
}

// binFetches are constants given in hexadecimal.
var binFetches = []fetchDef{
	{name: "bin", args: args(1, ArgStr), validate: validateBinArg, out: TypeBin, fn: fetchBinArg},
}

// validateBinArg decodes bin()'s hexadecimal argument once.
func validateBinArg(a []arg) error {
	b, err := hex.DecodeString(a[0].s)
	if err != nil {
		return fmt.Errorf("invalid binary string '%s': an even number of hexadecimal digits is expected", a[0].s)
	}
	a[0].b = b
	return nil
}

func fetchBinArg(_ *Ctx, a []arg, _ cursor) (Value, cursor, bool) {
	return binVal(a[0].b), cursor{}, true
}

// be2dec(sep,chunk_size[,truncate]): chunk_size is 1 to 8 bytes, and
// truncate 0 or 1, as haproxy checks them.
func validateBe2Dec(a []arg) error {
	if a[1].i <= 0 || a[1].i > 8 {
		return fmt.Errorf("chunk_size out of [1..8] range (%d)", a[1].i)
	}
	if a[2].i != 0 && a[2].i != 1 {
		return fmt.Errorf("Unsupported truncate value (%d)", a[2].i)
	}
	return nil
}

// convBe2Dec reads the input as big-endian numbers of chunk_size bytes
// and writes them in decimal, separated; with truncate, a last partial
// chunk is left out.
func convBe2Dec(c *Ctx, a []arg, v Value) (Value, bool) {
	in, sep, size := v.Str, a[0].b, int(a[1].i)
	last := len(in)
	if a[2].i != 0 {
		last = len(in) - size + 1
	}
	start := len(c.Scratch)
	for ptr := 0; ptr < last; {
		if ptr > 0 {
			c.Scratch = append(c.Scratch, sep...)
		}
		var n uint64
		for i := 0; i < size && ptr < len(in); i++ {
			n = n<<8 | uint64(in[ptr])
			ptr++
		}
		c.Scratch = strconv.AppendUint(c.Scratch, n, 10)
	}
	return Str(scratchFrom(c, start)), true
}

// be2hex([sep[,chunk_size[,truncate]]]): a separator or truncation needs
// a positive chunk size.
func validateBe2Hex(a []arg) error {
	if a[1].i <= 0 && (len(a[0].s) > 0 || a[2].i != 0) {
		return fmt.Errorf("chunk_size needs to be positive (%d)", a[1].i)
	}
	if a[2].i != 0 && a[2].i != 1 {
		return fmt.Errorf("Unsupported truncate value (%d)", a[2].i)
	}
	return nil
}

// convBe2Hex writes the input in upper-case hexadecimal, chunk_size bytes
// between separators; with truncate, a last partial chunk is left out.
func convBe2Hex(c *Ctx, a []arg, v Value) (Value, bool) {
	in, sep, size := v.Str, a[0].b, int(a[1].i)
	last := len(in)
	if a[2].i != 0 {
		last = len(in) - size + 1
	}
	if len(sep) == 0 && a[2].i == 0 {
		size = len(in)
	}
	const digits = "0123456789ABCDEF"
	start := len(c.Scratch)
	for ptr := 0; ptr < last; {
		if ptr > 0 {
			c.Scratch = append(c.Scratch, sep...)
		}
		for i := 0; i < size && ptr < len(in); i++ {
			c.Scratch = append(c.Scratch, digits[in[ptr]>>4], digits[in[ptr]&15])
			ptr++
		}
	}
	return Str(scratchFrom(c, start)), true
}

// convHtonl is the integer's low 32 bits in network order.
func convHtonl(c *Ctx, _ []arg, v Value) (Value, bool) {
	start := len(c.Scratch)
	c.Scratch = binary.BigEndian.AppendUint32(c.Scratch, uint32(v.Int))
	return binVal(scratchFrom(c, start)), true
}

// convCutCRLF cuts the string at its first CR or LF.
func convCutCRLF(_ *Ctx, _ []arg, v Value) (Value, bool) {
	for i, b := range v.Str {
		if b == '\r' || b == '\n' {
			v.Str = v.Str[:i:i]
			break
		}
	}
	return v, true
}

// validateAddItem resolves add_item's variable, if named; the variable or
// the suffix must be given.
func validateAddItem(a []arg) error {
	if a[1].s != "" {
		ref, err := ParseVarName(a[1].s)
		if err != nil {
			return fmt.Errorf("failed to register variable name '%s'", a[1].s)
		}
		a[1].v = ref
	}
	if a[1].s == "" && a[2].s == "" {
		return fmt.Errorf("one of the optional arguments has to be nonempty")
	}
	return nil
}

// convAddItem appends to a list: the delimiter (when the list is not
// empty and something follows), the variable's value as text (when set),
// then the suffix.
func convAddItem(c *Ctx, a []arg, v Value) (Value, bool) {
	var item []byte
	found := false
	if a[1].s != "" {
		if x, ok := c.Vars.Get(a[1].v); ok {
			if s, ok := Cast(c, x, TypeStr); ok {
				item, found = s.Str, true
			}
		}
	}
	start := len(c.Scratch)
	c.Scratch = append(c.Scratch, v.Str...)
	if len(v.Str) > 0 && (found && len(item) > 0 || len(a[2].b) > 0) {
		c.Scratch = append(c.Scratch, a[0].b...)
	}
	c.Scratch = append(c.Scratch, item...)
	c.Scratch = append(c.Scratch, a[2].b...)
	return Str(scratchFrom(c, start)), true
}
