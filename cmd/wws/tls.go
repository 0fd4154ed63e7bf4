package main

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"net/url"
	"os"
	"strings"

	"github.com/wwsgo/wws"
)

// tlsFlags are the transport security flags: --cert, --key and --ca for
// every command that opens channels, and --tls for the clients.
type tlsFlags struct {
	server              bool
	tls                 bool
	cert, key, caBundle string
}

func addTLSFlags(fs *flag.FlagSet, server bool) *tlsFlags {
	tf := &tlsFlags{server: server}
	if server {
		fs.StringVar(&tf.cert, "cert", "", "certificate chain (PEM) the service presents; net.tcp URLs then require TLS")
		fs.StringVar(&tf.key, "key", "", "private key (PEM) of --cert")
		fs.StringVar(&tf.caBundle, "ca", "", "CA certificates (PEM) client certificates must chain to; clients must present one")
		return tf
	}
	fs.BoolVar(&tf.tls, "tls", false, "net.tcp: use transport security (TLS) with the system's roots")
	fs.StringVar(&tf.cert, "cert", "", "client certificate chain (PEM), presented when the service asks; implies --tls")
	fs.StringVar(&tf.key, "key", "", "private key (PEM) of --cert")
	fs.StringVar(&tf.caBundle, "ca", "", "CA certificates (PEM) to trust instead of the system's; implies --tls")
	return tf
}

// security is what the flags load: nil when none was given.
type security struct {
	cert  *tls.Certificate // --cert and --key
	roots *x509.CertPool   // --ca
}

// load reads the files the flags name.
func (tf *tlsFlags) load() (*security, error) {
	if !tf.tls && tf.cert == "" && tf.key == "" && tf.caBundle == "" {
		return nil, nil
	}
	if (tf.cert == "") != (tf.key == "") {
		return nil, errors.New("--cert and --key go together")
	}
	sec := &security{}
	if tf.cert != "" {
		c, err := tls.LoadX509KeyPair(tf.cert, tf.key)
		if err != nil {
			return nil, fmt.Errorf("--cert %s --key %s: %v", tf.cert, tf.key, err)
		}
		sec.cert = &c
	} else if tf.server {
		return nil, errors.New("--ca needs --cert and --key: a service with client certificates needs its own")
	}
	if tf.caBundle != "" {
		b, err := os.ReadFile(tf.caBundle)
		if err != nil {
			return nil, fmt.Errorf("--ca: %v", err)
		}
		sec.roots = x509.NewCertPool()
		if !sec.roots.AppendCertsFromPEM(b) {
			return nil, fmt.Errorf("--ca %s: no PEM certificate in the file", tf.caBundle)
		}
	}
	return sec, nil
}

// secureScheme reports whether raw's scheme can carry the TLS settings:
// net.tcp (the application/ssl-tls upgrade) and https.
func secureScheme(raw string) (bool, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return false, fmt.Errorf("bad URL %q: %v", raw, err)
	}
	s := strings.ToLower(u.Scheme)
	return s == "net.tcp" || s == "https", nil
}

// clientProperties are the channel properties a client of raw needs for
// the flags: a TLS configuration with the roots and the client certificate.
func (sec *security) clientProperties(raw string) ([]wws.ChannelProperty, error) {
	if sec == nil {
		return nil, nil
	}
	ok, err := secureScheme(raw)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("--tls, --ca and --cert apply to net.tcp and https URLs, not %s", raw)
	}
	cfg := &tls.Config{RootCAs: sec.roots}
	if sec.cert != nil {
		cfg.Certificates = []tls.Certificate{*sec.cert}
	}
	return []wws.ChannelProperty{{ID: wws.ChannelPropertyTLSConfig, Value: cfg}}, nil
}

// listenerProperties are the listener properties of an endpoint at raw for
// the flags: net.tcp and https endpoints serve with the certificate and,
// with --ca, require client certificates; others are left as they are.
func (sec *security) listenerProperties(raw string) ([]wws.ListenerProperty, error) {
	if sec == nil {
		return nil, nil
	}
	if ok, err := secureScheme(raw); err != nil || !ok {
		return nil, err
	}
	cfg := &tls.Config{Certificates: []tls.Certificate{*sec.cert}}
	if sec.roots != nil {
		cfg.ClientAuth = tls.RequireAndVerifyClientCert
		cfg.ClientCAs = sec.roots
	}
	return []wws.ListenerProperty{{ID: wws.ListenerPropertyTLSConfig, Value: cfg}}, nil
}
