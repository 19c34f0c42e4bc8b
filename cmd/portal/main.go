// Command portal serves the personal data rights portal and runs its administrative
// subcommands. main only wires; run returns an exit status so tests can drive it.
package main

import (
	"bufio"
	"context"
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"io"
	stdlog "log"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/example/pdpa-portal/account"
	"github.com/example/pdpa-portal/analytics"
	"github.com/example/pdpa-portal/apperr"
	"github.com/example/pdpa-portal/audit"
	"github.com/example/pdpa-portal/backup"
	"github.com/example/pdpa-portal/consent"
	"github.com/example/pdpa-portal/handlers"
	"github.com/example/pdpa-portal/i18n"
	"github.com/example/pdpa-portal/internal/background"
	"github.com/example/pdpa-portal/internal/ids"
	"github.com/example/pdpa-portal/internal/wire"
	"github.com/example/pdpa-portal/mail"
	"github.com/example/pdpa-portal/receipt"
	"github.com/example/pdpa-portal/rights"
	"github.com/example/pdpa-portal/store"
	"github.com/example/pdpa-portal/store/embedded"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// Exit statuses.
const (
	exitOK    = 0
	exitError = 1
	exitUsage = 2
)

func run(ctx context.Context, args []string, env func(string) string, stdin io.Reader, stdout, stderr io.Writer) int {
	cmd := "serve"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cmd, args = args[0], args[1:]
	}
	var err error
	switch cmd {
	case "serve":
		err = serve(ctx, args, env, stdout, stderr)
	case "create-admin":
		err = createAdmin(ctx, args, env, stdin, stdout, stderr)
	case "demo":
		err = demoCmd(ctx, args, env, stdout, stderr)
	case "backup":
		err = backupCmd(ctx, args, env, stdout, stderr)
	case "restore":
		err = restoreCmd(ctx, args, env, stdout, stderr)
	case "audit":
		if len(args) == 0 || args[0] != "verify" {
			err = &usageError{"audit needs a subcommand: portal audit verify"}
			break
		}
		err = auditVerify(ctx, args[1:], env, stdout, stderr)
	case "help":
		writeHelp(stdout)
		return exitOK
	default:
		err = &usageError{fmt.Sprintf("unknown command %q", cmd)}
	}
	var ue *usageError
	var logged loggedError
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &logged):
		return exitError // its one line is in the log already
	case errors.Is(err, flag.ErrHelp):
		writeHelp(stdout)
		return exitOK
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "portal: %v\nRun 'portal --help' for the list of settings.\n", err)
		return exitUsage
	default:
		fmt.Fprintf(stderr, "portal: %v\n", err)
		return exitError
	}
}

// loggedError is a failure the command has written to the log itself, as one line
// with its context (a scheduled job's log is read by machines and tired people): run
// only sets the exit status.
type loggedError struct{ err error }

func (e loggedError) Error() string { return e.err.Error() }
func (e loggedError) Unwrap() error { return e.err }

func newLogger(c *Config, w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(c.LogLevel))
	opts := &slog.HandlerOptions{Level: level}
	if c.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// engineLogger passes on only the engine's errors; PORTAL_LOG_LEVEL=debug shows
// everything it logs.
func engineLogger(c *Config, log *slog.Logger) *slog.Logger {
	return embedded.Logger(log, c.LogLevel == "debug")
}

// app is the opened database and the stores over it.
type app struct {
	cfg    *Config
	log    *slog.Logger
	engine *embedded.Engine
	db     *store.DB
	kick   chan struct{} // wakes the mail worker after a message is queued
	*wire.Portal
}

