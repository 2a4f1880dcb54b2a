// Package apitest checks recorded HTTP exchanges against the OpenAPI document of package api, for
// the tests of other packages (the server's handler tests, end-to-end tests).
//
//	v := apitest.NewValidator(t)
//	rec := httptest.NewRecorder()
//	handler.ServeHTTP(rec, req)
//	v.Check(t, req, rec.Code, rec.Header(), rec.Body.Bytes())
//
// Check validates the response only: the route (method and path) selects the operation, then the
// status, Content-Type and body must be what the document declares for it. Requests are not
// validated (neither their parameters, bodies nor credentials): tests send bad requests on
// purpose, and the server's answer to them is what is checked.
package apitest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"github.com/clusteriam/clusteriam/api"
)

// Validator checks recorded HTTP exchanges against the document. It is safe for concurrent use.
type Validator struct {
	doc    *openapi3.T
	router routers.Router
	spec   []byte
}

type loaded struct {
	doc    *openapi3.T
	router routers.Router
	spec   []byte
}

// load parses and validates the document once per test binary; the result is only read.
var load = sync.OnceValues(func() (*loaded, error) {
	spec := api.Spec()
	doc, err := openapi3.NewLoader().LoadFromData(spec)
	if err != nil {
		return nil, fmt.Errorf("load api/openapi.yaml: %w", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		return nil, fmt.Errorf("api/openapi.yaml is not a valid OpenAPI document: %w", err)
	}
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		return nil, fmt.Errorf("route api/openapi.yaml: %w", err)
	}
	return &loaded{doc: doc, router: router, spec: spec}, nil
})

// NewValidator returns a Validator for api/openapi.yaml; it fails t at once if the document
// cannot be loaded.
func NewValidator(t testing.TB) *Validator {
	t.Helper()
	l, err := load()
	if err != nil {
		t.Fatalf("apitest: %v", err)
		return nil
	}
	return &Validator{doc: l.doc, router: l.router, spec: l.spec}
}

// Check validates one response (status, headers, body) for the request that produced it against
// the operation's schema; it fails t with a precise message. It returns the operationId matched
// ("" and a failure if no route matched).
//
// The checks:
//   - the request's method and path match an operation of the document;
//   - the status is the operation's one declared success code, another code the operation
//     declares explicitly, or an error (4xx/5xx, described by the default Error response); any
//     other 2xx (say 200 where 201 is declared), 1xx or 3xx fails;
//   - a response declared without a body (204) has an empty body;
//   - the Content-Type is the declared media type (application/json for every response of the
//     API, errors included);
//   - a JSON body is one well-formed JSON value whose numbers are all integers (every number of
//     this API is an int64), and matches the declared schema, whose additionalProperties: false
//     catches misspelled names, whose required lists catch omitted zero values, and whose types
//     and enums catch wrong values;
//   - GET /v2/openapi.yaml serves exactly this document.
func (v *Validator) Check(t testing.TB, req *http.Request, status int, header http.Header, body []byte) string {
	t.Helper()
	if req == nil {
		t.Errorf("apitest: Check called with a nil request")
		return ""
	}
	if header == nil {
		header = http.Header{}
	}
	exchange := fmt.Sprintf("%s %s -> %d", req.Method, req.URL.RequestURI(), status)

	route, pathParams, err := v.router.FindRoute(req)
	if err != nil {
		t.Errorf("apitest: %s: no operation of api/openapi.yaml matches %s %s: %v", exchange, req.Method, req.URL.Path, err)
		return ""
	}
	op := route.Operation
	id := op.OperationID
	where := fmt.Sprintf("apitest: %s (%s)", exchange, id)
	fail := func(format string, args ...any) {
		t.Helper()
		t.Errorf("%s: %s%s", where, fmt.Sprintf(format, args...), excerpt(header, body))
	}

	// Status.
	success := successCode(op)
	declared := op.Responses.Value(strconv.Itoa(status))
	switch {
	case declared != nil:
	case status >= 200 && status < 300:
		fail("status %d is not declared; the operation's one success code is %d", status, success)
		return id
	case status < 400 || status > 599:
		fail("status %d is neither the declared success code %d nor an error status (4xx/5xx)", status, success)
		return id
	}
	respRef := declared
	if respRef == nil {
		respRef = op.Responses.Default()
	}
	if respRef == nil || respRef.Value == nil {
		fail("status %d is not declared and the operation has no default response", status)
		return id
	}
	resp := respRef.Value

	// No body declared (204): the body must be empty.
	if len(resp.Content) == 0 {
		if len(body) != 0 {
			fail("status %d declares no body, got %d bytes", status, len(body))
		}
		return id
	}

	// Content-Type.
	ct := header.Get("Content-Type")
	mediaType, _, perr := mime.ParseMediaType(ct)
	if ct == "" || perr != nil {
		fail("Content-Type %q, want %s", ct, strings.Join(slices.Sorted(maps.Keys(resp.Content)), " or "))
		return id
	}
	mt := resp.Content.Get(mediaType)
	if mt == nil {
		fail("Content-Type %q, want %s", ct, strings.Join(slices.Sorted(maps.Keys(resp.Content)), " or "))
		return id
	}

	if mediaType != "application/json" {
		// The service endpoints' text bodies (metrics, this document): the schema is a plain
		// string, so there is nothing more for kin-openapi to check.
		if len(body) == 0 {
			fail("empty %s body", mediaType)
		}
		if id == "get_openapi" && status == http.StatusOK && !bytes.Equal(body, v.spec) {
			fail("the body is not api/openapi.yaml (%d bytes, want %d)", len(body), len(v.spec))
		}
		return id
	}

	if err := checkJSONNumbers(body); err != nil {
		fail("%v", err)
		return id
	}

	input := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{
			Request:    req,
			PathParams: pathParams,
			Route:      route,
			Options:    v.options(),
		},
		Status:  status,
		Header:  header,
		Body:    io.NopCloser(bytes.NewReader(body)),
		Options: v.options(),
	}
	if err := openapi3filter.ValidateResponse(context.Background(), input); err != nil {
		fail("%s", describe(err))
	}
	return id
}

