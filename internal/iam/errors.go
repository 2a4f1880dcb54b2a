package iam

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/clusteriam/clusteriam/internal/store"
)

// Kind classifies an error for the transport: each kind maps to one HTTP
// status.
type Kind int

// Error kinds.
const (
	KindInternal        Kind = iota // 500: a fault of ours, never of the input
	KindInvalid                     // 400
	KindUnauthenticated             // 401
	KindForbidden                   // 403
	KindNotFound                    // 404
	KindConflict                    // 409
	KindTooMany                     // 429
	KindUnavailable                 // 503
)

// HTTPStatus is the status k answers with, for the API and the console
// alike.
func (k Kind) HTTPStatus() int {
	if st, ok := kindStatus[k]; ok {
		return st
	}
	return http.StatusInternalServerError
}

var kindStatus = map[Kind]int{
	KindInternal:        http.StatusInternalServerError,
	KindInvalid:         http.StatusBadRequest,
	KindUnauthenticated: http.StatusUnauthorized,
	KindForbidden:       http.StatusForbidden,
	KindNotFound:        http.StatusNotFound,
	KindConflict:        http.StatusConflict,
	KindTooMany:         http.StatusTooManyRequests,
	KindUnavailable:     http.StatusServiceUnavailable,
}

// Error is an error a caller can act on: a kind and a message meant for a
// person. Err, when set, is the cause kept for logs.
type Error struct {
	Kind Kind
	Msg  string
	Err  error
	// Retry, for KindTooMany and KindUnavailable, is when to try again.
	Retry time.Duration
	// Code, when set, is the errorCode of the answer, for a refusal a
	// client acts on by itself (a second factor to send, say); otherwise
	// the transport's code for the kind is used.
	Code string
}

func (e *Error) Error() string {
	if e.Err != nil && e.Msg == "" {
		return e.Err.Error()
	}
	return e.Msg
}

func (e *Error) Unwrap() error { return e.Err }

func newErr(k Kind, format string, args ...any) *Error {
	return &Error{Kind: k, Msg: fmt.Sprintf(format, args...)}
}

func invalid(format string, args ...any) *Error { return newErr(KindInvalid, format, args...) }
func forbidden(format string, args ...any) *Error {
	return newErr(KindForbidden, format, args...)
}

// errUnauthenticated is the one answer to every failed credential check, so
// that a caller learns nothing about which part failed.
var errUnauthenticated = &Error{Kind: KindUnauthenticated, Msg: "invalid or missing credentials"}

// errBadLogin is the one answer to every failed log-in.
var errBadLogin = &Error{Kind: KindUnauthenticated, Msg: "invalid username, password or domain"}

// KindOf returns the kind of err: that of an *Error in its chain, else the
// kind implied by a store sentinel, else KindInternal.
func KindOf(err error) Kind {
	var e *Error
	switch {
	case errors.As(err, &e):
		return e.Kind
	case errors.Is(err, store.ErrNotFound):
		return KindNotFound
	case errors.Is(err, store.ErrAlreadyExists):
		return KindConflict
	case errors.Is(err, store.ErrInvalidReference), errors.Is(err, store.ErrInUse):
		return KindInvalid
	case errors.Is(err, store.ErrUnavailable):
		return KindUnavailable
	}
	return KindInternal
}
