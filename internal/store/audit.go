package store

// AuditEntry is one line of the audit trail: who did what to what, when
// and from where. It never holds a secret.
type AuditEntry struct {
	// ID is assigned by the store; later entries get larger ids.
	ID        int64
	TimeUsecs int64

	// The actor; all empty for the system itself (e.g. an automatic
	// lock-out) and ActorSID empty for an unknown user's failed log-in.
	ActorSID      string
	ActorDomain   string
	ActorUsername string
	// IP is the client's address, "" when not made over the network.
	IP string

	// TenantID and TenantName name the organization the act was made in
	// ("" for the cluster). When a principal acted inside a tenant not
	// its own (IsImpersonation), OriginalTenantID and OriginalTenantName
	// name its own.
	TenantID           string
	TenantName         string
	OriginalTenantID   string
	OriginalTenantName string
	IsImpersonation    bool

	Action     string // e.g. "Create", "Login"
	EntityType string // e.g. "User", "ApiKey"
	EntityID   string // sid, key id or role name; "" when unknown
	EntityName string // e.g. `LOCAL\bob`
	Details    string
}

// AuditFilter selects audit entries. Empty fields do not filter; lists OR
// within themselves, fields AND together.
type AuditFilter struct {
	// ActorUsernames and ActorDomains match case-insensitively.
	ActorUsernames []string
	ActorDomains   []string
	Actions        []string
	EntityTypes    []string
	// TenantIDs selects the entries made in these tenants ("" the
	// cluster).
	TenantIDs []string
	// Search is a case-insensitive substring of the entity's name or id,
	// or of the details.
	Search string
	// StartUsecs and EndUsecs bound the time, inclusively, when non-zero.
	StartUsecs, EndUsecs int64
	// Offset skips that many entries of the newest-first order; Limit,
	// when positive, returns at most that many.
	Offset, Limit int
}
