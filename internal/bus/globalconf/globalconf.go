// Package globalconf is the exchange bus's global configuration: what a
// gateway away from the central server needs of the registry (members,
// subsystems, gateways, services, groups and access rights) and of the
// PKI (trust anchors), as one signed, versioned document that the central
// server publishes and gateways download, verify and work from, as X-Road
// security servers do with theirs.
//
// On the central server a [Publisher] builds the document from the
// registry ([Build]), signs it with the platform's ProfileBusConfig key
// ([Sign]) and serves it at [Path]. A gateway keeps it with a [Fetcher],
// which downloads and verifies ([Verifier]) it periodically, and answers
// the gateway's questions about the registry from it through a
// [Directory]. Every document expires (ExpiresAt, [DefaultValidity] after
// it was made): a gateway that has not received a newer one by then
// refuses to work on it, with [ExpiredError], rather than act on a
// registry that may have revoked rights or gateways since.
//
// The document is JSON (see [Config.Marshal]) inside CMS SignedData with
// the content attached, a CAdES signature: B-LT when the publisher has a
// TSA and an OCSP source, so that a gateway can check it without reaching
// the central server's OCSP responder.
package globalconf

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/egovuz/egov/internal/bus"
	"github.com/egovuz/egov/internal/bus/xroad"
	"github.com/egovuz/egov/internal/pki"
)

// Format is the layout version of the JSON document this package writes
// and reads. Fields may be added without changing it (readers ignore
// fields they do not know); a change that older gateways would misread
// raises it, and they refuse the document instead.
const Format = 1

// DefaultValidity is how long a document is valid after it was made when
// the publisher is not told otherwise. X-Road's default is of the same
// order: short enough that a revoked right or gateway stops working
// everywhere within minutes even if a gateway stops downloading.
const DefaultValidity = 10 * time.Minute

// Config is a global configuration: the registry's content at one
// version, when it was made and until when gateways may work on it, and
// the trust anchors. The registry's row IDs, creation times and who
// granted each right are left out: gateways need none of them, and the
// document goes to every member.
//
// A Config is not to be changed once built or parsed: a Directory reads
// it from many goroutines.
type Config struct {
	// Instance is the X-Road instance of the central server that
	// published it.
	Instance string
	// GeneratedAt is when it was built; ExpiresAt when gateways stop
	// working on it.
	GeneratedAt time.Time
	ExpiresAt   time.Time
	// MemberClasses are the member classes the instance defines.
	MemberClasses []string
	// Snapshot is the registry's content with its version. Members,
	// subsystems, gateways, services and groups carry no ID or creation
	// time, and rights no ID, GrantedBy or GrantedAt.
	bus.Snapshot
	// Trust is what gateways trust of certificates.
	Trust Trust

	idx index
}

// Trust names the platform's certificate authorities and public PKI
// services, for gateways to check each other's certificates and
// signatures. A gateway keeps its own copy of the roots it trusts to
// verify the configuration with; the roots here tell it of new ones.
type Trust struct {
	// Roots are the root CAs, Intermediates the issuing CAs under them.
	Roots         []*x509.Certificate
	Intermediates []*x509.Certificate
	// OCSPURL is the OCSP responder and TSAURL the timestamp authority;
	// empty when unknown.
	OCSPURL string
	TSAURL  string
}

// Errors of Parse, Verify and the Fetcher.
var (
	// ErrMalformed: the input is not a global configuration this package
	// can read.
	ErrMalformed = errors.New("globalconf: malformed global configuration")
	// ErrSignature: the document is not signed, or not validly, or not by
	// a ProfileBusConfig certificate under the trusted roots.
	ErrSignature = errors.New("globalconf: the global configuration is not signed by the central server")
	// ErrVersion: the document is older than the one held.
	ErrVersion = errors.New("globalconf: the global configuration is older than the one held")
	// ErrUnavailable: there is no valid configuration to work on. Every
	// *ExpiredError and ErrNotLoaded is one (errors.Is).
	ErrUnavailable = errors.New("globalconf: no valid global configuration")
	// ErrNotLoaded: nothing has been downloaded yet.
	ErrNotLoaded = fmt.Errorf("%w: none has been downloaded yet", ErrUnavailable)
)

