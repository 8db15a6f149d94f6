package http1

// chunkSizeMax: haproxy refuses chunk sizes of 2^52 and more, so that no
// peer using floating point numbers ever sees an imprecise one.
const chunkSizeMax = 1<<52 - 1

// parseChunkLine parses "HEX [SP|HT]* [; extension] CRLF" at the start of
// buf (LF alone ends it too). It returns the size and the line's length,
// n == 0 when buf ends first, or ok == false.
func parseChunkLine(buf []byte) (size int64, n int, ok bool) {
	i := 0
	for ; i < len(buf); i++ {
		d := unhex(buf[i])
		if d < 0 {
			break
		}
		size = size<<4 | int64(d)
		if size > chunkSizeMax {
			return 0, 0, false
		}
	}
	if i == len(buf) {
		return 0, 0, true
	}
	if i == 0 {
		return 0, 0, false
	}
	i = skipSPHT(buf, i)
	for {
		if i >= len(buf) {
			return 0, 0, true
		}
		switch buf[i] {
		case '\n':
			return size, i + 1, true
		case '\r':
			if i+1 >= len(buf) {
				return 0, 0, true
			}
			if buf[i+1] != '\n' {
				return 0, 0, false
			}
			return size, i + 2, true
		case ';':
			// Extensions are skipped, whatever they hold.
			for i++; i < len(buf) && !isCRLF(buf[i]); i++ {
			}
		default:
			return 0, 0, false
		}
	}
}

func unhex(c byte) int {
	switch {
	case '0' <= c && c <= '9':
		return int(c - '0')
	case 'a' <= c && c <= 'f':
		return int(c-'a') + 10
	case 'A' <= c && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

// AppendChunkHeader appends the line announcing a chunk of size bytes, in
// haproxy's upper-case hex. The data and then AppendChunkEnd follow; a
// caller writing data straight from its buffer can send the three pieces
// with one writev (net.Buffers).
func AppendChunkHeader(dst []byte, size int) []byte {
	const hex = "0123456789ABCDEF"
	var tmp [16]byte
	i := len(tmp)
	for {
		i--
		tmp[i] = hex[size&15]
		size >>= 4
		if size == 0 {
			break
		}
	}
	dst = append(dst, tmp[i:]...)
	return append(dst, '\r', '\n')
}

// AppendChunkEnd appends the CRLF that closes a chunk's data.
func AppendChunkEnd(dst []byte) []byte { return append(dst, '\r', '\n') }

// AppendLastChunk appends the zero-size chunk, the trailers (names in lower
// case, as haproxy forwards them) and the final empty line.
func AppendLastChunk(dst []byte, trailers []Header) []byte {
	dst = append(dst, '0', '\r', '\n')
	for _, t := range trailers {
		dst = appendField(dst, t.Name, t.Value)
	}
	return append(dst, '\r', '\n')
}
