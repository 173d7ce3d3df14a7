package gateway

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/egovuz/egov/internal/bus"
	"github.com/egovuz/egov/internal/bus/xroad"
	"github.com/egovuz/egov/internal/pki/cades"
	"github.com/egovuz/egov/internal/pki/cms"
)

// GatewayLister lists the registered gateways with the serials of their
// certificates. *bus.Registry satisfies it.
type GatewayLister interface {
	Gateways(ctx context.Context) ([]bus.Gateway, error)
}

// Trust is what a gateway trusts of its peers: certificates issued under
// the platform's roots, not expired, not revoked according to Status, and
// registered for a gateway in the registry.
//
// It keeps the verdict on each peer certificate for CertificateTTL and the
// list of registered gateways for RegistryTTL, so that a revocation or a
// gateway's new certificate takes effect within those times rather than
// at once; every message is still signed and every signature checked.
type Trust struct {
	// Roots are the platform's root certificates; Intermediates the
	// issuing CAs (peers also send theirs).
	Roots         *x509.CertPool
	Intermediates []*x509.Certificate
	// Status tells whether a certificate is revoked; *pki.Service
	// satisfies it. A certificate it does not know is refused.
	Status cades.StatusSource
	// Gateways lists the registered gateways and their serials.
	Gateways GatewayLister
	// Now tells the time; nil means time.Now.
	Now func() time.Time
	// CertificateTTL is how long the verdict that a certificate chains to
	// the roots and is known and unrevoked is reused; 0 means
	// DefaultCertificateTTL, negative checks every time. Its validity
	// period is checked on every use all the same.
	CertificateTTL time.Duration
	// RegistryTTL is how long the list of Gateways is reused; 0 means
	// DefaultRegistryTTL, negative reads it every time. Both TTLs are
	// read when the trust is first used.
	RegistryTTL time.Duration

	// once makes the caches, with the settings above, on first use.
	once     sync.Once
	certs    *cache[certKey, struct{}]
	gateways cachedGateways
}

// certKey names a certificate, by the SHA-256 of its DER, checked for a
// usage.
type certKey struct {
	hash  [sha256.Size]byte
	usage x509.ExtKeyUsage
}

// caches returns the trust's caches, making them on first use.
func (t *Trust) caches() *Trust {
	t.once.Do(func() {
		t.certs = newCache[certKey, struct{}](ttlOf(t.CertificateTTL, DefaultCertificateTTL), t.now)
		t.gateways = cachedGateways{lister: t.Gateways,
			list: newCache[struct{}, []bus.Gateway](ttlOf(t.RegistryTTL, DefaultRegistryTTL), t.now)}
	})
	return t
}

// Security turns on mutual TLS and message signatures between gateways.
// Set on both ConsumerConfig and ProviderConfig, it makes the consumer
// sign each request and verify each response and the provider do the
// opposite, over TLS connections where both present gateway-auth
// certificates.
type Security struct {
	// Auth is the gateway's TLS certificate (profile gateway-auth, serial
	// registered as the gateway's AuthSerial) with its key; further
	// certificates in Auth.Certificate are its chain.
	Auth tls.Certificate
	// Sign is the member's signing key with its gateway-sign certificate
	// (registered as SignSerial) and chain up to the root, which go into
	// every signature so that an auditor needs nothing else.
	Sign cms.Signer
	// Trust checks the peers' certificates and signatures.
	Trust *Trust
}

// handshakeTimeout bounds a status or registry look-up made during a TLS
// handshake, which has no request context.
const handshakeTimeout = 10 * time.Second

// errPeerCertificate is the cause of a refused peer certificate.
var errPeerCertificate = errors.New("bus gateway: peer certificate refused")

func (s *Security) check() error {
	if s.Trust == nil || s.Trust.Roots == nil || s.Trust.Gateways == nil || s.Trust.Status == nil {
		return errors.New("bus gateway: security needs trusted roots, a status source and the gateways")
	}
	if len(s.Auth.Certificate) == 0 || s.Auth.PrivateKey == nil || s.Sign.Key == nil || s.Sign.Cert == nil {
		return errors.New("bus gateway: security needs an authentication certificate and a signing key")
	}
	return nil
}

func (t *Trust) now() time.Time {
	if t.Now == nil {
		return time.Now()
	}
	return t.Now()
}

