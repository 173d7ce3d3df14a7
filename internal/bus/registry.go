package bus

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math/big"
	"net"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/egovuz/egov/internal/bus/xroad"
	"github.com/egovuz/egov/internal/platform/apperr"
	"github.com/egovuz/egov/internal/platform/audit"
	"github.com/egovuz/egov/internal/platform/db"
)

// Limits on what the registry stores.
const (
	maxIdent       = 64      // instance, subsystem, service, group codes and gateway names, in bytes
	maxName        = 255     // member names and service titles, in characters
	maxDescription = 500     // group descriptions and rejection reasons, in characters
	maxURL         = 2000    // base URLs, in bytes
	maxOpenAPI     = 2 << 20 // OpenAPI descriptions, in bytes
)

// identPattern is what codes and names in identifiers may be: letters,
// digits, '.', '_' and '-', starting with a letter or digit. It is a subset
// of what X-Road allows that needs no percent-encoding in a URL path.
var identPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)

// stirPattern is an organisation's taxpayer number (STIR): 9 digits.
var stirPattern = regexp.MustCompile(`^[0-9]{9}$`)

// hostPattern is a DNS host name.
var hostPattern = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$`)

func validIdent(s string) bool { return len(s) <= maxIdent && identPattern.MatchString(s) }

// Member is an organisation taking part in the exchange.
type Member struct {
	ID string
	// Client identifies the member; its Subsystem is empty and its
	// MemberCode is the organisation's STIR.
	Client    xroad.ClientID
	Name      string
	CreatedAt time.Time
}

// Subsystem is an information system of a member, which calls services,
// provides them, or both.
type Subsystem struct {
	ID        string
	Client    xroad.ClientID
	CreatedAt time.Time
}

// Gateway is a member's gateway (an X-Road security server).
type Gateway struct {
	ID string
	GatewayInput
	CreatedAt time.Time
}

// GatewayInput describes a gateway to add.
type GatewayInput struct {
	// Member is the member whose gateway it is.
	Member xroad.ClientID
	// Name tells the member's gateways apart, like an X-Road server code.
	Name string
	// Address is the host name or IP address, with an optional port, at
	// which other gateways reach it.
	Address string
	// AuthSerial and SignSerial are the serials, in hex, of the gateway's
	// TLS authentication certificate and of the member's signing
	// certificate, both issued by the platform's PKI. They are stored as
	// lowercase hex without colons or leading zeros, as pki writes them.
	AuthSerial string
	SignSerial string
}

// Service is a REST service of a subsystem.
type Service struct {
	ID      string
	Service xroad.ServiceID
	Title   string
	// BaseURL is where the provider's gateway forwards requests to; the
	// request's remaining path and query are appended to it.
	BaseURL string
	// OpenAPI is the service's OpenAPI 3 description exactly as the
	// provider gave it, or nil if it gave none.
	OpenAPI   json.RawMessage
	CreatedAt time.Time
	UpdatedAt time.Time
}

// ServiceInput describes a service to add.
type ServiceInput struct {
	Service xroad.ServiceID
	Title   string
	BaseURL string
	// OpenAPI is optional: an OpenAPI 3 document in JSON.
	OpenAPI []byte
}

// ServiceUpdate changes a service; nil fields stay as they are.
type ServiceUpdate struct {
	Title   *string
	BaseURL *string
	// OpenAPI replaces the description; a pointer to an empty slice
	// removes it.
	OpenAPI *[]byte
}

// GroupID identifies a global group: INSTANCE/CODE.
type GroupID struct {
	Instance string
	Code     string
}

// Group is a global group of subsystems, to which access rights can be
// granted as to one subsystem.
type Group struct {
	ID          string
	Group       GroupID
	Description string
	CreatedAt   time.Time
}

// ListedClient is a member or a subsystem, as the listClients metaservice lists
// them; a subsystem carries its member's name.
type ListedClient struct {
	ID   xroad.ClientID
	Name string
}

// validateClient adds to f the problems of c as a member's identifier
// (subsystem false: no subsystem code) or a subsystem's.
func validateClient(f map[string]string, c xroad.ClientID, subsystem bool) {
	if !validIdent(c.Instance) {
		f["instance"] = MsgInstance
	}
	switch c.MemberClass {
	case ClassGOV, ClassCOM, ClassNGO, ClassORG:
	default:
		f["member_class"] = MsgMemberClass
	}
	if !stirPattern.MatchString(c.MemberCode) {
		f["member_code"] = MsgMemberCode
	}
	if subsystem != (c.Subsystem != "") || (subsystem && !validIdent(c.Subsystem)) {
		f["subsystem"] = MsgSubsystem
	}
}

// cleanText trims s and tells whether it is acceptable text of 1..max
// characters (required) or 0..max (optional), without control characters.
func cleanText(s string, max int, required bool) (string, bool) {
	s = strings.TrimSpace(s)
	ok := utf8.ValidString(s) && utf8.RuneCountInString(s) <= max && (s != "" || !required) &&
		!strings.ContainsFunc(s, unicode.IsControl)
	return s, ok
}

// invalid is nil when f is empty, otherwise EINVALID MsgInvalid with f.
func invalid(f map[string]string) error {
	if len(f) == 0 {
		return nil
	}
	return apperr.Invalid(MsgInvalid, f)
}

// CreateMember adds a member; in.Client names it and in.Name is the
// organisation's name (in.ID and in.CreatedAt are ignored).
//
// Errors: EINVALID MsgInvalid with fields "instance", "member_class",
// "member_code", "subsystem" (which must be empty) and "name"; ECONFLICT
// MsgMemberExists.
func (r *Registry) CreateMember(ctx context.Context, actor string, in Member) (*Member, error) {
	f := map[string]string{}
	validateClient(f, in.Client, false)
	name, ok := cleanText(in.Name, maxName, true)
	if !ok {
		f["name"] = MsgName
	}
	if err := invalid(f); err != nil {
		return nil, err
	}
	m := &Member{ID: db.NewID(), Client: in.Client, Name: name}
	err := r.change(ctx, audit.Record{Actor: actor, Action: "bus.member.created", ObjectType: "bus_member", ObjectID: m.ID,
		Details: map[string]any{"client": m.Client.String(), "name": m.Name}}, func(tx *sql.Tx, now time.Time) error {
		m.CreatedAt = now
		_, err := tx.ExecContext(ctx, `INSERT INTO bus_members (id, instance, member_class, member_code, name, created_at)
			VALUES ($1, $2, $3, $4, $5, $6)`, m.ID, m.Client.Instance, m.Client.MemberClass, m.Client.MemberCode, m.Name, now)
		return conflictAs(err, MsgMemberExists)
	})
	if err != nil {
		return nil, fmt.Errorf("create member: %w", err)
	}
	return m, nil
}

// FindMember returns the member c names (its Subsystem is ignored).
// Errors: ENOTFOUND MsgNoSuchMember.
func (r *Registry) FindMember(ctx context.Context, c xroad.ClientID) (*Member, error) {
	m := &Member{Client: c}
	m.Client.Subsystem = ""
	err := r.db.Reader().QueryRowContext(ctx, `SELECT id, name, created_at FROM bus_members
		WHERE instance = $1 AND member_class = $2 AND member_code = $3`, c.Instance, c.MemberClass, c.MemberCode).
		Scan(&m.ID, &m.Name, &m.CreatedAt)
	if err != nil {
		return nil, fmt.Errorf("find member: %w", notFound(err, MsgNoSuchMember))
	}
	m.CreatedAt = m.CreatedAt.UTC()
	return m, nil
}

// memberID returns the row ID of the member c names; ENOTFOUND
// MsgNoSuchMember if there is none.
func memberID(ctx context.Context, q querier, c xroad.ClientID) (string, error) {
	var id string
	err := q.QueryRowContext(ctx, `SELECT id FROM bus_members WHERE instance = $1 AND member_class = $2 AND member_code = $3`,
		c.Instance, c.MemberClass, c.MemberCode).Scan(&id)
	return id, notFound(err, MsgNoSuchMember)
}

// subsystemID returns the row ID of the subsystem c names; ENOTFOUND
// MsgNoSuchSubsystem if there is none.
func subsystemID(ctx context.Context, q querier, c xroad.ClientID) (string, error) {
	var id string
	err := q.QueryRowContext(ctx, `SELECT s.id FROM bus_subsystems s JOIN bus_members m ON m.id = s.member_id
		WHERE m.instance = $1 AND m.member_class = $2 AND m.member_code = $3 AND s.code = $4`,
		c.Instance, c.MemberClass, c.MemberCode, c.Subsystem).Scan(&id)
	return id, notFound(err, MsgNoSuchSubsystem)
}

// CreateSubsystem adds the subsystem c names to its member. Members ask
// for this with a registration request; the administrator may also add
// one directly.
//
// Errors: EINVALID MsgInvalid with fields of c; ENOTFOUND MsgNoSuchMember;
// ECONFLICT MsgSubsystemExists.
func (r *Registry) CreateSubsystem(ctx context.Context, actor string, c xroad.ClientID) (*Subsystem, error) {
	f := map[string]string{}
	validateClient(f, c, true)
	if err := invalid(f); err != nil {
		return nil, err
	}
	s := &Subsystem{ID: db.NewID(), Client: c}
	err := r.change(ctx, subsystemRecord(actor, s, ""), func(tx *sql.Tx, now time.Time) error {
		s.CreatedAt = now
		return insertSubsystem(ctx, tx, s)
	})
	if err != nil {
		return nil, fmt.Errorf("create subsystem: %w", err)
	}
	return s, nil
}

// subsystemRecord is the audit record of adding s, on the request with
// the ID if any.
func subsystemRecord(actor string, s *Subsystem, request string) audit.Record {
	d := map[string]any{"client": s.Client.String()}
	if request != "" {
		d["request"] = request
	}
	return audit.Record{Actor: actor, Action: "bus.subsystem.created", ObjectType: "bus_subsystem", ObjectID: s.ID, Details: d}
}

// insertSubsystem stores s, validated and with ID and CreatedAt set, under
// its member.
func insertSubsystem(ctx context.Context, tx *sql.Tx, s *Subsystem) error {
	member, err := memberID(ctx, tx, s.Client)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO bus_subsystems (id, member_id, code, created_at) VALUES ($1, $2, $3, $4)`,
		s.ID, member, s.Client.Subsystem, s.CreatedAt)
	return conflictAs(err, MsgSubsystemExists)
}

