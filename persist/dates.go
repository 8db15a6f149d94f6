package persist

// Cookies with maxidle or maxlife carry dates after the server's value:
// NAME=SRV|<last seen>|<first seen>. Each date is a UNIX time divided by 4,
// its low 30 bits written as 5 base64 digits, most significant first,
// without padding (haproxy's s30tob64 and b64tos30).

const b64digits = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

// b64values maps a byte to its digit value plus one; 0 is not a digit.
var b64values = func() (t [256]uint8) {
	for i := 0; i < len(b64digits); i++ {
		t[b64digits[i]] = uint8(i + 1)
	}
	return t
}()

// appendDate appends the 5 digits of the low 30 bits of v.
func appendDate(dst []byte, v uint32) []byte {
	for shift := 24; shift >= 0; shift -= 6 {
		dst = append(dst, b64digits[(v>>uint(shift))&0x3f])
	}
	return dst
}

// readDate decodes 5 digits (the caller checked there are 5), or returns
// -1 when one is not a base64 digit.
func readDate(b []byte) int32 {
	var v int32
	for _, c := range b[:5] {
		d := b64values[c]
		if d == 0 {
			return -1
		}
		v = v<<6 | int32(d-1)
	}
	return v
}