// ExpiredError says that the configuration held expired without a newer
// one arriving. It is ErrUnavailable.
type ExpiredError struct {
	// Version is that of the expired configuration.
	Version int64
	// ExpiresAt is when it expired.
	ExpiresAt time.Time
}

func (e *ExpiredError) Error() string {
	return "the global configuration has expired since " + e.ExpiresAt.UTC().Format(time.RFC3339)
}

// Is makes an ExpiredError ErrUnavailable.
func (e *ExpiredError) Is(target error) bool { return target == ErrUnavailable }

// ProtocolError is the fault a gateway answers with when err says it has
// no valid configuration (ErrUnavailable): X-Road's OutdatedGlobalConf,
// blaming origin, with the time of expiry when known. It is nil for any
// other error.
func ProtocolError(err error, origin xroad.Origin) *xroad.Error {
	var exp *ExpiredError
	switch {
	case errors.As(err, &exp):
		return xroad.Errorf(origin, xroad.CodeOutdatedGlobalConf, "%s", exp.Error())
	case errors.Is(err, ErrUnavailable):
		return xroad.Errorf(origin, xroad.CodeOutdatedGlobalConf, "the gateway has no global configuration yet")
	}
	return nil
}

// Snapshotter gives the registry's content; *bus.Registry is one.
type Snapshotter interface {
	Snapshot(ctx context.Context) (*bus.Snapshot, error)
}

// BuildOptions say what to add to the registry's content.
type BuildOptions struct {
	// Instance is the central server's X-Road instance; required.
	Instance string
	// Now is when the configuration is made; ExpiresAt is Validity
	// (DefaultValidity if zero) later. Both are cut to the second.
	Now      time.Time
	Validity time.Duration
	// MemberClasses are the instance's; xroad.DefaultMemberClasses if
	// nil.
	MemberClasses []string
	Trust         Trust
}

// Build reads the registry's content in one snapshot and makes it a
// configuration valid from opts.Now for opts.Validity. It checks the
// result as Parse checks a downloaded one, so that the central server
// never publishes what gateways would refuse.
func Build(ctx context.Context, src Snapshotter, opts BuildOptions) (*Config, error) {
	snap, err := src.Snapshot(ctx)
	if err != nil {
		return nil, fmt.Errorf("build global configuration: %w", err)
	}
	validity := opts.Validity
	if validity <= 0 {
		validity = DefaultValidity
	}
	now := opts.Now.UTC().Truncate(time.Second)
	c := &Config{Instance: opts.Instance, GeneratedAt: now, ExpiresAt: now.Add(validity), MemberClasses: opts.MemberClasses,
		Trust: opts.Trust}
	if c.MemberClasses == nil {
		c.MemberClasses = xroad.DefaultMemberClasses()
	}
	c.Version = snap.Version
	for _, m := range snap.Members {
		c.Members = append(c.Members, bus.Member{Client: m.Client, Name: m.Name})
	}
	for _, s := range snap.Subsystems {
		c.Subsystems = append(c.Subsystems, bus.Subsystem{Client: s.Client})
	}
	for _, g := range snap.Gateways {
		c.Gateways = append(c.Gateways, bus.Gateway{GatewayInput: g.GatewayInput})
	}
	for _, s := range snap.Services {
		c.Services = append(c.Services, &bus.Service{Service: s.Service, Title: s.Title, BaseURL: s.BaseURL, OpenAPI: s.OpenAPI})
	}
	for _, g := range snap.Groups {
		c.Groups = append(c.Groups, bus.Group{Group: g.Group, Description: g.Description})
	}
	c.GroupMembers = slices.Clone(snap.GroupMembers)
	for _, r := range snap.Rights {
		c.Rights = append(c.Rights, &bus.Right{Service: r.Service, Grantee: r.Grantee, Endpoint: r.Endpoint})
	}
	if err := c.finish(); err != nil {
		return nil, fmt.Errorf("build global configuration: %w", err)
	}
	return c, nil
}

// Expired tells whether the configuration is no longer to be worked on
// at now.
func (c *Config) Expired(now time.Time) bool { return !now.Before(c.ExpiresAt) }