// normalize validates a gateway and returns it with its serials written
// the one way pki writes them; problems come back as field -> message key.
func (g GatewayInput) normalize() (GatewayInput, map[string]string) {
	f := map[string]string{}
	validateClient(f, g.Member, false)
	if !validIdent(g.Name) {
		f["name"] = MsgGatewayName
	}
	g.Address = strings.TrimSpace(g.Address)
	if !validAddress(g.Address) {
		f["address"] = MsgAddress
	}
	var ok bool
	if g.AuthSerial, ok = normalSerial(g.AuthSerial); !ok {
		f["auth_serial"] = MsgSerial
	}
	if g.SignSerial, ok = normalSerial(g.SignSerial); !ok {
		f["sign_serial"] = MsgSerial
	}
	if _, bad := f["sign_serial"]; !bad && g.SignSerial == g.AuthSerial {
		f["sign_serial"] = MsgSameSerial
	}
	return g, f
}

// normalSerial reads a certificate serial in hex, with or without colons,
// and writes it as pki does: lowercase, no leading zeros. Serials are
// positive and at most 20 bytes (RFC 5280).
func normalSerial(s string) (string, bool) {
	s = strings.ReplaceAll(strings.TrimSpace(s), ":", "")
	n, ok := new(big.Int).SetString(s, 16)
	if !ok || strings.HasPrefix(s, "+") || strings.HasPrefix(s, "-") || n.Sign() <= 0 || n.BitLen() > 160 {
		return "", false
	}
	return n.Text(16), true
}

