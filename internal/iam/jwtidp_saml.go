package iam

import (
	"context"
	"strings"

	"github.com/clusteriam/clusteriam/internal/domainspec"
	"github.com/clusteriam/clusteriam/internal/store"
)

// samlOf returns the configuration of the SAML provider of domain name,
// whose default roles and role attribute token users of that domain get
// too (docs/sso.md); the zero configuration, which gives no role, when
// the domain has none.
func (s *Service) samlOf(ctx context.Context, name string) domainspec.SAMLIdP {
	for _, d := range s.domainList(ctx) {
		if d.kind == store.DirectorySAML && strings.EqualFold(d.rec.Domain, name) {
			return idpView(d)
		}
	}
	return domainspec.SAMLIdP{}
}
