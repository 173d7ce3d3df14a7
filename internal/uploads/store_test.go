package uploads_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/egovuz/egov/internal/platform/apperr"
	"github.com/egovuz/egov/internal/platform/db"
	"github.com/egovuz/egov/internal/platform/db/dbtest"
	"github.com/egovuz/egov/internal/uploads"
	gblob "gocloud.dev/blob"
)

const limit = 4096

// pdfOfSize is a valid PDF of exactly n bytes.
func pdfOfSize(n int) []byte {
	pad := 1
	for {
		b := samplePDF(strings.Repeat("x", pad))
		if len(b) >= n {
			// The offsets may have grown a digit: take the padding back.
			if b = samplePDF(strings.Repeat("x", pad-(len(b)-n))); len(b) != n {
				panic("no PDF of that size")
			}
			return b
		}
		pad += n - len(b)
	}
}

func TestStore(t *testing.T) {
	pdf, jpg, png := samplePDF(""), sampleJPEG(), samplePNG()
	for _, tt := range []struct {
		name     string
		file     string
		declared string
		body     []byte
		// wantType and wantName are the accepted file's; key and args the
		// refusal's.
		wantType, wantName string
		key                string
		args               []any
	}{
		{name: "pdf", file: "Vasiylik qarori.pdf", declared: "application/pdf", body: pdf, wantType: uploads.PDF, wantName: "Vasiylik qarori.pdf"},
		{name: "jpeg", file: "surat.JPG", declared: "image/jpeg", body: jpg, wantType: uploads.JPEG, wantName: "surat.JPG"},
		{name: "jpeg as image/jpg", file: "surat.jpeg", declared: "image/jpg", body: jpg, wantType: uploads.JPEG, wantName: "surat.jpeg"},
		{name: "png", file: "скан паспорта.png", declared: "image/png", body: png, wantType: uploads.PNG, wantName: "скан паспорта.png"},
		{name: "png declared generic", file: "scan", declared: "application/octet-stream", body: png, wantType: uploads.PNG, wantName: "scan.png"},
		{name: "png declared nothing", file: "", declared: "", body: png, wantType: uploads.PNG, wantName: "file.png"},
		{name: "png with parameters", file: "a.png", declared: "image/PNG; name=a.png", body: png, wantType: uploads.PNG, wantName: "a.png"},
		{name: "path and spoofed name", file: `C:\Users\Ali\..\qaror` + "\u202E" + `fdp.exe`, declared: "application/pdf", body: pdf, wantType: uploads.PDF, wantName: "qarorfdp.exe.pdf"},
		{name: "exactly the limit", file: "big.pdf", declared: "application/pdf", body: pdfOfSize(limit), wantType: uploads.PDF, wantName: "big.pdf"},

		{name: "one byte over the limit", file: "big.pdf", declared: "application/pdf", body: pdfOfSize(limit + 1), key: uploads.MsgTooLargeKB, args: []any{int64(4)}},
		{name: "empty", file: "a.pdf", declared: "application/pdf", key: uploads.MsgEmpty},
		{name: "png declared as pdf", file: "a.pdf", declared: "application/pdf", body: png, key: uploads.MsgMismatch, args: []any{"PDF", "PNG"}},
		{name: "pdf declared as jpeg", file: "a.jpg", declared: "image/jpeg", body: pdf, key: uploads.MsgMismatch, args: []any{"JPEG", "PDF"}},
		{name: "pdf declared as text", file: "a.txt", declared: "text/plain", body: pdf, key: uploads.MsgMismatch, args: []any{"text/plain", "PDF"}},
		{name: "unparsable declaration", file: "a.pdf", declared: "application/pdf;;;\x01", body: pdf, key: uploads.MsgMismatch, args: []any{"application/pdf;;;", "PDF"}},
		{name: "text declared as pdf", file: "a.pdf", declared: "application/pdf", body: []byte("Hurmatli hokim, ilovada qaror bor.\n"), key: uploads.MsgType, args: []any{"PDF, JPEG, PNG"}},
		{name: "pdf header on text", file: "a.pdf", declared: "application/pdf", body: []byte("%PDF-1.7 this is not a document"), key: uploads.MsgType},
		{name: "truncated pdf", file: "a.pdf", declared: "application/pdf", body: pdf[:len(pdf)-40], key: uploads.MsgType},
		{name: "html", file: "a.html", declared: "application/pdf", body: []byte("<html><script>alert(1)</script></html>"), key: uploads.MsgType},
		{name: "gif", file: "a.gif", declared: "image/gif", body: []byte("GIF89a\x01\x00\x01\x00\x00\x00\x00;"), key: uploads.MsgType},
		{name: "png signature only", file: "a.png", declared: "image/png", body: png[:8], key: uploads.MsgType},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dbtest.Each(t, []db.Migrations{uploads.Migrations()}, func(t *testing.T, d *db.DB) {
				fx := newFixture(t, d, uploads.Config{MaxSize: limit})
				ctx := context.Background()
				f, err := fx.svc.Store(ctx, uploads.Upload{Owner: "u1", Name: tt.file, Declared: tt.declared, Body: bytes.NewReader(tt.body)})
				if tt.key != "" {
					wantCode(t, err, apperr.EINVALID, tt.key)
					if tt.args != nil && !slices.Equal(apperr.As(err).Args, tt.args) {
						t.Errorf("args %q, want %q", apperr.As(err).Args, tt.args)
					}
					assertNothingStored(t, fx)
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				sum := sha256.Sum256(tt.body)
				if f.ContentType != tt.wantType || f.Name != tt.wantName || f.Size != int64(len(tt.body)) ||
					f.SHA256 != hex.EncodeToString(sum[:]) || f.OwnerID != "u1" || f.ClaimedBy != "" || !f.CreatedAt.Equal(start) {
					t.Errorf("stored %+v", f)
				}
				if len(f.ID) < 26 || strings.Contains(uploads.BlobKey(f), f.ID) {
					t.Errorf("ID %q or key %q is not random and separate", f.ID, uploads.BlobKey(f))
				}
				got, err := fx.svc.Find(ctx, "u1", f.ID)
				if err != nil || got != f {
					t.Errorf("Find = %+v, %v; want %+v", got, err, f)
				}
				_, r, err := fx.svc.Open(ctx, "u1", f.ID)
				if err != nil {
					t.Fatal(err)
				}
				defer r.Close()
				if content, _ := io.ReadAll(r); !bytes.Equal(content, tt.body) {
					t.Error("content read back differs")
				}
			})
		})
	}
}

