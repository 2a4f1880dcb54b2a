package iam

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/clusteriam/clusteriam/internal/samlsp"
	"github.com/clusteriam/clusteriam/internal/store"
)

// spKeySetting names the setting that holds the cluster's SAML SP key
// (sealed) and its self-signed certificate. The first replica to store
// one wins (store.Setting), so that every replica signs with the same key.
const spKeySetting = "saml_sp_key"

// spKeyAAD binds the sealed key to its purpose.
var spKeyAAD = []byte("clusteriam saml sp key")

type storedSPKey struct {
	KeyEnc []byte `json:"keyEnc"` // PKCS#8, sealed with the service's box
	Cert   []byte `json:"cert"`   // DER
}

// spKeys holds the SP key and certificate once read: they never change,
// and every log-in start (which needs no credential), answer and
// metadata request needs them.
type spKeys struct {
	mu   sync.Mutex
	key  *rsa.PrivateKey
	cert *x509.Certificate
}

// spKey returns the cluster's SAML SP key and certificate, made once,
// read from the store once per process.
func (s *Service) spKey(ctx context.Context) (*rsa.PrivateKey, *x509.Certificate, error) {
	s.sp.mu.Lock()
	defer s.sp.mu.Unlock()
	if s.sp.key == nil {
		key, cert, err := s.loadSPKey(ctx)
		if err != nil {
			return nil, nil, err
		}
		s.sp.key, s.sp.cert = key, cert
	}
	return s.sp.key, s.sp.cert, nil
}

// loadSPKey reads the SP key and certificate from the store, storing new
// ones first when there are none.
func (s *Service) loadSPKey(ctx context.Context) (*rsa.PrivateKey, *x509.Certificate, error) {
	raw, err := s.store.GetSetting(ctx, spKeySetting)
	if errors.Is(err, store.ErrNotFound) {
		var init []byte
		if init, err = s.newSPKey(); err == nil {
			raw, err = s.store.Setting(ctx, spKeySetting, init)
		}
	}
	if err != nil {
		return nil, nil, fmt.Errorf("saml sp key: %w", err)
	}
	var k storedSPKey
	if err := json.Unmarshal(raw, &k); err != nil {
		return nil, nil, fmt.Errorf("saml sp key: %w", err)
	}
	der, err := s.box.Open(k.KeyEnc, spKeyAAD)
	if err != nil {
		return nil, nil, fmt.Errorf("saml sp key: unseal: %w", err)
	}
	key, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return nil, nil, fmt.Errorf("saml sp key: %w", err)
	}
	cert, err := x509.ParseCertificate(k.Cert)
	if err != nil {
		return nil, nil, fmt.Errorf("saml sp certificate: %w", err)
	}
	rk, ok := key.(*rsa.PrivateKey)
	if !ok {
		return nil, nil, errors.New("saml sp key: not RSA")
	}
	return rk, cert, nil
}

func (s *Service) newSPKey() ([]byte, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	now := s.now()
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(now.UnixNano()), Subject: pkix.Name{CommonName: "clusteriam SAML SP"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.AddDate(20, 0, 0), KeyUsage: x509.KeyUsageDigitalSignature}
	cert, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, err
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, err
	}
	sealed, err := s.box.Seal(der, spKeyAAD)
	if err != nil {
		return nil, err
	}
	return json.Marshal(storedSPKey{KeyEnc: sealed, Cert: cert})
}

// spURLs are the SP's URLs on host, as the browser reached the cluster:
// the ACS, which is also the entity id (as the vendor's Okta guide says),
// and the metadata.
func spURLs(host string) (acs, metadata string, err error) {
	u, err := url.Parse("https://" + host)
	if err != nil || host == "" || u.Host != host || strings.ContainsAny(host, "/?#@\\") {
		return "", "", invalid("host %q is not a host name", host)
	}
	return "https://" + host + "/idps/authenticate", "https://" + host + "/idps/metadata", nil
}

// samlSP is the service provider for provider d, reached at host.
func (s *Service) samlSP(ctx context.Context, d *domain, host string) (*samlsp.SP, error) {
	acs, md, err := spURLs(host)
	if err != nil {
		return nil, err
	}
	c := idpView(d)
	certs, err := samlsp.ParseCertificates(deref(c.Certificate))
	if err != nil {
		return nil, fmt.Errorf("identity provider %s: %w", d.rec.Domain, err)
	}
	key, cert, err := s.spKey(ctx)
	if err != nil {
		return nil, err
	}
	return samlsp.New(samlsp.Config{EntityID: acs, ACSURL: acs, MetadataURL: md, IdPIssuer: deref(c.IssuerID),
		SSOURL: deref(c.SSOURL), IdPCertificates: certs, SignRequest: *c.SignRequest, Key: key, Certificate: cert})
}

// SPMetadata returns the SP metadata for host: that of the cluster's
// enabled provider when there is one (whether it signs requests), else
// of none. It needs no principal: an IdP's administrator imports it.
func (s *Service) SPMetadata(ctx context.Context, host string) ([]byte, error) {
	acs, md, err := spURLs(host)
	if err != nil {
		return nil, err
	}
	key, cert, err := s.spKey(ctx)
	if err != nil {
		return nil, err
	}
	cfg := samlsp.Config{EntityID: acs, ACSURL: acs, MetadataURL: md, IdPIssuer: "-", SSOURL: acs, Key: key, Certificate: cert,
		IdPCertificates: []*x509.Certificate{cert}}
	if d := s.enabledIdP(ctx, ""); d != nil {
		cfg.SignRequest = *idpView(d).SignRequest
	}
	sp, err := samlsp.New(cfg)
	if err != nil {
		return nil, err
	}
	return sp.Metadata(s.now())
}
