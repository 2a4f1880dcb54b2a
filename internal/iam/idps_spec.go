package iam

import "github.com/clusteriam/clusteriam/internal/domainspec"

// samlSpec is a SAML 2.0 identity provider's configuration as the store
// keeps it (storedSpec.SAML): the vendor's model, with the defaults
// filled in; its id, name, domain and tenantId are the record's.
type samlSpec struct {
	domainspec.SAMLIdP
}
