package http1

import (
	"fmt"
	"testing"
	"time"
)

func FuzzZZ(f *testing.F) {
	f.Add(uint8(1), []byte("5\r\nhello\r\n0\r\n\r\n"))
	f.Add(uint8(3), []byte("5;a=b\r\nhello\r\n3 \r\nabc\n0\r\nX-T: 1\r\n\r\n"))
	f.Fuzz(func(t *testing.T, piece uint8, data []byte) {
		tm := time.AfterFunc(2*time.Second, func() { panic(fmt.Sprintf("HANG piece=%d data=%q", piece, data)) })
		defer tm.Stop()
		decodeChunked(data, int(piece%16)+1)
	})
}
