package main

import (
	"crypto/ed25519"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	netmail "net/mail"
	"net/netip"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/example/pdpa-portal/account"
	"github.com/example/pdpa-portal/analytics"
	"github.com/example/pdpa-portal/handlers"
	"github.com/example/pdpa-portal/mail"
)

// Config is every setting, from flags and PORTAL_* variables (flags win), validated once.
type Config struct {
	Addr            string
	BaseURL         string
	DataDir         string
	MongoURI        secret
	DBName          string
	LogFormat       string
	LogLevel        string
	TrustedProxies  []netip.Prefix
	TLSCert         string
	TLSKey          string
	SessionIdle     time.Duration
	GuestRemind     time.Duration
	GuestClose      time.Duration
	StaffIdle       time.Duration
	SessionMax      time.Duration
	MaxBody         int64
	PasswordMin     int
	ShutdownTimeout time.Duration
	// MetricsAddr is where /metrics is served, on a listener of its own (empty: nowhere).
	MetricsAddr string
	// Analytics turns the aggregate traffic counting on; AnalyticsK is the report's
	// threshold and AnalyticsFlush how often buffered counts are written.
	Analytics      bool
	AnalyticsK     int
	AnalyticsFlush time.Duration
	SMTPURL        secret // empty: no mail server, mail stays in the outbox and is logged
	MailFrom       string
	// DiskLow, UploadsLow and DiskWarn: the free-space floors of the data directory
	// (readiness, new attachments) and the use at which administrators are warned.
	DiskLow, UploadsLow handlers.Threshold
	DiskWarn            int
	// Quota bounds one person's filings (0: no limit).
	QuotaOpen, QuotaPerDay int

	// Secrets come only from the environment (never flags: argv is visible to every user
	// of the machine) or from the data directory.
	HashKey   secret
	BlockKey  secret
	MasterKey secret
	// ReceiptKey is the Ed25519 seed that signs consent receipts.
	ReceiptKey secret
	// ReceiptRetired are the public keys of earlier receipt keys, still trusted.
	ReceiptRetired []ed25519.PublicKey
}

// secret hides its value from logs and %v.
type secret string

func (s secret) String() string {
	if s == "" {
		return ""
	}
	return "[redacted]"
}

// LogValue keeps secrets out of structured logs.
func (s secret) LogValue() any { return s.String() }

// setting describes one configuration value for flags, environment and --help.
type setting struct {
	flag, env, def, usage string
	parse                 func(c *Config, v string) error
}

// usageError is a bad setting: the process exits with status 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

