package iam

// samlSpec is a SAML 2.0 identity provider's configuration as the store
// keeps it (storedSpec.SAML).
type samlSpec struct{}
