package main

import (
	"context"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/egovuz/egov/internal/app"
	"github.com/egovuz/egov/internal/pki"
	"github.com/egovuz/egov/internal/pki/cades"
	"github.com/egovuz/egov/internal/pki/cms"
	"github.com/egovuz/egov/internal/pki/tsp"
)

// pkiActor signs the audit entries of CA operations from the command line.
const pkiActor = "operator (command line)"

// pkiUsage lists the pki subcommands.
const pkiUsage = `Usage:
  egov pki init-root --out DIR [--cn NAME]          make a root CA: DIR/root.p12 (keep it offline) and DIR/root.pem
  egov pki init-issuing --root FILE [--cn NAME --org NAME] [flags]
                                                    certify a new issuing CA with the root and make it issue
  egov pki renew-root-crl --root FILE [flags]       sign the root's CRL again (yearly)
  egov pki keygen --pinfl PINFL --name NAME --out PREFIX
                                                    make a P-256 key (PREFIX.key) and a request (PREFIX.csr)
  egov pki sign --key FILE.p12 --in FILE [--out FILE.p7s] [--tsa URL]
                                                    sign a file: CAdES B-B, or B-T with a timestamp from URL

Passwords of .p12 files are read from EGOV_PKI_PASSWORD or --password-file.`

// cmdPKI runs the certificate authority's operator commands and the
// holder's key commands.
func cmdPKI(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || isHelp(args[0]) {
		fmt.Fprintln(stdout, pkiUsage)
		return nil
	}
	sub, rest := args[0], args[1:]
	switch sub {
	case "init-root":
		return pkiInitRoot(rest, stdout, stderr)
	case "init-issuing", "renew-root-crl":
		return pkiWithRoot(ctx, sub, rest, stdout, stderr)
	case "keygen":
		return pkiKeygen(rest, stdout, stderr)
	case "sign":
		return pkiSign(ctx, rest, stdout, stderr)
	}
	return &app.ConfigError{Msg: fmt.Sprintf("unknown pki command %q (see 'egov pki --help')", sub)}
}

// toolFlags parses the flags of a command that needs no configuration.
func toolFlags(name string, args []string, stderr io.Writer, define func(fs *flag.FlagSet)) error {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	define(fs)
	if err := parseFlags(fs, args, stderr, pkiUsage); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return &app.ConfigError{Msg: fmt.Sprintf("egov %s takes no arguments, got %q", name, fs.Arg(0))}
	}
	return nil
}

// password reads a key file's password from the file named, or from
// EGOV_PKI_PASSWORD.
func password(file string) (string, error) {
	if file != "" {
		b, err := os.ReadFile(file)
		if err != nil {
			return "", &app.ConfigError{Msg: fmt.Sprintf("--password-file: %v", err)}
		}
		return strings.TrimRight(string(b), "\r\n"), nil
	}
	if p := os.Getenv("EGOV_PKI_PASSWORD"); p != "" {
		return p, nil
	}
	return "", &app.ConfigError{Msg: "a password is needed: set EGOV_PKI_PASSWORD or --password-file"}
}

func pkiInitRoot(args []string, stdout, stderr io.Writer) error {
	var out, cn, pwFile string
	if err := toolFlags("pki init-root", args, stderr, func(fs *flag.FlagSet) {
		fs.StringVar(&out, "out", "", "folder to write root.p12 and root.pem into")
		fs.StringVar(&cn, "cn", "egov Root CA", "the root's common name")
		fs.StringVar(&pwFile, "password-file", "", "file holding the password of root.p12")
	}); err != nil {
		return err
	}
	if out == "" {
		return &app.ConfigError{Msg: "pki init-root needs --out"}
	}
	pw, err := password(pwFile)
	if err != nil {
		return err
	}
	root, err := pki.GenerateRoot(cn, time.Now(), 0)
	if err != nil {
		return err
	}
	if err := root.WriteFiles(out, pw); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "root CA %q valid until %s written to %s\n", root.Cert.Subject.CommonName, root.Cert.NotAfter.Format("2006-01-02"), filepath.Join(out, "root.p12"))
	return nil
}

