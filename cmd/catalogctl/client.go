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

// lookup reads a variable of catalog.NewClientFromEnv with its flag first.
// Once a credential flag is given, the environment's other kinds of
// credential are ignored, but the parts of the same kind still combine: an
// API key id from the environment with its secret from --api-secret.
func (a *app) lookup(name string) string {
	kinds := map[string]string{envToken: "token", envAPIKeyID: "key", envAPISecret: "key", envSession: "session"}
	flags := map[string]string{envBaseURL: a.baseURL, envToken: a.token, envAPIKeyID: a.apiKeyID, envAPISecret: a.apiSecret, envSession: a.session}
	if kind, isCred := kinds[name]; isCred && a.token+a.apiKeyID+a.apiSecret+a.session != "" {
		given := false
		for v, k := range kinds {
			given = given || (k == kind && flags[v] != "")
		}
		if !given {
			return ""
		}
	}
	return a.flagOrEnv(flags[name], name)
}

// client builds the platform client from the flags and the environment.
func (a *app) client() (*catalog.Client, error) {
	var opts []catalog.Option
	if a.insecureHTTP {
		opts = append(opts, catalog.WithInsecureHTTP())
	}
	if a.rateLimit != "" {
		n, window, off, err := parseRate(a.rateLimit)
		if err != nil {
			return nil, err
		}
		if off {
			opts = append(opts, catalog.WithLimiter(nil))
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
	c, err := catalog.NewClientFromEnv(a.lookup, opts...)
	if err != nil {
		return nil, usagef("%v (the flags --base-url, --token, --api-key-id, --api-secret and --session stand for these variables)", err)
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
