package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"mime"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/clusteriam/clusteriam/internal/iam"
	"github.com/clusteriam/clusteriam/internal/store"
)

// MaxBodyBytes is the largest request body read; past it the answer is 413.
const MaxBodyBytes = 1 << 20

// Error codes of the Error model, one per status.
var errorCodes = map[int]string{
	http.StatusBadRequest:                  "InvalidRequest",
	http.StatusUnauthorized:                "Unauthorized",
	http.StatusForbidden:                   "Forbidden",
	http.StatusNotFound:                    "NotFound",
	http.StatusMethodNotAllowed:            "MethodNotAllowed",
	http.StatusConflict:                    "AlreadyExists",
	http.StatusRequestEntityTooLarge:       "PayloadTooLarge",
	http.StatusUnsupportedMediaType:        "UnsupportedMediaType",
	http.StatusRequestHeaderFieldsTooLarge: "RequestHeaderFieldsTooLarge",
	http.StatusTooManyRequests:             "TooManyRequests",
	http.StatusInternalServerError:         "InternalError",
	http.StatusServiceUnavailable:          "Unavailable",
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
	var body []byte
	var err error
	if a, ok := v.(jsonAppender); ok {
		body = a.appendJSON(make([]byte, 0, a.jsonSizeHint()))
	} else {
		body, err = json.Marshal(v)
	}
	if err != nil {
		status, body = http.StatusInternalServerError, []byte(`{"errorCode":"InternalError","message":"internal error"}`)
	}
	setJSONHeaders(w.Header(), len(body))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// setJSONHeaders sets the Content-Type and Content-Length of a JSON body
// of n bytes. The keys are canonical already and assigned, as Header.Set
// would canonicalize them again; one array holds both values, each slice
// capped so that an Add to one cannot write into the other.
func setJSONHeaders(h http.Header, n int) {
	v := &[2]string{"application/json", strconv.Itoa(n)}
	h["Content-Type"] = v[0:1:1]
	h["Content-Length"] = v[1:2:2]
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
	status := iam.KindOf(err).HTTPStatus()
	msg := err.Error()
	ie := (*iam.Error)(nil)
	if errors.As(err, &ie) && ie.Retry > 0 {
		w.Header().Set("Retry-After", strconv.FormatInt(int64(math.Ceil(ie.Retry.Seconds())), 10))
	}
	if ie != nil && ie.Code != "" && status != http.StatusInternalServerError {
		writeJSON(w, status, errorJSON{ErrorCode: ie.Code, Message: msg})
		return
	}
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
// messages for malformed input. It is the one place request bodies are
// read: the body must be UTF-8 JSON (RFC 8259), sent as application/json
// or with no Content-Type at all (the vendor SDKs always send one).
func decode(w http.ResponseWriter, r *http.Request, v any) error {
	_, err := decodeBody(w, r, v, false)
	return err
}

// decodeOptional is decode for an operation whose body may be left out,
// as the vendor's SDKs leave out an unset optional body: it reports
// whether there was one, and leaves v alone when not.
func decodeOptional(w http.ResponseWriter, r *http.Request, v any) (bool, error) {
	return decodeBody(w, r, v, true)
}

func decodeBody(w http.ResponseWriter, r *http.Request, v any, optional bool) (bool, error) {
	if err := checkContentType(r.Header.Get("Content-Type")); err != nil {
		return false, err
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	if err != nil {
		return false, decodeErr(err)
	}
	if optional && len(bytes.Trim(body, " \t\r\n")) == 0 {
		return false, nil
	}
	return true, decodeJSON(body, v)
}

// decodeJSON decodes body, read whole, into v.
func decodeJSON(body []byte, v any) error {
	if at := firstInvalidUTF8(body); at >= 0 {
		return badRequest("request body is not valid UTF-8 (at byte %d); JSON text must be UTF-8", at)
	}
	if bytes.HasPrefix(body, []byte("\uFEFF")) {
		return badRequest("request body starts with a byte order mark; JSON text must not (RFC 8259)")
	}
	switch string(bytes.Trim(body, " \t\r\n")) {
	case "":
		return badRequest("request body is empty; a JSON body is required")
	case "null":
		return badRequest("request body is null; %s is required", jsonType(reflect.TypeOf(v)))
	}
	if json.Valid(body) {
		// Before decoding: a duplicate key must not hide behind a type error.
		if err := checkJSONText(body); err != nil {
			return err
		}
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(v); err != nil {
		return decodeErr(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return badRequest("request body holds more than one JSON value")
	}
	return nil
}

// checkContentType accepts application/json (or a +json type) in UTF-8,
// and no Content-Type; anything else is 415.
func checkContentType(ct string) error {
	if ct == "" {
		return nil
	}
	mt, params, err := mime.ParseMediaType(ct)
	switch {
	case err != nil:
		return &httpError{http.StatusUnsupportedMediaType, fmt.Sprintf("Content-Type %q does not parse (%v); send application/json", ct, err)}
	case mt != "application/json" && !strings.HasSuffix(mt, "+json"):
		return &httpError{http.StatusUnsupportedMediaType, fmt.Sprintf("Content-Type %q is not application/json", ct)}
	}
	if cs, ok := params["charset"]; ok && !strings.EqualFold(cs, "utf-8") && !strings.EqualFold(cs, "utf8") {
		return &httpError{http.StatusUnsupportedMediaType, fmt.Sprintf("Content-Type %q: the body must be JSON in UTF-8", ct)}
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
			field = "request body"
		}
		return badRequest("%s: expected %s, got JSON %s", field, jsonType(ute.Type), ute.Value)
	case errors.As(err, &se):
		return badRequest("malformed JSON at byte %d: %v", se.Offset, err)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return badRequest("malformed JSON: the body ends too early")
	}
	return badRequest("malformed JSON: %v", err)
}

// jsonType names the JSON a Go type decodes from, for messages.
func jsonType(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if k := t.Kind(); k == reflect.Slice || k == reflect.Array {
		return "a JSON array of " + jsonNoun(t.Elem()) + "s"
	}
	n := jsonNoun(t)
	if strings.ContainsRune("aeiou", rune(n[0])) {
		return "an " + n
	}
	return "a " + n
}

func jsonNoun(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Pointer:
		return jsonNoun(t.Elem())
	case reflect.Struct, reflect.Map:
		return "JSON object"
	case reflect.Slice, reflect.Array:
		return "JSON array"
	case reflect.String:
		return "string"
	case reflect.Bool:
		return "boolean (true or false)"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return "integer"
	}
	return t.String()
}

// queryList reads a list parameter sent comma-separated, repeated, or
// both (listItems says how the commas are read).
func queryList(r *http.Request, name string) []string {
	return listItems(rawQueryValues(r.URL.RawQuery)[name])
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

// queryGiven is queryString for a parameter whose absence means "all":
// one given blank is refused rather than read as absent.
func queryGiven(r *http.Request, name string) (string, error) {
	v := queryString(r, name)
	if _, given := r.URL.Query()[name]; given && v == "" {
		return "", badRequest("query parameter %s is empty; leave it out to mean all", name)
	}
	return v, nil
}

// queryString reads an optional single-valued parameter.
func queryString(r *http.Request, name string) string {
	return strings.TrimSpace(r.URL.Query().Get(name))
}

// queryInt reads an optional integer parameter in [lo, hi]; def when
// absent.
func queryInt(r *http.Request, name string, def, lo, hi int64) (int64, error) {
	v := queryString(r, name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < lo || n > hi {
		return 0, badRequest("query parameter %s must be an integer from %d to %d, got %q", name, lo, hi, v)
	}
	return n, nil
}

// queryEnum reads a list parameter whose values must be among valid.
func queryEnum(r *http.Request, name string, valid []string) ([]string, error) {
	vals := queryList(r, name)
	for _, v := range vals {
		if !slices.Contains(valid, v) {
			return nil, badRequest("query parameter %s: unknown value %q; valid: %s", name, v, strings.Join(valid, ", "))
		}
	}
	return vals, nil
}