// The document's JSON: identifiers in their X-Road wire form
// (INSTANCE/CLASS/CODE[/SUBSYSTEM[/SERVICE]]), groups as INSTANCE/CODE,
// certificates as PEM, OpenAPI descriptions as a string holding them
// byte for byte.
type (
	document struct {
		Format        int        `json:"format"`
		Instance      string     `json:"instance"`
		Version       int64      `json:"version"`
		GeneratedAt   time.Time  `json:"generated_at"`
		ExpiresAt     time.Time  `json:"expires_at"`
		MemberClasses []string   `json:"member_classes"`
		Members       []member   `json:"members"`
		Gateways      []gateway  `json:"gateways"`
		Services      []service  `json:"services"`
		Groups        []group    `json:"groups"`
		Rights        []right    `json:"rights"`
		Trust         trustNames `json:"trust"`
	}
	member struct {
		ID         string   `json:"id"`
		Name       string   `json:"name"`
		Subsystems []string `json:"subsystems,omitempty"`
	}
	gateway struct {
		Member     string `json:"member"`
		Name       string `json:"name"`
		Address    string `json:"address"`
		AuthSerial string `json:"auth_serial"`
		SignSerial string `json:"sign_serial"`
	}
	service struct {
		ID      string `json:"id"`
		Title   string `json:"title"`
		BaseURL string `json:"base_url"`
		OpenAPI string `json:"openapi,omitempty"`
	}
	group struct {
		ID          string   `json:"id"`
		Description string   `json:"description,omitempty"`
		Members     []string `json:"members,omitempty"`
	}
	right struct {
		Service   string `json:"service"`
		Subsystem string `json:"subsystem,omitempty"`
		Group     string `json:"group,omitempty"`
		Method    string `json:"method"`
		Path      string `json:"path"`
	}
	trustNames struct {
		Roots         []string `json:"roots,omitempty"`
		Intermediates []string `json:"intermediates,omitempty"`
		OCSPURL       string   `json:"ocsp_url,omitempty"`
		TSAURL        string   `json:"tsa_url,omitempty"`
	}
)

// Marshal writes the configuration as the JSON document that is signed.
func (c *Config) Marshal() ([]byte, error) {
	d := document{Format: Format, Instance: c.Instance, Version: c.Version, GeneratedAt: c.GeneratedAt.UTC(),
		ExpiresAt: c.ExpiresAt.UTC(), MemberClasses: c.MemberClasses}
	subs := map[xroad.ClientID][]string{}
	for _, s := range c.Subsystems {
		m := s.Client
		m.Subsystem = ""
		subs[m] = append(subs[m], s.Client.Subsystem)
	}
	for _, m := range c.Members {
		d.Members = append(d.Members, member{ID: m.Client.String(), Name: m.Name, Subsystems: subs[m.Client]})
	}
	for _, g := range c.Gateways {
		d.Gateways = append(d.Gateways, gateway{Member: g.Member.String(), Name: g.Name, Address: g.Address,
			AuthSerial: g.AuthSerial, SignSerial: g.SignSerial})
	}
	for _, s := range c.Services {
		d.Services = append(d.Services, service{ID: s.Service.String(), Title: s.Title, BaseURL: s.BaseURL, OpenAPI: string(s.OpenAPI)})
	}
	members := map[bus.GroupID][]string{}
	for _, gm := range c.GroupMembers {
		members[gm.Group] = append(members[gm.Group], gm.Subsystem.String())
	}
	for _, g := range c.Groups {
		d.Groups = append(d.Groups, group{ID: groupString(g.Group), Description: g.Description, Members: members[g.Group]})
	}
	for _, r := range c.Rights {
		w := right{Service: r.Service.String(), Method: r.Endpoint.Method, Path: r.Endpoint.Path}
		if r.Grantee.Group != (bus.GroupID{}) {
			w.Group = groupString(r.Grantee.Group)
		} else {
			w.Subsystem = r.Grantee.Subsystem.String()
		}
		d.Rights = append(d.Rights, w)
	}
	d.Trust = trustNames{Roots: pemList(c.Trust.Roots), Intermediates: pemList(c.Trust.Intermediates),
		OCSPURL: c.Trust.OCSPURL, TSAURL: c.Trust.TSAURL}
	out, err := json.Marshal(d)
	if err != nil {
		return nil, fmt.Errorf("marshal global configuration: %w", err)
	}
	return out, nil
}

func groupString(g bus.GroupID) string { return g.Instance + "/" + g.Code }

