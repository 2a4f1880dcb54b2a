package httpapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/clusteriam/clusteriam/internal/iam"
	"github.com/clusteriam/clusteriam/internal/store"
)

// MaxBodyBytes is the largest request body read; past it the answer is 413.
const MaxBodyBytes = 1 << 20

// Error codes of the Error model, one per status.
var errorCodes = map[int]string{
	http.StatusBadRequest:            "InvalidRequest",
	http.StatusUnauthorized:          "Unauthorized",
	http.StatusForbidden:             "Forbidden",
	http.StatusNotFound:              "NotFound",
	http.StatusMethodNotAllowed:      "MethodNotAllowed",
	http.StatusConflict:              "AlreadyExists",
	http.StatusRequestEntityTooLarge: "PayloadTooLarge",
	http.StatusUnsupportedMediaType:  "UnsupportedMediaType",
	http.StatusTooManyRequests:       "TooManyRequests",
	http.StatusInternalServerError:   "InternalError",
	http.StatusServiceUnavailable:    "Unavailable",
}

var kindStatus = map[iam.Kind]int{
	iam.KindInternal:        http.StatusInternalServerError,
	iam.KindInvalid:         http.StatusBadRequest,
	iam.KindUnauthenticated: http.StatusUnauthorized,
	iam.KindForbidden:       http.StatusForbidden,
	iam.KindNotFound:        http.StatusNotFound,
	iam.KindConflict:        http.StatusConflict,
	iam.KindTooMany:         http.StatusTooManyRequests,
	iam.KindUnavailable:     http.StatusServiceUnavailable,
}

// httpError is a transport-level failure (decoding, routing).
type httpError struct {
	status int
	msg    string
}

func (e *httpError) Error() string { return e.msg }

func badRequest(format string, args ...any) error {
	return &httpError{http.StatusBadRequest, fmt.Sprintf(format, args...)}
}

// writeJSON encodes v with status. Encoding happens before the header is
// written, so a failure still yields a proper 500.
func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		status, body = http.StatusInternalServerError, []byte(`{"errorCode":"InternalError","message":"internal error"}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// writeNoContent answers a delete.
func writeNoContent(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusNoContent)
}

func writeErrorStatus(w http.ResponseWriter, status int, msg string) {
	code, ok := errorCodes[status]
	if !ok {
		code = http.StatusText(status)
	}
	writeJSON(w, status, errorJSON{ErrorCode: code, Message: msg})
}

// writeError answers err as the Error model. Internal faults are logged and
// hidden.
func writeError(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) {
	var he *httpError
	if errors.As(err, &he) {
		writeErrorStatus(w, he.status, he.msg)
		return
	}
	status := kindStatus[iam.KindOf(err)]
	msg := err.Error()
	switch {
	case status == http.StatusInternalServerError:
		log.ErrorContext(r.Context(), "internal error", "method", r.Method, "path", r.URL.Path, "error", err)
		msg = "internal error; the server log has the details"
	case status == http.StatusServiceUnavailable:
		// The details (hosts, ports, TLS errors) go to the log only.
		attrs := []any{"method", r.Method, "path", r.URL.Path, "error", err}
		var ie *iam.Error
		if errors.As(err, &ie) && ie.Err != nil {
			attrs = append(attrs, "cause", ie.Err)
		}
		log.WarnContext(r.Context(), "unavailable", attrs...)
		if errors.Is(err, store.ErrUnavailable) {
			msg = "the database is unavailable; retry shortly"
		}
		w.Header().Set("Retry-After", "1")
	}
	writeErrorStatus(w, status, msg)
}

// decode reads one JSON value into v, with a size limit and precise
// messages for malformed input.
func decode(w http.ResponseWriter, r *http.Request, v any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
			return &httpError{http.StatusUnsupportedMediaType, fmt.Sprintf("Content-Type %q is not application/json", ct)}
		}
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	if err := dec.Decode(v); err != nil {
		return decodeErr(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return decodeErr(err)
		}
		return badRequest("request body holds more than one JSON value")
	}
	return nil
}

func decodeErr(err error) error {
	var (
		mbe *http.MaxBytesError
		ute *json.UnmarshalTypeError
		se  *json.SyntaxError
	)
	switch {
	case errors.As(err, &mbe):
		return &httpError{http.StatusRequestEntityTooLarge, fmt.Sprintf("request body is larger than %d bytes", mbe.Limit)}
	case errors.Is(err, io.EOF):
		return badRequest("request body is empty; a JSON body is required")
	case errors.As(err, &ute):
		field := ute.Field
		if field == "" {
			field = "body"
		}
		return badRequest("%s: expected %s, got JSON %s", field, ute.Type, ute.Value)
	case errors.As(err, &se):
		return badRequest("malformed JSON at byte %d: %v", se.Offset, err)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return badRequest("malformed JSON: the body ends too early")
	}
	return badRequest("malformed JSON: %v", err)
}

// queryList reads a list parameter sent comma-separated, repeated, or both.
func queryList(r *http.Request, name string) []string {
	var out []string
	for _, v := range r.URL.Query()[name] {
		for p := range strings.SplitSeq(v, ",") {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
		}
	}
	return out
}

// queryBool reads an optional boolean; nil when absent.
func queryBool(r *http.Request, name string) (*bool, error) {
	vals, ok := r.URL.Query()[name]
	if !ok || len(vals) == 0 {
		return nil, nil
	}
	switch v := vals[len(vals)-1]; v {
	case "true", "false":
		b := v == "true"
		return &b, nil
	default:
		return nil, badRequest("query parameter %s must be true or false, got %q", name, v)
	}
}

// queryString reads an optional single-valued parameter.
func queryString(r *http.Request, name string) string {
	return strings.TrimSpace(r.URL.Query().Get(name))
}
