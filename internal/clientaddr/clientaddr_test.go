package clientaddr

import (
	"net/http"
	"net/netip"
	"slices"
	"testing"
)

func TestClientAddr(t *testing.T) {
	trusted := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("fd00::/8")}
	cases := []struct {
		name   string
		remote string
		xff    []string // X-Forwarded-For fields, in order
		want   string
	}{
		{"no header", "10.1.1.1:4000", nil, "10.1.1.1"},
		{"untrusted peer: header ignored", "192.0.2.1:4000", []string{"203.0.113.9"}, "192.0.2.1"},
		{"trusted peer", "10.1.1.1:4000", []string{"203.0.113.9"}, "203.0.113.9"},
		{"rightmost untrusted", "10.1.1.1:4000", []string{"198.51.100.1, 203.0.113.9, 10.2.2.2"}, "203.0.113.9"},
		{"several fields, in order", "10.1.1.1:4000", []string{"198.51.100.1", "203.0.113.9, 10.2.2.2"}, "203.0.113.9"},
		{"every hop trusted: the leftmost", "10.1.1.1:4000", []string{"10.3.3.3, 10.2.2.2"}, "10.3.3.3"},
		{"IPv6 peer and client", "[fd00::1]:4000", []string{"2001:db8::1"}, "2001:db8::1"},
		{"IPv6 spelt long is canonical", "10.1.1.1:4000", []string{"2001:0db8:0000::0001"}, "2001:db8::1"},
		{"IPv4-mapped is IPv4", "10.1.1.1:4000", []string{"::ffff:203.0.113.9"}, "203.0.113.9"},
		{"IPv4-mapped peer", "[::ffff:10.1.1.1]:4000", []string{"203.0.113.9"}, "203.0.113.9"},
		{"IPv4-mapped untrusted peer is IPv4", "[::ffff:192.0.2.1]:4000", []string{"203.0.113.9"}, "192.0.2.1"},
		{"malformed entry: the peer", "10.1.1.1:4000", []string{"203.0.113.9, bogus"}, "10.1.1.1"},
		{"entry with a port: the peer", "10.1.1.1:4000", []string{"203.0.113.9:5000"}, "10.1.1.1"},
		{"empty entry: the peer", "10.1.1.1:4000", []string{"203.0.113.9,,10.2.2.2"}, "10.1.1.1"},
		{"zone: the peer", "10.1.1.1:4000", []string{"fe80::1%eth0"}, "10.1.1.1"},
		{"empty header: the peer", "10.1.1.1:4000", []string{""}, "10.1.1.1"},
		{"peer without a port", "10.1.1.1", []string{"203.0.113.9"}, "10.1.1.1"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := &http.Request{RemoteAddr: c.remote, Header: http.Header{}}
			for _, v := range c.xff {
				r.Header.Add("X-Forwarded-For", v)
			}
			if got := Of(r, trusted); got != c.want {
				t.Errorf("clientAddr = %q, want %q", got, c.want)
			}
			if got, peer := Of(r, nil), Of(&http.Request{RemoteAddr: c.remote}, nil); got != peer {
				t.Errorf("with no trusted proxies: clientAddr = %q, want the peer %q", got, peer)
			}
		})
	}
}

func TestParseTrustedProxies(t *testing.T) {
	for _, c := range []struct {
		in   string
		want []string
		err  bool
	}{
		{in: "", want: []string{}},
		{in: "10.0.0.0/8", want: []string{"10.0.0.0/8"}},
		{in: " 10.0.0.0/8 , fd00::/8 ,", want: []string{"10.0.0.0/8", "fd00::/8"}},
		{in: "10.1.2.3/8", want: []string{"10.0.0.0/8"}},
		{in: "192.0.2.7", want: []string{"192.0.2.7/32"}},
		{in: "::ffff:192.0.2.7", want: []string{"192.0.2.7/32"}},
		{in: "2001:db8::5", want: []string{"2001:db8::5/128"}},
		{in: "10.0.0.0/33", err: true},
		{in: "proxy.example.com", err: true},
		{in: "fe80::1%eth0", err: true},
		{in: "::ffff:10.0.0.0/104", err: true},
	} {
		ps, err := ParseTrustedProxies(c.in)
		if (err != nil) != c.err {
			t.Errorf("%q: error %v, want error %v", c.in, err, c.err)
			continue
		}
		got := []string{}
		for _, p := range ps {
			got = append(got, p.String())
		}
		if !c.err && !slices.Equal(got, c.want) {
			t.Errorf("%q: %v, want %v", c.in, got, c.want)
		}
	}
}