var settings = []setting{
	{"addr", "PORTAL_ADDR", "127.0.0.1:8080", "address to serve HTTP on (host:port)", func(c *Config, v string) error {
		if _, _, err := net.SplitHostPort(v); err != nil {
			return errors.New("must be host:port, for example 127.0.0.1:8080")
		}
		c.Addr = v
		return nil
	}},
	{"base-url", "PORTAL_BASE_URL", "", "public URL of the portal, used in links it prints and mails (default http://<addr>)", func(c *Config, v string) error {
		if v == "" {
			return nil
		}
		u, err := url.Parse(v)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return errors.New("must be an http or https URL, for example https://privacy.example.gov.tw")
		}
		c.BaseURL = strings.TrimRight(v, "/")
		return nil
	}},
	{"data-dir", "PORTAL_DATA_DIR", "./data", "directory for the embedded database, its socket and generated keys", func(c *Config, v string) error {
		if strings.TrimSpace(v) == "" {
			return errors.New("must not be empty")
		}
		// Made absolute once, here: every path built from it (SQLite URIs, the socket,
		// secrets.json) then means the same file whatever the working directory (cron's
		// "cd /srv/portal && ./portal backup" takes the default ./data).
		abs, err := filepath.Abs(v)
		if err != nil {
			return fmt.Errorf("cannot resolve it against the working directory: %w", err)
		}
		c.DataDir = abs
		return nil
	}},
	{"mongodb-uri", "MONGODB_URI", "", "MongoDB connection string; when empty the embedded engine is used", func(c *Config, v string) error {
		if v != "" && !strings.HasPrefix(v, "mongodb://") && !strings.HasPrefix(v, "mongodb+srv://") {
			return errors.New("must start with mongodb:// or mongodb+srv://")
		}
		c.MongoURI = secret(v)
		return nil
	}},
	{"db", "PORTAL_DB", "portal", "database name", func(c *Config, v string) error {
		if v == "" || len(v) > 60 || strings.ContainsAny(v, `/\. "$`) {
			return errors.New("must be 1-60 characters without / \\ . space \" or $")
		}
		c.DBName = v
		return nil
	}},
	{"log-format", "PORTAL_LOG_FORMAT", "text", "log format: text or json", func(c *Config, v string) error {
		if v != "text" && v != "json" {
			return errors.New("must be text or json")
		}
		c.LogFormat = v
		return nil
	}},
	{"log-level", "PORTAL_LOG_LEVEL", "info", "log level: debug, info, warn or error", func(c *Config, v string) error {
		switch v {
		case "debug", "info", "warn", "error":
			c.LogLevel = v
			return nil
		}
		return errors.New("must be debug, info, warn or error")
	}},
	{"trusted-proxies", "PORTAL_TRUSTED_PROXIES", "", "comma-separated proxy addresses or CIDRs whose X-Forwarded-For/-Proto are believed (default: none)", func(c *Config, v string) error {
		c.TrustedProxies = nil
		for _, f := range strings.Split(v, ",") {
			if f = strings.TrimSpace(f); f == "" {
				continue
			}
			p, err := netip.ParsePrefix(f)
			if err != nil {
				a, aerr := netip.ParseAddr(f)
				if aerr != nil {
					return fmt.Errorf("%q is not an address or CIDR", f)
				}
				p = netip.PrefixFrom(a, a.BitLen())
			}
			c.TrustedProxies = append(c.TrustedProxies, p.Masked())
		}
		return nil
	}},
	{"receipt-retired-keys", "PORTAL_RECEIPT_RETIRED_KEYS", "", "comma-separated base64 Ed25519 public keys that signed receipts before a key rotation; receipts they signed still verify", func(c *Config, v string) error {
		c.ReceiptRetired = nil
		for _, f := range strings.Split(v, ",") {
			if f = strings.TrimSpace(f); f == "" {
				continue
			}
			b, err := base64.StdEncoding.DecodeString(f)
			if err != nil {
				b, err = base64.RawURLEncoding.DecodeString(f)
			}
			if err != nil || len(b) != ed25519.PublicKeySize {
				return fmt.Errorf("%q is not a base64 Ed25519 public key (32 bytes)", f)
			}
			c.ReceiptRetired = append(c.ReceiptRetired, ed25519.PublicKey(b))
		}
		return nil
	}},
	{"tls-cert", "PORTAL_TLS_CERT", "", "TLS certificate file; with tls-key, serve HTTPS directly", func(c *Config, v string) error { c.TLSCert = v; return nil }},
	{"tls-key", "PORTAL_TLS_KEY", "", "TLS private key file", func(c *Config, v string) error { c.TLSKey = v; return nil }},
	{"session-idle", "PORTAL_SESSION_IDLE", "2h", "citizens are signed out after this much inactivity", durationSetting(func(c *Config) *time.Duration { return &c.SessionIdle }, time.Minute, 24*time.Hour)},
	{"staff-session-idle", "PORTAL_STAFF_SESSION_IDLE", "30m", "staff are signed out after this much inactivity", durationSetting(func(c *Config) *time.Duration { return &c.StaffIdle }, time.Minute, 24*time.Hour)},
	{"guest-remind", "PORTAL_GUEST_REMIND", "72h", "a guest who has not confirmed their e-mail is reminded once after this long", durationSetting(func(c *Config) *time.Duration { return &c.GuestRemind }, time.Hour, 30*24*time.Hour)},
	{"guest-close", "PORTAL_GUEST_CLOSE", "336h", "a guest request whose e-mail is still not confirmed is closed after this long", durationSetting(func(c *Config) *time.Duration { return &c.GuestClose }, time.Hour, 90*24*time.Hour)},
	{"session-max", "PORTAL_SESSION_MAX", "12h", "sign-out this long after sign-in, active or not", durationSetting(func(c *Config) *time.Duration { return &c.SessionMax }, time.Minute, 30*24*time.Hour)},
	{"max-body", "PORTAL_MAX_BODY", "1048576", "largest request body in bytes for forms (uploads have their own limit)", func(c *Config, v string) error {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 1024 || n > 100<<20 {
			return errors.New("must be a number of bytes between 1024 and 104857600")
		}
		c.MaxBody = n
		return nil
	}},
	{"password-min-length", "PORTAL_PASSWORD_MIN_LENGTH", "8", "minimum password length (never below 8)", func(c *Config, v string) error {
		n, err := strconv.Atoi(v)
		if err != nil || n < account.MinPasswordLength || n > 128 {
			return fmt.Errorf("must be a whole number from %d to 128", account.MinPasswordLength)
		}
		c.PasswordMin = n
		return nil
	}},
	{"metrics-addr", "PORTAL_METRICS_ADDR", "", "serve Prometheus /metrics on this address only (keep it private: e.g. 127.0.0.1:9090)", func(c *Config, v string) error {
		if v != "" {
			if _, _, err := net.SplitHostPort(v); err != nil {
				return errors.New("must be host:port")
			}
		}
		c.MetricsAddr = v
		return nil
	}},
	{"analytics", "PORTAL_ANALYTICS", "on", "count page views for the webmaster's aggregate traffic report: on or off", func(c *Config, v string) error {
		switch strings.ToLower(v) {
		case "on", "true", "1":
			c.Analytics = true
		case "off", "false", "0":
			c.Analytics = false
		default:
			return errors.New("must be on or off")
		}
		return nil
	}},
	{"analytics-k", "PORTAL_ANALYTICS_K", "5", "the traffic report hides every figure below this (never below 3)", func(c *Config, v string) error {
		n, err := strconv.Atoi(v)
		if err != nil || n < analytics.MinK || n > 1000 {
			return fmt.Errorf("must be a whole number from %d to 1000", analytics.MinK)
		}
		c.AnalyticsK = n
		return nil
	}},
	{"disk-low", "PORTAL_DISK_LOW", "5%,500MB", "embedded database: /readyz reports not ready when the data directory has less free space than this share of its disk or this size, whichever is more (0: never)", thresholdSetting(func(c *Config) *handlers.Threshold { return &c.DiskLow })},
	{"uploads-low", "PORTAL_UPLOADS_LOW", "10%,1GB", "embedded database: new attachments are refused under this much free space (set it above disk-low)", thresholdSetting(func(c *Config) *handlers.Threshold { return &c.UploadsLow })},
	{"disk-warn", "PORTAL_DISK_WARN", "80", "embedded database: administrators are warned on /staff when the data directory's disk is this many percent full (0: never)", func(c *Config, v string) error {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > 100 {
			return errors.New("must be a whole number from 0 to 100")
		}
		c.DiskWarn = n
		return nil
	}},
	{"quota-open", "PORTAL_QUOTA_OPEN", "20", "a person may have at most this many requests open at once (0: no limit; paper and counter requests do not count)", quotaSetting(func(c *Config) *int { return &c.QuotaOpen })},
	{"quota-per-day", "PORTAL_QUOTA_PER_DAY", "10", "a person may file at most this many requests in 24 hours (0: no limit)", quotaSetting(func(c *Config) *int { return &c.QuotaPerDay })},
	{"analytics-flush", "PORTAL_ANALYTICS_FLUSH", "5s", "how often counted page views are written to the database", durationSetting(func(c *Config) *time.Duration { return &c.AnalyticsFlush }, time.Second, 10*time.Minute)},
	{"shutdown-timeout", "PORTAL_SHUTDOWN_TIMEOUT", "15s", "how long to let requests finish at shutdown", durationSetting(func(c *Config) *time.Duration { return &c.ShutdownTimeout }, time.Second, 5*time.Minute)},
	{"smtp-url", "PORTAL_SMTP_URL", "", "mail server: smtp://[user:pass@]host[:port] (STARTTLS), smtps://… (TLS) or smtp://host:port?tls=none; prefer the variable, the URL may hold a password. When empty, mail stays in the outbox and is written to the log", func(c *Config, v string) error {
		if v != "" {
			// The same parsing the mail sender does; nothing is dialled.
			if _, err := mail.NewSMTP(v, "portal@localhost"); err != nil {
				return err
			}
		}
		c.SMTPURL = secret(v)
		return nil
	}},
	{"mail-from", "PORTAL_MAIL_FROM", "portal@localhost", "sender address of the portal's mail, for example privacy@agency.gov.tw", func(c *Config, v string) error {
		if _, err := netmail.ParseAddress(v); err != nil {
			return errors.New("must be an e-mail address, for example privacy@agency.gov.tw or 個資服務 <privacy@agency.gov.tw>")
		}
		c.MailFrom = v
		return nil
	}},
}