// validAddress tells whether a is a host name or an IP address with an
// optional port, as other gateways dial it.
func validAddress(a string) bool {
	if a == "" || len(a) > 255 {
		return false
	}
	u, err := url.Parse("https://" + a)
	if err != nil || u.Host != a || u.User != nil || strings.HasSuffix(a, ":") {
		return false
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return false
		}
	}
	host := u.Hostname()
	return net.ParseIP(host) != nil || hostPattern.MatchString(host)
}

// CreateGateway adds a gateway of a member. Members ask for this with a
// registration request; the administrator may also add one directly.
//
// Errors: EINVALID MsgInvalid with fields of the member, "name",
// "address", "auth_serial" and "sign_serial"; ENOTFOUND MsgNoSuchMember;
// ECONFLICT MsgGatewayExists for a name the member uses already or an
// authentication certificate of another gateway.
func (r *Registry) CreateGateway(ctx context.Context, actor string, in GatewayInput) (*Gateway, error) {
	in, f := in.normalize()
	if err := invalid(f); err != nil {
		return nil, err
	}
	g := &Gateway{ID: db.NewID(), GatewayInput: in}
	err := r.change(ctx, gatewayRecord(actor, g, ""), func(tx *sql.Tx, now time.Time) error {
		g.CreatedAt = now
		return insertGateway(ctx, tx, g)
	})
	if err != nil {
		return nil, fmt.Errorf("create gateway: %w", err)
	}
	return g, nil
}