// assertNothingStored checks that neither a row nor content was left.
func assertNothingStored(t *testing.T, fx fixture) {
	t.Helper()
	var n int
	if err := fx.d.Reader().QueryRow(`SELECT COUNT(*) FROM uploads_files`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if _, err := fx.bucket.List(nil).Next(context.Background()); n != 0 || !errors.Is(err, io.EOF) {
		t.Errorf("a refused upload left %d rows, content: %v", n, err)
	}
}

// endless is a body that never ends, counting what was read of it.
type endless struct{ read int64 }

func (e *endless) Read(p []byte) (int, error) {
	clear(p)
	e.read += int64(len(p))
	return len(p), nil
}

func TestStoreReadsAtMostTheLimit(t *testing.T) {
	dbtest.Each(t, []db.Migrations{uploads.Migrations()}, func(t *testing.T, d *db.DB) {
		fx := newFixture(t, d, uploads.Config{})
		body := &endless{}
		_, err := fx.svc.Store(context.Background(), uploads.Upload{Owner: "u1", Name: "a.pdf", Body: body})
		wantCode(t, err, apperr.EINVALID, uploads.MsgTooLargeMB)
		if args := apperr.As(err).Args; !slices.Equal(args, []any{int64(10)}) {
			t.Errorf("args %v, want the default limit of 10 MB", args)
		}
		if body.read != uploads.DefaultMaxSize+1 {
			t.Errorf("read %d bytes, want the limit and one", body.read)
		}
	})
}

// failingScanner cannot check files.
type failingScanner struct{}

func (failingScanner) Scan(context.Context, uploads.File, []byte) error {
	return errors.New("engine unreachable")
}

func TestScanner(t *testing.T) {
	eicar := `X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR` + `-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*`
	dbtest.Each(t, []db.Migrations{uploads.Migrations()}, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		fx := newFixture(t, d, uploads.Config{Scanner: uploads.EICAR{}})
		infected := samplePDF(eicar)
		_, err := fx.svc.Store(ctx, uploads.Upload{Owner: "u1", Name: "a.pdf", Declared: "application/pdf", Body: bytes.NewReader(infected)})
		wantCode(t, err, apperr.EINVALID, uploads.MsgInfected)
		assertNothingStored(t, fx)

		broken := newFixture(t, d, uploads.Config{Scanner: failingScanner{}})
		_, err = broken.svc.Store(ctx, uploads.Upload{Owner: "u1", Name: "a.pdf", Body: bytes.NewReader(samplePDF(""))})
		if err == nil || apperr.Code(err) != apperr.EINTERNAL {
			t.Errorf("a file that could not be scanned: %v, want an internal error", err)
		}
		assertNothingStored(t, broken)

		fx.store(t, "u1", "clean.pdf", "application/pdf", samplePDF("EICAR"))

		open := newFixture(t, d, uploads.Config{})
		open.store(t, "u1", "a.pdf", "application/pdf", infected)
	})
}