// pkiWithRoot runs the commands that bring the root key to the database:
// certifying an issuing CA and renewing the root's CRL.
func pkiWithRoot(ctx context.Context, sub string, args []string, stdout, stderr io.Writer) error {
	var rootFile, cn, org, pwFile string
	cfg, rest, err := loadConfig("pki "+sub, args, stderr, pkiUsage, func(fs *flag.FlagSet) {
		fs.StringVar(&rootFile, "root", "", "the root's PKCS#12 file from init-root")
		fs.StringVar(&pwFile, "password-file", "", "file holding the root file's password")
		if sub == "init-issuing" {
			fs.StringVar(&cn, "cn", "egov Issuing CA", "the issuing CA's common name")
			fs.StringVar(&org, "org", "", "the issuing CA's organisation")
		}
	})
	if err != nil {
		return err
	}
	if rootFile == "" || len(rest) > 0 {
		return &app.ConfigError{Msg: "pki " + sub + " needs --root and no arguments"}
	}
	pw, err := password(pwFile)
	if err != nil {
		return err
	}
	data, err := os.ReadFile(rootFile)
	if err != nil {
		return &app.ConfigError{Msg: fmt.Sprintf("--root: %v", err)}
	}
	root, err := pki.ParseRoot(data, pw)
	if err != nil {
		return fmt.Errorf("--root: %w", err)
	}
	a, err := app.Open(ctx, cfg, app.NewLogger(cfg, stderr))
	if err != nil {
		return err
	}
	defer a.Close()
	if sub == "renew-root-crl" {
		if err := a.PKI.RenewRootCRL(ctx, pkiActor, root); err != nil {
			return err
		}
		fmt.Fprintln(stdout, "root CRL signed")
		return nil
	}
	ca, err := a.PKI.CreateIssuingCA(ctx, pkiActor, root, cn, org)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "issuing CA %q (%s) now issues, valid until %s\n", ca.Cert.Subject.CommonName, ca.Name, ca.Cert.NotAfter.Format("2006-01-02"))
	return nil
}

// oidSerialNumber is the subject attribute that carries the PINFL.
var oidSerialNumber = asn1.ObjectIdentifier{2, 5, 4, 5}

func pkiKeygen(args []string, stdout, stderr io.Writer) error {
	var pinfl, name, out string
	if err := toolFlags("pki keygen", args, stderr, func(fs *flag.FlagSet) {
		fs.StringVar(&pinfl, "pinfl", "", "the holder's PINFL (14 digits)")
		fs.StringVar(&name, "name", "", "the holder's name as in their documents")
		fs.StringVar(&out, "out", "", "file prefix: writes PREFIX.key and PREFIX.csr")
	}); err != nil {
		return err
	}
	if len(pinfl) != 14 || strings.Trim(pinfl, "0123456789") != "" || strings.TrimSpace(name) == "" || out == "" {
		return &app.ConfigError{Msg: "pki keygen needs --pinfl (14 digits), --name and --out"}
	}
	key, err := pki.GenerateKey()
	if err != nil {
		return err
	}
	subject := pkix.Name{CommonName: strings.TrimSpace(name), Country: []string{"UZ"},
		ExtraNames: []pkix.AttributeTypeAndValue{{Type: oidSerialNumber, Value: pinfl}}}
	csr, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{Subject: subject}, key)
	if err != nil {
		return err
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return err
	}
	if err := pki.WriteNewFile(out+".key", pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})); err != nil {
		return err
	}
	if err := pki.WriteNewFile(out+".csr", pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: csr})); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "key %s.key (keep it; it never leaves you) and request %s.csr (send it to enrol)\n", out, out)
	return nil
}

func pkiSign(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var keyFile, in, out, tsaURL, pwFile string
	if err := toolFlags("pki sign", args, stderr, func(fs *flag.FlagSet) {
		fs.StringVar(&keyFile, "key", "", "the signer's PKCS#12 file (key, certificate and chain)")
		fs.StringVar(&pwFile, "password-file", "", "file holding the key file's password")
		fs.StringVar(&in, "in", "", "the file to sign")
		fs.StringVar(&out, "out", "", "where to write the signature; default: the file's name + .p7s")
		fs.StringVar(&tsaURL, "tsa", "", "a timestamp authority's URL (e.g. https://my.gov.uz/pki/tsa): makes a B-T signature")
	}); err != nil {
		return err
	}
	if keyFile == "" || in == "" {
		return &app.ConfigError{Msg: "pki sign needs --key and --in"}
	}
	if out == "" {
		out = in + ".p7s"
	}
	pw, err := password(pwFile)
	if err != nil {
		return err
	}
	data, err := os.ReadFile(keyFile)
	if err != nil {
		return &app.ConfigError{Msg: fmt.Sprintf("--key: %v", err)}
	}
	kf, err := pki.ReadPKCS12(data, pw)
	if err != nil {
		return fmt.Errorf("--key: %w", err)
	}
	content, err := os.ReadFile(in)
	if err != nil {
		return &app.ConfigError{Msg: fmt.Sprintf("--in: %v", err)}
	}
	opts := cades.SignOptions{Level: cades.LevelBB}
	if tsaURL != "" {
		opts.Level, opts.TSA = cades.LevelBT, tsp.Client{URL: tsaURL}
	}
	sig, err := cades.Sign(ctx, content, cms.Signer{Key: kf.Key, Cert: kf.Cert, Chain: kf.Chain}, opts)
	if err != nil {
		return err
	}
	if err := pki.WriteNewFile(out, sig); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s signature of %s by %s written to %s\n", opts.Level, in, kf.Cert.Subject.CommonName, out)
	return nil
}
