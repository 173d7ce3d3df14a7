// Package uploads keeps the documents citizens attach to applications: a
// guardianship decision as a PDF, a photo of a certificate. Store reads an
// uploaded file, checks it and keeps it in blob storage, and gives back a
// File whose ID an application form stores in a file field.
//
// Nothing about a file is taken on trust. Its size is bounded; its type is
// decided from its bytes (Sniff) and must be one the configuration allows
// and agree with what the browser declared; a Scanner (an antivirus, say)
// may refuse it; its name is cleaned and used only for display. The blob
// key and the ID are random and unrelated to the name or the owner.
//
// A file is written blob first, then its row in uploads_files, so no
// reference is ever issued for bytes that are not stored. Find, Open and
// Check answer only the owner: another person's file is ENOTFOUND exactly
// like a missing one, and a reference the platform did not issue fails
// Check. When an application is submitted its handler calls Claim in the
// same transaction; DeleteUnclaimed later removes the files of abandoned
// drafts.
package uploads

import (
	"embed"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/egovuz/egov/internal/platform/blob"
	"github.com/egovuz/egov/internal/platform/clock"
	"github.com/egovuz/egov/internal/platform/db"
)

//go:embed migrations
var migrationFS embed.FS

//go:embed locales
var localeFS embed.FS

// Migrations are the module's tables.
func Migrations() db.Migrations { return db.Migrations{Module: "uploads", FS: migrationFS} }

// Locales is the module's message catalog.
func Locales() fs.FS {
	sub, _ := fs.Sub(localeFS, "locales")
	return sub
}

// Message keys of the errors Store, Check and Claim return.
const (
	MsgTooLargeMB = "uploads.error.too_large_mb" // {0}: the limit in MB
	MsgTooLargeKB = "uploads.error.too_large_kb" // {0}: the limit in KB
	MsgEmpty      = "uploads.error.empty"
	MsgType       = "uploads.error.type"     // {0}: the allowed types, "PDF, JPEG, PNG"
	MsgMismatch   = "uploads.error.mismatch" // {0}: the declared type, {1}: the real one
	MsgInfected   = "uploads.error.infected"
	MsgUnknown    = "uploads.error.unknown" // Check: not the owner's file
	MsgClaimed    = "uploads.error.claimed" // Claim: used by another application
)

// DefaultMaxSize is the size limit when Config.MaxSize is 0: 10 MiB.
const DefaultMaxSize = 10 << 20

// Config configures the module.
type Config struct {
	// MaxSize is the largest file accepted, in bytes; 0 means
	// DefaultMaxSize.
	MaxSize int64
	// Types are the content types accepted, among PDF, JPEG and PNG; empty
	// means all three.
	Types []string
	// Scanner checks every file before it is stored; nil means NoScan.
	Scanner Scanner
}

// File is a stored upload.
type File struct {
	// ID is the reference an application stores: random, 128 bits or more.
	ID      string
	OwnerID string
	// Name is the cleaned file name, for display and downloads only.
	Name string
	// ContentType is the type decided from the bytes: PDF, JPEG or PNG.
	ContentType string
	Size        int64
	// SHA256 is the hex digest of the content.
	SHA256 string
	// ClaimedBy is the application that uses the file, "" until Claim.
	ClaimedBy string
	CreatedAt time.Time
	// key is where the content is in the bucket.
	key string
}

// Upload is a file as a browser sent it.
type Upload struct {
	// Owner is the user ID of the person uploading.
	Owner string
	// Name is the file name the browser sent.
	Name string
	// Declared is the Content-Type the browser sent for the file.
	Declared string
	// Body is the content; Store reads at most the size limit and one byte.
	Body io.Reader
}

// Service stores and serves uploads.
type Service struct {
	db      *db.DB
	bucket  *blob.Bucket
	clock   clock.Clock
	log     *slog.Logger
	max     int64
	types   []string
	scanner Scanner
}

// New returns the service keeping files in bucket and their rows in d. It
// fails for a negative size limit or a type it cannot recognise by content.
func New(d *db.DB, bucket *blob.Bucket, c clock.Clock, log *slog.Logger, cfg Config) (*Service, error) {
	if cfg.MaxSize < 0 {
		return nil, fmt.Errorf("uploads: size limit must not be negative, got %d", cfg.MaxSize)
	}
	if cfg.MaxSize == 0 {
		cfg.MaxSize = DefaultMaxSize
	}
	types := slices.Clone(cfg.Types)
	if len(types) == 0 {
		types = []string{PDF, JPEG, PNG}
	}
	for _, t := range types {
		if _, ok := kinds[t]; !ok {
			return nil, fmt.Errorf("uploads: type %q is not one of %s, %s, %s", t, PDF, JPEG, PNG)
		}
	}
	if cfg.Scanner == nil {
		cfg.Scanner = NoScan{}
	}
	return &Service{db: d, bucket: bucket, clock: c, log: log, max: cfg.MaxSize,
		types: slices.Compact(slices.Sorted(slices.Values(types))), scanner: cfg.Scanner}, nil
}

// now is the clock's time to the microsecond, the precision PostgreSQL
// stores, so that a File in hand equals the stored one on both engines.
func (s *Service) now() time.Time { return s.clock.Now().UTC().Truncate(time.Microsecond) }

// labels names types to people: "PDF, JPEG, PNG".
func labels(types []string) string {
	out := make([]string, len(types))
	for i, t := range types {
		out[i] = kinds[t].label
	}
	return strings.Join(out, ", ")
}