func TestStoreRemovesContentWhenTheRowFails(t *testing.T) {
	dbtest.Each(t, []db.Migrations{uploads.Migrations()}, func(t *testing.T, d *db.DB) {
		fx := newFixture(t, d, uploads.Config{})
		d.Close()
		_, err := fx.svc.Store(context.Background(), uploads.Upload{Owner: "u1", Name: "a.png", Body: bytes.NewReader(samplePNG())})
		if err == nil {
			t.Fatal("stored without a database")
		}
		if _, err := fx.bucket.List(&gblob.ListOptions{}).Next(context.Background()); !errors.Is(err, io.EOF) {
			t.Errorf("content left behind: %v", err)
		}
	})
}

func TestStoreWithoutOwner(t *testing.T) {
	dbtest.Each(t, []db.Migrations{uploads.Migrations()}, func(t *testing.T, d *db.DB) {
		fx := newFixture(t, d, uploads.Config{})
		if _, err := fx.svc.Store(context.Background(), uploads.Upload{Name: "a.png", Body: bytes.NewReader(samplePNG())}); err == nil {
			t.Error("stored a file of nobody")
		}
	})
}

func TestNewRefusesBadConfig(t *testing.T) {
	for _, cfg := range []uploads.Config{{MaxSize: -1}, {Types: []string{"image/gif"}}, {Types: []string{uploads.PDF, "text/html"}}} {
		if _, err := uploads.New(nil, nil, nil, nil, cfg); err == nil {
			t.Errorf("New(%+v) accepted", cfg)
		}
	}
}

func TestConfiguredTypes(t *testing.T) {
	dbtest.Each(t, []db.Migrations{uploads.Migrations()}, func(t *testing.T, d *db.DB) {
		fx := newFixture(t, d, uploads.Config{Types: []string{uploads.PDF}})
		_, err := fx.svc.Store(context.Background(), uploads.Upload{Owner: "u1", Name: "a.png", Declared: "image/png", Body: bytes.NewReader(samplePNG())})
		wantCode(t, err, apperr.EINVALID, uploads.MsgType)
		if args := apperr.As(err).Args; !slices.Equal(args, []any{"PDF"}) {
			t.Errorf("args %v, want only PDF", args)
		}
		fx.store(t, "u1", "a.pdf", "application/pdf", samplePDF(""))
	})
}
