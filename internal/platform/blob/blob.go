// Package blob opens egov's object storage for documents and files: a folder in
// the data dir by default, any S3-compatible store at scale, through
// gocloud.dev/blob so modules see one Bucket API either way.
package blob

import (
	"context"
	"fmt"
	"net/url"
	"path/filepath"

	"gocloud.dev/blob"
	_ "gocloud.dev/blob/fileblob" // file:// buckets
	_ "gocloud.dev/blob/memblob"  // mem:// buckets, for tests
	_ "gocloud.dev/blob/s3blob"   // s3:// buckets
)

// Bucket is the object store modules use.
type Bucket = blob.Bucket

// DefaultURL is the bucket inside dataDir used when no URL is configured.
func DefaultURL(dataDir string) string {
	abs, err := filepath.Abs(filepath.Join(dataDir, "blobs"))
	if err != nil {
		abs = filepath.Join(dataDir, "blobs")
	}
	u := url.URL{Scheme: "file", Path: filepath.ToSlash(abs), RawQuery: "create_dir=1&no_tmp_dir=1"}
	return u.String()
}

// CheckURL reports whether raw names a supported bucket, without opening it.
func CheckURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("blob URL: %w", err)
	}
	switch u.Scheme {
	case "file", "mem":
		return nil
	case "s3":
		if u.Host == "" {
			return fmt.Errorf("blob URL %q: s3 bucket name is missing", raw)
		}
		return nil
	}
	return fmt.Errorf("blob URL %q: unsupported scheme (use file://, s3:// or mem://)", raw)
}

// Open opens the bucket at raw and checks that it can be reached.
func Open(ctx context.Context, raw string) (*Bucket, error) {
	if err := CheckURL(raw); err != nil {
		return nil, err
	}
	b, err := blob.OpenBucket(ctx, raw)
	if err != nil {
		return nil, fmt.Errorf("open blob store: %w", err)
	}
	if err := Ready(ctx, b); err != nil {
		b.Close()
		return nil, err
	}
	return b, nil
}

// Ready checks that the bucket answers, for /readyz.
func Ready(ctx context.Context, b *Bucket) error {
	ok, err := b.IsAccessible(ctx)
	if err != nil {
		return fmt.Errorf("blob store: %w", err)
	}
	if !ok {
		return fmt.Errorf("blob store is not accessible")
	}
	return nil
}