// open prepares the data directory and keys, starts the embedded engine unless a MongoDB
// URI is set, and connects. With shareEngine, a directory already served by a running
// portal is reached through that portal's socket instead of failing: only for commands
// that read (audit verify). A command that writes takes the directory's lock, since the
// running portal's document locks and cache count on it being the only writer.
func open(c *Config, log *slog.Logger, shareEngine bool) (*app, error) {
	if err := embedded.PrepareDataDir(c.DataDir); err != nil {
		return nil, err
	}
	if err := loadSecrets(c); err != nil {
		return nil, err
	}
	a := &app{cfg: c, log: log}
	uri := string(c.MongoURI)
	if uri == "" {
		eng, err := embedded.Start(c.DataDir, engineLogger(c, log))
		switch {
		case err == nil:
			a.engine, uri = eng, eng.URI()
		case errors.Is(err, embedded.ErrLocked) && shareEngine:
			uri = embedded.SocketURI(c.DataDir)
		case errors.Is(err, embedded.ErrLocked):
			return nil, fmt.Errorf("%w; stop the other portal first, or give this one its own PORTAL_DATA_DIR", err)
		default:
			return nil, err
		}
	}
	// The mode is fixed here, before anything is served: only an engine this process
	// started (the data directory's lock held) makes it the single writer; a portal
	// reached through its socket, or MongoDB, is shared.
	mode := store.Shared
	if a.engine != nil {
		mode = store.SingleWriter
	}
	db, err := store.Connect(context.Background(), uri, c.DBName, store.Options{Mode: mode})
	if err != nil {
		a.close()
		return nil, err
	}
	a.db = db
	a.kick = make(chan struct{}, 1)
	signer := receipt.NewSigner(ed25519.NewKeyFromSeed([]byte(c.ReceiptKey)))
	// The public half is not secret: an operator rotating the key lists it in
	// PORTAL_RECEIPT_RETIRED_KEYS so receipts already issued keep verifying.
	log.Info("consent receipts are signed with", "key_id", signer.KeyID(), "public_key", base64.StdEncoding.EncodeToString(signer.PublicKey()))
	wc := wire.Config{
		Log: log, Now: time.Now,
		MasterKey: []byte(c.MasterKey), EmailKey: deriveKey(c.MasterKey, "email-index-v1"), AuditKey: deriveKey(c.MasterKey, "audit-checkpoint-v1"),
		Signer: signer, Retired: c.ReceiptRetired, BaseURL: c.BaseURL,
		Password: account.PasswordPolicy{MinLength: c.PasswordMin}, Kick: a.kick,
		Guests: rights.GuestPolicy{RemindAfter: c.GuestRemind, CloseAfter: c.GuestClose},
	}
	if c.Analytics {
		// The sketches' hash key is derived from the master key, so every instance
		// hashes alike (their sketches merge) and no new secret needs keeping.
		wc.SketchKey = deriveKey(c.MasterKey, "analytics-sketch-v1")
	}
	p, err := wire.New(db, wc)
	if err != nil {
		a.close()
		return nil, err
	}
	a.Portal = p
	return a, nil
}

func (a *app) close() {
	if a.db != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		_ = a.db.Close(ctx)
		cancel()
	}
	if a.engine != nil {
		a.engine.Close()
	}
}

// bootstrap makes a fresh or upgraded database usable: indexes, the first notice, the
// purpose catalogue. Every step is idempotent, so concurrent instances may run it together.
func (a *app) bootstrap(ctx context.Context) error {
	if err := a.db.EnsureIndexes(ctx); err != nil {
		return err
	}
	if a.engine != nil {
		if err := a.engine.IndexIDs(ctx, a.cfg.DBName); err != nil {
			return err
		}
	}
	// A database written by an earlier version gets the lists and counters this one
	// reads (once, whatever bootstrap's own deadline; later starts cost one look-up).
	if err := a.db.Upgrade(context.WithoutCancel(ctx), func(step string) { a.log.Info("upgrading the data layout", "step", step) }); err != nil {
		return fmt.Errorf("upgrade the data layout: %w", err)
	}
	// Records written before their texts were sealed with the agency records key are
	// sealed once; later starts see the mark in one look-up.
	if n, err := store.SealRecords(context.WithoutCancel(ctx), a.db, a.Vault); err != nil {
		return fmt.Errorf("seal the agency's records: %w", err)
	} else if n > 0 {
		a.log.Info("agency records sealed", "records", n)
	}
	// Accounts written before the officers' search by name and phone are listed under
	// them once; later starts see the mark in one look-up.
	if n, err := a.Users.IndexPeople(context.WithoutCancel(ctx)); err != nil {
		return fmt.Errorf("index people for search: %w", err)
	} else if n > 0 {
		a.log.Info("accounts indexed for search by name and phone", "accounts", n)
	}
	// Guests and paper requesters from before the search likewise.
	if n, err := a.Guests.IndexGuests(context.WithoutCancel(ctx), a.Requests); err != nil {
		return fmt.Errorf("index guests for search: %w", err)
	} else if n > 0 {
		a.log.Info("guests indexed for search by name and phone", "guests", n)
	}
	// An audit trail from before string _ids (an older data directory or backup) is
	// converted once, whatever bootstrap's own deadline: a conversion cut off would start
	// again from the beginning. Later start-ups see the head's mark in one look-up.
	mctx := background.Job(context.WithoutCancel(ctx), "audit migration")
	if n, err := a.Audit.MigrateIDs(mctx); err != nil {
		return fmt.Errorf("convert the audit trail: %w", err)
	} else if n > 0 {
		a.log.Info("audit trail converted to string ids", "events", n)
	}
	if err := a.publishFirstNotice(ctx); err != nil {
		return err
	}
	// The catalogue starts as the current notice's purposes.
	cat := a.Purposes
	have, err := cat.Purposes(ctx)
	if err != nil || len(have) > 0 {
		return err
	}
	cur, err := a.Notices.Current(ctx)
	if err != nil {
		return err
	}
	for i := range cur.Purposes {
		if err := cat.SavePurpose(ctx, &cur.Purposes[i]); err != nil {
			return err
		}
	}
	return nil
}

