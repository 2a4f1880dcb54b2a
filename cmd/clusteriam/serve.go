package main

import (
	"cmp"
	"context"
	"crypto/tls"
	"crypto/x509"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"runtime"
	"time"

	"github.com/clusteriam/clusteriam/internal/auth"
	"github.com/clusteriam/clusteriam/internal/certlogin"
	"github.com/clusteriam/clusteriam/internal/cli"
	"github.com/clusteriam/clusteriam/internal/clientaddr"
	"github.com/clusteriam/clusteriam/internal/directory"
	"github.com/clusteriam/clusteriam/internal/httpapi"
	"github.com/clusteriam/clusteriam/internal/iam"
	"github.com/clusteriam/clusteriam/internal/jwtrust"
	"github.com/clusteriam/clusteriam/internal/loginlimit"
	"github.com/clusteriam/clusteriam/internal/mail"
	"github.com/clusteriam/clusteriam/internal/store"
	"github.com/clusteriam/clusteriam/internal/store/postgres"
	"github.com/clusteriam/clusteriam/internal/tlscert"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"golang.org/x/term"
)

// serveConfig holds the flags of `clusteriam serve`.
type serveConfig struct {
	listen, metricsListen string
	dataDir               string
	database              string
	databaseMaxConns      int
	secretKeyFile         string
	directories           string
	lockout               iam.LockoutPolicy
	auditRetention        time.Duration
	maxAPIKeysPerUser     int
	auditMaxRows          int64
	minPasswordLength     int
	breachedPasswords     string
	failedLoginsPerMinute int
	failedLoginsPerAcct   int
	trustedProxies        []netip.Prefix
	tlsCert, tlsKey       string
	insecureHTTP          bool
	console               bool
	sessionLifetime       time.Duration
	logLevel              slog.Level
	logFormat             string
	readHeaderTimeout     time.Duration
	readTimeout           time.Duration
	writeTimeout          time.Duration
	idleTimeout           time.Duration
	maxHeaderBytes        int
	shutdownTimeout       time.Duration
	smtpURL, smtpFrom     string
	smtpInsecure          bool
	emailCodesPerHour     int
	clientCAFile          string
	directoryCAFile       string
	idpCAFile             string
	groupRecheck          time.Duration
	authCacheEntries      int
}

// errHelpShown: --help was asked for, and the help printed.
var errHelpShown = errors.New("help shown")

// serveEnvHelp lists the environment serve reads.
const serveEnvHelp = `
Environment:
  CLUSTERIAM_ADMIN_PASSWORD     the first admin's password, on an empty store only (default: a random one, printed once)
  CLUSTERIAM_DATABASE           as --database
  CLUSTERIAM_SECRET_KEY_FILE    as --secret-key-file
  CLUSTERIAM_SECRET_KEY         the S3-secret key itself, base64
  CLUSTERIAM_SMTP_URL           as --smtp-url, out of the process list
`

