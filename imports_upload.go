package catalog

import (
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"sync"
)

// uploadChunk is how much of a file is read and sent at a time.
const uploadChunk = 32 << 10

// errBodySpent: a plain io.Reader was read by an earlier attempt, so its
// body cannot be sent again.
var errBodySpent = errors.New("the file was read by an earlier attempt and cannot be sent again")

// uploadBody is the multipart/form-data body of a file upload or analysis.
// Each attempt gets a fresh body that writes the form through a pipe as
// the transport reads it: the text fields, then the file in chunks, so
// that nothing holds the file. The file is read no further than limit.
type uploadBody struct {
	name     string                    // the file name sent
	open     func() (io.Reader, error) // the file's content, for one attempt
	reopen   bool                      // open may be called again (a reader that seeks); otherwise once only
	fields   [][2]string               // text fields, sent before the file
	limit    int64                     // file bytes allowed
	boundary string                    // the same on every attempt, so retries send the same bytes
	progress func(sent int64)          // nil: none

	mu       sync.Mutex
	started  bool           // an attempt began reading the file
	done     bool           // the last attempt's form was read to its end by the transport
	srcErr   error          // the last attempt's failure to read the file, or its going past limit
	finished chan struct{}  // closed when the last attempt's writer has returned; nil before
	pipe     *io.PipeReader // the last attempt's end of the pipe; nil before
}

func newUploadBody(name string, open func() (io.Reader, error), reopen bool, limit int64, progress func(int64)) *uploadBody {
	return &uploadBody{name: name, open: open, reopen: reopen, limit: limit, progress: progress,
		boundary: "pimkit-" + randomHex(16)}
}

func (u *uploadBody) field(name, value string) { u.fields = append(u.fields, [2]string{name, value}) }

func (u *uploadBody) contentType() string { return "multipart/form-data; boundary=" + u.boundary }

// body is the retryablehttp.ReaderFunc: a body for one attempt, which
// starts reading the file only when the transport first reads it.
func (u *uploadBody) body() (io.Reader, error) {
	if u.spent() {
		return nil, errBodySpent
	}
	return &attemptBody{u: u}, nil
}

// spent reports whether the file cannot be sent again.
func (u *uploadBody) spent() bool {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.started && !u.reopen
}

// complete reports whether the last attempt's whole form was read by the
// transport: only then may the server have received it.
func (u *uploadBody) complete() bool {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.done
}

// failure is the last attempt's failure to read the file, or its going
// past the limit; nil when the file was read without fault.
func (u *uploadBody) failure() error {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.srcErr
}

// wait blocks until the last attempt's writer has returned. The transport
// closes a request's body when the request ends, which ends the writer.
func (u *uploadBody) wait() {
	u.mu.Lock()
	ch := u.finished
	u.mu.Unlock()
	if ch != nil {
		<-ch
	}
}

// start begins an attempt: it opens the file and starts the writer.
func (u *uploadBody) start() (*io.PipeReader, error) {
	u.mu.Lock()
	if u.started && !u.reopen {
		u.mu.Unlock()
		return nil, errBodySpent
	}
	prev, prevPipe := u.finished, u.pipe
	u.mu.Unlock()
	if prev != nil { // the attempt before ended: stop its writer, which shares the file
		if prevPipe != nil {
			prevPipe.CloseWithError(errBodySpent)
		}
		<-prev
	}
	u.mu.Lock()
	u.started, u.done, u.srcErr = true, false, nil
	finished := make(chan struct{})
	u.finished = finished
	u.mu.Unlock()

	src, err := u.open()
	if err != nil {
		err = fmt.Errorf("catalog: opening %s: %w", u.name, err)
		u.mu.Lock()
		u.srcErr = err
		u.mu.Unlock()
		close(finished)
		return nil, err
	}
	pr, pw := io.Pipe()
	u.mu.Lock()
	u.pipe = pr
	u.mu.Unlock()
	go func() {
		defer close(finished)
		err := u.write(pw, src)
		u.mu.Lock()
		u.done = err == nil
		u.mu.Unlock()
		pw.CloseWithError(err) // nil: the reader sees io.EOF
	}()
	return pr, nil
}

// write writes the form to pw. It returns nil once the transport has read
// all of it (a pipe write returns when the bytes were read).
func (u *uploadBody) write(pw *io.PipeWriter, src io.Reader) error {
	mw := multipart.NewWriter(pw)
	if err := mw.SetBoundary(u.boundary); err != nil {
		return err
	}
	for _, f := range u.fields {
		if err := mw.WriteField(f[0], f[1]); err != nil {
			return err
		}
	}
	fw, err := mw.CreateFormFile("file", u.name)
	if err != nil {
		return err
	}
	buf := make([]byte, uploadChunk)
	var sent int64
	for {
		n, rerr := src.Read(buf)
		if n > 0 {
			if sent+int64(n) > u.limit {
				return u.fail(&TooLargeError{Name: u.name, Size: -1, Limit: u.limit})
			}
			if _, err := fw.Write(buf[:n]); err != nil {
				return err // the transport stopped reading: the request failed
			}
			sent += int64(n)
			if u.progress != nil {
				u.progress(sent)
			}
		}
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			return u.fail(fmt.Errorf("catalog: reading %s: %w", u.name, rerr))
		}
	}
	return mw.Close()
}

// fail records the file's own failure, which becomes the call's error.
func (u *uploadBody) fail(err error) error {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.srcErr = err
	return err
}

// attemptBody is one attempt's body. retryablehttp opens a body once
// before the first attempt only to close it; the file is not touched
// until the transport reads.
type attemptBody struct {
	u    *uploadBody
	once sync.Once
	pr   *io.PipeReader
	err  error
}

func (b *attemptBody) Read(p []byte) (int, error) {
	b.once.Do(func() { b.pr, b.err = b.u.start() })
	if b.err != nil {
		return 0, b.err
	}
	return b.pr.Read(p)
}

func (b *attemptBody) Close() error {
	b.once.Do(func() { b.err = io.ErrClosedPipe }) // closed unread: never start
	if b.pr != nil {
		b.pr.Close()
	}
	return nil
}