func pemList(certs []*x509.Certificate) []string {
	var out []string
	for _, c := range certs {
		out = append(out, string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})))
	}
	return out
}

// Parse reads a JSON document as Marshal writes it, without any
// signature, and checks it: its format, that every identifier is valid
// and named once, that everything refers to what the document defines,
// and that rights grant valid endpoints. Anything else is ErrMalformed.
// Fields it does not know are ignored.
func Parse(data []byte) (*Config, error) {
	c, err := parse(data)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	return c, nil
}

func parse(data []byte) (*Config, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	var d document
	if err := dec.Decode(&d); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("data after the document")
	}
	if d.Format != Format {
		return nil, fmt.Errorf("format %d, not %d", d.Format, Format)
	}
	c := &Config{Instance: d.Instance, GeneratedAt: d.GeneratedAt.UTC(), ExpiresAt: d.ExpiresAt.UTC(), MemberClasses: d.MemberClasses}
	c.Version = d.Version
	p := xroad.Parser{MemberClasses: d.MemberClasses}
	for _, m := range d.Members {
		id, err := p.ParseClientID(m.ID)
		if err != nil {
			return nil, fmt.Errorf("member %q: %v", m.ID, err)
		}
		c.Members = append(c.Members, bus.Member{Client: id, Name: m.Name})
		for _, code := range m.Subsystems {
			s := id
			s.Subsystem = code
			c.Subsystems = append(c.Subsystems, bus.Subsystem{Client: s})
		}
	}
	for _, g := range d.Gateways {
		id, err := p.ParseClientID(g.Member)
		if err != nil {
			return nil, fmt.Errorf("gateway member %q: %v", g.Member, err)
		}
		c.Gateways = append(c.Gateways, bus.Gateway{GatewayInput: bus.GatewayInput{Member: id, Name: g.Name, Address: g.Address,
			AuthSerial: g.AuthSerial, SignSerial: g.SignSerial}})
	}
	for _, s := range d.Services {
		id, err := p.ParseServiceID(s.ID)
		if err != nil {
			return nil, fmt.Errorf("service %q: %v", s.ID, err)
		}
		var openAPI json.RawMessage
		if s.OpenAPI != "" {
			openAPI = json.RawMessage(s.OpenAPI)
		}
		c.Services = append(c.Services, &bus.Service{Service: id, Title: s.Title, BaseURL: s.BaseURL, OpenAPI: openAPI})
	}
	for _, g := range d.Groups {
		id, err := parseGroup(g.ID)
		if err != nil {
			return nil, err
		}
		c.Groups = append(c.Groups, bus.Group{Group: id, Description: g.Description})
		for _, m := range g.Members {
			s, err := p.ParseClientID(m)
			if err != nil {
				return nil, fmt.Errorf("group member %q: %v", m, err)
			}
			c.GroupMembers = append(c.GroupMembers, bus.GroupMembership{Group: id, Subsystem: s})
		}
	}
	for _, r := range d.Rights {
		rt, err := parseRight(p, r)
		if err != nil {
			return nil, err
		}
		c.Rights = append(c.Rights, rt)
	}
	var err error
	if c.Trust.Roots, err = parsePEMs(d.Trust.Roots); err != nil {
		return nil, fmt.Errorf("roots: %v", err)
	}
	if c.Trust.Intermediates, err = parsePEMs(d.Trust.Intermediates); err != nil {
		return nil, fmt.Errorf("intermediates: %v", err)
	}
	c.Trust.OCSPURL, c.Trust.TSAURL = d.Trust.OCSPURL, d.Trust.TSAURL
	if err := c.finish(); err != nil {
		return nil, err
	}
	return c, nil
}

// parseGroup reads INSTANCE/CODE.
func parseGroup(s string) (bus.GroupID, error) {
	inst, code, ok := strings.Cut(s, "/")
	if !ok {
		return bus.GroupID{}, fmt.Errorf("group %q is not INSTANCE/CODE", s)
	}
	return bus.GroupID{Instance: inst, Code: code}, nil
}