// publishFirstNotice publishes the default notice on an empty database, or as the next
// version on one whose notice predates purposes.
func (a *app) publishFirstNotice(ctx context.Context) error {
	cur, err := a.Notices.Current(ctx)
	if err == nil && len(cur.Purposes) == 0 {
		// A database from before purposes were part of the notice: publish the default
		// notice, with its purposes, as the next version.
		n, err := consent.DefaultNotice(time.Now())
		if err != nil {
			return err
		}
		n.Version = cur.Version + 1
		for i := range n.Purposes {
			n.Purposes[i].Since = n.Version
		}
		if err := a.Notices.Publish(ctx, n); err != nil && !errors.Is(err, apperr.ErrConflict) {
			return err
		}
		return nil
	}
	if errors.Is(err, apperr.ErrNotFound) {
		n, err := consent.DefaultNotice(time.Now())
		if err != nil {
			return err
		}
		if err := a.Notices.Publish(ctx, n); err != nil && !errors.Is(err, apperr.ErrConflict) {
			return err
		}
	} else if err != nil {
		return err
	}
	return nil
}

func serve(ctx context.Context, args []string, env func(string) string, stdout, stderr io.Writer) error {
	c, err := parseConfig("portal", args, env, stderr, nil)
	if err != nil {
		return err
	}
	log := newLogger(c, stderr)
	// Listen first: a busy port is reported before anything else is touched.
	ln, err := net.Listen("tcp", c.Addr)
	if err != nil {
		return fmt.Errorf("cannot listen on %s: %v (is another program using it? choose another with PORTAL_ADDR)", c.Addr, err)
	}
	defer ln.Close()
	if c.BaseURL == c.defaultBaseURL(c.Addr) {
		c.BaseURL = c.defaultBaseURL(ln.Addr().String())
	}
	a, err := open(c, log, false)
	if err != nil {
		return err
	}
	defer a.close()

	a.Accounts.Init()
	counter := a.Counter
	deps := a.Deps
	deps.Disk = a.diskProbe()
	srv, err := a.Server(deps, handlers.Options{
		HashKey: []byte(c.HashKey), BlockKey: []byte(c.BlockKey), TrustedProxies: c.TrustedProxies, MaxBody: c.MaxBody, AnalyticsK: c.AnalyticsK,
		Quota:    quotaDefaults(c),
		Sessions: account.SessionPolicy{Idle: c.SessionIdle, StaffIdle: c.StaffIdle, Absolute: c.SessionMax},
		DiskLow:  c.DiskLow, UploadsLow: c.UploadsLow, DiskWarnPercent: c.DiskWarn,
	})
	if err != nil {
		return err
	}
	// Parsing the pages (once per language) leaves tens of MiB of garbage; hand it back
	// now rather than when the scavenger gets to it, so an idle portal stays small.
	debug.FreeOSMemory()
	// Without a mail server, a portal serving only this machine prints its mail (links
	// included) to the log so a developer can follow them; a public one never does.
	worker := &mail.Worker{Store: a.Mail, Word: a.Deps.MailWords.Fill, Log: log, Now: time.Now, LogBodies: c.isLocal()}
	if c.SMTPURL != "" {
		sender, err := mail.NewSMTP(string(c.SMTPURL), c.MailFrom)
		if err != nil {
			return &usageError{"invalid smtp-url: " + err.Error()}
		}
		worker.Sender = sender
	} else {
		log.Warn("no mail server (PORTAL_SMTP_URL): mail stays in the outbox and is written to this log")
	}
	workerCtx, stopWorker := context.WithCancel(context.Background())
	workerDone := make(chan struct{})
	go func() { worker.Run(workerCtx, a.kick); close(workerDone) }()
	// The worker stops after the HTTP server has drained, so mail queued by the last
	// requests is still attempted once; what remains stays in the outbox for next time.
	defer func() { stopWorker(); <-workerDone }()
	go hourly(workerCtx, a.Jobs, srv.Preparing, counter, log)
	// Copy packages being built finish before the database closes.
	defer a.Jobs.Packages.Wait()
	if counter != nil {
		// Counts are written every few seconds, and once more after the last request
		// has drained (deferred: runs after the HTTP server's shutdown below).
		stopFlush, flushDone := make(chan struct{}), make(chan struct{})
		go func() { flushCounts(stopFlush, counter, c.AnalyticsFlush, log); close(flushDone) }()
		defer func() { close(stopFlush); <-flushDone }()
	}
	httpSrv := &http.Server{
		Handler:           srv.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		// The attachment routes move both deadlines on while an upload arrives at 20 KB/s
		// or more (handlers' pacedBody): 60 s would cut 7 MB at 100 KB/s.
		ReadTimeout:    60 * time.Second,
		WriteTimeout:   120 * time.Second,
		IdleTimeout:    120 * time.Second,
		MaxHeaderBytes: 64 << 10,
		ErrorLog:       stdlog.New(addressRedactor{log}, "", 0),
	}
	if c.MetricsAddr != "" {
		// Metrics on their own listener, so they are never public by accident.
		mln, err := net.Listen("tcp", c.MetricsAddr)
		if err != nil {
			return fmt.Errorf("cannot listen on %s for metrics: %v (choose another with PORTAL_METRICS_ADDR)", c.MetricsAddr, err)
		}
		msrv := &http.Server{Handler: srv.MetricsHandler(), ReadHeaderTimeout: 10 * time.Second, WriteTimeout: 30 * time.Second}
		go func() { _ = msrv.Serve(mln) }()
		defer msrv.Close()
		fmt.Fprintf(stdout, "Metrics at http://%s/metrics\n", mln.Addr())
	}
	// The listener is bound, so connections queue from now on.
	engine := "MongoDB (MONGODB_URI)"
	if a.engine != nil {
		engine = "embedded FerretDB, " + a.engine.URI()
	}
	fmt.Fprintf(stdout, "Portal serving at %s\nDatabase: %s, database %q\n", c.BaseURL, engine, c.DBName)
	// Prepare the database before serving, so the first visitor finds the notice; if the
	// database is down, serve 503s meanwhile and keep trying in the background.
	prepared := make(chan struct{})
	srv.SetPreparing(true)
	go func() {
		a.prepare(ctx, stdout)
		srv.SetPreparing(false)
		close(prepared)
	}()
	select {
	case <-prepared:
	case <-time.After(10 * time.Second):
		log.Warn("database not ready yet; serving 503 until it is")
	case <-ctx.Done():
	}
	serveErr := make(chan error, 1)
	go func() {
		if c.TLSCert != "" {
			serveErr <- httpSrv.ServeTLS(ln, c.TLSCert, c.TLSKey)
		} else {
			serveErr <- httpSrv.Serve(ln)
		}
	}()

	select {
	case err := <-serveErr:
		if !errors.Is(err, http.ErrServerClosed) {
			return fmt.Errorf("serve: %w", err)
		}
	case <-ctx.Done():
	}
	log.Info("shutting down: finishing requests in flight", "timeout", c.ShutdownTimeout.String())
	sctx, cancel := context.WithTimeout(context.Background(), c.ShutdownTimeout)
	defer cancel()
	if err := httpSrv.Shutdown(sctx); err != nil {
		log.Warn("requests still running at shutdown were cut off", "err", err)
	}
	log.Info("stopped")
	return nil
}

