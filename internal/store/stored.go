package store

// AsStored returns u as a read of it returns it once CreateUsers or
// UpdateUser has written it, its groups aside (membership belongs to
// groups): lists never nil, roles without repeats, S3SecretEnc nil when
// empty. A writer that knows what it wrote need not read it back; the
// conformance suite holds every backend to this.
func AsStored(u User) User {
	u.Roles = Dedupe(u.Roles)
	u.SourceIDs, u.ViewIDs = nonNil(u.SourceIDs), nonNil(u.ViewIDs)
	u.DirectoryGroups, u.IdPRoles = nonNil(u.DirectoryGroups), nonNil(u.IdPRoles)
	if len(u.S3SecretEnc) == 0 {
		u.S3SecretEnc = nil
	}
	return u
}

// Dedupe returns v without repeats, in first-seen order, never nil: how
// a store keeps a list of roles or members.
func Dedupe(v []string) []string {
	out := make([]string, 0, len(v))
	seen := make(map[string]bool, len(v))
	for _, s := range v {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

func nonNil[T any](v []T) []T {
	if v == nil {
		return []T{}
	}
	return v
}
