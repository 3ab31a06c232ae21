package main

import (
	"net"
	"net/http"
	"testing"
)

// fakeConn is a net.Conn that records being closed.
type fakeConn struct {
	net.Conn
	closed bool
}

func (c *fakeConn) Close() error { c.closed = true; return nil }

// Stopping closes the connections that carry no request, a new one
// included, leaves the busy ones to finish their answer, and reports when
// the last is gone.
func TestConnSetStop(t *testing.T) {
	cs := newConnSet()
	fresh, idle, busy := &fakeConn{}, &fakeConn{}, &fakeConn{}
	cs.track(fresh, http.StateNew)
	cs.track(idle, http.StateNew)
	cs.track(idle, http.StateActive)
	cs.track(idle, http.StateIdle)
	cs.track(busy, http.StateNew)
	cs.track(busy, http.StateActive)
	empty := cs.stop()
	if !fresh.closed || !idle.closed || busy.closed {
		t.Fatalf("closed: new %v, idle %v, busy %v; want the new and idle ones only", fresh.closed, idle.closed, busy.closed)
	}
	cs.track(fresh, http.StateClosed)
	cs.track(idle, http.StateClosed)
	select {
	case <-empty:
		t.Fatal("reported empty with a request still being answered")
	default:
	}
	cs.track(busy, http.StateIdle) // its answer went out
	if !busy.closed {
		t.Error("a connection that went idle while stopping was left open")
	}
	cs.track(busy, http.StateClosed)
	select {
	case <-empty:
	default:
		t.Error("not reported empty once every connection closed")
	}
}
