// Package catalog is the unified registry of state services: the state
// bodies that provide them, each service's passport (what it is, who provides
// it, what it costs, how long it takes, which documents it needs, how far it
// is digitised), kept in versions with who changed what, when and why. It
// feeds the public catalogue, applications, the back office and statistics.
package catalog

import (
	"embed"
	"regexp"
	"strings"
	"time"

	"github.com/egovuz/egov/internal/platform/apperr"
	"github.com/egovuz/egov/internal/platform/db"
	"github.com/egovuz/egov/internal/platform/i18n"
	"github.com/egovuz/egov/internal/platform/i18n/translit"
)

//go:embed migrations
var migrationFS embed.FS

// Migrations are the registry's tables.
func Migrations() db.Migrations { return db.Migrations{Module: "catalog", FS: migrationFS} }

// Texts is a text in each language. Uzbek Cyrillic may be left empty when
// the text is first written: it is then transliterated from Uzbek Latin.
type Texts map[i18n.Locale]string

// Get returns the text in loc, falling back to Uzbek Latin.
func (t Texts) Get(loc i18n.Locale) string {
	if s := t[loc]; s != "" {
		return s
	}
	return t[i18n.UzLatn]
}

// complete fills Uzbek Cyrillic from Latin when missing and reports the
// locales that are still empty.
func (t Texts) complete() (Texts, []i18n.Locale) {
	out := Texts{}
	for k, v := range t {
		out[k] = strings.TrimSpace(v)
	}
	if out[i18n.UzCyrl] == "" && out[i18n.UzLatn] != "" {
		out[i18n.UzCyrl] = translit.ToCyrillic(out[i18n.UzLatn])
	}
	var missing []i18n.Locale
	for _, l := range i18n.All() {
		if out[l] == "" {
			missing = append(missing, l)
		}
	}
	return out, missing
}

// AgencyKind is the kind of a state body.
type AgencyKind string

// The kinds of state bodies.
const (
	KindMinistry  AgencyKind = "ministry"
	KindCommittee AgencyKind = "committee"
	KindAgency    AgencyKind = "agency"
	KindRegional  AgencyKind = "regional"
	KindDistrict  AgencyKind = "district"
	KindOther     AgencyKind = "other"
)

// Agency is a state body that provides services.
type Agency struct {
	ID       string
	Code     string
	ParentID string
	Kind     AgencyKind
	Names    Texts
	Phone    string
	Email    string
	Website  string
	Regions  []string
}

// Status is where a service is in its life.
type Status string

// The lifecycle of a service.
const (
	StatusPlanned    Status = "planned"
	StatusDigitising Status = "digitising"
	StatusLive       Status = "live"
	StatusSuspended  Status = "suspended"
	StatusRetired    Status = "retired"
)

// Level is a stage of the UN E-Government Survey's Online Service Index.
type Level int

// The stages of digitisation.
const (
	LevelInformation   Level = 1 // information online
	LevelDownloadable  Level = 2 // a form to download
	LevelSubmission    Level = 3 // online submission
	LevelTransactional Level = 4 // online decision and result
	LevelProactive     Level = 5 // started by the state, without an application
)

// Automated tells whether the level counts as automated in the programme's
// targets (levels 4 and 5).
func (l Level) Automated() bool { return l >= LevelTransactional }

// LegalAct is a legal basis of a service.
type LegalAct struct {
	Title  Texts     `json:"title"`
	Number string    `json:"number"`
	Date   time.Time `json:"date"`
	URL    string    `json:"url,omitempty"`
}

// Fee is what a service costs: a multiple of the base calculation amount
// (BCA) or a fixed sum in soʻm, with exemptions.
type Fee struct {
	BCAMultiple float64 `json:"bca_multiple,omitempty"`
	FixedSum    int64   `json:"fixed_sum,omitempty"`
	Exemptions  Texts   `json:"exemptions,omitempty"`
}

// Free tells whether the service costs nothing.
func (f Fee) Free() bool { return f.BCAMultiple == 0 && f.FixedSum == 0 }

// Document is a document an applicant needs. Documents the state already
// holds are fetched from the registry named, never asked of the applicant
// ("once only").
type Document struct {
	Name        Texts  `json:"name"`
	HeldByState bool   `json:"held_by_state,omitempty"`
	Registry    string `json:"registry,omitempty"`
}

// Channels are where a service can be received.
type Channels struct {
	Portal bool `json:"portal"`
	Mobile bool `json:"mobile"`
	PSC    bool `json:"psc"`
	Office bool `json:"office"`
}

// Passport is everything the registry knows of one service, in one version.
type Passport struct {
	Code     string `json:"code"`
	AgencyID string `json:"agency_id"`
	// Participants are the IDs of the other agencies that take part.
	Participants []string   `json:"participants,omitempty"`
	Recipients   string     `json:"recipients"`
	Category     string     `json:"category"`
	LifeEvents   []string   `json:"life_events,omitempty"`
	Name         Texts      `json:"name"`
	Description  Texts      `json:"description"`
	Result       Texts      `json:"result"`
	LegalBasis   []LegalAct `json:"legal_basis,omitempty"`
	Fee          Fee        `json:"fee"`
	TermDays     int        `json:"term_days"`
	Documents    []Document `json:"documents,omitempty"`
	Channels     Channels   `json:"channels"`
	Level        Level      `json:"level"`
	Status       Status     `json:"status"`
	ProcessKey   string     `json:"process_key,omitempty"`
	// SignatureRequired says an application must carry the applicant's
	// e-signature (one sent through a public service centre, where the
	// citizen is identified in person, need not).
	SignatureRequired bool `json:"signature_required,omitempty"`
	// Plan is the digitisation plan of a service not yet live.
	Plan *Plan `json:"plan,omitempty"`
}

