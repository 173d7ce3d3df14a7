package pki

// Message keys of the errors the package returns, for translation catalogs.
const (
	MsgCSRMalformed      = "pki.csr.malformed"       // not a PEM or DER certificate request
	MsgEnrolNoRequest    = "pki.enrol.no_request"    // enrolment without a request
	MsgEnrolStrong       = "pki.enrol.strong"        // enrolment after a sign-in with a password alone
	MsgCSRSignature      = "pki.csr.signature"       // the request's signature does not verify
	MsgKeyUnsupported    = "pki.key.unsupported"     // a key type or curve the CA does not certify
	MsgKeyRSATooSmall    = "pki.key.rsa_too_small"   // RSA below 3072 bits
	MsgSubjectMismatch   = "pki.csr.subject"         // the request names someone else
	MsgProfileUnknown    = "pki.profile.unknown"     // no such profile
	MsgProfileInternal   = "pki.profile.internal"    // the profile is for the platform's own services
	MsgPINFL             = "pki.subject.pinfl"       // PINFL is not 14 digits
	MsgSTIR              = "pki.subject.stir"        // STIR is not 9 digits
	MsgNames             = "pki.subject.names"       // given name or surname missing
	MsgOrganization      = "pki.subject.org"         // organisation or agency name missing
	MsgSystem            = "pki.subject.system"      // gateway system name missing or bad
	MsgDNSName           = "pki.subject.dns"         // a DNS name that is not a host name
	MsgNoCA              = "pki.ca.none"             // no issuing CA has been set up
	MsgNoSuchCA          = "pki.ca.not_found"        // no CA of that name
	MsgCAName            = "pki.ca.name"             // a CA name that is not a slug
	MsgCAExists          = "pki.ca.exists"           // a CA of that name exists
	MsgRootMismatch      = "pki.ca.root_mismatch"    // a root other than the one on record
	MsgRootFile          = "pki.ca.root_file"        // the root file cannot be read (or wrong password)
	MsgNoSuchCertificate = "pki.cert.not_found"      // no certificate with that serial
	MsgAlreadyRevoked    = "pki.cert.revoked"        // revoking twice
	MsgReason            = "pki.revoke.reason"       // not a revocation reason the CA uses
	MsgSerial            = "pki.cert.serial"         // a serial number that is not hex
	MsgPKCS12            = "pki.pkcs12.malformed"    // a PKCS#12 file that cannot be read (or wrong password)
	MsgPKCS12NoKey       = "pki.pkcs12.no_key"       // a PKCS#12 file without a key and its certificate
	MsgPKCS12KeyMismatch = "pki.pkcs12.key_mismatch" // the key does not belong to the certificate
	MsgTSAContentType    = "pki.tsa.content_type"    // a timestamp request without application/timestamp-query
)