// parseServeFlags reads serve's flags. --help prints them, and the
// environment, to stdout (errHelpShown); a wrong flag is one line of error.
func parseServeFlags(args []string, stdout io.Writer) (serveConfig, error) {
	var c serveConfig
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&c.listen, "listen", ":8443", "address to serve the API on")
	fs.StringVar(&c.metricsListen, "metrics-listen", "", "serve /metrics on this address instead of the API's")
	fs.StringVar(&c.dataDir, "data-dir", "./clusteriam-data", "directory of the database, keys and certificate (created if missing)")
	fs.StringVar(&c.database, "database", "", "sqlite:///path/file.db or postgres://user:pass@host:port/db?sslmode=...; default $"+envDatabase+", else clusteriam.db in the data dir")
	fs.IntVar(&c.databaseMaxConns, "database-max-conns", postgres.DefaultMaxConns, "PostgreSQL connection pool size")
	fs.StringVar(&c.secretKeyFile, "secret-key-file", "", "file of the 32-byte key sealing S3 secrets, the same on every replica; default $"+envSecretKeyFile+" or $"+envSecretKey+" (base64), else (SQLite only) one made in the data dir")
	fs.StringVar(&c.directories, "directories", "", "YAML file of Active Directory and LDAP domains whose users and groups may be added")
	fs.IntVar(&c.lockout.Threshold, "lockout-threshold", 5, "failed log-ins that lock an account (negative: never lock)")
	fs.DurationVar(&c.lockout.Window, "lockout-window", 15*time.Minute, "time within which failed log-ins add up")
	fs.DurationVar(&c.lockout.Duration, "lockout-duration", 15*time.Minute, "how long a lock-out lasts unless an admin ends it")
	fs.IntVar(&c.minPasswordLength, "min-password-length", iam.DefaultMinPasswordLength, "fewest characters a new password may have (8 to 128; ASVS asks 12)")
	fs.StringVar(&c.breachedPasswords, "breached-passwords", "", "file of breached or common passwords, one per line, that no new password may be")
	fs.DurationVar(&c.auditRetention, "audit-retention", 365*24*time.Hour, "how long audit entries are kept (negative: for ever)")
	fs.IntVar(&c.maxAPIKeysPerUser, "max-api-keys-per-user", iam.DefaultMaxAPIKeysPerUser, "most API keys one user may hold")
	fs.Int64Var(&c.auditMaxRows, "audit-max-rows", iam.DefaultAuditMaxRows, "most audit entries kept; the oldest beyond are purged every minute (negative: no cap)")
	fs.IntVar(&c.failedLoginsPerMinute, "failed-logins-per-minute", loginlimit.DefaultFailedLoginsPerMinute, "failed log-ins one client address may make per minute before 429 (negative: no limit)")
	fs.IntVar(&c.failedLoginsPerAcct, "failed-logins-per-account-per-minute", loginlimit.DefaultFailedLoginsPerAccountPerMinute, "failed log-ins one client address may make per minute for one account before 429 (negative: no limit)")
	fs.Func("trusted-proxies", "comma-separated CIDR networks (or addresses) of proxies whose X-Forwarded-For names the client, read rightmost-untrusted; default none: the TCP peer is the client", func(v string) error {
		ps, err := clientaddr.ParseTrustedProxies(v)
		c.trustedProxies = append(c.trustedProxies, ps...)
		return err
	})
	fs.StringVar(&c.tlsCert, "tls-cert", "", "TLS certificate file (PEM); default: a self-signed one kept in the data dir")
	fs.StringVar(&c.tlsKey, "tls-key", "", "TLS private key file (PEM)")
	fs.BoolVar(&c.insecureHTTP, "insecure-http", false, "serve plain HTTP (local development only)")
	fs.BoolVar(&c.console, "console", true, "serve the web console at / (the API at /v2 either way)")
	fs.StringVar(&c.smtpURL, "smtp-url", "", "mail server of e-mailed one-time codes, smtp://user:pass@host:port (STARTTLS) or smtps://...; default $"+envSMTPURL+" (which keeps the password out of the process list)")
	fs.BoolVar(&c.smtpInsecure, "smtp-insecure", false, "let --smtp-url send without TLS, and without checking the server's certificate (a relay on loopback only)")
	fs.StringVar(&c.smtpFrom, "smtp-from", "", "From address of e-mailed codes (default clusteriam@ the mail server's host)")
	fs.IntVar(&c.emailCodesPerHour, "email-codes-per-hour", iam.DefaultEmailCodesPerHour, "most one-time codes e-mailed to one user in an hour")
	fs.StringVar(&c.directoryCAFile, "directory-ca-file", "", "PEM file of the CAs trusted for the servers of AD domains and LDAP providers added through the API; default: the system's")
	fs.StringVar(&c.idpCAFile, "idp-ca-file", "", "PEM file of CAs trusted, beside the system's, for the key and metadata URLs of OpenID Connect and OAuth2 issuers added through the API")
	fs.DurationVar(&c.groupRecheck, "directory-group-recheck", iam.DefaultGroupRecheck, "how often, at most, a directory user's groups are read again while its credentials are used")
	fs.IntVar(&c.authCacheEntries, "auth-cache-entries", iam.DefaultAuthCacheEntries, "most credentials kept checked in memory (about 2 KB each), and most directory users whose last group reading is")
	fs.StringVar(&c.clientCAFile, "client-ca-file", "", "PEM file of the CAs whose client certificates may log in (create_session with certificate and privateKey); default: certificate log-in is off")
	fs.DurationVar(&c.sessionLifetime, "session-lifetime", 12*time.Hour, "lifetime of sessions and access tokens (ASVS L2 asks at most 12h)")
	fs.TextVar(&c.logLevel, "log-level", slog.LevelInfo, "log level: DEBUG, INFO, WARN or ERROR")
	fs.StringVar(&c.logFormat, "log-format", "auto", "log format on standard error: text, json, or auto (text on a terminal, else json)")
	fs.DurationVar(&c.readHeaderTimeout, "read-header-timeout", 10*time.Second, "time allowed to read request headers")
	fs.DurationVar(&c.readTimeout, "read-timeout", 30*time.Second, "time allowed to read a whole request")
	fs.DurationVar(&c.writeTimeout, "write-timeout", 60*time.Second, "time allowed to write a response; of a streamed list (users, groups, keys, audit logs), time allowed for each 64 KiB of it")
	fs.DurationVar(&c.idleTimeout, "idle-timeout", 120*time.Second, "keep-alive idle time")
	fs.IntVar(&c.maxHeaderBytes, "max-header-bytes", httpapi.DefaultMaxHeaderBytes, "largest request line and header fields accepted; past it 431 with the Error JSON (past about twice it, net/http's own plain-text 431)")
	fs.DurationVar(&c.shutdownTimeout, "shutdown-timeout", 30*time.Second, "time in-flight requests get to finish on shutdown")
	if err := fs.Parse(args); errors.Is(err, flag.ErrHelp) {
		fmt.Fprint(stdout, "usage: clusteriam serve [flags]\n\nServe the v2 User API over HTTPS.\n\nFlags:\n")
		fs.SetOutput(stdout)
		fs.PrintDefaults()
		fmt.Fprint(stdout, serveEnvHelp)
		return c, errHelpShown
	} else if err != nil {
		return c, fmt.Errorf("serve: %w", err)
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("serve: unexpected argument %q", fs.Arg(0))
	}
	return c, c.check()
}

