package uploads_test

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/egovuz/egov/internal/platform/apperr"
	"github.com/egovuz/egov/internal/platform/blob"
	"github.com/egovuz/egov/internal/platform/clock"
	"github.com/egovuz/egov/internal/platform/db"
	"github.com/egovuz/egov/internal/uploads"
)

// start is the test clock's time.
var start = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

// fixture is a Service on a fresh database and bucket, with the test clock.
type fixture struct {
	svc    *uploads.Service
	d      *db.DB
	bucket *blob.Bucket
	clock  *clock.Manual
}

func newFixture(t *testing.T, d *db.DB, cfg uploads.Config) fixture {
	t.Helper()
	b, err := blob.Open(context.Background(), blob.DefaultURL(t.TempDir()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	c := clock.NewManual(start)
	svc, err := uploads.New(d, b, c, slog.New(slog.NewTextHandler(io.Discard, nil)), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return fixture{svc: svc, d: d, bucket: b, clock: c}
}

// store stores body for owner as name, declared as declared, and fails the
// test on an error.
func (fx fixture) store(t *testing.T, owner, name, declared string, body []byte) uploads.File {
	t.Helper()
	f, err := fx.svc.Store(context.Background(), uploads.Upload{Owner: owner, Name: name, Declared: declared, Body: bytes.NewReader(body)})
	if err != nil {
		t.Fatalf("store %s: %v", name, err)
	}
	return f
}

// exists tells whether f's content is in the bucket.
func (fx fixture) exists(t *testing.T, f uploads.File) bool {
	t.Helper()
	ok, err := fx.bucket.Exists(context.Background(), uploads.BlobKey(f))
	if err != nil {
		t.Fatal(err)
	}
	return ok
}

// wantCode fails the test unless err carries code and, if key is not
// empty, that message key.
func wantCode(t *testing.T, err error, code, key string) {
	t.Helper()
	e := apperr.As(err)
	if e == nil || e.Code != code || (key != "" && e.Message != key) {
		t.Fatalf("error %v, want %s %s", err, code, key)
	}
}

// samplePDF is a small, valid one-page PDF with correct cross-references;
// extra goes into a comment, e.g. to carry the EICAR string.
func samplePDF(extra string) []byte {
	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
	objects := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
	}
	offsets := make([]int, len(objects))
	for i, o := range objects {
		offsets[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	if extra != "" {
		b.WriteString("%" + extra + "\n")
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objects)+1)
	for _, off := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objects)+1, xref)
	return b.Bytes()
}

// sampleImage is a small picture with some colour in it.
func sampleImage() image.Image {
	img := image.NewRGBA(image.Rect(0, 0, 8, 8))
	for x := range 8 {
		for y := range 8 {
			img.Set(x, y, color.RGBA{uint8(x * 30), uint8(y * 30), 120, 255})
		}
	}
	return img
}

func samplePNG() []byte {
	var b bytes.Buffer
	if err := png.Encode(&b, sampleImage()); err != nil {
		panic(err)
	}
	return b.Bytes()
}

func sampleJPEG() []byte {
	var b bytes.Buffer
	if err := jpeg.Encode(&b, sampleImage(), nil); err != nil {
		panic(err)
	}
	return b.Bytes()
}
