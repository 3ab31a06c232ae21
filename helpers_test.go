package catalog_test

import (
	"testing"
	"time"

	"github.com/pimkit/catalog"
	"github.com/pimkit/catalog/catalogtest"
)

// fakeServer starts the fake platform without its rate limit, with opts;
// it closes when the test ends.
func fakeServer(t testing.TB, opts ...catalogtest.Option) *catalogtest.Server {
	t.Helper()
	srv := catalogtest.NewServer(append([]catalogtest.Option{catalogtest.WithoutRateLimit()}, opts...)...)
	t.Cleanup(srv.Close)
	return srv
}

// fakeClient returns a client of srv with opts, failing the test if they
// are refused.
func fakeClient(t testing.TB, srv *catalogtest.Server, opts ...catalog.Option) *catalog.Client {
	t.Helper()
	c, err := srv.Client(opts...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// newFake starts the fake platform with opts and returns it with a client
// that does not retry.
func newFake(t *testing.T, opts ...catalogtest.Option) (*catalogtest.Server, *catalog.Client) {
	t.Helper()
	srv := fakeServer(t, opts...)
	return srv, fakeClient(t, srv, catalog.WithRetries(0, time.Millisecond, time.Millisecond))
}
