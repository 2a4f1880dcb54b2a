package store

// TallyFilter says what Store.Tally counts: the records of these tenants
// at this time.
type TallyFilter struct {
	// TenantIDs selects the records of these tenants ("" the cluster's);
	// empty counts every tenant's. Sessions and keys belong to the
	// tenant of their user.
	TenantIDs []string
	// NowMsecs is the time that decides what is alive, locked or
	// expiring.
	NowMsecs int64
	// SessionsUsedAfterMsecs, when not 0, counts only the sessions whose
	// last use recorded is after it (as CountLiveSessions does).
	SessionsUsedAfterMsecs int64
	// KeysExpireByMsecs counts the active keys whose expiry is after
	// NowMsecs and at or before it.
	KeysExpireByMsecs int64
}

// Tally is what Store.Tally counts, each as its list would select it.
type Tally struct {
	Users int64
	// LockedUsers are the users locked at NowMsecs: a lock-out whose
	// time has passed no longer counts.
	LockedUsers  int64
	Groups       int64
	LiveSessions int64
	ExpiringKeys int64
}
