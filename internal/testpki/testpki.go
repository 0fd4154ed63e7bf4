// Package testpki issues throwaway certificates for tests: a certificate
// authority made on the spot, and server and client certificates it signs,
// with the faults tests need (expired, wrong name, wrong usage). Keys are
// ECDSA P-256 unless RSA is asked for. Nothing is cached between calls.
package testpki

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// CA is a certificate authority for one test.
type CA struct {
	Cert *x509.Certificate
	Key  crypto.Signer
	// Pool holds Cert alone: the RootCAs of a client that trusts this CA,
	// or the ClientCAs of a server that accepts its client certificates.
	Pool *x509.CertPool
}

// Options describe a certificate to issue.
type Options struct {
	CommonName string
	// IPs and DNSNames are the subject alternative names; with neither,
	// the certificate names 127.0.0.1.
	IPs      []net.IP
	DNSNames []string
	// NotBefore and NotAfter default to an hour ago and an hour ahead.
	NotBefore, NotAfter time.Time
	// Usage is the extended key usage; nil means server authentication.
	Usage []x509.ExtKeyUsage
	// RSA makes a 2048-bit RSA key instead of an ECDSA one.
	RSA bool
}

func newKey(rsaKey bool) (crypto.Signer, error) {
	if rsaKey {
		return rsa.GenerateKey(rand.Reader, 2048)
	}
	return ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
}

func serial() *big.Int {
	n, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	return n
}

// NewCA makes a self-signed certificate authority named name.
func NewCA(t testing.TB, name string) *CA {
	t.Helper()
	key, err := newKey(false)
	if err != nil {
		t.Fatalf("testpki: CA key: %v", err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial(),
		Subject:               pkix.Name{CommonName: name, Organization: []string{"wws tests"}},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
		IsCA:                  true,
		BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatalf("testpki: CA certificate: %v", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatalf("testpki: CA certificate: %v", err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &CA{Cert: cert, Key: key, Pool: pool}
}

// Issue makes a certificate signed by ca. Its chain holds the leaf only.
func (ca *CA) Issue(t testing.TB, o Options) tls.Certificate {
	t.Helper()
	key, err := newKey(o.RSA)
	if err != nil {
		t.Fatalf("testpki: key: %v", err)
	}
	if o.CommonName == "" {
		o.CommonName = "wws test"
	}
	if len(o.IPs) == 0 && len(o.DNSNames) == 0 {
		o.IPs = []net.IP{net.ParseIP("127.0.0.1")}
	}
	if o.NotBefore.IsZero() {
		o.NotBefore = time.Now().Add(-time.Hour)
	}
	if o.NotAfter.IsZero() {
		o.NotAfter = time.Now().Add(time.Hour)
	}
	if o.Usage == nil {
		o.Usage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
	}
	ku := x509.KeyUsageDigitalSignature
	if o.RSA {
		ku |= x509.KeyUsageKeyEncipherment
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial(),
		Subject:      pkix.Name{CommonName: o.CommonName},
		NotBefore:    o.NotBefore,
		NotAfter:     o.NotAfter,
		IPAddresses:  o.IPs,
		DNSNames:     o.DNSNames,
		KeyUsage:     ku,
		ExtKeyUsage:  o.Usage,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.Cert, key.Public(), ca.Key)
	if err != nil {
		t.Fatalf("testpki: certificate: %v", err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatalf("testpki: certificate: %v", err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}
}

// Server issues a server certificate for 127.0.0.1.
func (ca *CA) Server(t testing.TB) tls.Certificate {
	t.Helper()
	return ca.Issue(t, Options{CommonName: "127.0.0.1"})
}

// Client issues a client certificate named cn.
func (ca *CA) Client(t testing.TB, cn string) tls.Certificate {
	t.Helper()
	return ca.Issue(t, Options{CommonName: cn, DNSNames: []string{cn}, Usage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}})
}

// CertPEM returns c's certificate chain as PEM "CERTIFICATE" blocks.
func CertPEM(c tls.Certificate) []byte {
	var out []byte
	for _, der := range c.Certificate {
		out = append(out, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})...)
	}
	return out
}

// KeyPEM returns c's private key as a PEM "PRIVATE KEY" block (PKCS #8).
func KeyPEM(t testing.TB, c tls.Certificate) []byte {
	t.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(c.PrivateKey)
	if err != nil {
		t.Fatalf("testpki: key: %v", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
}

// CAPEM returns the CA certificate as a PEM block.
func (ca *CA) CAPEM() []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ca.Cert.Raw})
}

// WriteFiles writes c as name.pem (certificate) and name.key (private key)
// into dir and returns their paths.
func WriteFiles(t testing.TB, dir, name string, c tls.Certificate) (certFile, keyFile string) {
	t.Helper()
	certFile = filepath.Join(dir, name+".pem")
	keyFile = filepath.Join(dir, name+".key")
	if err := os.WriteFile(certFile, CertPEM(c), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, KeyPEM(t, c), 0o600); err != nil {
		t.Fatal(err)
	}
	return certFile, keyFile
}

// WriteCA writes the CA certificate as name.pem into dir and returns its path.
func (ca *CA) WriteCA(t testing.TB, dir, name string) string {
	t.Helper()
	f := filepath.Join(dir, name+".pem")
	if err := os.WriteFile(f, ca.CAPEM(), 0o600); err != nil {
		t.Fatal(err)
	}
	return f
}
