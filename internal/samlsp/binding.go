package samlsp

import (
	"net/http"
	"time"
)

// BindingCookie holds, from the start of a sign-on until the provider's
// answer, which request this browser started: an answer brought by a
// browser without it is refused, so that nobody can log a victim's
// browser in as themselves with an answer of their own (login CSRF).
// The answer is a cross-site POST from the provider, so the cookie is
// SameSite=None; __Host- keeps it to this host, over HTTPS.
const BindingCookie = "__Host-clusteriam-sso"

// bindingTTL is how long a started sign-on may take at the provider.
const bindingTTL = 5 * time.Minute

// SetBinding gives the browser the binding of the sign-on it starts.
func SetBinding(w http.ResponseWriter, value string) {
	http.SetCookie(w, &http.Cookie{Name: BindingCookie, Value: value, Path: "/", MaxAge: int(bindingTTL.Seconds()),
		Secure: true, HttpOnly: true, SameSite: http.SameSiteNoneMode})
}

// Binding returns the binding the browser brought, "" none.
func Binding(r *http.Request) string {
	c, err := r.Cookie(BindingCookie)
	if err != nil {
		return ""
	}
	return c.Value
}

// ClearBinding ends the binding once the answer is read, whatever it was.
func ClearBinding(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{Name: BindingCookie, Value: "", Path: "/", MaxAge: -1,
		Secure: true, HttpOnly: true, SameSite: http.SameSiteNoneMode})
}
