package web

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"github.com/egovuz/egov/internal/platform/apperr"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
	"time"
)

//go:embed static
var staticFiles embed.FS

// Assets serves the embedded static files under content-hashed names
// ("/static/css/egov.3fa2c1d4e5.css"), so they can be cached for a year and a
// new build is fetched at once. Text files are gzipped once at start-up.
type Assets struct {
	byName map[string]*asset // "css/egov.css"
	byURL  map[string]*asset // "css/egov.3fa2c1d4e5.css"
}

type asset struct {
	url         string
	contentType string
	etag        string
	body        []byte
	gzipped     []byte
}

func loadAssets() (*Assets, error) {
	a := &Assets{byName: map[string]*asset{}, byURL: map[string]*asset{}}
	err := fs.WalkDir(staticFiles, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := staticFiles.ReadFile(p)
		if err != nil {
			return err
		}
		name := strings.TrimPrefix(p, "static/")
		sum := sha256.Sum256(body)
		hash := hex.EncodeToString(sum[:5])
		ext := path.Ext(name)
		hashed := strings.TrimSuffix(name, ext) + "." + hash + ext
		ct := mime.TypeByExtension(ext)
		if ct == "" {
			ct = "application/octet-stream"
		}
		as := &asset{url: "/static/" + hashed, contentType: ct, etag: `"` + hash + `"`, body: body}
		if compressible(ct) {
			var buf bytes.Buffer
			zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
			zw.Write(body)
			zw.Close()
			if buf.Len() < len(body) {
				as.gzipped = buf.Bytes()
			}
		}
		a.byName[name] = as
		a.byURL[hashed] = as
		return nil
	})
	return a, err
}

// URL returns the hashed URL of a static file. An unknown name yields a
// path that 404s, which tests catch.
func (a *Assets) URL(name string) string {
	if as, ok := a.byName[name]; ok {
		return as.url
	}
	return "/static/missing/" + name
}

// serve answers GET /static/{path...}: hashed names are immutable; the plain
// name also works, with revalidation, for links from outside.
func (a *Assets) serve(w http.ResponseWriter, r *http.Request) error {
	name := r.PathValue("path")
	as, immutable := a.byURL[name]
	if !immutable {
		as = a.byName[name]
	}
	if as == nil {
		return apperr.New(apperr.ENOTFOUND, "error.page_not_found")
	}
	h := w.Header()
	h.Set("Content-Type", as.contentType)
	h.Set("ETag", as.etag)
	if immutable {
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		h.Set("Cache-Control", "public, max-age=0, must-revalidate")
	}
	body := as.body
	if as.gzipped != nil && acceptsGzip(r.Header.Get("Accept-Encoding")) {
		h.Set("Content-Encoding", "gzip")
		body = as.gzipped
	}
	// ServeContent answers If-None-Match from the ETag and serves ranges.
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(body))
	return nil
}
