// Package auth holds clusteriam's credential primitives: argon2id password
// hashing (Hasher), random API tokens stored by their SHA-256 (NewToken,
// HashToken), random identifiers (NewID), authenticated encryption of small
// secrets at rest (SecretBox) with its key file (LoadOrCreateKey), keys
// derived from that key for one purpose each (the pepper, the audit trail's
// name tags), and generated passwords (RandomPassword).
//
// Everything here draws randomness from crypto/rand and keeps no
// package-level mutable state.
package auth