// check refuses flags whose values do not go together or out of range.
func (c serveConfig) check() error {
	switch c.logFormat {
	case "auto", "text", "json":
	default:
		return fmt.Errorf("serve: --log-format %q: want auto, text or json", c.logFormat)
	}
	if c.databaseMaxConns < 1 {
		return fmt.Errorf("serve: --database-max-conns %d: want at least 1", c.databaseMaxConns)
	}
	if c.emailCodesPerHour < 1 {
		return fmt.Errorf("serve: --email-codes-per-hour %d: want at least 1", c.emailCodesPerHour)
	}
	if c.groupRecheck < time.Second {
		return fmt.Errorf("serve: --directory-group-recheck %v: want at least 1s", c.groupRecheck)
	}
	if err := checkPEMFile(c.directoryCAFile); err != nil {
		return fmt.Errorf("serve: --directory-ca-file: %w", err)
	}
	if err := checkPEMFile(c.idpCAFile); err != nil {
		return fmt.Errorf("serve: --idp-ca-file: %w", err)
	}
	if c.auditMaxRows == 0 {
		return errors.New("serve: --audit-max-rows 0: want at least 1, or a negative number for no cap")
	}
	if c.maxHeaderBytes < 1<<10 || c.maxHeaderBytes > 1<<24 {
		return fmt.Errorf("serve: --max-header-bytes %d: want 1024 to 16777216", c.maxHeaderBytes)
	}
	if (c.tlsCert == "") != (c.tlsKey == "") {
		return errors.New("serve: --tls-cert and --tls-key go together")
	}
	return nil
}

