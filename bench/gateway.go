package main

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
)

// gatewayMapEntries is the size of the map gateway.cfg looks requests up in.
const gatewayMapEntries = 100_000

// configEnv prepares what bench/gateway.cfg needs besides the ports, for
// any config (haproxy.cfg ignores it): BENCH_DIR holds routes.map, a map of
// gatewayMapEntries paths, and BENCH_LOG_PORT is a syslog sink on
// loopback that reads and discards every datagram, so that sending logs
// costs the proxies what it costs in production. stop closes the sink.
func configEnv(dir string) (env []string, stop func(), err error) {
	f, err := os.Create(filepath.Join(dir, "routes.map"))
	if err != nil {
		return nil, nil, err
	}
	w := bufio.NewWriter(f)
	for i := range gatewayMapEntries {
		fmt.Fprintf(w, "/route/%d backend-%d\n", i, i%16)
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return nil, nil, err
	}
	if err := f.Close(); err != nil {
		return nil, nil, err
	}
	sink, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		return nil, nil, err
	}
	sink.SetReadBuffer(4 << 20)
	go func() {
		buf := make([]byte, 65536)
		for {
			if _, _, err := sink.ReadFromUDP(buf); err != nil {
				return
			}
		}
	}()
	port := sink.LocalAddr().(*net.UDPAddr).Port
	return []string{"BENCH_DIR=" + dir, "BENCH_LOG_PORT=" + strconv.Itoa(port)}, func() { sink.Close() }, nil
}
