package uploads

import (
	"bytes"
	"context"

	"github.com/egovuz/egov/internal/platform/apperr"
)

// Scanner checks a file before it is stored, e.g. with an antivirus engine.
// f describes the file (its type is already checked); body is all of it,
// which Scan must neither change nor keep.
// Scan returns nil to accept the file and an *apperr.Error to refuse it,
// whose Message is the message key of the verdict (MsgInfected or the
// scanner's own); Store returns that as EINVALID. Any other error means the
// file could not be checked: Store then fails and stores nothing.
type Scanner interface {
	Scan(ctx context.Context, f File, body []byte) error
}

// NoScan is the default Scanner: it accepts every file.
type NoScan struct{}

// Scan accepts f.
func (NoScan) Scan(context.Context, File, []byte) error { return nil }

// EICAR is a Scanner for tests and demonstrations that refuses any file
// containing the EICAR antivirus test string, the harmless stand-in for
// malware that real engines also detect, so that the refusal path can be
// shown without a virus engine.
type EICAR struct{}

// eicar is the EICAR test string, written in two halves so that a virus
// engine on a developer's machine does not quarantine this source file.
const eicar = `X5O!P%@AP[4\PZX54(P^)7CC)7}$` + `EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*`

// Scan refuses a body that contains the EICAR test string.
func (EICAR) Scan(_ context.Context, _ File, body []byte) error {
	if bytes.Contains(body, []byte(eicar)) {
		return apperr.New(apperr.EINVALID, MsgInfected)
	}
	return nil
}