// verifier checks certificates against the trust.
func (t *Trust) verifier() *cades.Verifier {
	return &cades.Verifier{Roots: t.Roots, Intermediates: t.Intermediates, Status: t.Status, Now: t.now}
}

// verifyCert checks that cert chains to the roots for usage and is known
// and not revoked, reusing a verdict of the last CertificateTTL, and that
// it is within its validity period now.
func (t *Trust) verifyCert(ctx context.Context, cert *x509.Certificate, others []*x509.Certificate, usage x509.ExtKeyUsage) error {
	if now := t.now(); now.Before(cert.NotBefore) || now.After(cert.NotAfter) {
		return fmt.Errorf("%w: serial %s is outside its validity period", errPeerCertificate, cert.SerialNumber.Text(16))
	}
	_, err := t.caches().certs.get(ctx, certKey{sha256.Sum256(cert.Raw), usage}, func(ctx context.Context) (struct{}, error) {
		return struct{}{}, t.verifier().CheckNow(ctx, cert, others, usage)
	})
	if err != nil {
		return fmt.Errorf("%w: %v", errPeerCertificate, err)
	}
	return nil
}

// registered returns the gateways for which serial (lowercase hex) is
// registered as the authentication (sign false) or signing certificate.
func (t *Trust) registered(ctx context.Context, serial string, sign bool) ([]bus.Gateway, error) {
	all, err := t.caches().gateways.Gateways(ctx)
	if err != nil {
		return nil, err
	}
	var out []bus.Gateway
	for _, g := range all {
		if sign && g.SignSerial == serial || !sign && g.AuthSerial == serial {
			out = append(out, g)
		}
	}
	return out, nil
}

// verifyPeer checks the certificate a TLS peer presented for usage, and
// that its serial is registered for a gateway that pin accepts.
func (t *Trust) verifyPeer(cs tls.ConnectionState, usage x509.ExtKeyUsage, pin func(bus.Gateway) bool) error {
	if len(cs.PeerCertificates) == 0 {
		return fmt.Errorf("%w: none presented", errPeerCertificate)
	}
	ctx, cancel := context.WithTimeout(context.Background(), handshakeTimeout)
	defer cancel()
	cert := cs.PeerCertificates[0]
	if err := t.verifyCert(ctx, cert, cs.PeerCertificates[1:], usage); err != nil {
		return err
	}
	gws, err := t.registered(ctx, cert.SerialNumber.Text(16), false)
	if err != nil {
		return fmt.Errorf("%w: reading the registry: %v", errPeerCertificate, err)
	}
	if !slices.ContainsFunc(gws, pin) {
		return fmt.Errorf("%w: serial %s is not that of the expected gateway", errPeerCertificate, cert.SerialNumber.Text(16))
	}
	return nil
}

// ServerTLSConfig is the TLS configuration of a provider gateway: it
// presents Auth and requires a client certificate issued under the roots,
// valid, not revoked and registered as some gateway's AuthSerial. Whether
// that gateway is one of the calling member's is checked per request,
// once X-Road-Client is known (see Provider).
func (s *Security) ServerTLSConfig() *tls.Config {
	t := s.Trust
	return &tls.Config{
		MinVersion:   tls.VersionTLS12,
		MaxVersion:   gatewayTLSVersion,
		Certificates: []tls.Certificate{s.Auth},
		// Verified in VerifyConnection against our roots only.
		ClientAuth: tls.RequireAnyClientCert,
		VerifyConnection: func(cs tls.ConnectionState) error {
			return t.verifyPeer(cs, x509.ExtKeyUsageClientAuth, func(bus.Gateway) bool { return true })
		},
	}
}

// ConsumerTLSConfig is the TLS configuration of a consumer side that its
// information systems reach over TLS: it presents Auth and asks for a
// client certificate, which the consumer then looks up among the
// registered ones (LocalClients.ByCertificate). Like X-Road's information
// system certificates these may be self-signed, so the chain is not
// checked here: a certificate is trusted exactly when it is registered. A
// system without one authenticates with its API key.
func (s *Security) ConsumerTLSConfig() *tls.Config {
	return &tls.Config{
		MinVersion:   tls.VersionTLS12,
		Certificates: []tls.Certificate{s.Auth},
		ClientAuth:   tls.RequestClientCert,
	}
}

