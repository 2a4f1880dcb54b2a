package jwtrust

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
)

const (
	oidcWellKnown  = "/.well-known/openid-configuration"
	oauthWellKnown = "/.well-known/oauth-authorization-server"
)

// metadata is the part of an issuer's published metadata that Discover reads.
type metadata struct {
	Issuer  string `json:"issuer"`
	JWKSURI string `json:"jwks_uri"`
}

// Discover pins the issuer of a trust configured with publicKeyURL, and
// returns it with the URL of its keys. publicKeyURL is either
//
//   - the issuer's JWKS: then the issuer is the one, among the prefixes of
//     the URL's path (longest first), whose metadata names publicKeyURL as
//     its jwks_uri exactly; or
//   - the issuer's metadata (a URL ending in /.well-known/openid-configuration
//     or, for OAuth2, /.well-known/oauth-authorization-server): then the
//     issuer is the one that metadata belongs to, and its jwks_uri the keys.
//
// Either way the metadata must name as its issuer the URL it was fetched
// under (OpenID Connect Discovery 1.0 §4.3, RFC 8414 §3.3), so the issuer is
// exact, and one the host of publicKeyURL speaks for.
func (p *Pool) Discover(ctx context.Context, kind Kind, publicKeyURL string) (issuer, keysURL string, err error) {
	u, err := url.Parse(publicKeyURL)
	if err != nil || u.Scheme != "https" || u.Host == "" || u.User != nil || u.Fragment != "" {
		return "", "", fmt.Errorf("%w: publicKeyUrl must be an https URL", ErrNoIssuer)
	}
	origin := "https://" + u.Host
	if base, ok := metadataBase(kind, u); ok {
		md, err := p.metadata(ctx, publicKeyURL)
		if err != nil {
			return "", "", fmt.Errorf("%w: %w", ErrNoIssuer, err)
		}
		if !sameIssuer(md.Issuer, origin+base) {
			return "", "", fmt.Errorf("%w: the metadata at %s names issuer %q", ErrNoIssuer, publicKeyURL, md.Issuer)
		}
		if k, err := url.Parse(md.JWKSURI); err != nil || k.Scheme != "https" {
			return "", "", fmt.Errorf("%w: the metadata at %s names no https jwks_uri", ErrNoIssuer, publicKeyURL)
		}
		return md.Issuer, md.JWKSURI, nil
	}
	var tried []string
	for _, prefix := range prefixes(u.Path) {
		for _, where := range candidates(kind, origin, prefix) {
			tried = append(tried, where)
			md, err := p.metadata(ctx, where)
			if err != nil {
				continue
			}
			if md.JWKSURI == publicKeyURL && sameIssuer(md.Issuer, origin+prefix) {
				return md.Issuer, publicKeyURL, nil
			}
		}
	}
	return "", "", fmt.Errorf("%w: none of %s names %s as its jwks_uri", ErrNoIssuer, strings.Join(tried, ", "), publicKeyURL)
}

func (p *Pool) metadata(ctx context.Context, where string) (metadata, error) {
	ctx, cancel := context.WithTimeout(ctx, fetchTimeout)
	defer cancel()
	var md metadata
	if err := getJSON(ctx, p.client, where, &md); err != nil {
		return md, err
	}
	if md.Issuer == "" {
		return md, errors.New("metadata without issuer")
	}
	return md, nil
}

// metadataBase says whether u is an issuer's metadata URL, and the issuer's
// path if so.
func metadataBase(kind Kind, u *url.URL) (string, bool) {
	if u.RawQuery != "" {
		return "", false
	}
	if base, ok := strings.CutSuffix(u.Path, oidcWellKnown); ok {
		return base, true
	}
	if kind == OAuth2 {
		if rest, ok := strings.CutPrefix(u.Path, oauthWellKnown); ok && (rest == "" || strings.HasPrefix(rest, "/")) {
			return rest, true
		}
	}
	return "", false
}

// prefixes lists the prefixes of a URL path at its slashes, longest first,
// ending with the empty one (the origin).
func prefixes(path string) []string {
	path = strings.TrimSuffix(path, "/")
	var out []string
	for path != "" {
		i := strings.LastIndexByte(path, '/')
		if i < 0 {
			break
		}
		path = path[:i]
		out = append(out, path)
	}
	if len(out) == 0 || out[len(out)-1] != "" {
		out = append(out, "")
	}
	return out
}

// candidates are the metadata URLs of the issuer origin+prefix: OpenID
// Connect's, and for OAuth2 RFC 8414's (well-known before the path) and the
// common form after it.
func candidates(kind Kind, origin, prefix string) []string {
	out := []string{origin + prefix + oidcWellKnown}
	if kind == OAuth2 {
		out = append(out, origin+oauthWellKnown+prefix)
		if prefix != "" {
			out = append(out, origin+prefix+oauthWellKnown)
		}
	}
	return out
}

// sameIssuer compares an issuer with the URL its metadata came from, allowing
// the trailing slash some issuers keep (https://tenant.auth0.com/).
func sameIssuer(issuer, at string) bool {
	return strings.TrimSuffix(issuer, "/") == strings.TrimSuffix(at, "/")
}