// gatewayRecord is the audit record of adding g, on the request with the
// ID if any.
func gatewayRecord(actor string, g *Gateway, request string) audit.Record {
	d := map[string]any{"member": g.Member.String(), "name": g.Name, "address": g.Address,
		"auth_serial": g.AuthSerial, "sign_serial": g.SignSerial}
	if request != "" {
		d["request"] = request
	}
	return audit.Record{Actor: actor, Action: "bus.gateway.created", ObjectType: "bus_gateway", ObjectID: g.ID, Details: d}
}

// insertGateway stores g, normalized and with ID and CreatedAt set, under
// its member.
func insertGateway(ctx context.Context, tx *sql.Tx, g *Gateway) error {
	member, err := memberID(ctx, tx, g.Member)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO bus_gateways (id, member_id, name, address, auth_serial, sign_serial, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, g.ID, member, g.Name, g.Address, g.AuthSerial, g.SignSerial, g.CreatedAt)
	return conflictAs(err, MsgGatewayExists)
}

// Gateways lists every gateway, by member and name, for the global
// configuration and for gateways to find and authenticate each other.
func (r *Registry) Gateways(ctx context.Context) ([]Gateway, error) {
	out, err := queryGateways(ctx, r.db.Reader())
	if err != nil {
		return nil, fmt.Errorf("list gateways: %w", err)
	}
	return out, nil
}

// queryGateways reads every gateway with q (the pool, or a snapshot's
// transaction), by member and name.
func queryGateways(ctx context.Context, q db.Runner) ([]Gateway, error) {
	rows, err := q.QueryContext(ctx, `SELECT g.id, m.instance, m.member_class, m.member_code, g.name, g.address,
		g.auth_serial, g.sign_serial, g.created_at FROM bus_gateways g JOIN bus_members m ON m.id = g.member_id
		ORDER BY m.instance, m.member_class, m.member_code, g.name`)
	if err != nil {
		return nil, err
	}
	return db.Collect(rows, func(row interface{ Scan(...any) error }) (Gateway, error) {
		var g Gateway
		err := row.Scan(&g.ID, &g.Member.Instance, &g.Member.MemberClass, &g.Member.MemberCode, &g.Name, &g.Address,
			&g.AuthSerial, &g.SignSerial, &g.CreatedAt)
		g.CreatedAt = g.CreatedAt.UTC()
		return g, err
	})
}

