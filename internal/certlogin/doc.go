// Package certlogin checks a certificate log-in: the vendor's
// POST /v2/users/sessions with "certificate" and "privateKey" as PEM text.
// In the vendor's model the client sends its private key too, so possession
// is shown by the key matching the certificate rather than by a signature.
//
// A Verifier accepts a log-in only when all of these hold:
//
//   - each input is at most MaxInputSize bytes and holds PEM;
//   - the first CERTIFICATE block is the leaf, and any further CERTIFICATE
//     blocks are intermediates (nothing else may be in the certificate);
//   - the private key is one unencrypted PKCS#8 ("PRIVATE KEY"), PKCS#1
//     ("RSA PRIVATE KEY") or SEC1 ("EC PRIVATE KEY") block, and its public
//     key equals the leaf's;
//   - the leaf chains to one of the operator's CAs (--client-ca-file) through
//     the given intermediates, every certificate of the chain is valid at the
//     given time, and the chain allows client authentication;
//   - the leaf itself names client authentication in its extended key usage
//     (a leaf without that extension is refused, although crypto/x509 would
//     let it pass) and is not a CA certificate.
//
// # Mapping a certificate to a login name
//
// The login name comes from the first of these that the leaf carries, and
// only from it (a later source is never a fallback for a bad earlier one):
//
//  1. The first User Principal Name in the subject alternative name
//     extension: an otherName with type 1.3.6.1.4.1.311.20.2.3 whose value is
//     a UTF8String, as Active Directory smart-card certificates carry.
//  2. The first e-mail address (rfc822Name) in the subject alternative names.
//  3. The subject common name (CN); a subject with more than one CN is
//     refused as ambiguous.
//
// A UPN or e-mail address must have exactly one "@": the part before it is
// the Username and the part after it is the Domain, both verbatim (no case
// folding, no realm mapping). A CN is the Username as it is, with an empty
// Domain that the caller defaults (to LOCAL). Username and Domain must each
// be valid UTF-8, 1 to 255 bytes long, and free of control characters;
// otherwise the log-in is refused. Identity.Source records which rule
// applied, for the audit trail. Further rules for login names (case,
// confusables) are the caller's.
//
// # Errors
//
// Every error from Verify wraps exactly one of two sentinels: ErrMalformed
// when an input is empty, larger than MaxInputSize, or holds no PEM block at
// all (the request is bad: HTTP 400), and ErrRejected for every other
// refusal (HTTP 401), with a specific reason in front for the log. The one
// exception is a Verifier without a CA pool, a server fault that wraps
// neither. No error text ever contains private key material.
//
// The package keeps no package-level mutable state; a Verifier is safe for
// concurrent use.
package certlogin
