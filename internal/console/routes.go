package console

import (
	"io/fs"
	"net/http"
)

// route is one of the console's pages or actions.
type route struct {
	pattern string
	handler http.Handler
}

// routes lists every route of the console.
func (c *console) routes(static fs.FS) []route {
	var rs []route
	open := func(pattern string, h http.Handler) { rs = append(rs, route{pattern, h}) }
	authed := func(pattern string, h authedHandler) { open(pattern, c.authed(h)) }

	open("GET /static/", http.StripPrefix("/static/", staticFiles(static)))
	open("GET /login", c.handleLoginPage())
	open("POST /login", c.handleLogin())
	authed("POST /logout", c.handleLogout())

	authed("GET /{$}", c.handleOverview())
	authed("GET /users", c.handleUsers())
	authed("GET /users/{sid}", c.handleUser())

	open("/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.fail(w, r, http.StatusNotFound, "There is no such page.")
	}))
	return rs
}

// staticFiles serves the embedded files. Their URLs carry a hash of their
// content (see parsePages), so they may be cached for long.
func staticFiles(static fs.FS) http.Handler {
	files := http.FileServerFS(static)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
		files.ServeHTTP(w, r)
	})
}
