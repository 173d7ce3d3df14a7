package main

import (
	"bytes"
	"context"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/egovuz/egov/internal/app"
	"github.com/egovuz/egov/internal/bus/msglog"
	"github.com/egovuz/egov/internal/pki"
	"github.com/egovuz/egov/internal/pki/cades"
	"github.com/egovuz/egov/internal/pki/cms"
	"github.com/egovuz/egov/internal/platform/apperr"
)

// busUsage lists the bus subcommands.
const busUsage = `Usage:
  egov bus evidence --gateway G --query-id Q [--out FILE.zip] [flags]
                                  an exchange's evidence for an auditor, from the database or the archive
                                  (to standard output without --out)
  egov bus verify-evidence --roots ROOT.pem FILE.zip
                                  check an evidence bundle as an auditor would, offline
  egov bus archive --gateway G --key FILE.p12 [--older-than 720h] [flags]
                                  move the gateway's timestamped records older than that into signed
                                  archive files in the blob store (signed with the key in FILE.p12)
  egov bus verify-log --gateway G [flags]
                                  check the gateway's message log: its archive files, then the database

Passwords of .p12 files are read from EGOV_PKI_PASSWORD or --password-file.`

// cmdBus runs the exchange bus's message log commands: evidence for
// auditors, archiving and verification.
func cmdBus(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || isHelp(args[0]) {
		fmt.Fprintln(stdout, busUsage)
		return nil
	}
	sub, rest := args[0], args[1:]
	switch sub {
	case "evidence":
		return busEvidence(ctx, rest, stdout, stderr)
	case "verify-evidence":
		return busVerifyEvidence(ctx, rest, stdout, stderr)
	case "archive":
		return busArchive(ctx, rest, stdout, stderr)
	case "verify-log":
		return busVerifyLog(ctx, rest, stdout, stderr)
	}
	return &app.ConfigError{Msg: fmt.Sprintf("unknown bus command %q (see 'egov bus --help')", sub)}
}

// openMessageLog opens the node for a bus command and gathers its message
// log with the bucket and certificates.
func openMessageLog(ctx context.Context, cfg app.Config, stderr io.Writer) (*app.App, *app.MessageLogAudit, error) {
	a, err := app.Open(ctx, cfg, app.NewLogger(cfg, stderr))
	if err != nil {
		return nil, nil, err
	}
	m, err := a.MessageLogAudit(ctx)
	if err != nil {
		a.Close()
		return nil, nil, err
	}
	return a, m, nil
}

func busEvidence(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var gateway, queryID, out string
	cfg, rest, err := loadConfig("bus evidence", args, stderr, busUsage, func(fs *flag.FlagSet) {
		fs.StringVar(&gateway, "gateway", "", "the gateway whose log holds the exchange")
		fs.StringVar(&queryID, "query-id", "", "the exchange's query ID (X-Road-Id)")
		fs.StringVar(&out, "out", "", "the ZIP file to write (it must not exist); default: standard output")
	})
	if err != nil {
		return err
	}
	if gateway == "" || queryID == "" || len(rest) > 0 {
		return &app.ConfigError{Msg: "bus evidence needs --gateway and --query-id and no arguments"}
	}
	a, m, err := openMessageLog(ctx, cfg, stderr)
	if err != nil {
		return err
	}
	defer a.Close()
	ev, err := m.Log.FindEvidence(ctx, m.Bucket, gateway, queryID)
	if apperr.Is(err, apperr.ENOTFOUND) {
		return fmt.Errorf("gateway %s logged no exchange with query ID %q", gateway, queryID)
	}
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := msglog.WriteEvidence(&buf, ev, m.Authorities...); err != nil {
		return err
	}
	if out == "" {
		_, err := stdout.Write(buf.Bytes())
		return err
	}
	if err := pki.WriteNewFile(out, buf.Bytes()); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "evidence of %d exchange(s) with query ID %q on gateway %s written to %s\n", len(ev), queryID, gateway, out)
	return nil
}

func busVerifyEvidence(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var rootsFile string
	fs := flag.NewFlagSet("bus verify-evidence", flag.ContinueOnError)
	fs.StringVar(&rootsFile, "roots", "", "PEM file of the root certificates to trust (obtained apart from the bundle)")
	if err := parseFlags(fs, args, stderr, busUsage); err != nil {
		return err
	}
	if rootsFile == "" || fs.NArg() != 1 {
		return &app.ConfigError{Msg: "bus verify-evidence needs --roots and the bundle's file"}
	}
	pemData, err := os.ReadFile(rootsFile)
	if err != nil {
		return &app.ConfigError{Msg: fmt.Sprintf("--roots: %v", err)}
	}
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(pemData) {
		return &app.ConfigError{Msg: "--roots: no certificate in " + rootsFile}
	}
	f, err := os.Open(fs.Arg(0))
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	rep, err := msglog.VerifyEvidence(ctx, f, st.Size(), roots, nil)
	if err != nil {
		return err
	}
	printEvidenceReport(stdout, rep)
	if !rep.OK {
		return errors.New("the evidence does not verify")
	}
	return nil
}