// prepare runs bootstrap until the database answers, then prints the setup link while
// no administrator exists. Pages answer 503 meanwhile (Server.SetPreparing), a one-time
// upgrade of an older database included; nothing needs a restart.
func (a *app) prepare(ctx context.Context, stdout io.Writer) {
	for attempt := 0; ; attempt++ {
		bctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		err := a.bootstrap(bctx)
		if err == nil {
			var token string
			token, err = a.Setup.NewLink(bctx)
			if err == nil && token != "" {
				fmt.Fprintf(stdout, "No administrator exists yet. Create the first one within 24 hours at (single use):\n  %s/setup?token=%s\n", a.cfg.BaseURL, token)
			}
		}
		cancel()
		if err == nil || ctx.Err() != nil {
			return
		}
		a.log.Warn("database not ready; retrying", "err", err, "attempt", attempt+1)
		select {
		case <-ctx.Done():
			return
		case <-time.After(5 * time.Second):
		}
	}
}

// backupCmd writes the database (or, with --keys, the key store) to an archive and
// records the outcome in the database, so a failed night shows on the administrators'
// page and not only in a cron mail nobody reads. A failure is one log line and exit 1.
func backupCmd(ctx context.Context, args []string, env func(string) string, stdout, stderr io.Writer) error {
	var out string
	var keys bool
	c, err := parseConfig("portal backup", args, env, stderr, func(fs *flag.FlagSet) {
		fs.StringVar(&out, "o", "", "the archive to write (.tar.gz)")
		fs.BoolVar(&keys, "keys", false, "back up the key store only (keep it apart from the data backups)")
	})
	if err != nil {
		return err
	}
	if out == "" {
		return &usageError{"backup needs -o FILE"}
	}
	// Absolute in the log and in the record the administrators read, who do not know
	// the directory cron ran in.
	if out, err = filepath.Abs(out); err != nil {
		return fmt.Errorf("backup file: %w", err)
	}
	log := newLogger(c, stderr)
	kind := backup.Data
	if keys {
		kind = backup.Keys
	}
	start := time.Now()
	m, err := writeBackup(ctx, c, log, out, keys, stderr)
	run := backup.Run{At: start, OK: err == nil, Duration: time.Since(start)}
	if err == nil {
		if st, serr := os.Stat(out); serr == nil {
			run.Size = st.Size()
		}
	} else {
		run.Error = failureReason(c, err)
		log.Error("backup failed", "kind", string(kind), "file", out, "err", run.Error)
	}
	if rerr := recordBackup(ctx, c, log, kind, run); rerr != nil {
		log.Error("the backup's outcome was not recorded in the database; the administrators' page cannot show it", "kind", string(kind), "err", rerr)
	}
	if err != nil {
		return loggedError{err}
	}
	var docs int64
	for _, c := range m.Collections {
		docs += c.Docs
	}
	what := "data (without the key store: back that up with --keys, and keep it apart)"
	if keys {
		what = "key store"
	}
	fmt.Fprintf(stdout, "Backed up the %s: %d collections, %d documents to %s in %s.\n", what, len(m.Collections), docs, out, run.Duration.Round(time.Millisecond))
	return nil
}

