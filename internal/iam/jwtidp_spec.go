package iam

// jwtSpec is a trusted JWT issuer's configuration as the store keeps it
// (storedSpec.JWT).
type jwtSpec struct{}