// serve runs the server: its logs, in one format, go to stderr; what the
// person who started it reads (the first password, how to log in, where
// it serves) goes to stdout.
func serve(ctx context.Context, cfg serveConfig, getenv func(string) string, stdout, stderr io.Writer) error {
	log := newLogger(cfg, stderr)
	// What the packages log on their own (the store's re-key of names at
	// its opening) goes to the same lines.
	slog.SetDefault(log)
	// The ports first: a port in use stops the start before the store is
	// made and a first password printed for a server that never ran.
	ln, mln, err := listen(cfg)
	if err != nil {
		return err
	}
	defer closeAll(ln, mln)
	if err := os.MkdirAll(cfg.dataDir, 0o700); err != nil {
		return fmt.Errorf("data dir: %w", err)
	}
	st, db, err := openStore(ctx, cfg, getenv)
	if err != nil {
		return fmt.Errorf("open store: %w", err)
	}
	defer st.Close()
	svc, err := newService(ctx, cfg, st, db, getenv, log)
	if err != nil {
		return err
	}
	defer svc.Flush() // before the store closes
	adminChecked, err := ensureAdmin(ctx, svc, getenv, stdout, log)
	if err != nil {
		return err
	}
	defer func() { <-adminChecked }() // before the service and store close
	metrics, err := newMetrics(st)
	if err != nil {
		return err
	}
	handler, err := handlers(cfg, svc, log, metrics, ctx.Done())
	if err != nil {
		return err
	}
	srv, scheme, err := newServer(cfg, handler, log)
	if err != nil {
		return err
	}
	// Read before the server starts: serving sets up its TLS config.
	fp := ""
	if tc := srv.TLSConfig; tc != nil && len(tc.Certificates) > 0 {
		fp = cli.Fingerprint(tc.Certificates[0].Certificate[0])
	}
	servers := []*http.Server{srv}
	errc := make(chan error, 2)
	go func() { errc <- serveOn(srv, ln, scheme == "https") }()
	if mln != nil {
		servers = append(servers, serveMetrics(cfg, metrics, mln, errc))
	}
	go purge(ctx, svc, log)
	printBanner(stdout, fp, scheme+"://"+displayAddr(ln.Addr()), db)
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down: letting in-flight requests finish")
	sctx, cancel := context.WithTimeout(context.Background(), cfg.shutdownTimeout)
	defer cancel()
	for _, s := range servers {
		if err := s.Shutdown(sctx); err != nil {
			log.Error("shutdown", "error", err)
		}
	}
	return nil
}

// newLogger is the server's logger: text or JSON lines on w, as
// --log-format says; auto is text for a person at a terminal, JSON for a
// collector.
func newLogger(cfg serveConfig, w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: cfg.logLevel}
	text := cfg.logFormat == "text"
	if f, ok := w.(*os.File); ok && cfg.logFormat == "auto" {
		text = term.IsTerminal(int(f.Fd()))
	}
	if text {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}

// printBanner tells the person who started the server how to reach it:
// its certificate's fingerprint (fp, "" for plain HTTP), runnable log-in
// commands, and last the line that says it is ready.
func printBanner(w io.Writer, fp, url string, db database) {
	if fp != "" {
		fmt.Fprintf(w, "clusteriam: the certificate's fingerprint is %s\n", fp)
	}
	fmt.Fprintf(w, "clusteriam: log in:   clusteriam login --server %s --username admin\n", url)
	fmt.Fprintf(w, "clusteriam: or curl:  curl -sk -H 'Content-Type: application/json' %s/v2/access-tokens "+
		"-d '{\"username\":\"admin\",\"password\":\"PASSWORD\",\"domain\":\"LOCAL\"}'\n", url)
	fmt.Fprintf(w, "clusteriam: serving %s (database %s)\n", url, db)
}

// newService makes the service over st: its S3-secret key, its
// directories, and, for a store several replicas share, the bus that
// keeps their credential caches true.
func newService(ctx context.Context, cfg serveConfig, st store.Store, db database, getenv func(string) string, log *slog.Logger) (*iam.Service, error) {
	key, err := loadSecretKey(cfg, db, getenv)
	if err != nil {
		return nil, fmt.Errorf("s3 secret key: %w", err)
	}
	box, err := auth.NewSecretBox(key)
	if err != nil {
		return nil, err
	}
	dirs, err := loadDirectories(cfg.directories)
	if err != nil {
		return nil, err
	}
	pepper, err := auth.DerivePepper(key)
	if err != nil {
		return nil, err
	}
	hasher := auth.NewHasher(auth.DefaultParams(), runtime.GOMAXPROCS(0)).WithPepper(pepper)
	icfg := iam.Config{SessionLifetime: cfg.sessionLifetime, Audit: log, Directories: dirs, Lockout: cfg.lockout,
		AuditRetention: cfg.auditRetention, AuditMaxRows: cfg.auditMaxRows, MinPasswordLength: cfg.minPasswordLength,
		MaxAPIKeysPerUser: cfg.maxAPIKeysPerUser, EmailCodesPerHour: cfg.emailCodesPerHour,
		DirectoryCAFile: cfg.directoryCAFile, GroupRecheck: cfg.groupRecheck, AuthCacheEntries: cfg.authCacheEntries}
	if err := secondFactors(cfg, getenv, log, &icfg); err != nil {
		return nil, err
	}
	if cfg.idpCAFile != "" {
		roots, err := systemAnd(cfg.idpCAFile)
		if err != nil {
			return nil, fmt.Errorf("serve: --idp-ca-file: %w", err)
		}
		icfg.IdPClient = jwtrust.NewClient(roots)
	}
	if cfg.breachedPasswords != "" {
		if icfg.BreachedPasswords, err = auth.LoadPasswordList(cfg.breachedPasswords); err != nil {
			return nil, err
		}
		log.Info("breached-password list loaded", "passwords", icfg.BreachedPasswords.Len())
	}
	if bus, ok := st.(iam.InvalidationBus); ok {
		icfg.Bus = bus
	}
	return iam.New(ctx, st, hasher, box, icfg)
}