// secretSettings are read from the environment only.
var secretSettings = []struct {
	env, usage string
	field      func(c *Config) *secret
	size       []int
}{
	{"PORTAL_HASH_KEY", "base64 key signing cookies (32 or 64 bytes)", func(c *Config) *secret { return &c.HashKey }, []int{32, 64}},
	{"PORTAL_BLOCK_KEY", "base64 key encrypting cookies (32 bytes)", func(c *Config) *secret { return &c.BlockKey }, []int{32}},
	{"PORTAL_MASTER_KEY", "base64 master key wrapping the per-person data keys (32 bytes)", func(c *Config) *secret { return &c.MasterKey }, []int{32}},
	{"PORTAL_RECEIPT_KEY", "base64 Ed25519 seed signing consent receipts (32 bytes); keep it as long as receipts must verify", func(c *Config) *secret { return &c.ReceiptKey }, []int{32}},
}

// thresholdSetting parses a free-space floor: a percentage, a size (500MB, 2GB, bytes)
// or both separated by a comma ("5%,500MB": whichever is more); "0" is no floor.
func thresholdSetting(field func(*Config) *handlers.Threshold) func(*Config, string) error {
	return func(c *Config, v string) error {
		var t handlers.Threshold
		for part := range strings.SplitSeq(v, ",") {
			part = strings.TrimSpace(part)
			if p, ok := strings.CutSuffix(part, "%"); ok {
				f, err := strconv.ParseFloat(p, 64)
				if err != nil || f < 0 || f >= 100 {
					return errors.New("a percentage must be from 0 to 99 (like 5%)")
				}
				t.Percent = f
				continue
			}
			n, err := parseSize(part)
			if err != nil {
				return err
			}
			t.Bytes = n
		}
		*field(c) = t
		return nil
	}
}