// printEvidenceReport writes what VerifyEvidence found, one block per
// exchange.
func printEvidenceReport(w io.Writer, rep *msglog.EvidenceReport) {
	for _, x := range rep.Exchanges {
		r := x.Record
		fmt.Fprintf(w, "%s record %d of gateway %s, query ID %q, %s, client %s, service %s, status %d\n", x.Dir, r.Seq, r.Gateway,
			r.QueryID, r.Time.Format(time.RFC3339Nano), r.Client, r.Service, r.Status)
		for _, s := range []struct {
			what string
			c    msglog.SignatureCheck
		}{{"request", x.Request}, {"response", x.Response}} {
			switch {
			case !s.c.Present:
				fmt.Fprintf(w, "  %s signature: none\n", s.what)
			case s.c.Signer == nil:
				fmt.Fprintf(w, "  %s signature: %s %s\n", s.what, s.c.Verdict, s.c.Reason)
			case s.c.Verdict == cades.Indeterminate && s.c.Reason == cades.ReasonRevocationUnknown:
				fmt.Fprintf(w, "  %s signature: valid by %s (revocation not checked)\n", s.what, s.c.Signer.Subject)
			default:
				fmt.Fprintf(w, "  %s signature: %s %s by %s\n", s.what, s.c.Verdict, s.c.Reason, s.c.Signer.Subject)
			}
		}
		if b := x.Batch; b != nil {
			fmt.Fprintf(w, "  batch of records %d-%d, position %d", b.FirstSeq, b.LastSeq, b.Position)
			if b.TSA != nil {
				fmt.Fprintf(w, ", timestamped %s by %s", b.Time.Format(time.RFC3339), b.TSA.Subject)
			}
			fmt.Fprintln(w)
		}
		for _, p := range x.Problems {
			fmt.Fprintf(w, "  PROBLEM: %s\n", p)
		}
		if x.OK {
			fmt.Fprintln(w, "  OK")
		}
	}
	if rep.OK {
		fmt.Fprintln(w, "the evidence verifies")
	}
}

func busArchive(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var gateway, keyFile, pwFile string
	olderThan := 720 * time.Hour
	cfg, rest, err := loadConfig("bus archive", args, stderr, busUsage, func(fs *flag.FlagSet) {
		fs.StringVar(&gateway, "gateway", "", "the gateway whose records to archive")
		fs.DurationVar(&olderThan, "older-than", olderThan, "archive records older than this (whole timestamped batches only)")
		fs.StringVar(&keyFile, "key", "", "PKCS#12 file of the key that signs the archive files, with its certificate and chain")
		fs.StringVar(&pwFile, "password-file", "", "file holding the key file's password")
	})
	if err != nil {
		return err
	}
	if gateway == "" || keyFile == "" || olderThan <= 0 || len(rest) > 0 {
		return &app.ConfigError{Msg: "bus archive needs --gateway, --key, a positive --older-than and no arguments"}
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
	a, m, err := openMessageLog(ctx, cfg, stderr)
	if err != nil {
		return err
	}
	defer a.Close()
	before := time.Now().Add(-olderThan)
	signer := cms.Signer{Key: kf.Key, Cert: kf.Cert, Chain: kf.Chain}
	files := 0
	for {
		f, err := m.Log.Archive(ctx, m.Bucket, gateway, before, signer)
		if err != nil {
			return err
		}
		if f.Records == 0 {
			break
		}
		files++
		fmt.Fprintf(stdout, "records %d-%d archived to %s (SHA-256 %x)\n", f.FirstSeq, f.LastSeq, f.Key, f.SHA256)
	}
	if files == 0 {
		fmt.Fprintf(stdout, "gateway %s has no timestamped records older than %s to archive\n", gateway, before.UTC().Format(time.RFC3339))
	}
	return nil
}

func busVerifyLog(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var gateway string
	cfg, rest, err := loadConfig("bus verify-log", args, stderr, busUsage, func(fs *flag.FlagSet) {
		fs.StringVar(&gateway, "gateway", "", "the gateway whose message log to check")
	})
	if err != nil {
		return err
	}
	if gateway == "" || len(rest) > 0 {
		return &app.ConfigError{Msg: "bus verify-log needs --gateway and no arguments"}
	}
	a, m, err := openMessageLog(ctx, cfg, stderr)
	if err != nil {
		return err
	}
	defer a.Close()
	files, err := m.Log.ArchiveFiles(ctx, gateway)
	if err != nil {
		return err
	}
	if err := m.Log.VerifyAll(ctx, m.Bucket, gateway, m.Roots, m.Intermediates...); err != nil {
		return err
	}
	var archived []string
	for _, f := range files {
		archived = append(archived, fmt.Sprintf("%d-%d", f.FirstSeq, f.LastSeq))
	}
	fmt.Fprintf(stdout, "message log of gateway %s verified: %d archive file(s) [%s], then the records in the database\n",
		gateway, len(files), strings.Join(archived, " "))
	return nil
}
