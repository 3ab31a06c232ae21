package main

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/pimkit/catalog"
)

// The environment variables catalogctl reads, as the examples do.
const (
	envBaseURL   = "CATALOG_BASE_URL"
	envToken     = "CATALOG_TOKEN"
	envAPIKeyID  = "CATALOG_API_KEY_ID"
	envAPISecret = "CATALOG_API_SECRET"
	envSession   = "CATALOG_SESSION"
	envSourceID  = "CATALOG_SOURCE_ID"
)

// credential picks the credential: the flags' when any is given, else the
// environment's. Exactly one kind must be given.
func (a *app) credential() (catalog.Option, error) {
	keyID, secret, token, session := a.apiKeyID, a.apiSecret, a.token, a.session
	origin := "flags"
	if keyID == "" && secret == "" && token == "" && session == "" {
		keyID, secret = a.getenv(envAPIKeyID), a.getenv(envAPISecret)
		token, session = a.getenv(envToken), a.getenv(envSession)
		origin = "environment"
	}
	var opts []catalog.Option
	switch {
	case keyID != "" && secret != "":
		opts = append(opts, catalog.WithAPIKey(keyID, secret))
	case keyID != "" || secret != "":
		return nil, usagef("an API key needs both its id and its secret (--api-key-id and --api-secret, or %s and %s)", envAPIKeyID, envAPISecret)
	}
	if token != "" {
		opts = append(opts, catalog.WithBearerToken(token))
	}
	if session != "" {
		opts = append(opts, catalog.WithSessionCookie(session))
	}
	switch len(opts) {
	case 0:
		return nil, usagef("no credential: give --api-key-id and --api-secret, --token or --session, or set %s and %s, %s or %s",
			envAPIKeyID, envAPISecret, envToken, envSession)
	case 1:
		return opts[0], nil
	}
	return nil, usagef("the %s give more than one credential: give one of an API key, a bearer token or a session", origin)
}

// client builds the platform client from the flags and the environment.
func (a *app) client() (*catalog.Client, error) {
	base := a.flagOrEnv(a.baseURL, envBaseURL)
	if base == "" {
		return nil, usagef("no base URL: give --base-url or set %s", envBaseURL)
	}
	cred, err := a.credential()
	if err != nil {
		return nil, err
	}
	opts := []catalog.Option{cred}
	if a.insecureHTTP {
		opts = append(opts, catalog.WithInsecureHTTP())
	}
	if a.rateLimit != "" {
		n, window, off, err := parseRate(a.rateLimit)
		if err != nil {
			return nil, err
		}
		if off {
			opts = append(opts, catalog.WithoutRateLimit())
		} else {
			opts = append(opts, catalog.WithRateLimit(n, window))
		}
	}
	if a.retries < 0 {
		return nil, usagef("--retries %d: want 0 or more", a.retries)
	}
	opts = append(opts, catalog.WithRetries(a.retries, 500*time.Millisecond, 30*time.Second))
	if a.timeout != "" {
		d, err := time.ParseDuration(a.timeout)
		if err != nil || d <= 0 {
			return nil, usagef("--timeout %q: want a duration such as 30s", a.timeout)
		}
		opts = append(opts, catalog.WithTimeout(d))
	}
	c, err := catalog.NewClient(base, opts...)
	if err != nil {
		return nil, &usageError{msg: err.Error()}
	}
	return c, nil
}

// flagOrEnv is a flag's value when given, else the environment variable
// env's: a flag wins over the environment.
func (a *app) flagOrEnv(flag, env string) string {
	if flag != "" {
		return flag
	}
	return a.getenv(env)
}

// addSourceFlag adds --source, the import source, to cmd; read it with
// sourceID.
func addSourceFlag(cmd *cobra.Command, source *string) {
	cmd.Flags().StringVar(source, "source", "", "the import source (env "+envSourceID+")")
}

// sourceID is the --source flag, else CATALOG_SOURCE_ID.
func (a *app) sourceID(flag string) (string, error) {
	if id := a.flagOrEnv(flag, envSourceID); id != "" {
		return id, nil
	}
	return "", usagef("no import source: give --source or set %s", envSourceID)
}

// parseRate reads "N/window" (40/1m) or "off".
func parseRate(s string) (n int, window time.Duration, off bool, err error) {
	if s == "off" || s == "0" {
		return 0, 0, true, nil
	}
	ns, ws, ok := strings.Cut(s, "/")
	if ok {
		n, err = strconv.Atoi(ns)
		if err == nil {
			window, err = time.ParseDuration(ws)
		}
	}
	if !ok || err != nil || n <= 0 || window <= 0 {
		return 0, 0, false, usagef("rate limit %q: want N/window, such as 40/1m, or off", s)
	}
	return n, window, false, nil
}

// parseMap reads Column=path pairs of repeated --map flags into m.
func parseMap(pairs []string, m map[string]string) error {
	for _, p := range pairs {
		k, v, ok := strings.Cut(p, "=")
		if !ok || k == "" || v == "" {
			return usagef("--map %q: want Column=path, such as Prix=pricing.list", p)
		}
		m[k] = v
	}
	return nil
}

func fmtBytes(n int64) string {
	switch {
	case n >= 1_000_000:
		return fmt.Sprintf("%.1f MB", float64(n)/1e6)
	case n >= 1_000:
		return fmt.Sprintf("%.1f kB", float64(n)/1e3)
	}
	return fmt.Sprintf("%d B", n)
}