// secondFactors sets up what MFA and certificate log-ins need: the mail
// server of e-mailed codes and the CAs of client certificates.
func secondFactors(cfg serveConfig, getenv func(string) string, log *slog.Logger, icfg *iam.Config) error {
	smtpURL := cmp.Or(cfg.smtpURL, getenv(envSMTPURL))
	if smtpURL != "" {
		sender, err := mail.New(mail.Config{URL: smtpURL, Insecure: cfg.smtpInsecure, From: cfg.smtpFrom})
		if err != nil {
			return fmt.Errorf("--smtp-url: %w", err)
		}
		icfg.Mailer = sender
		log.Info("one-time codes are e-mailed", "smtp", sender.String(), "insecure", cfg.smtpInsecure)
	}
	if cfg.clientCAFile != "" {
		v, err := certlogin.LoadCAs(cfg.clientCAFile)
		if err != nil {
			return fmt.Errorf("--client-ca-file: %w", err)
		}
		icfg.ClientCAs = v
		log.Info("certificate log-in is on", "client_ca_file", cfg.clientCAFile)
	}
	return nil
}

// newMetrics makes the API's metrics, with the database pools' statistics.
func newMetrics(st store.Store) (*httpapi.Metrics, error) {
	metrics := httpapi.NewMetrics()
	if p, ok := st.(interface{ Pools() map[string]*sql.DB }); ok {
		for name, db := range p.Pools() {
			if err := metrics.Register(collectors.NewDBStatsCollector(db, name)); err != nil {
				return nil, err
			}
		}
	}
	return metrics, nil
}

// listen opens the API's port, and the metrics' when it has its own.
func listen(cfg serveConfig) (net.Listener, net.Listener, error) {
	ln, err := net.Listen("tcp", cfg.listen)
	if err != nil {
		return nil, nil, fmt.Errorf("--listen %s: %w", cfg.listen, err)
	}
	if cfg.metricsListen == "" {
		return ln, nil, nil
	}
	mln, err := net.Listen("tcp", cfg.metricsListen)
	if err != nil {
		ln.Close()
		return nil, nil, fmt.Errorf("--metrics-listen %s: %w", cfg.metricsListen, err)
	}
	return ln, mln, nil
}

// closeAll closes the listeners given (nil ones skipped); a server's
// Shutdown closes its own again, harmlessly.
func closeAll(lns ...net.Listener) {
	for _, ln := range lns {
		if ln != nil {
			_ = ln.Close()
		}
	}
}

