package app

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/egovuz/egov/internal/bus"
	"github.com/egovuz/egov/internal/bus/demoagency"
	"github.com/egovuz/egov/internal/bus/gateway"
	"github.com/egovuz/egov/internal/bus/xroad"
	"github.com/egovuz/egov/internal/identity"
	"github.com/egovuz/egov/internal/identity/pinfl"
	"github.com/egovuz/egov/internal/pki"
	"github.com/egovuz/egov/internal/platform/apperr"
)

// The portal's place on the demo bus: the member that runs egov and the
// subsystem through which egov's own modules call other agencies.
var (
	demoPortal     = xroad.ClientID{Instance: "UZ", MemberClass: "GOV", MemberCode: "207283495", Subsystem: "portal"}
	demoPortalName = "Elektron hukumat loyihalarini boshqarish markazi"
)

// demoGatewayName is the name every demo member gives its one gateway.
const demoGatewayName = "gw1"

// demoActor is the actor of the registry changes the demo makes.
const demoActor = "demo"

// demoBus is the demo's exchange bus running in this process: the four
// demo agencies' services, each behind its own gateway, and the portal's
// gateway, whose consumer side egov's modules call.
type demoBus struct {
	services []*http.Server
	nodes    []*gateway.Node
	// consumer is the address of the portal gateway's consumer side.
	consumer string
}

// DemoBusGateway returns the address of the consumer side of the demo's
// portal gateway, where local information systems send r1 requests; ""
// before the demo is loaded.
func (a *App) DemoBusGateway() string {
	if a.demoBus == nil {
		return ""
	}
	return a.demoBus.consumer
}

// stop shuts the demo bus down.
func (d *demoBus) stop(ctx context.Context) {
	for _, n := range d.nodes {
		_ = n.Shutdown(ctx)
	}
	for _, s := range d.services {
		_ = s.Shutdown(ctx)
	}
}

// loadDemoBus puts the demo agencies and the portal in the bus registry,
// with the portal's right to call every agency service, and starts their
// services and gateways on loopback ports, which it registers. Gateway keys
// are kept under bus/gateways/ in the data dir, as each gateway keeps its
// own; the portal's API key under bus/. Loading twice changes nothing but
// the ports. The demo certificate authority must be set up first.
func (a *App) loadDemoBus(ctx context.Context) (err error) {
	if a.demoBus != nil {
		return nil
	}
	var people []demoagency.Person
	for _, p := range identity.DemoPeople() {
		people = append(people, demoagency.Person{FirstName: p.FirstName, LastName: p.LastName, PINFL: p.PINFL,
			BirthDate: p.BirthDate, Female: p.Sex == pinfl.Female})
	}
	agencies := demoagency.Agencies(people)
	portalMember := demoPortal
	portalMember.Subsystem = ""
	if err := a.demoMember(ctx, portalMember, demoPortalName, demoPortal.Subsystem); err != nil {
		return err
	}
	for _, ag := range agencies {
		member := xroad.ClientID{Instance: demoPortal.Instance, MemberClass: ag.MemberClass, MemberCode: ag.MemberCode}
		if err := a.demoMember(ctx, member, ag.Name, ag.Subsystem); err != nil {
			return err
		}
	}
	d := &demoBus{}
	defer func() {
		if err != nil {
			stop, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			d.stop(stop)
			cancel()
			return
		}
		a.demoBus = d
	}()
	security := func(member xroad.ClientID, org string) (*gateway.Security, error) {
		return a.demoGatewaySecurity(ctx, member, org)
	}
	// The agencies: a service listener and a provider gateway each.
	for _, ag := range agencies {
		member := xroad.ClientID{Instance: demoPortal.Instance, MemberClass: ag.MemberClass, MemberCode: ag.MemberCode}
		sec, err := security(member, ag.Name)
		if err != nil {
			return err
		}
		base, err := d.serve(ag.Handler)
		if err != nil {
			return err
		}
		for _, s := range ag.Services {
			if err := a.demoService(ctx, member, ag.Subsystem, s, base); err != nil {
				return err
			}
		}
		provider, err := gateway.NewProvider(gateway.ProviderConfig{Directory: a.Exchange, Member: member, Security: sec,
			Tracker: a.DataTracker, Log: a.MessageLog, GatewayName: gatewayLogName(member), Logger: a.log})
		if err != nil {
			return err
		}
		if err := a.demoNode(ctx, d, member, sec, gateway.NodeConfig{Provider: provider, ProviderListen: "127.0.0.1:0"}); err != nil {
			return err
		}
	}
	// The portal: a consumer gateway for egov's own modules.
	sec, err := security(portalMember, demoPortalName)
	if err != nil {
		return err
	}
	consumer, err := gateway.NewConsumer(gateway.ConsumerConfig{Directory: a.Exchange, Member: portalMember, LocalClients: a.APIKeys,
		Security: sec, Log: a.MessageLog, GatewayName: gatewayLogName(portalMember), Logger: a.log})
	if err != nil {
		return err
	}
	// Its provider side answers the metaservices about the portal.
	provider, err := gateway.NewProvider(gateway.ProviderConfig{Directory: a.Exchange, Member: portalMember, Security: sec,
		Log: a.MessageLog, GatewayName: gatewayLogName(portalMember), Logger: a.log})
	if err != nil {
		return err
	}
	node := gateway.NodeConfig{Consumer: consumer, ConsumerListen: "127.0.0.1:0", Provider: provider, ProviderListen: "127.0.0.1:0"}
	if err := a.demoNode(ctx, d, portalMember, sec, node); err != nil {
		return err
	}
	key, err := a.demoPortalKey(ctx)
	if err != nil {
		return err
	}
	d.consumer = d.nodes[len(d.nodes)-1].ConsumerAddr()
	client, err := bus.NewClient(bus.ClientConfig{Gateway: "http://" + d.consumer, Client: demoPortal, APIKey: key})
	if err != nil {
		return err
	}
	a.busClient.Store(client)
	a.log.Info("demo exchange bus running", "consumer_gateway", d.consumer, "agencies", len(agencies))
	return nil
}