// validateService adds to f the problems of a service's title, base URL
// and description, and returns them cleaned.
func validateService(f map[string]string, title, baseURL string, openAPI []byte) (string, string) {
	title, ok := cleanText(title, maxName, true)
	if !ok {
		f["title"] = MsgTitle
	}
	baseURL = strings.TrimSpace(baseURL)
	if !validBaseURL(baseURL) {
		f["base_url"] = MsgBaseURL
	}
	if len(openAPI) > 0 && !validOpenAPI(openAPI) {
		f["openapi"] = MsgOpenAPI
	}
	return title, baseURL
}

// validBaseURL tells whether s is an absolute http or https URL with a
// host and without credentials, query or fragment, which a request's path
// can be appended to.
func validBaseURL(s string) bool {
	if s == "" || len(s) > maxURL {
		return false
	}
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Hostname() != "" && u.User == nil &&
		u.RawQuery == "" && !u.ForceQuery && u.Fragment == "" && !strings.Contains(s, "#")
}

// validOpenAPI tells whether b is a JSON object with an "openapi" version
// string and a "paths" object, the fields OpenAPI 3 requires of a
// description that lists endpoints.
func validOpenAPI(b []byte) bool {
	if len(b) > maxOpenAPI || !json.Valid(b) {
		return false
	}
	var doc struct {
		OpenAPI any `json:"openapi"`
		Paths   any `json:"paths"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		return false
	}
	v, ok := doc.OpenAPI.(string)
	_, paths := doc.Paths.(map[string]any)
	return ok && strings.HasPrefix(v, "3.") && paths
}

// CreateService adds a service of a subsystem.
//
// Errors: EINVALID MsgInvalid with fields of the subsystem,
// "service_code", "title", "base_url" and "openapi"; ENOTFOUND
// MsgNoSuchSubsystem; ECONFLICT MsgServiceExists.
func (r *Registry) CreateService(ctx context.Context, actor string, in ServiceInput) (*Service, error) {
	f := map[string]string{}
	validateClient(f, in.Service.Client, true)
	if !validIdent(in.Service.ServiceCode) {
		f["service_code"] = MsgServiceCode
	}
	title, baseURL := validateService(f, in.Title, in.BaseURL, in.OpenAPI)
	if err := invalid(f); err != nil {
		return nil, err
	}
	s := &Service{ID: db.NewID(), Service: in.Service, Title: title, BaseURL: baseURL, OpenAPI: openAPIValue(in.OpenAPI)}
	err := r.change(ctx, audit.Record{Actor: actor, Action: "bus.service.created", ObjectType: "bus_service", ObjectID: s.ID,
		Details: map[string]any{"service": s.Service.String(), "base_url": s.BaseURL}}, func(tx *sql.Tx, now time.Time) error {
		s.CreatedAt, s.UpdatedAt = now, now
		sub, err := subsystemID(ctx, tx, s.Service.Client)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO bus_services (id, subsystem_id, code, title, base_url, openapi, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $7)`, s.ID, sub, s.Service.ServiceCode, s.Title, s.BaseURL, string(s.OpenAPI), now)
		return conflictAs(err, MsgServiceExists)
	})
	if err != nil {
		return nil, fmt.Errorf("create service: %w", err)
	}
	return s, nil
}

// openAPIValue is the stored form of a description: nil for none.
func openAPIValue(b []byte) json.RawMessage {
	if len(bytes.TrimSpace(b)) == 0 {
		return nil
	}
	return bytes.Clone(b)
}

