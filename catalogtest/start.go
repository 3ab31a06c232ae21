package catalogtest

import (
	"testing"

	"github.com/pimkit/catalog"
)

// Start starts a Server for the test tb, closes it when tb ends (its
// Cleanup), and returns it with a client for it (see [Server.Client]: the
// server's credentials and limits, and its clock). It fails tb at once if
// the client cannot be made. opts are NewServer's.
//
//	clock := catalogtest.NewFakeClock(start)
//	srv, client := catalogtest.Start(t, catalogtest.WithClock(clock))
func Start(tb testing.TB, opts ...Option) (*Server, *catalog.Client) {
	tb.Helper()
	s := NewServer(opts...)
	tb.Cleanup(s.Close)
	c, err := s.Client()
	if err != nil {
		tb.Fatalf("catalogtest: a client for the server: %v", err)
	}
	return s, c
}
