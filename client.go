package catalog

import (
	"net/http"
	"time"
)

// Client is a client of one tenant's catalog platform. WORK IN PROGRESS: being written.
type Client struct{ baseURL string }

// Option configures a Client.
type Option func(*config) error

type config struct {
	rateN      int
	ratePer    time.Duration
	maxBody    int64
	httpClient *http.Client
}

// WithAPIKey authenticates with an API key id and secret.
func WithAPIKey(id, secret string) Option { return func(*config) error { return nil } }

// WithBearerToken authenticates with a bearer token.
func WithBearerToken(token string) Option { return func(*config) error { return nil } }

// WithSessionCookie authenticates with a session cookie.
func WithSessionCookie(value string) Option { return func(*config) error { return nil } }

// WithRateLimit sets the client-side limit.
func WithRateLimit(n int, per time.Duration) Option { return func(*config) error { return nil } }

// WithoutRateLimit turns the client-side limit off.
func WithoutRateLimit() Option { return func(*config) error { return nil } }

// WithMaxBodyBytes sets the request body limit.
func WithMaxBodyBytes(n int64) Option { return func(*config) error { return nil } }

// NewClient returns a client.
func NewClient(baseURL string, opts ...Option) (*Client, error) { return &Client{baseURL: baseURL}, nil }