// parseSize reads 500MB, 2GB, 1024KB or a number of bytes (units of 1024).
func parseSize(v string) (int64, error) {
	mult := int64(1)
	u := strings.ToUpper(v)
	for _, s := range []struct {
		suffix string
		mult   int64
	}{{"KB", 1 << 10}, {"MB", 1 << 20}, {"GB", 1 << 30}, {"TB", 1 << 40}} {
		if n, ok := strings.CutSuffix(u, s.suffix); ok {
			u, mult = n, s.mult
			break
		}
	}
	n, err := strconv.ParseInt(strings.TrimSpace(u), 10, 64)
	if err != nil || n < 0 || n > (1<<62)/mult {
		return 0, errors.New("must be a percentage (5%), a size (500MB, 2GB) or both (5%,500MB)")
	}
	return n * mult, nil
}

func durationSetting(field func(*Config) *time.Duration, lo, hi time.Duration) func(*Config, string) error {
	return func(c *Config, v string) error {
		d, err := time.ParseDuration(v)
		if err != nil || d < lo || d > hi {
			return fmt.Errorf("must be a duration from %v to %v, for example 30m", lo, hi)
		}
		*field(c) = d
		return nil
	}
}

// parseConfig reads flags from args and the rest from env. extra registers subcommand
// flags on the same set. It returns *usageError for any bad value, naming the setting.
func parseConfig(name string, args []string, env func(string) string, stderr io.Writer, extra func(*flag.FlagSet)) (*Config, error) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	vals := make([]*string, len(settings))
	for i, s := range settings {
		vals[i] = fs.String(s.flag, s.def, s.usage)
	}
	if extra != nil {
		extra(fs)
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, err
		}
		return nil, &usageError{err.Error()}
	}
	if fs.NArg() > 0 {
		return nil, &usageError{fmt.Sprintf("unexpected argument %q", fs.Arg(0))}
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })

	c := &Config{}
	for i, s := range settings {
		v, from := *vals[i], "-"+s.flag
		if !set[s.flag] {
			if e := env(s.env); e != "" {
				v, from = e, s.env
			}
		}
		if err := s.parse(c, v); err != nil {
			return nil, &usageError{fmt.Sprintf("invalid %s (%s=%q): %v", s.flag, from, displayValue(s.env, v), err)}
		}
	}
	for _, s := range secretSettings {
		v := env(s.env)
		if v == "" {
			continue
		}
		b, err := base64.StdEncoding.DecodeString(v)
		if err != nil || !containsInt(s.size, len(b)) {
			return nil, &usageError{fmt.Sprintf("invalid %s: must be base64 of %v random bytes (generate with: openssl rand -base64 %d)", s.env, s.size, s.size[0])}
		}
		*s.field(c) = secret(b)
	}
	if (c.TLSCert == "") != (c.TLSKey == "") {
		return nil, &usageError{"invalid tls-cert/tls-key: set both or neither"}
	}
	if c.GuestRemind >= c.GuestClose {
		return nil, &usageError{"invalid guest-remind: must be shorter than guest-close"}
	}
	if c.SessionIdle > c.SessionMax {
		return nil, &usageError{"invalid session-idle: must not exceed session-max"}
	}
	if c.StaffIdle > c.SessionMax {
		return nil, &usageError{"invalid staff-session-idle: must not exceed session-max"}
	}
	if c.BaseURL == "" {
		c.BaseURL = c.defaultBaseURL(c.Addr)
	}
	return c, nil
}

