package blob_test

import (
	"context"
	"io"
	"strings"
	"testing"

	"github.com/egovuz/egov/internal/platform/blob"
)

func TestFileBucketRoundTrip(t *testing.T) {
	ctx := context.Background()
	b, err := blob.Open(ctx, blob.DefaultURL(t.TempDir()))
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if err := b.WriteAll(ctx, "docs/a.txt", []byte("salom"), nil); err != nil {
		t.Fatal(err)
	}
	r, err := b.NewReader(ctx, "docs/a.txt", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	got, _ := io.ReadAll(r)
	if string(got) != "salom" {
		t.Errorf("read %q, want salom", got)
	}
}

func TestCheckURL(t *testing.T) {
	for _, tt := range []struct {
		url string
		ok  bool
	}{
		{"file:///var/lib/egov/blobs", true},
		{"s3://egov-docs?region=uz-1", true},
		{"mem://", true},
		{"s3://", false},
		{"ftp://x/y", false},
		{"://bad", false},
	} {
		err := blob.CheckURL(tt.url)
		if (err == nil) != tt.ok {
			t.Errorf("CheckURL(%q) = %v, want ok=%v", tt.url, err, tt.ok)
		}
		if err != nil && !strings.Contains(err.Error(), "blob URL") {
			t.Errorf("CheckURL(%q) error %q does not say what is wrong", tt.url, err)
		}
	}
}