// writeBackup writes the archive to out (through out.part, renamed when complete).
func writeBackup(ctx context.Context, c *Config, log *slog.Logger, out string, keys bool, stderr io.Writer) (*store.Manifest, error) {
	var db *store.DB
	if c.MongoURI == "" {
		// The embedded database is copied at one instant first, so every collection of
		// the backup is from the same moment, even while the portal runs.
		snap, err := os.MkdirTemp("", "portal-snapshot-")
		if err != nil {
			return nil, fmt.Errorf("snapshot directory: %w", err)
		}
		defer os.RemoveAll(snap)
		if err := embedded.Snapshot(ctx, c.DataDir, c.DBName, snap); err != nil {
			return nil, err
		}
		eng, err := embedded.Start(snap, engineLogger(c, log))
		if err != nil {
			return nil, err
		}
		defer eng.Close()
		if db, err = store.Connect(ctx, eng.URI(), c.DBName, store.Options{Mode: store.SingleWriter}); err != nil {
			return nil, err
		}
		defer db.Close(context.Background())
	} else {
		a, err := open(c, log, true)
		if err != nil {
			return nil, err
		}
		defer a.close()
		db = a.db
	}
	tmp := out + ".part"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600) // #nosec G304 -- the operator names the backup file
	if err != nil {
		return nil, fmt.Errorf("cannot write %s: %w", out, err)
	}
	defer os.Remove(tmp)
	m, err := store.Backup(ctx, db, f, store.BackupOptions{Keys: keys, Progress: progressBar(stderr)})
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, fmt.Errorf("backup: %w", err)
	}
	// Renamed only when complete: a backup cut short never looks like a good one.
	if err := os.Rename(tmp, out); err != nil {
		return nil, fmt.Errorf("cannot write %s: %w", out, err)
	}
	return m, nil
}

// recordBackup stores a run's outcome in the portal's database: through the running
// portal's socket when it serves the data directory, or on an engine started for the
// moment when it is stopped. Unlike create-admin it may write beside the portal: it sets
// one document that only this command writes, unconditionally, and the portal reads it
// from the database, not its cache, so no lock or cached copy of the portal's is passed by.
func recordBackup(ctx context.Context, c *Config, log *slog.Logger, kind backup.Kind, run backup.Run) error {
	// Recorded even when the backup was interrupted (SIGTERM cancels ctx), within a
	// deadline of its own.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	uri, mode := string(c.MongoURI), store.Shared
	if uri == "" {
		if _, err := os.Stat(embedded.File(c.DataDir, c.DBName)); errors.Is(err, os.ErrNotExist) { // #nosec G703 -- the operator's own data directory
			// No database to record in (the failure logged says so); starting an engine
			// here would create an empty one.
			return nil
		}
		eng, err := embedded.Start(c.DataDir, engineLogger(c, log))
		switch {
		case err == nil:
			defer eng.Close()
			uri, mode = eng.URI(), store.SingleWriter
		case errors.Is(err, embedded.ErrLocked):
			uri = embedded.SocketURI(c.DataDir)
		default:
			return err
		}
	}
	db, err := store.Connect(ctx, uri, c.DBName, store.Options{Mode: mode})
	if err != nil {
		return err
	}
	defer db.Close(context.Background())
	return store.NewBackupRuns(db).RecordBackup(ctx, kind, run)
}

