package iam

import (
	"context"
	"testing"
)

// TestLogout ends the session it is asked with and no other: a second
// session of the same user goes on, and an API key is no session.
func TestLogout(t *testing.T) {
	svc, _, _ := newTestService(t, Config{})
	ctx := context.Background()
	first, second := mustLogin(t, svc), mustLogin(t, svc)
	p, err := svc.Authenticate(ctx, Credential{CredSession, first})
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.Logout(ctx, p); err != nil {
		t.Fatalf("logout: %v", err)
	}
	if _, err := svc.Authenticate(ctx, Credential{CredSession, first}); KindOf(err) != KindUnauthenticated {
		t.Errorf("the session logged out of: %v, want refused", err)
	}
	p2, err := svc.Authenticate(ctx, Credential{CredSession, second})
	if err != nil {
		t.Fatalf("the other session: %v, want it to go on", err)
	}
	_, key, err := svc.CreateAPIKey(ctx, p2, p2.User.SID, APIKeyInput{Name: "k"})
	if err != nil {
		t.Fatal(err)
	}
	byKey, err := svc.Authenticate(ctx, Credential{CredAPIKey, key})
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.Logout(ctx, byKey); KindOf(err) != KindInvalid {
		t.Errorf("logout with an API key: %v, want invalid", err)
	}
}