func newServer(cfg serveConfig, h http.Handler, log *slog.Logger) (*http.Server, string, error) {
	srv := &http.Server{
		Handler: h, ReadHeaderTimeout: cfg.readHeaderTimeout, ReadTimeout: cfg.readTimeout,
		WriteTimeout: cfg.writeTimeout, IdleTimeout: cfg.idleTimeout,
		// Room above the limit, which the handler enforces with the Error
		// JSON; net/http's own plain-text 431 is only the backstop.
		MaxHeaderBytes: httpapi.ServerMaxHeaderBytes(cfg.maxHeaderBytes),
		ErrorLog:       slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	scheme := "https"
	if cfg.insecureHTTP {
		scheme = "http"
		log.Warn("serving plain HTTP: credentials cross the network in clear text; use this for local development only")
	} else {
		cert, err := tlscert.LoadOrCreate(cfg.dataDir, cfg.tlsCert, cfg.tlsKey)
		if err != nil {
			return nil, "", fmt.Errorf("TLS certificate: %w", err)
		}
		srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	}
	return srv, scheme, nil
}

func serveOn(srv *http.Server, ln net.Listener, useTLS bool) error {
	var err error
	if useTLS {
		err = srv.ServeTLS(ln, "", "")
	} else {
		err = srv.Serve(ln)
	}
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

func serveMetrics(cfg serveConfig, m *httpapi.Metrics, ln net.Listener, errc chan<- error) *http.Server {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", m.Handler())
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: cfg.readHeaderTimeout}
	go func() { errc <- serveOn(srv, ln, false) }()
	return srv
}

func displayAddr(a net.Addr) string {
	tcp, ok := a.(*net.TCPAddr)
	if ok && tcp.IP.IsUnspecified() {
		return fmt.Sprintf("localhost:%d", tcp.Port)
	}
	return a.String()
}

// ensureAdmin creates the first admin on an empty store. Its password is
// CLUSTERIAM_ADMIN_PASSWORD, or a random one printed here once. On a store
// that has users, it checks in the background whether the variable is the
// admin's password, to warn if not: the check is a password hash, which
// would otherwise hold up every start; the channel closes when it is done.
func ensureAdmin(ctx context.Context, svc *iam.Service, getenv func(string) string, stdout io.Writer, log *slog.Logger) (<-chan struct{}, error) {
	done := make(chan struct{})
	pw := getenv("CLUSTERIAM_ADMIN_PASSWORD")
	generated := pw == ""
	if generated {
		var err error
		if pw, err = auth.RandomPassword(); err != nil {
			return nil, err
		}
	}
	ensure := svc.EnsureAdmin
	if generated {
		ensure = svc.EnsureAdminGenerated
	}
	created, err := ensure(ctx, pw)
	if err != nil {
		return nil, fmt.Errorf("first admin: %w", err)
	}
	if created || generated {
		close(done)
	} else {
		// Set for good (a unit file, a container), it is no news while
		// it is the admin's password; said when it is not.
		go func() {
			defer close(done)
			if same, err := svc.IsAdminPassword(ctx, pw); err == nil && !same {
				log.Warn("CLUSTERIAM_ADMIN_PASSWORD is ignored: the store has its users already, and the admin's password is another one; " +
					"the variable only sets the first admin's password on an empty store: log in with the admin's password, or start with another --data-dir")
			}
		}()
	}
	if created && generated {
		fmt.Fprintf(stdout, "clusteriam: created LOCAL user %q with password %s\n"+
			"clusteriam: it is shown only this once, and must be changed before the user can do anything else:\n"+
			"clusteriam: log in as below, then run: clusteriam users set-password --self\n"+
			"clusteriam: (set CLUSTERIAM_ADMIN_PASSWORD to choose it instead)\n", iam.AdminUsername, pw)
	}
	return done, nil
}

// purge deletes expired sessions and audit entries past their retention
// or beyond the cap, and records the failed log-ins of unknown users of
// the minute past, once a minute.
func purge(ctx context.Context, svc *iam.Service, log *slog.Logger) {
	t := time.NewTicker(time.Minute)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := svc.Purge(ctx); err != nil && ctx.Err() == nil {
				log.Warn("purge", "error", err)
			}
		}
	}
}

// loadDirectories reads the --directories file, if one is given.
func loadDirectories(path string) ([]iam.Directory, error) {
	if path == "" {
		return nil, nil
	}
	cfgs, err := directory.ParseFile(path)
	if err != nil {
		return nil, err
	}
	dirs := make([]iam.Directory, 0, len(cfgs))
	for _, c := range cfgs {
		d, err := directory.New(c)
		if err != nil {
			return nil, err
		}
		dirs = append(dirs, d)
	}
	return dirs, nil
}

// checkPEMFile checks that path, when given, holds a PEM certificate.
// systemAnd returns the system's certificate pool with the PEM file's
// certificates added.
func systemAnd(path string) (*x509.CertPool, error) {
	pool, err := x509.SystemCertPool()
	if err != nil {
		pool = x509.NewCertPool()
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if !pool.AppendCertsFromPEM(b) {
		return nil, fmt.Errorf("%s holds no PEM certificate", path)
	}
	return pool, nil
}

func checkPEMFile(path string) error {
	if path == "" {
		return nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if !x509.NewCertPool().AppendCertsFromPEM(b) {
		return fmt.Errorf("%s holds no PEM certificate", path)
	}
	return nil
}
