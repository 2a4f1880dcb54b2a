// Package clientaddr finds the address a request came from, through the
// proxies trusted to name it.
package clientaddr

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// Of is the address a request came from, as the limiter, the logs
// and the audit trail all name it. It is the TCP peer, unless the peer is
// one of the trusted proxies: then it is the rightmost address of
// X-Forwarded-For that is not itself a trusted proxy (the usual
// rightmost-untrusted rule). Each proxy appends
// the address it was reached from, so the entries right of that one were
// written by trusted hops and the ones left of it by the client, who may
// write anything. A header that does not parse, or is missing, leaves the
// peer. When every entry is a trusted proxy, the leftmost is the client.
func Of(r *http.Request, trusted []netip.Prefix) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	peer, err := netip.ParseAddr(host)
	if err != nil {
		return host
	}
	peer = peer.Unmap()
	if !isTrusted(peer, trusted) {
		return peer.String()
	}
	hops := forwardedFor(r.Header)
	if len(hops) == 0 {
		return peer.String()
	}
	for i := len(hops) - 1; i > 0; i-- {
		if !isTrusted(hops[i], trusted) {
			return hops[i].String()
		}
	}
	return hops[0].String()
}

// forwardedFor parses every X-Forwarded-For field of h, in order, into
// canonical addresses (IPv4-mapped IPv6 as IPv4, no zone), so one address
// cannot be spelt several ways. Any entry that is not a bare IP address
// makes the whole header void (nil).
func forwardedFor(h http.Header) []netip.Addr {
	var out []netip.Addr
	for _, field := range h.Values("X-Forwarded-For") {
		for _, s := range strings.Split(field, ",") {
			a, err := netip.ParseAddr(strings.TrimSpace(s))
			if err != nil || a.Zone() != "" {
				return nil
			}
			out = append(out, a.Unmap())
		}
	}
	return out
}

func isTrusted(a netip.Addr, trusted []netip.Prefix) bool {
	for _, p := range trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// ParseTrustedProxies parses the --trusted-proxies list: comma-separated
// networks in CIDR notation, or single addresses. "" is none.
func ParseTrustedProxies(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if !strings.Contains(f, "/") {
			a, err := netip.ParseAddr(f)
			if err != nil || a.Zone() != "" {
				return nil, fmt.Errorf("trusted proxy %q: not an IP address or CIDR network", f)
			}
			a = a.Unmap()
			out = append(out, netip.PrefixFrom(a, a.BitLen()))
			continue
		}
		p, err := netip.ParsePrefix(f)
		if err != nil {
			return nil, fmt.Errorf("trusted proxy %q: %w", f, err)
		}
		if p.Addr().Is4In6() {
			return nil, fmt.Errorf("trusted proxy %q: give IPv4 networks in IPv4 notation", f)
		}
		out = append(out, p.Masked())
	}
	return out, nil
}
