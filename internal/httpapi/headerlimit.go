package httpapi

import (
	"fmt"
	"net/http"
)

// DefaultMaxHeaderBytes is the default limit on a request's line and
// header fields (Options.MaxHeaderBytes).
const DefaultMaxHeaderBytes = 64 << 10

// ServerMaxHeaderBytes is the http.Server MaxHeaderBytes to pair with a
// handler limit of limit bytes. net/http answers a header past its own
// limit (plus a few KiB of slack) with a plain-text 431 before any handler
// runs, and an HTTP/2 client does not even send it; so the server gets
// twice the room, limitHeaders answers with the Error model, and only
// headers past about twice the limit still get net/http's plain text.
func ServerMaxHeaderBytes(limit int) int {
	if limit <= 0 {
		limit = DefaultMaxHeaderBytes
	}
	return 2 * limit
}

// limitHeaders answers 431 with the Error model when the request line and
// header fields are more than limit bytes, counted as HTTP/1.1 sends them.
func limitHeaders(limit int, next http.Handler) http.Handler {
	if limit <= 0 {
		limit = DefaultMaxHeaderBytes
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n := headerBytes(r, limit); n > limit {
			writeErrorStatus(w, http.StatusRequestHeaderFieldsTooLarge,
				fmt.Sprintf("the request line and header fields are more than %d bytes; the limit is %d", limit, limit))
			return
		}
		next.ServeHTTP(w, r)
	})
}

// headerBytes is the size of r's request line and header fields, counted
// up to just past limit.
func headerBytes(r *http.Request, limit int) int {
	n := len(r.Method) + len(r.RequestURI) + len(r.Proto) + 4 + len("Host: \r\n") + len(r.Host) + 2
	for k, vs := range r.Header {
		for _, v := range vs {
			if n += len(k) + len(v) + 4; n > limit {
				return n
			}
		}
	}
	return n
}