func parseRight(p xroad.Parser, r right) (*bus.Right, error) {
	id, err := p.ParseServiceID(r.Service)
	if err != nil {
		return nil, fmt.Errorf("right on %q: %v", r.Service, err)
	}
	rt := &bus.Right{Service: id, Endpoint: bus.Endpoint{Method: r.Method, Path: r.Path}}
	switch {
	case (r.Subsystem == "") == (r.Group == ""):
		return nil, fmt.Errorf("right on %s: not granted to exactly one subsystem or group", id)
	case r.Group != "":
		if rt.Grantee.Group, err = parseGroup(r.Group); err != nil {
			return nil, err
		}
	default:
		if rt.Grantee.Subsystem, err = p.ParseClientID(r.Subsystem); err != nil {
			return nil, fmt.Errorf("right on %s to %q: %v", id, r.Subsystem, err)
		}
	}
	return rt, nil
}

// parsePEMs reads one certificate from each PEM text.
func parsePEMs(texts []string) ([]*x509.Certificate, error) {
	var out []*x509.Certificate
	for _, t := range texts {
		b, rest := pem.Decode([]byte(t))
		if b == nil || b.Type != "CERTIFICATE" || len(bytes.TrimSpace(rest)) > 0 {
			return nil, errors.New("not one PEM certificate")
		}
		c, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}

// index is what a Directory looks up, built once per configuration.
type index struct {
	services   map[xroad.ServiceID]*bus.Service
	byProvider map[xroad.ClientID][]*bus.Service
	rights     map[xroad.ServiceID][]*bus.Right
	groups     map[bus.GroupMembership]bool
	clients    []bus.ListedClient
}

// finish checks what Build made or Parse read and builds the index.
func (c *Config) finish() error {
	part := func(what, s string) error {
		if !validPart(s) {
			return fmt.Errorf("%s %q is not an identifier", what, s)
		}
		return nil
	}
	if err := part("instance", c.Instance); err != nil {
		return err
	}
	switch {
	case c.Version < 0:
		return fmt.Errorf("version %d", c.Version)
	case c.GeneratedAt.IsZero() || !c.ExpiresAt.After(c.GeneratedAt):
		return errors.New("it expires before it was made")
	case len(c.MemberClasses) == 0:
		return errors.New("no member classes")
	}
	for _, class := range c.MemberClasses {
		if err := part("member class", class); err != nil {
			return err
		}
	}
	p := xroad.Parser{MemberClasses: c.MemberClasses}
	c.idx = index{services: map[xroad.ServiceID]*bus.Service{}, byProvider: map[xroad.ClientID][]*bus.Service{},
		rights: map[xroad.ServiceID][]*bus.Right{}, groups: map[bus.GroupMembership]bool{}}
	names := map[xroad.ClientID]string{}
	for _, m := range c.Members {
		if m.Client.Subsystem != "" || p.ValidateClientID(m.Client) != nil {
			return fmt.Errorf("member %s is not a member identifier", m.Client)
		}
		if _, dup := names[m.Client]; dup {
			return fmt.Errorf("member %s twice", m.Client)
		}
		if strings.TrimSpace(m.Name) == "" {
			return fmt.Errorf("member %s has no name", m.Client)
		}
		names[m.Client] = m.Name
	}
	subsystems := map[xroad.ClientID]bool{}
	ofMember := map[xroad.ClientID][]xroad.ClientID{}
	for _, s := range c.Subsystems {
		m := s.Client
		m.Subsystem = ""
		switch {
		case s.Client.Subsystem == "" || p.ValidateClientID(s.Client) != nil:
			return fmt.Errorf("subsystem %s is not a subsystem identifier", s.Client)
		case subsystems[s.Client]:
			return fmt.Errorf("subsystem %s twice", s.Client)
		case names[m] == "":
			return fmt.Errorf("subsystem %s of no member", s.Client)
		}
		subsystems[s.Client] = true
		ofMember[m] = append(ofMember[m], s.Client)
	}
	for _, m := range c.Members {
		c.idx.clients = append(c.idx.clients, bus.ListedClient{ID: m.Client, Name: m.Name})
		for _, s := range ofMember[m.Client] {
			c.idx.clients = append(c.idx.clients, bus.ListedClient{ID: s, Name: m.Name})
		}
	}
	gateways := map[[2]string]bool{}
	for _, g := range c.Gateways {
		key := [2]string{g.Member.String(), g.Name}
		switch {
		case names[g.Member] == "":
			return fmt.Errorf("gateway %s of no member", g.Member)
		case gateways[key]:
			return fmt.Errorf("gateway %s/%s twice", g.Member, g.Name)
		case !validPart(g.Name) || g.Address == "" || !validSerial(g.AuthSerial) || !validSerial(g.SignSerial):
			return fmt.Errorf("gateway %s/%s is incomplete", g.Member, g.Name)
		}
		gateways[key] = true
	}
	for _, s := range c.Services {
		switch {
		case p.ValidateServiceID(s.Service) != nil:
			return fmt.Errorf("service %s is not a service identifier", s.Service)
		case !subsystems[s.Service.Client]:
			return fmt.Errorf("service %s of no subsystem", s.Service)
		case c.idx.services[s.Service] != nil:
			return fmt.Errorf("service %s twice", s.Service)
		case !validBaseURL(s.BaseURL):
			return fmt.Errorf("service %s has no usable base URL", s.Service)
		case len(s.OpenAPI) > 0 && !json.Valid(s.OpenAPI):
			return fmt.Errorf("service %s has a description that is not JSON", s.Service)
		}
		c.idx.services[s.Service] = s
		c.idx.byProvider[s.Service.Client] = append(c.idx.byProvider[s.Service.Client], s)
	}
	groups := map[bus.GroupID]bool{}
	for _, g := range c.Groups {
		if err := part("group instance", g.Group.Instance); err != nil {
			return err
		}
		if err := part("group code", g.Group.Code); err != nil {
			return err
		}
		if groups[g.Group] {
			return fmt.Errorf("group %s twice", groupString(g.Group))
		}
		groups[g.Group] = true
	}
	for _, gm := range c.GroupMembers {
		switch {
		case !groups[gm.Group]:
			return fmt.Errorf("member of no group %s", groupString(gm.Group))
		case !subsystems[gm.Subsystem]:
			return fmt.Errorf("group %s has %s, which is no subsystem", groupString(gm.Group), gm.Subsystem)
		case c.idx.groups[gm]:
			return fmt.Errorf("group %s has %s twice", groupString(gm.Group), gm.Subsystem)
		}
		c.idx.groups[gm] = true
	}
	for _, r := range c.Rights {
		switch {
		case c.idx.services[r.Service] == nil:
			return fmt.Errorf("right on no service %s", r.Service)
		case (r.Grantee.Group == bus.GroupID{}) == (r.Grantee.Subsystem == xroad.ClientID{}):
			return fmt.Errorf("right on %s not granted to exactly one subsystem or group", r.Service)
		case r.Grantee.Group != (bus.GroupID{}) && !groups[r.Grantee.Group]:
			return fmt.Errorf("right on %s to no group %s", r.Service, groupString(r.Grantee.Group))
		case r.Grantee.Group == (bus.GroupID{}) && !subsystems[r.Grantee.Subsystem]:
			return fmt.Errorf("right on %s to no subsystem %s", r.Service, r.Grantee.Subsystem)
		case !r.Endpoint.Valid():
			return fmt.Errorf("right on %s to an invalid endpoint %s %q", r.Service, r.Endpoint.Method, r.Endpoint.Path)
		}
		c.idx.rights[r.Service] = append(c.idx.rights[r.Service], r)
	}
	return nil
}

// validPart tells whether s is an identifier part: what xroad accepts in
// each part of an identifier, checked through a member identifier.
func validPart(s string) bool {
	return s != "" && (xroad.Parser{MemberClasses: []string{"X"}}).ValidateClientID(xroad.ClientID{Instance: s, MemberClass: "X", MemberCode: "X"}) == nil
}

// validSerial tells whether s is a certificate serial as the registry
// stores it: lowercase hex.
func validSerial(s string) bool {
	return s != "" && len(s) <= 40 && strings.Trim(s, "0123456789abcdef") == ""
}

// validBaseURL tells whether s is an absolute http(s) URL with a host.
func validBaseURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// signerPurpose tells whether cert may sign a global configuration: it has
// ProfileBusConfig's extended key usage, and not "any purpose".
func signerPurpose(cert *x509.Certificate) bool {
	return slices.ContainsFunc(cert.UnknownExtKeyUsage, pki.OIDBusConfigSigning.Equal) &&
		!slices.Contains(cert.ExtKeyUsage, x509.ExtKeyUsageAny)
}