// maxReason bounds the failure reason kept in the database and shown on the page.
const maxReason = 300

// failureReason is the error as administrators see it: one line, bounded, without the
// MongoDB connection string (it may hold a password). The errors of a backup name
// files, collections and the database, never a person's data.
func failureReason(c *Config, err error) string {
	msg := err.Error()
	if c.MongoURI != "" {
		msg = strings.ReplaceAll(msg, string(c.MongoURI), "[database]")
	}
	msg = strings.Join(strings.Fields(msg), " ")
	if r := []rune(msg); len(r) > maxReason {
		msg = string(r[:maxReason-1]) + "…"
	}
	return msg
}

// restoreCmd verifies an archive, then restores it into an empty database (or, with
// --force, over the collections it holds).
func restoreCmd(ctx context.Context, args []string, env func(string) string, stdout, stderr io.Writer) error {
	var force bool
	// The archive: first (portal restore FILE [flags]) or last (portal restore [flags] FILE).
	var file string
	switch {
	case len(args) > 0 && !strings.HasPrefix(args[0], "-"):
		file, args = args[0], args[1:]
	case len(args) > 1 && !strings.HasPrefix(args[len(args)-1], "-") && !takesValue(args[len(args)-2]):
		file, args = args[len(args)-1], args[:len(args)-1]
	}
	c, err := parseConfig("portal restore", args, env, stderr, func(fs *flag.FlagSet) {
		fs.BoolVar(&force, "force", false, "replace what the archive's collections hold in a database that is not empty")
	})
	if err != nil {
		return err
	}
	if file == "" {
		return &usageError{"restore needs the archive: portal restore [flags] FILE"}
	}
	m, err := store.VerifyBackup(file)
	if err != nil {
		return err
	}
	// Restored data is encrypted under the master key of the portal it came from: with
	// fresh keys it could never be read. Refuse rather than generate them.
	if env("PORTAL_MASTER_KEY") == "" {
		if _, err := os.Stat(filepath.Join(c.DataDir, "secrets.json")); err != nil {
			return fmt.Errorf("no keys in %s (secrets.json) or the environment: copy the original secrets.json there (or set PORTAL_MASTER_KEY and the others) before restoring", c.DataDir)
		}
	}
	// Never beside a running portal: it would serve (and write) while the data is
	// replaced. On the embedded engine the data directory's lock enforces it.
	a, err := open(c, newLogger(c, stderr), false)
	if err != nil {
		return err
	}
	defer a.close()
	start := time.Now()
	if _, err := store.Restore(ctx, a.db, file, store.RestoreOptions{Force: force, Progress: progressBar(stderr)}); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	// The collections replaced were dropped with their indexes, and an older backup has
	// an older layout: both are put right now, as the next start would.
	if err := a.bootstrap(ctx); err != nil {
		return fmt.Errorf("restore: prepare the restored database: %w", err)
	}
	var docs int64
	for _, c := range m.Collections {
		docs += c.Docs
	}
	cliEvent(ctx, a, "cli restore", "", map[string]string{"file": filepath.Base(file), "made": m.Created.Format(time.RFC3339),
		"documents": strconv.FormatInt(docs, 10), "force": strconv.FormatBool(force)})
	fmt.Fprintf(stdout, "Restored %d collections, %d documents from %s (made %s) in %s.\n", len(m.Collections), docs, file,
		m.Created.Format(time.RFC3339), time.Since(start).Round(time.Millisecond))
	return nil
}

// takesValue reports whether an argument is a flag whose value is the next argument
// (every setting but the boolean --force; "-flag=value" carries its own).
func takesValue(arg string) bool {
	name := strings.TrimLeft(arg, "-")
	return strings.HasPrefix(arg, "-") && !strings.Contains(arg, "=") && name != "force"
}

