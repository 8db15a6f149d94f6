package sample

import (
	"context"
	"fmt"
	"math/bits"
	"net"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"
)

// ipSet matches addresses against networks. Networks are kept in a map
// keyed by masked prefix, probed once per prefix length in use, longest
// first, so a large list loaded with -f costs a few map lookups per
// request and a map finds the most specific network, as haproxy's tree
// does. IPv4 networks given with a non-contiguous dotted mask, which no
// prefix can express, are checked one by one, in file order.
type ipSet struct {
	nets   map[netip.Prefix]int32
	lens4  []int // prefix lengths present among IPv4 networks, longest first
	lens6  []int // and among IPv6 ones
	masked []maskedV4
}

type maskedV4 struct {
	addr, mask uint32
	id         int32
}

func newIPSet() *ipSet { return &ipSet{nets: map[netip.Prefix]int32{}} }

// dnsTimeout bounds the resolution of host names in patterns, which
// happens once, when the config is loaded.
const dnsTimeout = 5 * time.Second

func (s *ipSet) add(p string, f patFlags, id int32) error {
	if addr, mask, ok := parseNet4(p, !f.noDNS); ok {
		if ones := bits.LeadingZeros32(^mask); ^uint32(0)<<(32-ones) == mask {
			s.addPrefix(netip.PrefixFrom(addr, ones).Masked(), &s.lens4, id)
		} else {
			s.masked = append(s.masked, maskedV4{u32(addr) & mask, mask, id})
		}
		return nil
	}
	if pfx, ok := parseNet6(p); ok {
		s.addPrefix(pfx.Masked(), &s.lens6, id)
		return nil
	}
	return fmt.Errorf("'%s' is not a valid IPv4 or IPv6 address", p)
}

func (s *ipSet) addPrefix(p netip.Prefix, lens *[]int, id int32) {
	if _, dup := s.nets[p]; !dup {
		s.nets[p] = id
	}
	if i, found := slices.BinarySearchFunc(*lens, p.Bits(), func(a, t int) int { return t - a }); !found {
		*lens = slices.Insert(*lens, i, p.Bits())
	}
}

// lookup follows haproxy: an IPv4 sample is looked up among IPv4 networks,
// then as ::ffff:a.b.c.d among IPv6 ones; an IPv6 sample among IPv6
// networks, then, if it embeds an IPv4 address (::ffff:a.b.c.d, ::a.b.c.d
// or 6to4 2002:AABB:CCDD::), as that address among IPv4 networks.
func (s *ipSet) lookup(_ *Ctx, v Value) (int32, bool) {
	a := v.IP
	if a.Is4() {
		if id, ok := s.longest(a, s.lens4); ok {
			return id, true
		}
		if id, ok := s.longest(netip.AddrFrom16(a.As16()), s.lens6); ok {
			return id, true
		}
		return s.matchMasked(a)
	}
	if id, ok := s.longest(a, s.lens6); ok {
		return id, true
	}
	v4, ok := embeddedV4(a)
	if !ok {
		return 0, false
	}
	if id, ok := s.longest(v4, s.lens4); ok {
		return id, true
	}
	return s.matchMasked(v4)
}

func (s *ipSet) longest(a netip.Addr, lens []int) (int32, bool) {
	for _, n := range lens {
		p, _ := a.Prefix(n)
		if id, ok := s.nets[p]; ok {
			return id, true
		}
	}
	return 0, false
}

func (s *ipSet) matchMasked(a netip.Addr) (int32, bool) {
	x := u32(a)
	for _, m := range s.masked {
		if x&m.mask == m.addr {
			return m.id, true
		}
	}
	return 0, false
}

func embeddedV4(a netip.Addr) (netip.Addr, bool) {
	b := a.As16()
	switch {
	case [10]byte(b[:10]) == [10]byte{} && (b[10]|b[11] == 0 || b[10]&b[11] == 0xff):
		return netip.AddrFrom4([4]byte(b[12:])), true
	case b[0] == 0x20 && b[1] == 0x02:
		return netip.AddrFrom4([4]byte(b[2:6])), true
	}
	return netip.Addr{}, false
}

func u32(a netip.Addr) uint32 {
	b := a.As4()
	return uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
}

// parseNet4 reads "addr[/mask]" with a dotted or bit-count mask. The
// address is a dotted quad or, when resolve is allowed (no -n), anything
// the system resolver accepts: the short numeric forms of inet_aton
// ("127.1") and host names, resolved now to their first IPv4 address.
func parseNet4(p string, resolve bool) (netip.Addr, uint32, bool) {
	host, mask := p, ^uint32(0)
	if i := strings.LastIndexByte(p, '/'); i >= 0 {
		m, ok := parseMask4(p[i+1:])
		if !ok {
			return netip.Addr{}, 0, false
		}
		host, mask = p[:i], m
	}
	if a, err := netip.ParseAddr(host); err == nil && a.Is4() {
		return a, mask, true
	}
	if !resolve || host == "" {
		return netip.Addr{}, 0, false
	}
	if a, ok := parseInetAton(host); ok {
		return a, mask, true
	}
	if a, ok := resolveHost(host); ok {
		return a, mask, true
	}
	return netip.Addr{}, 0, false
}

func parseMask4(s string) (uint32, bool) {
	if strings.Contains(s, ".") {
		a, err := netip.ParseAddr(s)
		if err != nil || !a.Is4() {
			return 0, false
		}
		return u32(a), true
	}
	n, err := strconv.ParseUint(s, 10, 8)
	if err != nil || n > 32 {
		return 0, false
	}
	return ^uint32(0) << (32 - n), true
}

// parseNet6 reads "addr[/bits]"; IPv6 patterns never go to the resolver.
func parseNet6(p string) (netip.Prefix, bool) {
	host, bitsText := p, "128"
	if i := strings.LastIndexByte(p, '/'); i >= 0 {
		host, bitsText = p[:i], p[i+1:]
	}
	n, err := strconv.ParseUint(bitsText, 10, 8)
	if err != nil || n > 128 {
		return netip.Prefix{}, false
	}
	a, err := netip.ParseAddr(host)
	if err != nil || !a.Is6() || a.Zone() != "" {
		return netip.Prefix{}, false
	}
	return netip.PrefixFrom(a, int(n)), true
}

// resolveHost is the resolver, replaced in tests that must not reach DNS.
var resolveHost = resolve4

func resolve4(host string) (netip.Addr, bool) {
	ctx, cancel := context.WithTimeout(context.Background(), dnsTimeout)
	defer cancel()
	ips, err := net.DefaultResolver.LookupNetIP(ctx, "ip4", host)
	if err != nil || len(ips) == 0 {
		return netip.Addr{}, false
	}
	return ips[0].Unmap(), true
}