// clientTLSConfig is the TLS configuration of a consumer gateway dialling
// addr: it presents Auth and accepts only a server certificate issued
// under the roots, valid, not revoked and registered as the AuthSerial of
// the gateway at addr. The serial is pinned instead of the host name being
// checked: gateways are known by the registry, not by DNS.
func (s *Security) clientTLSConfig(addr string) *tls.Config {
	t := s.Trust
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		host = addr
	}
	return &tls.Config{
		MinVersion:   tls.VersionTLS12,
		MaxVersion:   gatewayTLSVersion,
		ServerName:   host,
		Certificates: []tls.Certificate{s.Auth},
		// The chain and the serial are checked in VerifyConnection.
		InsecureSkipVerify: true, //nolint:gosec // verified below, pinned by serial
		VerifyConnection: func(cs tls.ConnectionState) error {
			return t.verifyPeer(cs, x509.ExtKeyUsageServerAuth, func(g bus.Gateway) bool { return g.Address == addr })
		},
	}
}

// ClientTransport returns the transport of a consumer gateway: like
// NewTransport, but speaking TLS with clientTLSConfig for the address
// dialled, so that a connection is only ever made to, and reused for, the
// gateway registered at that address.
func (s *Security) ClientTransport() *http.Transport {
	tr := NewTransport()
	dialer := &net.Dialer{Timeout: dialTimeout, KeepAlive: 30 * time.Second}
	tr.DialTLSContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		raw, err := dialer.DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		conn := tls.Client(raw, s.clientTLSConfig(addr))
		if err := conn.HandshakeContext(ctx); err != nil {
			_ = raw.Close()
			return nil, err
		}
		return conn, nil
	}
	tr.TLSHandshakeTimeout = dialTimeout
	return tr
}

// gatewayTLSVersion is the TLS version between gateways: 1.2, as X-Road's
// security servers use between them. In it the provider refuses a client
// certificate inside the handshake, so the consumer always learns of the
// refusal as an alert; under 1.3 the refusal comes after the client's
// handshake has finished, and may reach it as a reset connection, which
// cannot be told from a network failure.
const gatewayTLSVersion = tls.VersionTLS12

// tlsFailed reports whether err is a TLS authentication failure: this
// side refused the peer's certificate, or the peer refused ours (crypto/tls
// reports the peer's alert as a *net.OpError "remote error").
func tlsFailed(err error) bool {
	var alert tls.AlertError
	var op *net.OpError
	return errors.Is(err, errPeerCertificate) || errors.As(err, &alert) ||
		errors.As(err, &op) && op.Op == "remote error"
}

// peerSerial returns the serial of the verified TLS peer of a connection,
// "" when there is none.
func peerSerial(cs *tls.ConnectionState) string {
	if cs == nil || len(cs.PeerCertificates) == 0 {
		return ""
	}
	return cs.PeerCertificates[0].SerialNumber.Text(16)
}

// checkCaller checks, on the provider side, that the TLS client is a
// gateway of the member that X-Road-Client names, and that its
// certificate is still unrevoked: a connection outlives the handshake
// that checked it, so a revocation must reach the requests sent over it.
func (s *Security) checkCaller(ctx context.Context, cs *tls.ConnectionState, client xroad.ClientID) error {
	serial := peerSerial(cs)
	if serial == "" {
		return xroad.Errorf(xroad.OriginServerProxy, xroad.CodeSSLAuthenticationFailed,
			"the consumer gateway must connect over TLS with its authentication certificate")
	}
	if err := s.Trust.verifyCert(ctx, cs.PeerCertificates[0], cs.PeerCertificates[1:], x509.ExtKeyUsageClientAuth); err != nil {
		return failf(err, xroad.OriginServerProxy, xroad.CodeSSLAuthenticationFailed,
			"the consumer gateway's TLS certificate %s is not valid", serial)
	}
	gws, err := s.Trust.registered(ctx, serial, false)
	if err != nil {
		return registryError(err, xroad.OriginServerProxy)
	}
	member := client
	member.Subsystem = ""
	if !slices.ContainsFunc(gws, func(g bus.Gateway) bool { return g.Member == member }) {
		return xroad.Errorf(xroad.OriginServerProxy, xroad.CodeSSLAuthenticationFailed,
			"the TLS certificate %s is not that of a gateway of member %s", serial, member)
	}
	return nil
}
