// Package identity is OneID: who a person is on egov and what they may do.
// It keeps accounts of natural persons (keyed by PINFL) and organisations
// (keyed by STIR), who represents which organisation, which agency staff work
// in and with which roles; it signs people in with server-side sessions and
// answers every other module's question "may this person do that?".
package identity

import (
	"time"

	"github.com/egovuz/egov/internal/platform/i18n"
	"github.com/egovuz/egov/internal/platform/i18n/translit"

	"github.com/egovuz/egov/internal/platform/web"
)

// Role is a set of permissions given to a person, globally or inside one
// agency.
type Role string

// The roles of the platform.
const (
	RoleCitizen       Role = "citizen"
	RoleBusinessRep   Role = "business_rep"
	RoleOfficer       Role = "officer"
	RoleSupervisor    Role = "supervisor"
	RoleAgencyAdmin   Role = "agency_admin"
	RolePlatformAdmin Role = "platform_admin"
	RolePSCOperator   Role = "psc_operator"
	RoleCallOperator  Role = "call_operator"
	RoleDispatcher    Role = "dispatcher"
	RoleLegalEditor   Role = "legal_editor"
	RoleArchivist     Role = "archivist"
	RoleDataPublisher Role = "data_publisher"
	RoleAuditor       Role = "auditor"
)

// Roles lists every role in display order.
func Roles() []Role {
	return []Role{RoleCitizen, RoleBusinessRep, RoleOfficer, RoleSupervisor, RoleAgencyAdmin, RolePlatformAdmin,
		RolePSCOperator, RoleCallOperator, RoleDispatcher, RoleLegalEditor, RoleArchivist, RoleDataPublisher, RoleAuditor}
}

// AgencyScoped tells whether the role is held inside one agency: its
// permissions apply only to that agency's objects.
func (r Role) AgencyScoped() bool {
	switch r {
	case RoleOfficer, RoleSupervisor, RoleAgencyAdmin:
		return true
	}
	return false
}

// Valid tells whether r is a known role.
func (r Role) Valid() bool {
	for _, x := range Roles() {
		if x == r {
			return true
		}
	}
	return false
}

// Permissions named by routes. Every route declares one (web.Public for
// anyone); a signed-in person holds the union of their roles' permissions.
const (
	// PermSelf: see and manage one's own account, sessions and security.
	PermSelf web.Permission = "self"
	// PermActForOrg: act on behalf of an organisation one represents.
	PermActForOrg web.Permission = "org.act"
	// PermApplicationsProcess: work on applications of one's agency.
	PermApplicationsProcess web.Permission = "applications.process"
	// PermApplicationsSupervise: assign and review the agency's work.
	PermApplicationsSupervise web.Permission = "applications.supervise"
	// PermAgencyStaff: manage the staff and roles of one's agency.
	PermAgencyStaff web.Permission = "agency.staff"
	// PermCatalogEdit: change the registry of services: agency
	// administrators their own agency's services, platform administrators
	// everything.
	PermCatalogEdit web.Permission = "catalog.edit"
	// PermWorkflowAdmin: upload process definitions and operate running
	// processes (incidents, cancellation).
	PermWorkflowAdmin web.Permission = "workflow.admin"
	// PermBusAdmin: operate the interagency exchange bus: its registry,
	// registration requests, message log and evidence.
	PermBusAdmin web.Permission = "bus.admin"
	// PermUsersAdmin: manage every account and role.
	PermUsersAdmin web.Permission = "users.admin"
	// PermClientsAdmin: register and change OIDC clients.
	PermClientsAdmin web.Permission = "clients.admin"
	// PermAssistCitizen: act for a citizen at a public service centre.
	PermAssistCitizen web.Permission = "citizens.assist"
	// PermCallCentre: answer the call centre's calls.
	PermCallCentre web.Permission = "callcentre.handle"
	// PermDispatch: handle 112 emergency calls.
	PermDispatch web.Permission = "emergency.dispatch"
	// PermLegalEdit: edit the legal acts portal.
	PermLegalEdit web.Permission = "legal.edit"
	// PermArchive: manage the archive.
	PermArchive web.Permission = "archive.manage"
	// PermOpenData: publish open data sets.
	PermOpenData web.Permission = "opendata.publish"
	// PermAuditRead: read the audit log.
	PermAuditRead web.Permission = "audit.read"
)