// gatewayLogName is the name a gateway's message log chain goes by: its
// member and name, unique on the bus.
func gatewayLogName(member xroad.ClientID) string {
	return member.String() + "/" + demoGatewayName
}

// demoMember adds a member with one subsystem, unless it is there.
func (a *App) demoMember(ctx context.Context, member xroad.ClientID, name, subsystem string) error {
	if _, err := a.Exchange.CreateMember(ctx, demoActor, bus.Member{Client: member, Name: name}); err != nil && !exists(err, bus.MsgMemberExists) {
		return fmt.Errorf("demo bus member %s: %w", member, err)
	}
	sub := member
	sub.Subsystem = subsystem
	if _, err := a.Exchange.CreateSubsystem(ctx, demoActor, sub); err != nil && !exists(err, bus.MsgSubsystemExists) {
		return fmt.Errorf("demo bus subsystem %s: %w", sub, err)
	}
	return nil
}

// demoService registers a demo agency's service at base, or moves it
// there, and grants the portal every endpoint of it.
func (a *App) demoService(ctx context.Context, member xroad.ClientID, subsystem string, s demoagency.Service, base string) error {
	id := xroad.ServiceID{Client: member, ServiceCode: s.Code}
	id.Client.Subsystem = subsystem
	url := base + s.Path
	_, err := a.Exchange.CreateService(ctx, demoActor, bus.ServiceInput{Service: id, Title: s.Title, BaseURL: url, OpenAPI: s.OpenAPI})
	if exists(err, bus.MsgServiceExists) {
		_, err = a.Exchange.UpdateService(ctx, demoActor, id, bus.ServiceUpdate{BaseURL: &url})
	}
	if err != nil {
		return fmt.Errorf("demo bus service %s: %w", id, err)
	}
	if _, err := a.Exchange.GrantRight(ctx, demoActor, id, bus.Grantee{Subsystem: demoPortal}, bus.Whole); err != nil && !exists(err, bus.MsgRightExists) {
		return fmt.Errorf("demo bus right on %s: %w", id, err)
	}
	return nil
}

// exists tells the conflict of something being there already.
func exists(err error, msg string) bool {
	e := apperr.As(err)
	return e != nil && e.Code == apperr.ECONFLICT && e.Message == msg
}

// serve starts a demo agency's service on a loopback port and returns its
// origin.
func (d *demoBus) serve(h http.Handler) (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	d.services = append(d.services, srv)
	go func() { _ = srv.Serve(ln) }()
	return "http://" + ln.Addr().String(), nil
}

