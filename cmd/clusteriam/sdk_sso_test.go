package main

import (
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"github.com/clusteriam/clusteriam/internal/jwtrust/optest"
	"github.com/clusteriam/clusteriam/internal/samlsp/samltest"
)

// TestPythonSDKSSO runs scripts/sdk/python_sso_check.py, on the vendor's
// Python SDK, against a server, a real SAML provider (samlidp) and a real
// OpenID provider on loopback: the first Done-when of issue 18. The SDK
// is not part of this repository; CLUSTERIAM_SDK_PY names a checkout of
// github.com/cohesity/cohesity_sdk, and without it the test skips.
func TestPythonSDKSSO(t *testing.T) {
	sdk := pythonSDK(t)
	idp := samltest.Start(t)
	op := optest.Start(t, optest.User{Username: "pyuser", Password: "Py-User-Pass-1"})
	files := t.TempDir()
	opCA, samlCert, tokenFile := filepath.Join(files, "op.pem"), filepath.Join(files, "saml.pem"), filepath.Join(files, "token")
	must(t, os.WriteFile(opCA, op.CertPEM(), 0o600))
	must(t, os.WriteFile(samlCert, []byte(idp.CertPEM), 0o600))
	must(t, os.WriteFile(tokenFile, []byte(op.IDToken(t, "pyuser", "Py-User-Pass-1")), 0o600))

	srv := newReplica(t, "sdk-sso", buildBinary(t), "CLUSTERIAM_ADMIN_PASSWORD=Admin-Password-1")
	srv.flags = []string{"--idp-ca-file", opCA}
	srv.start(t)
	u, err := url.Parse(srv.url)
	must(t, err)
	registerWithIdP(t, srv, idp)
	runSDKCheck(t, sdk, "python_sso_check.py", "--host", u.Host, "--password", "Admin-Password-1",
		"--saml-issuer", idp.Issuer, "--saml-sso-url", idp.SSOURL, "--saml-cert-file", samlCert,
		"--oidc-domain", "py.example.com", "--oidc-jwks-url", op.KeysURL, "--oidc-audience", optest.ClientID,
		"--oidc-user", "pyuser", "--oidc-token-file", tokenFile)
}
