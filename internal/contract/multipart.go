package contract

import (
	"bytes"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
)

// fileKeep is how much of each file part's content a multipart body keeps
// for checking; see squeezer.
const fileKeep = 4 << 10

// errSqueezeTooLarge: the text fields of a multipart body exceed maxCapture.
var errSqueezeTooLarge = errors.New("multipart fields over the capture limit")

// squeezer rebuilds a multipart/form-data body as the handler reads it:
// each part's headers and text fields are kept whole, but only the first
// fileKeep bytes of each file part's content. An upload may carry a
// 50 MB file (seed 004), and keeping every such body whole to check it
// would hold that much per request in the test binaries; the contract says
// nothing of a file's content (format: binary) that its first bytes would
// not show. The rebuilt body has the same boundary, so it parses as the
// original.
type squeezer struct {
	pw   *io.PipeWriter
	done chan struct{}
	out  bytes.Buffer
	err  error // the rebuild's error; read after done
}

// newSqueezer returns a squeezer for a request whose body is
// multipart/form-data, or nil for any other body.
func newSqueezer(r *http.Request) *squeezer {
	mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/form-data" || params["boundary"] == "" {
		return nil
	}
	pr, pw := io.Pipe()
	s := &squeezer{pw: pw, done: make(chan struct{})}
	go func() {
		defer close(s.done)
		s.err = s.rebuild(pr, params["boundary"])
		_, _ = io.Copy(io.Discard, pr) // whatever follows, or all of a body that did not parse
	}()
	return s
}

// rebuild copies the multipart body read from src into s.out, cutting each
// file part's content to fileKeep bytes.
func (s *squeezer) rebuild(src io.Reader, boundary string) error {
	mr := multipart.NewReader(src, boundary)
	mw := multipart.NewWriter(&s.out)
	if err := mw.SetBoundary(boundary); err != nil {
		return err
	}
	for {
		p, err := mr.NextRawPart()
		if err == io.EOF {
			return mw.Close()
		}
		if err != nil {
			return err
		}
		w, err := mw.CreatePart(p.Header)
		if err != nil {
			return err
		}
		limit := int64(maxCapture)
		if p.FileName() != "" {
			limit = fileKeep
		}
		if _, err := io.Copy(w, io.LimitReader(p, limit)); err != nil {
			return err
		}
		if _, err := io.Copy(io.Discard, p); err != nil {
			return err
		}
		if s.out.Len() > maxCapture {
			return errSqueezeTooLarge
		}
	}
}

// write feeds bytes the handler read.
func (s *squeezer) write(b []byte) { _, _ = s.pw.Write(b) }

// finish ends the body (whole or not) and returns the rebuilt one, or
// ok == false when it did not parse.
func (s *squeezer) finish(whole bool) (body []byte, ok bool) {
	if whole {
		s.pw.Close()
	} else {
		s.pw.CloseWithError(io.ErrUnexpectedEOF)
	}
	<-s.done
	return s.out.Bytes(), s.err == nil
}