// UpdateService changes the title, base URL or description of a service.
//
// Errors: EINVALID MsgInvalid with fields "title", "base_url" and
// "openapi"; ENOTFOUND MsgNoSuchService.
func (r *Registry) UpdateService(ctx context.Context, actor string, id xroad.ServiceID, u ServiceUpdate) (*Service, error) {
	s, err := r.Service(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("update service: %w", err)
	}
	title, baseURL, openAPI := s.Title, s.BaseURL, []byte(s.OpenAPI)
	if u.Title != nil {
		title = *u.Title
	}
	if u.BaseURL != nil {
		baseURL = *u.BaseURL
	}
	if u.OpenAPI != nil {
		openAPI = *u.OpenAPI
	}
	f := map[string]string{}
	s.Title, s.BaseURL = validateService(f, title, baseURL, openAPI)
	if err := invalid(f); err != nil {
		return nil, err
	}
	s.OpenAPI = openAPIValue(openAPI)
	err = r.change(ctx, audit.Record{Actor: actor, Action: "bus.service.updated", ObjectType: "bus_service", ObjectID: s.ID,
		Details: map[string]any{"service": s.Service.String(), "base_url": s.BaseURL, "openapi_changed": u.OpenAPI != nil}},
		func(tx *sql.Tx, now time.Time) error {
			s.UpdatedAt = now
			res, err := tx.ExecContext(ctx, `UPDATE bus_services SET title = $1, base_url = $2, openapi = $3, updated_at = $4 WHERE id = $5`,
				s.Title, s.BaseURL, string(s.OpenAPI), now, s.ID)
			if err != nil {
				return err
			}
			if n, err := res.RowsAffected(); err != nil || n != 1 {
				return notFound(orNoRows(err), MsgNoSuchService)
			}
			return nil
		})
	if err != nil {
		return nil, fmt.Errorf("update service: %w", err)
	}
	return s, nil
}

// orNoRows is err, or sql.ErrNoRows when a statement that had to change one
// row changed none.
func orNoRows(err error) error {
	if err != nil {
		return err
	}
	return sql.ErrNoRows
}

// serviceColumns are the columns scanService reads, from bus_services s
// joined with its subsystem ss and member m.
const serviceColumns = `s.id, m.instance, m.member_class, m.member_code, ss.code, s.code, s.title, s.base_url, s.openapi,
	s.created_at, s.updated_at`

const serviceJoin = ` FROM bus_services s JOIN bus_subsystems ss ON ss.id = s.subsystem_id JOIN bus_members m ON m.id = ss.member_id`

func scanService(row interface{ Scan(...any) error }) (*Service, error) {
	var s Service
	var openAPI string
	c := &s.Service.Client
	if err := row.Scan(&s.ID, &c.Instance, &c.MemberClass, &c.MemberCode, &c.Subsystem, &s.Service.ServiceCode, &s.Title,
		&s.BaseURL, &openAPI, &s.CreatedAt, &s.UpdatedAt); err != nil {
		return nil, err
	}
	s.OpenAPI = openAPIValue([]byte(openAPI))
	s.CreatedAt, s.UpdatedAt = s.CreatedAt.UTC(), s.UpdatedAt.UTC()
	return &s, nil
}

// findService returns the service id names; ENOTFOUND MsgNoSuchService if
// there is none.
func findService(ctx context.Context, q querier, id xroad.ServiceID) (*Service, error) {
	c := id.Client
	s, err := scanService(q.QueryRowContext(ctx, `SELECT `+serviceColumns+serviceJoin+`
		WHERE m.instance = $1 AND m.member_class = $2 AND m.member_code = $3 AND ss.code = $4 AND s.code = $5`,
		c.Instance, c.MemberClass, c.MemberCode, c.Subsystem, id.ServiceCode))
	return s, notFound(err, MsgNoSuchService)
}

// Service returns the service id names, with its base URL and OpenAPI
// description, for the provider's gateway and the getOpenAPI metaservice.
// Errors: ENOTFOUND MsgNoSuchService.
func (r *Registry) Service(ctx context.Context, id xroad.ServiceID) (*Service, error) {
	s, err := findService(ctx, r.db.Reader(), id)
	if err != nil {
		return nil, fmt.Errorf("find service: %w", err)
	}
	return s, nil
}

