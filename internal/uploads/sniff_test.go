package uploads_test

import (
	"bytes"
	"io"
	"log/slog"
	"mime"
	"slices"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/egovuz/egov/internal/uploads"
)

func TestSniff(t *testing.T) {
	pdf, jpg, png := samplePDF(""), sampleJPEG(), samplePNG()
	for _, tt := range []struct {
		name string
		body []byte
		want string
	}{
		{"pdf", pdf, uploads.PDF},
		{"jpeg", jpg, uploads.JPEG},
		{"png", png, uploads.PNG},
		{"pdf with data after the marker", append(slices.Clone(pdf), "\n\n"...), uploads.PDF},
		{"pdf without its end", pdf[:len(pdf)-10], ""},
		{"pdf header without a version", []byte("%PDF-x.y\n%%EOF"), ""},
		{"pdf not at the start", append([]byte(" "), pdf...), ""},
		{"jpeg without its end", jpg[:len(jpg)-2], ""},
		{"jpeg start only", []byte{0xFF, 0xD8, 0xFF}, ""},
		{"png without IHDR", []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIDAT"), ""},
		{"text", []byte("salom"), ""},
		{"html", []byte("<!DOCTYPE html><p>x</p>"), ""},
		{"gif", []byte("GIF89a...."), ""},
		{"zip", []byte("PK\x03\x04\x14\x00"), ""},
		{"nothing", nil, ""},
	} {
		if got := uploads.Sniff(tt.body); got != tt.want {
			t.Errorf("%s: Sniff = %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestCleanName(t *testing.T) {
	long := strings.Repeat("ш", 150)
	for _, tt := range []struct{ in, want string }{
		{"Vasiylik qarori.pdf", "Vasiylik qarori.pdf"},
		{"Oʻgʻlimning guvohnomasi.pdf", "Oʻgʻlimning guvohnomasi.pdf"},
		{"Свидетельство о рождении.pdf", "Свидетельство о рождении.pdf"},
		{"../../etc/passwd", "passwd"},
		{`C:\Documents and Settings\Ali\Desktop\scan.jpg`, "scan.jpg"},
		{"a\x00b\r\nc\t d.png", "ab c d.png"},
		{"invoice\u202Efdp.exe", "invoicefdp.exe"},
		{"  ..hidden. ", "hidden"},
		{`what<>:"|?*.pdf`, "what_______.pdf"},
		{"e\u0301\u200Dtude.pdf", "\u00e9tude.pdf"},
		{"bad\xff\xfeutf8.pdf", "badutf8.pdf"},
		{"...", ""},
		{"", ""},
		{long + ".pdf", strings.Repeat("ш", 96) + ".pdf"},
		{long, strings.Repeat("ш", 100)},
	} {
		if got := uploads.CleanName(tt.in); got != tt.want {
			t.Errorf("CleanName(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestContentDisposition(t *testing.T) {
	for _, tt := range []struct{ name, want string }{
		{"qaror.pdf", `attachment; filename="qaror.pdf"; filename*=UTF-8''qaror.pdf`},
		{"Oʻg ʻil.pdf", `attachment; filename="O_g _il.pdf"; filename*=UTF-8''O%CA%BBg%20%CA%BBil.pdf`},
		{"скан.png", `attachment; filename="____.png"; filename*=UTF-8''%D1%81%D0%BA%D0%B0%D0%BD.png`},
	} {
		if got := uploads.ContentDisposition(tt.name); got != tt.want {
			t.Errorf("ContentDisposition(%q) = %s, want %s", tt.name, got, tt.want)
		}
	}
}

// FuzzSniffAndName feeds the checks of Store any bytes, name and declared
// type: they must never panic, never accept a type outside the allowed
// ones or one the bytes are not, and always give a clean name that a
// download header carries unchanged.
func FuzzSniffAndName(f *testing.F) {
	f.Add(samplePDF(""), "qaror.pdf", "application/pdf")
	f.Add(samplePNG(), "../a\u202Egnp.exe", "application/pdf")
	f.Add(sampleJPEG(), `C:\x\surat.jpg`, "image/jpg")
	f.Add([]byte("%PDF-1.4\n%%EOF"), "a\x00.pdf", "")
	f.Add([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR"), "  .png", "image/png; x=1")
	f.Add([]byte{0xFF, 0xD8, 0xFF, 0xE0, 0xFF, 0xD9}, strings.Repeat("ў", 120)+".jpeg", "text/html")
	f.Add([]byte("hello"), "e\u0301.txt", ";;")
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	onlyPDF, err := uploads.New(nil, nil, nil, log, uploads.Config{MaxSize: 1 << 16, Types: []string{uploads.PDF}})
	if err != nil {
		f.Fatal(err)
	}
	all, err := uploads.New(nil, nil, nil, log, uploads.Config{MaxSize: 1 << 16})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, body []byte, name, declared string) {
		sniffed := uploads.Sniff(body)
		signature := map[string]string{uploads.PDF: "%PDF-", uploads.JPEG: "\xFF\xD8\xFF", uploads.PNG: "\x89PNG\r\n\x1a\n", "": ""}
		prefix, known := signature[sniffed]
		if !known || !bytes.HasPrefix(body, []byte(prefix)) {
			t.Fatalf("Sniff = %q for %q", sniffed, body)
		}
		clean := uploads.CleanName(name)
		checkName(t, clean, 100)
		if again := uploads.CleanName(clean); again != clean {
			t.Fatalf("CleanName is not stable: %q, then %q", clean, again)
		}
		for _, tt := range []struct {
			svc     *uploads.Service
			allowed []string
		}{{onlyPDF, []string{uploads.PDF}}, {all, []string{uploads.PDF, uploads.JPEG, uploads.PNG}}} {
			file, err := tt.svc.Inspect(uploads.Upload{Owner: "u", Name: name, Declared: declared, Body: bytes.NewReader(body)})
			if err != nil {
				continue
			}
			if !slices.Contains(tt.allowed, file.ContentType) || file.ContentType != sniffed {
				t.Fatalf("accepted %q as %q (sniffed %q), allowed %v", body, file.ContentType, sniffed, tt.allowed)
			}
			if file.Name == "" {
				t.Fatal("accepted with no name")
			}
			checkName(t, file.Name, 100)
			_, params, err := mime.ParseMediaType(uploads.ContentDisposition(file.Name))
			if err != nil || params["filename"] != file.Name {
				t.Fatalf("Content-Disposition of %q reads back as %q, %v", file.Name, params["filename"], err)
			}
		}
	})
}

// checkName fails the test unless name is fit to show and to save.
func checkName(t *testing.T, name string, maxRunes int) {
	t.Helper()
	if !utf8.ValidString(name) || utf8.RuneCountInString(name) > maxRunes ||
		strings.ContainsAny(name, "/\\<>:\"|?*") || strings.HasPrefix(name, ".") || strings.HasPrefix(name, " ") ||
		strings.HasSuffix(name, ".") || strings.HasSuffix(name, " ") || strings.Contains(name, "  ") {
		t.Fatalf("unclean name %q", name)
	}
	for _, r := range name {
		if unicode.IsControl(r) || unicode.In(r, unicode.Cf, unicode.Co) || (unicode.IsSpace(r) && r != ' ') {
			t.Fatalf("name %q has %U", name, r)
		}
	}
}