// TakesApplications tells whether people can apply for the service on the
// portal: it is live, offered there, and has a back-office process that
// handles its applications.
func (p Passport) TakesApplications() bool {
	return p.Status == StatusLive && p.Channels.Portal && p.ProcessKey != ""
}

// Plan says how far a service is to be digitised, by when and by whom.
type Plan struct {
	TargetLevel   Level     `json:"target_level"`
	Deadline      time.Time `json:"deadline"`
	ResponsibleID string    `json:"responsible_id"`
}

// Service is a service as published: its passport and version.
type Service struct {
	ID        string
	Version   int
	UpdatedAt time.Time
	UpdatedBy string
	Passport
}

// Version is one entry of a service's history.
type Version struct {
	Version   int
	ChangedBy string
	ChangedAt time.Time
	Reason    string
	Passport  Passport
}

var (
	codePattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{1,63}$`)
	slugPattern = regexp.MustCompile(`^[a-z][a-z0-9-]{0,63}$`)
)

// Field errors of a passport, as message keys.
const (
	msgInvalid       = "catalog.passport.invalid"
	msgCode          = "catalog.passport.code"
	msgTextMissing   = "catalog.passport.text_missing"
	msgRecipients    = "catalog.passport.recipients"
	msgCategory      = "catalog.passport.category"
	msgLifeEvent     = "catalog.passport.life_event"
	msgFee           = "catalog.passport.fee"
	msgTerm          = "catalog.passport.term"
	msgLevel         = "catalog.passport.level"
	msgStatus        = "catalog.passport.status"
	msgAgency        = "catalog.passport.agency"
	msgReason        = "catalog.passport.reason"
	msgPlan          = "catalog.passport.plan"
	msgStaleVersion  = "catalog.passport.stale"
	msgNoSuchService = "catalog.service.not_found"
	msgAgencyCode    = "catalog.agency.code"
	msgAgencyKind    = "catalog.agency.kind"
	msgNoSuchAgency  = "catalog.agency.not_found"
)

// normalize validates a passport and returns it with texts completed (Uzbek
// Cyrillic transliterated where missing). Problems are one EINVALID with a
// message per field.
func (p Passport) normalize() (Passport, error) {
	f := map[string]string{}
	p.Code = strings.TrimSpace(p.Code)
	if !codePattern.MatchString(p.Code) {
		f["code"] = msgCode
	}
	for name, t := range map[string]*Texts{"name": &p.Name, "description": &p.Description, "result": &p.Result} {
		done, missing := t.complete()
		*t = done
		if len(missing) > 0 {
			f[name] = msgTextMissing
		}
	}
	switch p.Recipients {
	case "citizen", "business", "both":
	default:
		f["recipients"] = msgRecipients
	}
	if !slugPattern.MatchString(p.Category) {
		f["category"] = msgCategory
	}
	for _, e := range p.LifeEvents {
		if !slugPattern.MatchString(e) {
			f["life_events"] = msgLifeEvent
		}
	}
	if len(p.Fee.Exemptions) > 0 {
		done, missing := p.Fee.Exemptions.complete()
		p.Fee.Exemptions = done
		if len(missing) > 0 {
			f["fee"] = msgTextMissing
		}
	}
	if p.Fee.BCAMultiple < 0 || p.Fee.FixedSum < 0 || (p.Fee.BCAMultiple > 0 && p.Fee.FixedSum > 0) || p.Fee.BCAMultiple > 10000 {
		f["fee"] = msgFee
	}
	if p.TermDays < 0 || p.TermDays > 365 {
		f["term_days"] = msgTerm
	}
	if p.Level < LevelInformation || p.Level > LevelProactive {
		f["level"] = msgLevel
	}
	switch p.Status {
	case StatusPlanned, StatusDigitising, StatusLive, StatusSuspended, StatusRetired:
	default:
		f["status"] = msgStatus
	}
	if p.Plan != nil && (p.Plan.TargetLevel <= p.Level || p.Plan.TargetLevel > LevelProactive || p.Plan.Deadline.IsZero() || p.Plan.ResponsibleID == "") {
		f["plan"] = msgPlan
	}
	for i := range p.Documents {
		done, missing := p.Documents[i].Name.complete()
		p.Documents[i].Name = done
		if len(missing) > 0 || (p.Documents[i].HeldByState && strings.TrimSpace(p.Documents[i].Registry) == "") {
			f["documents"] = msgTextMissing
		}
	}
	for i := range p.LegalBasis {
		done, missing := p.LegalBasis[i].Title.complete()
		p.LegalBasis[i].Title = done
		if len(missing) > 0 || strings.TrimSpace(p.LegalBasis[i].Number) == "" {
			f["legal_basis"] = msgTextMissing
		}
	}
	if len(f) > 0 {
		return p, apperr.Invalid(msgInvalid, f)
	}
	return p, nil
}