// Services lists the services of the subsystem provider, by code, for
// the listMethods metaservice; none if there is no such subsystem.
func (r *Registry) Services(ctx context.Context, provider xroad.ClientID) ([]*Service, error) {
	c := provider
	rows, err := r.db.Reader().QueryContext(ctx, `SELECT `+serviceColumns+serviceJoin+`
		WHERE m.instance = $1 AND m.member_class = $2 AND m.member_code = $3 AND ss.code = $4 ORDER BY s.code`,
		c.Instance, c.MemberClass, c.MemberCode, c.Subsystem)
	if err != nil {
		return nil, fmt.Errorf("list services: %w", err)
	}
	out, err := db.Collect(rows, scanService)
	if err != nil {
		return nil, fmt.Errorf("list services: %w", err)
	}
	return out, nil
}

// CreateGroup adds a global group; in.ID and in.CreatedAt are ignored.
//
// Errors: EINVALID MsgInvalid with fields "instance", "group_code" and
// "description"; ECONFLICT MsgGroupExists.
func (r *Registry) CreateGroup(ctx context.Context, actor string, in Group) (*Group, error) {
	f := map[string]string{}
	if !validIdent(in.Group.Instance) {
		f["instance"] = MsgInstance
	}
	if !validIdent(in.Group.Code) {
		f["group_code"] = MsgGroupCode
	}
	desc, ok := cleanText(in.Description, maxDescription, false)
	if !ok {
		f["description"] = MsgDescription
	}
	if err := invalid(f); err != nil {
		return nil, err
	}
	g := &Group{ID: db.NewID(), Group: in.Group, Description: desc}
	err := r.change(ctx, audit.Record{Actor: actor, Action: "bus.group.created", ObjectType: "bus_group", ObjectID: g.ID,
		Details: map[string]any{"group": groupString(g.Group)}}, func(tx *sql.Tx, now time.Time) error {
		g.CreatedAt = now
		_, err := tx.ExecContext(ctx, `INSERT INTO bus_groups (id, instance, code, description, created_at) VALUES ($1, $2, $3, $4, $5)`,
			g.ID, g.Group.Instance, g.Group.Code, g.Description, now)
		return conflictAs(err, MsgGroupExists)
	})
	if err != nil {
		return nil, fmt.Errorf("create group: %w", err)
	}
	return g, nil
}

// groupString writes a group identifier for audit records.
func groupString(g GroupID) string { return g.Instance + "/" + g.Code }

// groupID returns the row ID of the group g names; ENOTFOUND
// MsgNoSuchGroup if there is none.
func groupID(ctx context.Context, q querier, g GroupID) (string, error) {
	var id string
	err := q.QueryRowContext(ctx, `SELECT id FROM bus_groups WHERE instance = $1 AND code = $2`, g.Instance, g.Code).Scan(&id)
	return id, notFound(err, MsgNoSuchGroup)
}

