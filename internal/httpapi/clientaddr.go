package httpapi

import (
	"net"
	"net/http"
)

// clientAddr is the address the request came from (the TCP peer: a proxy's
// forwarded headers are not trusted).
func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