// progressBar draws one line per collection on a terminal, and nothing elsewhere (a
// cron job's mail stays clean).
func progressBar(w io.Writer) func(string, int64, int64) {
	f, ok := w.(*os.File)
	if !ok {
		return nil
	}
	if st, err := f.Stat(); err != nil || st.Mode()&os.ModeCharDevice == 0 {
		return nil
	}
	return func(coll string, n, total int64) {
		const width = 30
		filled := width
		if total > 0 {
			filled = int(int64(width) * n / total)
		}
		fmt.Fprintf(w, "\r%-24s [%s%s] %d/%d", coll, strings.Repeat("#", filled), strings.Repeat(" ", width-filled), n, total)
		if n >= total {
			fmt.Fprintln(w)
		}
	}
}

// cliEvent records a command an operator ran in the audit trail (a failure to record is
// reported, not fatal: the command itself has been done).
func cliEvent(ctx context.Context, a *app, action, target string, details map[string]string) {
	if err := a.Audit.Append(ctx, &audit.Event{At: time.Now(), Actor: audit.ActorSystem, Role: "cli", Action: action, Target: target,
		Outcome: audit.OK, Details: details}); err != nil {
		a.log.Error("audit event not recorded", "action", action, "err", err)
	}
}

// errBrokenTrail is a verification that found the chain broken (exit status 1).
var errBrokenTrail = errors.New("the audit trail is broken")

// auditVerify checks the whole hash chain, beside a running portal or on its own.
func auditVerify(ctx context.Context, args []string, env func(string) string, stdout, stderr io.Writer) error {
	c, err := parseConfig("portal audit verify", args, env, stderr, nil)
	if err != nil {
		return err
	}
	a, err := open(c, newLogger(c, stderr), true)
	if err != nil {
		return err
	}
	defer a.close()
	start := time.Now()
	n, brk, err := audit.Verify(ctx, a.Audit)
	if err != nil {
		return fmt.Errorf("read the audit trail: %w", err)
	}
	if brk != nil {
		fmt.Fprintf(stdout, "BROKEN: %v\n%d events before it verified.\n", brk, n)
		return errBrokenTrail
	}
	fmt.Fprintf(stdout, "The audit trail is whole: %d events verified in %s.\n", n, time.Since(start).Round(time.Millisecond))
	return nil
}

func createAdmin(ctx context.Context, args []string, env func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	var email, name string
	c, err := parseConfig("portal create-admin", args, env, stderr, func(fs *flag.FlagSet) {
		fs.StringVar(&email, "email", "", "the administrator's e-mail address")
		fs.StringVar(&name, "name", "", "the administrator's name (default: the part of the e-mail before @)")
	})
	if err != nil {
		return err
	}
	if email == "" {
		return &usageError{"create-admin needs --email"}
	}
	if name == "" {
		name, _, _ = strings.Cut(email, "@")
	}
	// One line from standard input: a pipe or a terminal (where it echoes; prefer a pipe).
	pw, err := bufio.NewReader(io.LimitReader(stdin, 1024)).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("read password from standard input: %w", err)
	}
	pw = strings.TrimRight(pw, "\r\n")
	if pw == "" {
		return &usageError{"create-admin reads the password from standard input, and it was empty"}
	}
	log := newLogger(c, stderr)
	a, err := open(c, log, false)
	if errors.Is(err, embedded.ErrLocked) {
		return refusedBesidePortal("create-admin", c.DataDir,
			"create the administrator in it (with the setup link it printed at start, which a restart prints again while no administrator exists, or at /admin/staff as an administrator), or stop it and run create-admin again")
	}
	if err != nil {
		return err
	}
	defer a.close()
	cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := a.bootstrap(cctx); err != nil {
		return fmt.Errorf("prepare database: %w", err)
	}
	u, err := a.Setup.CreateAdmin(cctx, "", email, name, pw)
	var inv *apperr.Invalid
	switch {
	case errors.As(err, &inv):
		cat := i18n.MustLoad()
		var msgs []string
		for _, p := range inv.Problems {
			msgs = append(msgs, cat.T(i18n.EN, p.Key, p.Args...))
		}
		return &usageError{"the administrator was not created: " + strings.Join(msgs, "; ")}
	case errors.Is(err, apperr.ErrConflict):
		return fmt.Errorf("an account with e-mail %s already exists", account.NormalizeEmail(email))
	case err != nil:
		return err
	}
	cliEvent(cctx, a, "cli create-admin", u.ID, nil)
	fmt.Fprintf(stdout, "Administrator %s created (id %s).\n", u.Email, u.ID)
	return nil
}

// refusedBesidePortal is the answer of a command that writes accounts or records when
// a portal serves the data directory: that portal is the only writer (its document locks
// and its cache assume so), so the command takes the directory's lock or does nothing.
func refusedBesidePortal(cmd, dataDir, instead string) error {
	if abs, err := filepath.Abs(dataDir); err == nil {
		dataDir = abs
	}
	return fmt.Errorf("%s changed nothing: a running portal serves the data directory %s, and %s never writes beside it; %s", cmd, dataDir, cmd, instead)
}

