package httpapi

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"strconv"
	"time"
)

// streamHold is how much of a streamed answer is held back before any of
// it is sent: an answer that fits goes out whole, with its Content-Length,
// and a failure before it is sent still gets its Error JSON.
const streamHold = 64 << 10

// jsonStream writes a 200 answer made of a head, items separated by
// commas and a tail, encoding each item as it comes, so that what it holds
// is streamHold bytes and one item, however long the answer. The bytes are
// those json.Marshal gives for the whole value.
type jsonStream struct {
	w     http.ResponseWriter
	buf   []byte
	items int
	sent  bool          // the status line is out: no other answer can follow
	chunk time.Duration // see Options.ChunkWriteTimeout
}

func newJSONStream(w http.ResponseWriter, head string, chunk time.Duration) *jsonStream {
	return &jsonStream{w: w, buf: append(make([]byte, 0, streamHold+4<<10), head...), chunk: chunk}
}

// item appends v. An error means the answer cannot go on.
func (s *jsonStream) item(v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	if s.items > 0 {
		s.buf = append(s.buf, ',')
	}
	s.items++
	s.buf = append(s.buf, b...)
	if len(s.buf) >= streamHold {
		return s.flush()
	}
	return nil
}

// end appends tail and sends what is left.
func (s *jsonStream) end(tail string) {
	s.buf = append(s.buf, tail...)
	if !s.sent {
		s.w.Header().Set("Content-Length", strconv.Itoa(len(s.buf)))
	}
	_ = s.flush()
}

func (s *jsonStream) flush() error {
	if !s.sent {
		s.w.Header().Set("Content-Type", "application/json")
		s.w.WriteHeader(http.StatusOK)
		s.sent = true
	}
	if s.chunk > 0 {
		// Each chunk gets its own deadline: a long answer read at a
		// steady pace completes, a stalled reader is cut off.
		_ = http.NewResponseController(s.w).SetWriteDeadline(time.Now().Add(s.chunk))
	}
	_, err := s.w.Write(s.buf)
	s.buf = s.buf[:0]
	return err
}

// fail ends an answer that err cut short. Before anything was sent, it
// returns err, for the caller to answer with the Error JSON. After, the
// 200 is out and a truncated body must not pass for a whole one: it
// aborts the response, so that the client sees the connection (or HTTP/2
// stream) reset instead of a clean end.
func (s *jsonStream) fail(r *http.Request, log *slog.Logger, err error) error {
	if !s.sent {
		return err
	}
	log.WarnContext(r.Context(), "answer cut short", "method", r.Method, "path", r.URL.Path, "error", err)
	panic(http.ErrAbortHandler)
}

// writeList answers 200 with items, the bytes json.Marshal gives for an
// object whose one field, a list, head opens ({"name":[), encoding them
// one at a time: a list already read is not copied whole once more.
func writeList[T, W any](w http.ResponseWriter, r *http.Request, opts Options, head string, items []T, wire func(T) W) error {
	out := newJSONStream(w, head, opts.ChunkWriteTimeout)
	for _, it := range items {
		if err := out.item(wire(it)); err != nil {
			return out.fail(r, opts.Logger, err)
		}
	}
	out.end(`]}`)
	return nil
}