func (v *Validator) options() *openapi3filter.Options {
	return &openapi3filter.Options{
		// Responses only; requests (and so their credentials) are not validated.
		AuthenticationFunc:    openapi3filter.NoopAuthenticationFunc,
		IncludeResponseStatus: true,
		MultiError:            true,
	}
}

// Operations returns the operationIds in the document, sorted.
func (v *Validator) Operations() []string {
	var ids []string
	for _, item := range v.doc.Paths.Map() {
		for _, op := range item.Operations() {
			ids = append(ids, op.OperationID)
		}
	}
	slices.Sort(ids)
	return ids
}

// Routes returns "METHOD /path/{param}" for each operation in the document, sorted.
func (v *Validator) Routes() []string {
	var routes []string
	for path, item := range v.doc.Paths.Map() {
		for method := range item.Operations() {
			routes = append(routes, method+" "+path)
		}
	}
	slices.Sort(routes)
	return routes
}

// successCode is the operation's one 2xx code (0 if it has none).
func successCode(op *openapi3.Operation) int {
	for code := range op.Responses.Map() {
		if n, err := strconv.Atoi(code); err == nil && n >= 200 && n < 300 {
			return n
		}
	}
	return 0
}

// checkJSONNumbers checks that body is exactly one JSON value and that every number in it is an
// integer literal: every number of this API is an int64, and the Python SDK rejects 1.0 or 1e3
// where an int64 is declared (kin-openapi accepts them as integers).
func checkJSONNumbers(body []byte) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	depth := 0
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			if depth != 0 {
				return errors.New("body is truncated JSON")
			}
			return nil
		}
		if err != nil {
			return fmt.Errorf("body is not JSON: %v", err)
		}
		switch tok := tok.(type) {
		case json.Delim:
			if tok == '{' || tok == '[' {
				depth++
			} else {
				depth--
			}
		case json.Number:
			if strings.ContainsAny(tok.String(), ".eE") {
				return fmt.Errorf("number %s is not an integer literal (every number of this API is an int64)", tok)
			}
			if _, err := strconv.ParseInt(tok.String(), 10, 64); err != nil {
				return fmt.Errorf("number %s does not fit an int64", tok)
			}
		}
		if depth == 0 && dec.More() {
			return errors.New("body holds more than one JSON value")
		}
	}
}

// describe flattens kin-openapi's errors (MultiError included) into one message, one problem per
// line, each with the JSON path of the offending value (without kin-openapi's dumps of the whole
// schema and value).
func describe(err error) string {
	var lines []string
	var walk func(prefix string, err error)
	walk = func(prefix string, err error) {
		switch e := err.(type) {
		case openapi3.MultiError:
			for _, inner := range e {
				walk(prefix, inner)
			}
			return
		case *openapi3filter.ResponseError:
			if e.Err != nil {
				walk(prefix+e.Reason+": ", e.Err)
				return
			}
			lines = append(lines, prefix+e.Reason)
			return
		case *openapi3.SchemaError:
			lines = append(lines, prefix+schemaError(e))
			return
		}
		var me openapi3.MultiError
		if errors.As(err, &me) {
			walk(prefix, me)
			return
		}
		var se *openapi3.SchemaError
		if errors.As(err, &se) {
			lines = append(lines, prefix+schemaError(se))
			return
		}
		lines = append(lines, prefix+err.Error())
	}
	walk("", err)
	return strings.Join(lines, "\n\t")
}

func schemaError(se *openapi3.SchemaError) string {
	path := "$"
	for _, p := range se.JSONPointer() {
		if _, err := strconv.Atoi(p); err == nil {
			path += "[" + p + "]"
		} else {
			path += "." + p
		}
	}
	reason := se.Reason
	if reason == "" {
		reason = se.Error()
	}
	return fmt.Sprintf("at %s: %s", path, reason)
}

// excerpt shows the response for a failure message, the body cut at 2 KiB.
func excerpt(header http.Header, body []byte) string {
	const max = 2048
	b := string(body)
	if len(b) > max {
		b = b[:max] + "...(" + strconv.Itoa(len(body)) + " bytes)"
	}
	return fmt.Sprintf("\n\tContent-Type: %q\n\tbody: %s", header.Get("Content-Type"), b)
}