// Grants lists a role's permissions: the matrix of who may do what, which
// the permission test walks.
func (r Role) Grants() []web.Permission {
	switch r {
	case RoleCitizen:
		return []web.Permission{PermSelf}
	case RoleBusinessRep:
		return []web.Permission{PermSelf, PermActForOrg}
	case RoleOfficer:
		return []web.Permission{PermSelf, PermApplicationsProcess}
	case RoleSupervisor:
		return []web.Permission{PermSelf, PermApplicationsProcess, PermApplicationsSupervise}
	case RoleAgencyAdmin:
		return []web.Permission{PermSelf, PermAgencyStaff, PermCatalogEdit}
	case RolePlatformAdmin:
		return []web.Permission{PermSelf, PermUsersAdmin, PermClientsAdmin, PermAgencyStaff, PermCatalogEdit, PermWorkflowAdmin, PermBusAdmin}
	case RolePSCOperator:
		return []web.Permission{PermSelf, PermAssistCitizen}
	case RoleCallOperator:
		return []web.Permission{PermSelf, PermCallCentre}
	case RoleDispatcher:
		return []web.Permission{PermSelf, PermDispatch}
	case RoleLegalEditor:
		return []web.Permission{PermSelf, PermLegalEdit}
	case RoleArchivist:
		return []web.Permission{PermSelf, PermArchive}
	case RoleDataPublisher:
		return []web.Permission{PermSelf, PermOpenData}
	case RoleAuditor:
		return []web.Permission{PermSelf, PermAuditRead}
	}
	return nil
}

// User is a natural person's account.
type User struct {
	ID        string
	PINFL     string
	FirstName string // Latin script
	LastName  string
	// NameCyrl is the full name in Cyrillic, as shown on Uzbek Cyrillic pages.
	NameCyrl  string
	BirthDate time.Time
	Phone     string // +998XXXXXXXXX
	Email     string
	Locale    string
	CreatedAt time.Time
}

// FullName is "First Last" in Latin script.
func (u *User) FullName() string { return u.FirstName + " " + u.LastName }

// DisplayName is the person's name as a page in loc shows it: Cyrillic on
// Uzbek Cyrillic pages, Latin otherwise.
func (u *User) DisplayName(loc i18n.Locale) string {
	if loc == i18n.UzCyrl && u.NameCyrl != "" {
		return u.NameCyrl
	}
	return u.FullName()
}

// Organisation is a legal entity.
type Organisation struct {
	ID        string
	STIR      string
	Name      string
	LegalForm string
	Address   string
}

// Representation says a person acts for an organisation: as its director by
// right, or by a power of attorney with a scope and an expiry.
type Representation struct {
	Org       Organisation
	Basis     string // "director" or "attorney"
	Scope     string
	ExpiresAt *time.Time
}

// Agency is a state body whose staff work on egov, as the agency register
// (the catalog's) lists it; grants point at its ID.
type Agency struct {
	ID    string
	Code  string
	Names map[i18n.Locale]string
}

// Name is the agency's name in loc, falling back to Uzbek Latin
// (transliterated for Uzbek Cyrillic).
func (a Agency) Name(loc i18n.Locale) string {
	if s := a.Names[loc]; s != "" {
		return s
	}
	if loc == i18n.UzCyrl {
		return translit.ToCyrillic(a.Names[i18n.UzLatn])
	}
	return a.Names[i18n.UzLatn]
}

// Grant is a role held by a person, inside an agency for agency-scoped roles.
type Grant struct {
	Role     Role
	AgencyID string // "" for global roles
}

// SignInMethod is how a session was signed in.
type SignInMethod string

// The ways to sign in.
const (
	SignInPassword    SignInMethod = "password"
	SignInTwoFactor   SignInMethod = "two_factor"
	SignInCertificate SignInMethod = "certificate"
)

// Strong tells whether the method proves more than knowing a password:
// what enrolling for an e-signature certificate asks for.
func (m SignInMethod) Strong() bool { return m == SignInTwoFactor || m == SignInCertificate }

// Session is a signed-in browser.
type Session struct {
	ID         string // the hash of the token; the token itself is only in the cookie
	UserID     string
	CreatedAt  time.Time
	LastSeenAt time.Time
	ExpiresAt  time.Time
	IP         string
	UserAgent  string
	// ActingOrgID is the organisation the person currently acts for.
	ActingOrgID string
	// Method is how the person signed in.
	Method SignInMethod
	// Current marks the session of the request being served.
	Current bool
}