// AddGroupMember adds the subsystem to the group, which gives it every
// right granted to the group.
//
// Errors: ENOTFOUND MsgNoSuchGroup, MsgNoSuchSubsystem; ECONFLICT
// MsgGroupMemberExists.
func (r *Registry) AddGroupMember(ctx context.Context, actor string, group GroupID, subsystem xroad.ClientID) error {
	err := r.change(ctx, groupMemberRecord(actor, "bus.group.member_added", group, subsystem), func(tx *sql.Tx, now time.Time) error {
		g, s, err := groupAndSubsystem(ctx, tx, group, subsystem)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO bus_group_members (group_id, subsystem_id, added_at) VALUES ($1, $2, $3)`, g, s, now)
		return conflictAs(err, MsgGroupMemberExists)
	})
	if err != nil {
		return fmt.Errorf("add group member: %w", err)
	}
	return nil
}

// RemoveGroupMember takes the subsystem out of the group, and with it the
// rights granted to the group.
//
// Errors: ENOTFOUND MsgNoSuchGroup, MsgNoSuchSubsystem, or
// MsgNoSuchGroupMember when it is not in the group.
func (r *Registry) RemoveGroupMember(ctx context.Context, actor string, group GroupID, subsystem xroad.ClientID) error {
	err := r.change(ctx, groupMemberRecord(actor, "bus.group.member_removed", group, subsystem), func(tx *sql.Tx, _ time.Time) error {
		g, s, err := groupAndSubsystem(ctx, tx, group, subsystem)
		if err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM bus_group_members WHERE group_id = $1 AND subsystem_id = $2`, g, s)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			return notFound(orNoRows(err), MsgNoSuchGroupMember)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("remove group member: %w", err)
	}
	return nil
}

// groupMemberRecord is the audit record of action on a group's member.
func groupMemberRecord(actor, action string, group GroupID, subsystem xroad.ClientID) audit.Record {
	return audit.Record{Actor: actor, Action: action, ObjectType: "bus_group", ObjectID: groupString(group),
		Details: map[string]any{"subsystem": subsystem.String()}}
}

// groupAndSubsystem returns the row IDs of a group and a subsystem.
func groupAndSubsystem(ctx context.Context, q querier, group GroupID, subsystem xroad.ClientID) (string, string, error) {
	g, err := groupID(ctx, q, group)
	if err != nil {
		return "", "", err
	}
	s, err := subsystemID(ctx, q, subsystem)
	return g, s, err
}

// GroupMembers lists the subsystems in the group, in identifier order.
// Errors: ENOTFOUND MsgNoSuchGroup.
func (r *Registry) GroupMembers(ctx context.Context, group GroupID) ([]xroad.ClientID, error) {
	g, err := groupID(ctx, r.db.Reader(), group)
	if err != nil {
		return nil, fmt.Errorf("list group members: %w", err)
	}
	rows, err := r.db.Reader().QueryContext(ctx, `SELECT m.instance, m.member_class, m.member_code, s.code
		FROM bus_group_members gm JOIN bus_subsystems s ON s.id = gm.subsystem_id JOIN bus_members m ON m.id = s.member_id
		WHERE gm.group_id = $1 ORDER BY m.instance, m.member_class, m.member_code, s.code`, g)
	if err != nil {
		return nil, fmt.Errorf("list group members: %w", err)
	}
	out, err := db.Collect(rows, func(row interface{ Scan(...any) error }) (xroad.ClientID, error) {
		var c xroad.ClientID
		err := row.Scan(&c.Instance, &c.MemberClass, &c.MemberCode, &c.Subsystem)
		return c, err
	})
	if err != nil {
		return nil, fmt.Errorf("list group members: %w", err)
	}
	return out, nil
}

// ListClients lists every member and subsystem, each member followed by
// its subsystems, in identifier order, for the listClients metaservice.
func (r *Registry) ListClients(ctx context.Context) ([]ListedClient, error) {
	rows, err := r.db.Reader().QueryContext(ctx, `SELECT instance, member_class, member_code, '', name FROM bus_members
		UNION ALL
		SELECT m.instance, m.member_class, m.member_code, s.code, m.name FROM bus_subsystems s JOIN bus_members m ON m.id = s.member_id
		ORDER BY 1, 2, 3, 4`)
	if err != nil {
		return nil, fmt.Errorf("list clients: %w", err)
	}
	out, err := db.Collect(rows, func(row interface{ Scan(...any) error }) (ListedClient, error) {
		var c ListedClient
		err := row.Scan(&c.ID.Instance, &c.ID.MemberClass, &c.ID.MemberCode, &c.ID.Subsystem, &c.Name)
		return c, err
	})
	if err != nil {
		return nil, fmt.Errorf("list clients: %w", err)
	}
	return out, nil
}