// defaultBaseURL is the URL of the listening address, used when base-url is unset.
func (c *Config) defaultBaseURL(addr string) string {
	scheme := "http"
	if c.TLSCert != "" {
		scheme = "https"
	}
	return scheme + "://" + addr
}

// displayValue hides connection strings (they may hold passwords) in error messages.
func displayValue(env, v string) string {
	if env == "MONGODB_URI" || env == "PORTAL_SMTP_URL" {
		return "[redacted]"
	}
	return v
}

func containsInt(xs []int, x int) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

// writeHelp lists every subcommand and setting.
func writeHelp(w io.Writer) {
	fmt.Fprint(w, `portal: the personal data rights portal (PDPA Art. 3)

Usage:
  portal [serve] [flags]                 serve the portal (the default)
  portal create-admin --email E [--name N] [flags]
                                         create an administrator; the password is read from standard input
                                         (the embedded database: only while no portal serves the data directory)
  portal demo [-people N]                fill an empty database with obviously fake demo data
  portal backup -o FILE [--keys]         write a compressed, checksummed archive of the database
                                         (--keys: the key store only, to keep apart from data backups)
  portal restore FILE [--force]          verify an archive, then restore it into an empty database
  portal audit verify [flags]            check the audit trail's hash chain; exit 1 naming the first broken event
  portal help                            show this help

Settings (a flag wins over its environment variable):
`)
	for _, s := range settings {
		def := s.def
		if def == "" {
			def = "none"
		}
		fmt.Fprintf(w, "  -%-22s %-28s %s (default: %s)\n", s.flag, s.env, s.usage, def)
	}
	fmt.Fprint(w, "\nSecrets (environment only; generated into <data-dir>/secrets.json, mode 0600, when unset):\n")
	for _, s := range secretSettings {
		fmt.Fprintf(w, "  %-28s %s\n", s.env, s.usage)
	}
}

// isLocal reports whether the portal's public URL is this machine (a developer's portal).
func (c *Config) isLocal() bool {
	u, err := url.Parse(c.BaseURL)
	if err != nil {
		return false
	}
	host := u.Hostname()
	if host == "localhost" {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.IsLoopback()
}

// quotaSetting reads a quota: a whole number from 0 (no limit) to 1000.
func quotaSetting(field func(*Config) *int) func(*Config, string) error {
	return func(c *Config, v string) error {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > 1000 {
			return errors.New("must be a whole number from 0 (no limit) to 1000")
		}
		*field(c) = n
		return nil
	}
}
