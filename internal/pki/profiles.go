package pki

import (
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/egovuz/egov/internal/platform/apperr"
)

// Profile names a kind of certificate: what its subject says and what its
// key may be used for.
type Profile string

// The profiles. The first five are issued from requests; ProfileOCSP,
// ProfileTSA and ProfileBusConfig only to the platform's own responder,
// timestamp authority and exchange-bus registry.
const (
	// ProfilePerson is a natural person: PINFL in serialNumber, names.
	ProfilePerson Profile = "person"
	// ProfileLegal is a person representing a legal entity: the person's
	// PINFL and names, and the entity's STIR and name.
	ProfileLegal Profile = "legal"
	// ProfileOfficer is a civil servant acting for an agency.
	ProfileOfficer Profile = "officer"
	// ProfileGatewayAuth authenticates an information system on the
	// exchange bus in TLS, as client and as server.
	ProfileGatewayAuth Profile = "gateway-auth"
	// ProfileGatewaySign signs the messages an information system sends.
	ProfileGatewaySign Profile = "gateway-sign"
	// ProfileOCSP signs OCSP responses for the issuing CA.
	ProfileOCSP Profile = "ocsp"
	// ProfileTSA signs timestamp tokens.
	ProfileTSA Profile = "tsa"
	// ProfileBusConfig signs the exchange bus's global configuration,
	// which gateways download and trust only under this profile's
	// extended key usage (OIDBusConfigSigning), so that no gateway's or
	// person's certificate can sign one.
	ProfileBusConfig Profile = "bus-config"
)

// OIDBusConfigSigning is the extended key usage of ProfileBusConfig, the
// one purpose its certificates have, which gateways require of the
// configuration's signer. Like DefaultTSAPolicy it lies in the arc ITU-T
// X.660 keeps for examples (2.999); a deployment with an arc of its own
// would move it there, in the CA and the gateways together.
var OIDBusConfigSigning = asn1.ObjectIdentifier{2, 999, 2, 1}

// ParseProfile returns the profile named s, or EINVALID MsgProfileUnknown.
func ParseProfile(s string) (Profile, error) {
	p := Profile(s)
	switch p {
	case ProfilePerson, ProfileLegal, ProfileOfficer, ProfileGatewayAuth, ProfileGatewaySign, ProfileOCSP, ProfileTSA, ProfileBusConfig:
		return p, nil
	}
	return "", apperr.New(apperr.EINVALID, MsgProfileUnknown)
}

// internal tells whether only the platform itself holds certificates of p.
func (p Profile) internal() bool { return p == ProfileOCSP || p == ProfileTSA || p == ProfileBusConfig }

// personal tells whether certificates of p name a natural person.
func (p Profile) personal() bool {
	return p == ProfilePerson || p == ProfileLegal || p == ProfileOfficer
}

// Subject is whom a certificate is issued to, as the caller has verified
// it (from the identity register, not from the request). Which fields a
// profile needs is said at each.
type Subject struct {
	// PINFL is the person's 14-digit personal number (person, legal,
	// officer); it goes in the subject's serialNumber.
	PINFL string
	// GivenName and Surname are the person's names (person, legal,
	// officer).
	GivenName, Surname string
	// STIR is the legal entity's 9-digit taxpayer number (legal); it goes
	// in organizationIdentifier as "NTRUZ-<STIR>" (ETSI EN 319 412-1).
	STIR string
	// Organization is the legal entity's or the agency's name (legal,
	// officer, gateways).
	Organization string
	// System names the information system (gateways, ocsp, tsa); it is the
	// common name.
	System string
	// DNSNames are the host names a gateway serves (gateway-auth).
	DNSNames []string
}

var (
	pinflPattern  = regexp.MustCompile(`^[0-9]{14}$`)
	stirPattern   = regexp.MustCompile(`^[0-9]{9}$`)
	dnsPattern    = regexp.MustCompile(`^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$`)
	maxNameLength = 128
)

// validate checks that s has what profile p needs and returns the problems
// as field -> message key.
func (s Subject) validate(p Profile) map[string]string {
	f := map[string]string{}
	text := func(v string) bool {
		v = strings.TrimSpace(v)
		return v != "" && utf8.RuneCountInString(v) <= maxNameLength && !strings.ContainsFunc(v, func(r rune) bool { return r < ' ' })
	}
	if p.personal() {
		if !pinflPattern.MatchString(s.PINFL) {
			f["pinfl"] = MsgPINFL
		}
		if !text(s.GivenName) || !text(s.Surname) {
			f["names"] = MsgNames
		}
	}
	if p == ProfileLegal && !stirPattern.MatchString(s.STIR) {
		f["stir"] = MsgSTIR
	}
	if (p == ProfileLegal || p == ProfileOfficer || p == ProfileGatewayAuth || p == ProfileGatewaySign) && !text(s.Organization) {
		f["organization"] = MsgOrganization
	}
	if !p.personal() && !text(s.System) {
		f["system"] = MsgSystem
	}
	if p == ProfileGatewayAuth {
		for _, d := range s.DNSNames {
			if !dnsPattern.MatchString(d) {
				f["dns_names"] = MsgDNSName
			}
		}
	}
	return f
}