// deriveKey makes a key for one use from the master key.
func deriveKey(master secret, use string) []byte {
	m := hmac.New(sha256.New, []byte(master))
	m.Write([]byte(use))
	return m.Sum(nil)
}

// addressRedactor passes net/http's own error lines to the log without the client's
// address ("TLS handshake error from 203.0.113.5:51234"): the portal's logs hold no IP
// addresses, as the Cookies page says.
type addressRedactor struct{ log *slog.Logger }

var clientAddress = regexp.MustCompile(`\b(from|serving) \S+`)

func (a addressRedactor) Write(p []byte) (int, error) {
	msg := strings.TrimSpace(clientAddress.ReplaceAllString(string(p), "$1 [address]"))
	a.log.Warn(msg)
	return len(p), nil
}

// flushCounts writes the buffered page-view counts every interval, and a last time when
// stop closes (after the HTTP server has drained). Each flush has its own deadline and
// is never cut off half-way by the stop: a write the database applied but whose reply
// was lost would otherwise be retried (the batch names make that harmless, but there is
// no need to provoke it).
func flushCounts(stop <-chan struct{}, counter *analytics.Counter, every time.Duration, log *slog.Logger) {
	t := time.NewTicker(every)
	defer t.Stop()
	flush := func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		return counter.Flush(ctx, time.Now())
	}
	for {
		select {
		case <-stop:
			if err := flush(); err != nil {
				log.Error("traffic counts not written at shutdown", "err", err, "days", counter.Pending())
			}
			return
		case <-t.C:
			if err := flush(); err != nil {
				log.Warn("traffic counts not written; kept for the next attempt", "err", err)
			}
		}
	}
}

// hourly runs the hourly jobs: the traffic month summaries, under the retention lease
// the deletion of what expired (which also reminds and closes unconfirmed guest
// requests, so with several instances a reminder goes once), and the daily digest.
func hourly(ctx context.Context, jobs wire.Jobs, preparing func() bool, counter *analytics.Counter, log *slog.Logger) {
	// The lease holder names this process: host and pid for the operator, and a random
	// part, since two containers can share both.
	host, _ := os.Hostname()
	holder := fmt.Sprintf("%s:%d:%s", host, os.Getpid(), ids.Token(4))
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	first := time.After(time.Minute) // soon after start, then hourly
	for {
		select {
		case <-ctx.Done():
			return
		case <-first:
			first = nil
		case <-t.C:
		}
		if preparing() { // a one-time upgrade is still reading the collections
			first = time.After(time.Minute)
			continue
		}
		if counter != nil {
			if err := counter.Store.Roll(ctx, time.Now()); err != nil && ctx.Err() == nil {
				log.Error("traffic month summaries", "err", err)
			}
		}
		// Deleting what expired (including the guest and package sweeps) takes a lease:
		// with several instances, one runs it at a time.
		switch run, err := jobs.Retention.Run(ctx, holder); {
		case err != nil && ctx.Err() == nil:
			log.Error("retention run", "err", err)
		case run == nil:
			log.Debug("retention run skipped: another instance holds the lease")
		case run.Error != "":
			log.Error("retention run stopped", "err", run.Error, "deleted", run.Deleted)
		default:
			log.Info("retention run", "deleted", run.Deleted)
		}
		// The officers' daily digest: every instance tries, each mail is stored once.
		if n, err := jobs.Digests.Send(ctx); err != nil && ctx.Err() == nil {
			log.Error("daily digest", "err", err)
		} else if n > 0 {
			log.Info("daily digest", "queued", n)
		}
	}
}

// diskProbe reads the data directory's disk for the embedded engine; a MongoDB elsewhere
// is watched by its own operator (nil).
func (a *app) diskProbe() func(context.Context) (handlers.DiskSpace, error) {
	if a.cfg.MongoURI != "" {
		return nil
	}
	return func(context.Context) (handlers.DiskSpace, error) {
		free, total, db, err := embedded.DiskUsage(a.cfg.DataDir, a.cfg.DBName)
		return handlers.DiskSpace{Free: free, Total: total, Database: db}, err
	}
}

// quotaDefaults is the quota until an administrator saves one: the two configured limits
// and the portal's defaults for the rest.
func quotaDefaults(c *Config) rights.Quota {
	q := rights.DefaultQuota
	q.Open, q.PerDay = c.QuotaOpen, c.QuotaPerDay
	return q
}
