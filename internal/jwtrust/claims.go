package jwtrust

// wireClaims are the claims, beside the registered ones, that name the user
// and the client.
type wireClaims struct {
	PreferredUsername string `json:"preferred_username"`
	Email             string `json:"email"`
	EmailVerified     any    `json:"email_verified"`
	AppID             string `json:"appid"`
	AuthorizedParty   string `json:"azp"`
	ClientID          string `json:"client_id"`
	OktaClientID      string `json:"cid"`
}

// username is the name the token gives its user: preferred_username, else
// email when the issuer says it verified it, else sub. An unverified email
// is never used: at many issuers the user sets it, and could set another
// user's (docs/sso.md says more).
func (w wireClaims) username(sub string) string {
	switch {
	case w.PreferredUsername != "":
		return w.PreferredUsername
	case w.Email != "" && verified(w.EmailVerified):
		return w.Email
	}
	return sub
}

// verified accepts email_verified as JSON true or, as some issuers send it,
// the string "true".
func verified(v any) bool {
	switch v := v.(type) {
	case bool:
		return v
	case string:
		return v == "true"
	}
	return false
}

// clientID is the client the token was issued to: Entra's appid, else azp,
// else client_id (RFC 9068), else Okta's cid.
func (w wireClaims) clientID() string {
	switch {
	case w.AppID != "":
		return w.AppID
	case w.AuthorizedParty != "":
		return w.AuthorizedParty
	case w.ClientID != "":
		return w.ClientID
	}
	return w.OktaClientID
}