// Attribute types of subject names that pkix.Name has no field for.
var (
	oidGivenName              = asn1.ObjectIdentifier{2, 5, 4, 42}
	oidSurname                = asn1.ObjectIdentifier{2, 5, 4, 4}
	oidOrganizationIdentifier = asn1.ObjectIdentifier{2, 5, 4, 97}
	oidSerialNumber           = asn1.ObjectIdentifier{2, 5, 4, 5}
	oidCommonName             = asn1.ObjectIdentifier{2, 5, 4, 3}
)

// Extensions the profiles add by hand.
var (
	oidExtKeyUsage    = asn1.ObjectIdentifier{2, 5, 29, 37}
	oidOCSPNoCheck    = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 48, 1, 5}
	oidKPTimeStamping = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 3, 8}
)

// stirIdentifier is the organizationIdentifier of a legal entity.
func stirIdentifier(stir string) string { return "NTRUZ-" + stir }

// name is the subject name of a certificate of profile p for s.
func (s Subject) name(p Profile) pkix.Name {
	n := pkix.Name{Country: []string{"UZ"}}
	if p.personal() {
		n.CommonName = strings.TrimSpace(s.Surname) + " " + strings.TrimSpace(s.GivenName)
		n.SerialNumber = s.PINFL
		n.ExtraNames = append(n.ExtraNames,
			pkix.AttributeTypeAndValue{Type: oidSurname, Value: strings.TrimSpace(s.Surname)},
			pkix.AttributeTypeAndValue{Type: oidGivenName, Value: strings.TrimSpace(s.GivenName)})
	} else {
		n.CommonName = strings.TrimSpace(s.System)
	}
	if org := strings.TrimSpace(s.Organization); org != "" {
		n.Organization = []string{org}
	}
	if p == ProfileLegal {
		n.ExtraNames = append(n.ExtraNames, pkix.AttributeTypeAndValue{Type: oidOrganizationIdentifier, Value: stirIdentifier(s.STIR)})
	}
	return n
}

// apply sets on tmpl the key usages and extensions of profile p for a key
// pub. The subject, validity and URLs are set by the caller.
func (p Profile) apply(tmpl *x509.Certificate, pub any) error {
	tmpl.KeyUsage = x509.KeyUsageDigitalSignature
	switch p {
	case ProfilePerson, ProfileLegal, ProfileOfficer:
		tmpl.KeyUsage |= x509.KeyUsageContentCommitment
		// emailProtection lets S/MIME tools (openssl cms) accept the
		// holder's CMS signatures; clientAuth serves certificate login.
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageEmailProtection, x509.ExtKeyUsageClientAuth}
	case ProfileGatewaySign:
		tmpl.KeyUsage |= x509.KeyUsageContentCommitment
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageEmailProtection}
	case ProfileGatewayAuth:
		if _, ok := pub.(*rsa.PublicKey); ok {
			tmpl.KeyUsage |= x509.KeyUsageKeyEncipherment
		}
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth}
	case ProfileOCSP:
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageOCSPSigning}
		// id-pkix-ocsp-nocheck: clients need not ask about the
		// responder's own certificate (RFC 6960 4.2.2.2.1).
		tmpl.ExtraExtensions = append(tmpl.ExtraExtensions, pkix.Extension{Id: oidOCSPNoCheck, Value: asn1.NullBytes})
	case ProfileTSA:
		tmpl.KeyUsage |= x509.KeyUsageContentCommitment
		// RFC 3161 2.3: the one extended key usage, marked critical,
		// which x509.Certificate.ExtKeyUsage cannot say.
		eku, err := asn1.Marshal([]asn1.ObjectIdentifier{oidKPTimeStamping})
		if err != nil {
			return err
		}
		tmpl.ExtraExtensions = append(tmpl.ExtraExtensions, pkix.Extension{Id: oidExtKeyUsage, Critical: true, Value: eku})
	case ProfileBusConfig:
		// The one purpose, and no key usage but signing: a configuration
		// signature cannot pass for a message's, a TLS peer's or a
		// person's, nor theirs for it.
		tmpl.UnknownExtKeyUsage = []asn1.ObjectIdentifier{OIDBusConfigSigning}
	default:
		return apperr.New(apperr.EINVALID, MsgProfileUnknown)
	}
	return nil
}

// profiles lists every profile, for checks that cover them all.
var profiles = []Profile{ProfilePerson, ProfileLegal, ProfileOfficer, ProfileGatewayAuth, ProfileGatewaySign, ProfileOCSP, ProfileTSA,
	ProfileBusConfig}

// Profiles returns the profiles a request may ask for.
func Profiles() []Profile {
	return slices.DeleteFunc(slices.Clone(profiles), Profile.internal)
}