// demoNode starts a gateway and registers it at its provider address with
// its certificates, or updates its registration.
func (a *App) demoNode(ctx context.Context, d *demoBus, member xroad.ClientID, sec *gateway.Security, cfg gateway.NodeConfig) error {
	cfg.Logger, cfg.Metrics, cfg.Name = a.log, a.busMetrics, gatewayLogName(member)
	n, err := gateway.StartNode(cfg)
	if err != nil {
		return err
	}
	d.nodes = append(d.nodes, n)
	addr := n.ProviderAddr()
	auth, sign := sec.Auth.Leaf.SerialNumber.Text(16), sec.Sign.Cert.SerialNumber.Text(16)
	_, err = a.Exchange.UpdateGateway(ctx, demoActor, member, demoGatewayName, bus.GatewayUpdate{Address: &addr, AuthSerial: &auth, SignSerial: &sign})
	if apperr.Is(err, apperr.ENOTFOUND) {
		_, err = a.Exchange.CreateGateway(ctx, demoActor, bus.GatewayInput{Member: member, Name: demoGatewayName, Address: addr,
			AuthSerial: auth, SignSerial: sign})
	}
	if err != nil {
		return fmt.Errorf("demo gateway of %s: %w", member, err)
	}
	return nil
}

// demoGatewaySecurity loads the keys of member's demo gateway from the
// data dir, having the demo CA issue them the first time.
func (a *App) demoGatewaySecurity(ctx context.Context, member xroad.ClientID, org string) (*gateway.Security, error) {
	chain, err := a.PKI.Chain(ctx)
	if err != nil {
		return nil, err
	}
	dir := filepath.Join(a.cfg.DataDir, "bus", "gateways", strings.ReplaceAll(member.String(), "/", "-"))
	keys, err := gateway.LoadKeys(dir)
	if errors.Is(err, fs.ErrNotExist) {
		keys, err = a.issueDemoGatewayKeys(ctx, dir, member, org, chain)
	}
	if err != nil {
		return nil, fmt.Errorf("demo gateway keys of %s: %w", member, err)
	}
	roots := x509.NewCertPool()
	roots.AddCert(chain[len(chain)-1])
	return &gateway.Security{Auth: keys.Auth, Sign: keys.Sign, Trust: &gateway.Trust{Roots: roots, Intermediates: chain[:len(chain)-1],
		Status: a.PKI, Gateways: a.Exchange}}, nil
}

// issueDemoGatewayKeys makes the two keys of a demo gateway, has the CA
// certify them and writes them to dir.
func (a *App) issueDemoGatewayKeys(ctx context.Context, dir string, member xroad.ClientID, org string, chain []*x509.Certificate) (*gateway.Keys, error) {
	system := member.MemberCode + "-" + demoGatewayName
	var keys [2]struct {
		key   crypto.Signer
		chain []*x509.Certificate
	}
	for i, profile := range []pki.Profile{pki.ProfileGatewayAuth, pki.ProfileGatewaySign} {
		key, err := pki.GenerateKey()
		if err != nil {
			return nil, err
		}
		csr, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{Subject: pkix.Name{CommonName: system}}, key)
		if err != nil {
			return nil, err
		}
		c, err := a.PKI.Issue(ctx, pki.IssueRequest{Profile: profile, Subject: pki.Subject{System: system, Organization: org},
			CSR: csr, Actor: demoActor})
		if err != nil {
			return nil, err
		}
		leaf, err := c.X509()
		if err != nil {
			return nil, err
		}
		keys[i].key, keys[i].chain = key, append([]*x509.Certificate{leaf}, chain...)
	}
	if err := gateway.WriteKeys(dir, keys[0].key, keys[0].chain, keys[1].key, keys[1].chain); err != nil {
		return nil, err
	}
	return gateway.LoadKeys(dir)
}

// demoPortalKey returns the portal subsystem's API key at its consumer
// gateway, kept in the data dir, making one when there is none that
// works.
func (a *App) demoPortalKey(ctx context.Context) (string, error) {
	path := filepath.Join(a.cfg.DataDir, "bus", "portal.api-key")
	if b, err := os.ReadFile(path); err == nil {
		key := strings.TrimSpace(string(b))
		if holder, ok, err := a.APIKeys.ByAPIKey(ctx, key); err != nil {
			return "", err
		} else if ok && holder == demoPortal {
			return key, nil
		}
	}
	_, key, err := a.APIKeys.Create(ctx, demoActor, demoPortal, "egov portal")
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return "", err
	}
	return key, os.WriteFile(path, []byte(key+"\n"), 0o600)
}
