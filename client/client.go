// Package client is a Go client of clusteriam's v2 API: the operations
// and models of api/openapi.yaml, generated with oapi-codegen (gen.go),
// and a thin layer for logging in, the three kinds of credential and the
// API's errors.
//
//	c, err := client.New("https://localhost:8443", client.WithCredential(client.APIKey(key)))
//	res, err := c.GetUsersWithResponse(ctx, &client.GetUsersParams{})
//	if err := client.Check(res.HTTPResponse, res.Body); err != nil { ... }
//
// Log in with a password with Login, which returns an access token.
package client

//go:generate go tool oapi-codegen -config oapi-codegen.yaml ../api/openapi.yaml

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// Credential authenticates requests: an API key, an access token or a
// session id, each sent in its own header as the vendor's SDKs send it.
type Credential struct {
	header, value string
}

// APIKey is a user API key, sent as the apiKey header.
func APIKey(key string) Credential { return Credential{"apiKey", key} }

// Bearer is an access token, sent as Authorization: Bearer.
func Bearer(token string) Credential { return Credential{"Authorization", "Bearer " + token} }

// SessionID is a session id, sent as the session-id header.
func SessionID(id string) Credential { return Credential{"session-id", id} }

// IsZero reports whether c is no credential.
func (c Credential) IsZero() bool { return c.value == "" }

// WithCredential sends c with every request.
func WithCredential(c Credential) ClientOption {
	return WithRequestEditorFn(func(_ context.Context, req *http.Request) error {
		if !c.IsZero() {
			req.Header.Set(c.header, c.value)
		}
		return nil
	})
}

// New returns a client of the server at base (https://host:port; the
// operations' paths start with /v2).
func New(base string, opts ...ClientOption) (*ClientWithResponses, error) {
	return NewClientWithResponses(strings.TrimSuffix(base, "/"), opts...)
}

// APIError is an answer of the API that is not a success: its status and
// the Error model it carries.
type APIError struct {
	Status  int
	Code    string // the Error model's errorCode, e.g. "Forbidden"
	Message string
}

func (e *APIError) Error() string {
	if e.Message == "" {
		return fmt.Sprintf("HTTP %d %s", e.Status, e.Code)
	}
	return fmt.Sprintf("%s (HTTP %d): %s", e.Code, e.Status, e.Message)
}

// Check returns nil for a 2xx answer, else an *APIError read from body.
func Check(res *http.Response, body []byte) error {
	if res == nil {
		return errors.New("no answer")
	}
	if res.StatusCode >= 200 && res.StatusCode < 300 {
		return nil
	}
	e := &APIError{Status: res.StatusCode, Code: http.StatusText(res.StatusCode)}
	var m Error
	if json.Unmarshal(body, &m) == nil && m.ErrorCode != "" {
		e.Code, e.Message = m.ErrorCode, m.Message
	}
	return e
}

// Login logs username of domain (LOCAL, or a directory's) in with its
// password, and returns an access token (create_access_token).
func Login(ctx context.Context, c *ClientWithResponses, domain, username, password string) (*AccessTokenResponse, error) {
	res, err := c.CreateAccessTokenWithResponse(ctx, CreateAccessTokenJSONRequestBody{Domain: &domain, Username: username, Password: password})
	if err != nil {
		return nil, err
	}
	if err := Check(res.HTTPResponse, res.Body); err != nil {
		return nil, err
	}
	if res.JSON201 == nil {
		return nil, errors.New("log-in answered no access token")
	}
	return res.JSON201, nil
}
