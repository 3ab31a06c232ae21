package catalog

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// echoSecret holds every character JSON encoders escape in some way: "/"
// (PHP's \/), "<", "&" and ">" (Go's \u003c...), and "+" and "=", which
// percent-encoding changes.
const echoSecret = "sk_live_Q7/x+Z<&>9fT=2mW"

// echoForms are JSON string literals holding s as servers write it.
func echoForms(s string) []string {
	goForm, _ := json.Marshal(s) // \u003c, \u0026, \u003e
	var plain bytes.Buffer
	enc := json.NewEncoder(&plain)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)
	php := strings.ReplaceAll(strings.TrimSpace(plain.String()), "/", `\/`)
	var all strings.Builder // every character as a \u escape with upper-case hex digits
	for _, r := range s {
		fmt.Fprintf(&all, `\u%04X`, r)
	}
	half := s[:len(s)/2] + strings.TrimPrefix(strings.TrimSuffix(string(goForm), `"`), `"`+s[:len(s)/2])
	return []string{
		`"invalid credentials: key ak_1 with secret ` + s + `"`, // as it is
		string(goForm),
		php,
		`"` + all.String() + `"`,
		`"` + half + `"`, // half as it is, half escaped
		`"` + url.QueryEscape(s) + `"`,
	}
}

// received is the credential a request carries, whatever its kind.
func received(r *http.Request) string {
	if v := r.Header.Get("x-api-secret"); v != "" {
		return v
	}
	if v, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
		return v
	}
	if c, err := r.Cookie("vinc_b2b_session"); err == nil {
		return c.Value
	}
	return ""
}

// echoServer answers every request by echoing the credential it received
// in every field it can, in the way set by mode.
type echoServer struct {
	mode atomic.Value // string: "401", "429", "502", "ok", "failed", "malformed", "redirect"
	form atomic.Int32 // which echoForms entry goes first
	got  atomic.Value // string: the last credential received
}

func (e *echoServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s := received(r)
	e.got.Store(s)
	forms := echoForms(s)
	k := int(e.form.Load())
	f := func(i int) string { return forms[(k+i)%len(forms)] }
	all := "[" + strings.Join(forms, ",") + "]"
	rowErr := fmt.Sprintf(`{"row":0,"entity_code":"A","error":%s,"raw_data":{"entity_code":"A","name":%s,"nested":{"sent":%s}}}`, f(0), f(1), all)
	job := func(status string) string {
		return fmt.Sprintf(`{"job_id":"queue_import_1","status":%q,"source_id":%s,"batch_id":%s,"total_rows":1,"processed_rows":1,"failed_rows":1,"import_errors":[%s],"file_name":%s,"file_url":%s}`,
			status, f(2), f(3), rowErr, f(4), f(5))
	}
	w.Header().Set("X-Request-Id", "req-"+s)
	w.Header().Set("X-Echo", s)
	switch mode := e.mode.Load().(string); mode {
	case "401", "429":
		code := http.StatusUnauthorized
		if mode == "429" {
			code = http.StatusTooManyRequests
			w.Header().Set("Retry-After", "0")
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(code)
		fmt.Fprintf(w, `{"error":%s,"code":%s,"details":{"sent":%s,"all":%s},"hint":%s,"technicalDetails":{"code":%s,"credential":%s,"nested":{"deeper":[%s,{"x":%s}]},"all":%s}}`,
			f(0), f(1), f(2), all, f(3), f(4), f(5), f(0), f(1), all)
	case "502":
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusBadGateway)
		fmt.Fprintf(w, "<html><body>upstream refused key ak_1 secret %s (%s)</body></html>", s, url.QueryEscape(s))
	case "malformed":
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `not json: the secret was %s; {"error":%s}`, s, f(2))
	case "redirect": // a loop whose URL echoes the secret, in its path and query
		http.Redirect(w, r, "/echo/"+url.PathEscape(s)+"?token="+url.QueryEscape(s), http.StatusFound)
	case "ok", "failed":
		w.Header().Set("Content-Type", "application/json")
		switch {
		case r.URL.Path == importAPIPath:
			fmt.Fprintf(w, `{"success":true,"job_id":"api_import_1","summary":{"total":1,"successful":0,"failed":1},"errors":[%s],"message":%s,"debug":{"batch_id":%s,"channel_metadata":{"echo":%s,"all":%s}}}`,
				rowErr, f(1), f(2), f(3), all)
		case r.URL.Path == queuePath && r.Method == http.MethodPost:
			fmt.Fprintf(w, `{"success":true,"job_id":"queue_import_1","status":"queued","summary":{"products_queued":1,"source_id":%s},"message":%s}`, f(0), f(1))
		case r.URL.Path == queuePath:
			fmt.Fprintf(w, `{"queue_stats":{"waiting":1},"pending_jobs":[%s],"processing_jobs":[%s]}`, job("pending"), job("processing"))
		case strings.HasPrefix(r.URL.Path, "/api/b2b/pim/jobs/"):
			status := "completed_with_errors"
			if mode == "failed" {
				status = "failed"
			}
			fmt.Fprintf(w, `{"job":%s}`, job(status))
		case r.URL.Path == sourcesPath:
			fmt.Fprintf(w, `{"source":{"source_id":"src","source_name":%s,"field_mappings":{"a":%s},"locked_fields":%s,"required_fields":[%s]}}`, f(0), f(1), all, f(2))
		default:
			http.NotFound(w, r)
		}
	default:
		panic("echo server: mode " + mode)
	}
}

// TestEchoedSecretsRedacted: a server echoes the credential it received in
// every field it can; for each credential kind, no error, row error's
// reason or log line holds it. (The answers' data is handed back as sent:
// TestEchoedSecretsRedactedFields.)
func TestEchoedSecretsRedacted(t *testing.T) {
	echo := &echoServer{}
	srv := httptest.NewServer(echo)
	defer srv.Close()

	kinds := []struct {
		name string
		opt  Option
	}{
		{"api key", WithAPIKey(testKeyID, echoSecret)},
		{"bearer token", WithBearerToken(echoSecret)},
		{"session cookie", WithSessionCookie(echoSecret)},
	}
	products := []Product{{EntityCode: "A", Price: Ptr(1.0)}}
	ops := []struct {
		name string
		run  func(c *Client) (any, error)
	}{
		{"Import", func(c *Client) (any, error) { return c.Products.Import(t.Context(), "src", products, nil) }},
		{"Queue", func(c *Client) (any, error) { return c.Products.Queue(t.Context(), "src", products, nil) }},
		{"Jobs.Get", func(c *Client) (any, error) { return c.Jobs.Get(t.Context(), "job-1") }},
		{"Jobs.Wait", func(c *Client) (any, error) {
			return c.Jobs.Wait(t.Context(), "job-1", &WaitOptions{MinInterval: time.Millisecond})
		}},
		{"Jobs.QueueStatus", func(c *Client) (any, error) { return c.Jobs.QueueStatus(t.Context()) }},
		{"Sources.Create", func(c *Client) (any, error) { return c.Sources.Create(t.Context(), &Source{ID: "src"}) }},
		{"ImportAll", func(c *Client) (any, error) {
			return c.Products.ImportAll(t.Context(), "src", FromSlice(products), nil)
		}},
		{"ImportAll queued", func(c *Client) (any, error) {
			return c.Products.ImportAll(t.Context(), "src", FromSlice(products),
				&BulkOptions{Queued: true, ResendUnknown: true, Wait: &WaitOptions{MinInterval: time.Millisecond}})
		}},
	}
	modes := []string{"401", "429", "502", "ok", "failed", "malformed", "redirect"}

	for _, kind := range kinds {
		t.Run(kind.name, func(t *testing.T) {
			var logs bytes.Buffer
			logger := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
			c, err := NewClient(srv.URL, kind.opt, WithLogger(logger), WithLimiter(nil), WithRetries(1, time.Millisecond, time.Millisecond))
			if err != nil {
				t.Fatal(err)
			}
			for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%x"} {
				for _, v := range []any{c, *c, c.redact, *c.redact} {
					noSecret(t, "client "+verb, fmt.Sprintf(verb, v))
				}
			}
			redacted := 0 // answers in which the client replaced an echo
			for _, mode := range modes {
				echo.mode.Store(mode)
				for _, op := range ops {
					echo.form.Add(1) // rotate the forms across the fields
					echo.got.Store("")
					logs.Reset()
					res, err := op.run(c)
					if got := echo.got.Load().(string); got != echoSecret {
						t.Fatalf("%s/%s: the server received %q, not the secret", mode, op.name, got)
					}
					where := mode + "/" + op.name
					checkErr(t, where, err)
					reasons := checkResult(t, where, res)
					noSecret(t, where+": logs", logs.String())
					if strings.Contains(fmt.Sprintf("%+v %s", err, reasons), redactMark) {
						redacted++
					}
				}
			}
			if redacted < len(modes)*len(ops)/2 {
				t.Fatalf("only %d answers show %s: the echoes did not reach the results", redacted, redactMark)
			}
		})
	}
}

// TestEchoedSecretsRedactedFields checks that the echoes reach the fields,
// redacted, so that TestEchoedSecretsRedacted is not searching empty text.
func TestEchoedSecretsRedactedFields(t *testing.T) {
	echo := &echoServer{}
	srv := httptest.NewServer(echo)
	defer srv.Close()
	c, err := NewClient(srv.URL, WithBearerToken(echoSecret), WithLimiter(nil), WithRetries(0, time.Millisecond, time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	for form := range echoForms(echoSecret) {
		echo.form.Store(int32(form))
		echo.mode.Store("401")
		_, err := c.Jobs.Get(t.Context(), "job-1")
		var apiErr *APIError
		if !errors.As(err, &apiErr) {
			t.Fatalf("form %d: %v, want an *APIError", form, err)
		}
		td, _ := json.Marshal(apiErr.TechnicalDetails)
		for name, v := range map[string]string{
			"message": apiErr.Message, "code": string(apiErr.Code), "details": apiErr.Details, "hint": apiErr.Hint,
			"technical details": string(td), "request id": apiErr.RequestID,
		} {
			if !strings.Contains(v, redactMark) || strings.Contains(v, echoSecret) {
				t.Errorf("form %d: %s = %q, want the secret replaced with %s", form, name, v, redactMark)
			}
		}

		// A row error's reason is redacted; the answer's data is as sent.
		echo.mode.Store("ok")
		job, err := c.Jobs.Get(t.Context(), "job-1")
		if err != nil {
			t.Fatal(err)
		}
		if len(job.Errors) != 1 || !strings.Contains(job.Errors[0].Reason, redactMark) {
			t.Errorf("form %d: job errors %+v, want the reason redacted", form, job.Errors)
		}
		forms := echoForms(echoSecret)
		wantRaw := `{"entity_code":"A","name":` + forms[(form+1)%len(forms)] + `,"nested":{"sent":[` + strings.Join(forms, ",") + `]}}`
		if len(job.Errors) == 1 && string(job.Errors[0].RawData) != wantRaw {
			t.Errorf("form %d: raw_data changed:\n%s\nwant as sent:\n%s", form, job.Errors[0].RawData, wantRaw)
		}
		var wantURL string
		_ = json.Unmarshal([]byte(forms[(form+5)%len(forms)]), &wantURL)
		if job.FileURL != wantURL {
			t.Errorf("form %d: file_url %q, want %q as sent", form, job.FileURL, wantURL)
		}
	}
}

// noSecret fails when text holds the secret in a form a reader would
// recognise.
func noSecret(t *testing.T, where, text string) {
	t.Helper()
	for _, f := range []string{echoSecret, url.QueryEscape(echoSecret), url.PathEscape(echoSecret), "Q7/x+Z", "9fT=2mW", `9fT\u003d2mW`} {
		if strings.Contains(text, f) {
			t.Fatalf("%s: holds %q:\n%s", where, f, text)
		}
	}
	// Decode every JSON escape and look again.
	if dec := string(unescapeJSON(nil, []byte(text))); strings.Contains(dec, echoSecret) {
		t.Fatalf("%s: holds the secret escaped:\n%s", where, text)
	}
}

// checkErr formats err and every error in its chain with %v, %+v and %#v,
// and the typed errors' fields as JSON.
func checkErr(t *testing.T, where string, err error) {
	t.Helper()
	seen := 0
	var walk func(err error)
	walk = func(err error) {
		if err == nil || seen > 100 {
			return
		}
		seen++
		noSecret(t, where+": error", fmt.Sprintf("%v\n%+v\n%#v\n%s", err, err, err, err.Error()))
		if j, jerr := json.Marshal(err); jerr == nil {
			noSecret(t, where+": error as JSON", string(j))
		}
		switch e := err.(type) {
		case *APIError:
			noSecret(t, where+": APIError", fmt.Sprintf("%#v", *e))
		case interface{ Unwrap() []error }:
			for _, inner := range e.Unwrap() {
				walk(inner)
			}
			return
		}
		walk(errors.Unwrap(err))
	}
	walk(err)
}

// checkResult searches a result's row errors for the secret: each one's
// reason, its Error() and its cause. It returns their reasons. The rest of
// the result is the answer's data, as sent.
func checkResult(t *testing.T, where string, res any) string {
	t.Helper()
	if res == nil || reflect.ValueOf(res).IsNil() {
		return ""
	}
	var rows []RowError
	switch r := res.(type) {
	case *ProductImportResult:
		rows = append(r.Errors, r.Rejected...)
	case *QueuedProductImport:
		rows = r.Rejected
	case *Job:
		rows = r.Errors
	case *QueueStatus:
		for _, j := range append(r.PendingJobs, r.ProcessingJobs...) {
			rows = append(rows, j.Errors...)
		}
	case *BulkReport:
		rows = append(r.Failed, r.Unknown...)
	}
	var reasons strings.Builder
	for _, row := range rows {
		noSecret(t, where+": row error", fmt.Sprintf("%v\n%+v\n%s\n%s", &row, &row, row.Reason, row.Code))
		checkErr(t, where+": row error's cause", row.Cause)
		reasons.WriteString(row.Reason + "\n")
	}
	return reasons.String()
}

// TestRedactorForms covers the forms the redactor catches, one by one.
func TestRedactorForms(t *testing.T) {
	r := newRedactor(secret(echoSecret))
	for _, form := range echoForms(echoSecret) {
		body := []byte(`{"a":` + form + `,"b":"keep \"this\" \/ and \u00e9"}`)
		got := r.bytes(body)
		var v struct{ A, B string }
		if err := json.Unmarshal(got, &v); err != nil {
			t.Fatalf("%s: redacted body is not JSON: %v\n%s", form, err, got)
		}
		if strings.Contains(v.A, echoSecret) || strings.Contains(v.A, url.QueryEscape(echoSecret)) || !strings.Contains(v.A, redactMark) {
			t.Errorf("%s: decoded to %q", form, v.A)
		}
		if v.B != `keep "this" / and é` {
			t.Errorf("%s: a string without the secret changed: %q", form, v.B)
		}
	}

	// Nothing to redact: the same slice comes back, not a copy.
	clean := []byte(`{"a":"x\/y","b":"` + echoSecret[:10] + `"}`)
	if got := r.bytes(clean); &got[0] != &clean[0] || string(got) != string(clean) {
		t.Errorf("clean body changed or copied: %s", got)
	}

	for _, c := range []struct{ name, in, want string }{
		{"outside JSON", "error " + echoSecret + " end", "error [REDACTED] end"},
		{"twice, adjacent", echoSecret + echoSecret, "[REDACTED][REDACTED]"},
		{"secret followed by more", echoSecret + "X", "[REDACTED]X"},
		{"surrogate pair kept", `"\ud83d\ude00 ` + strings.ReplaceAll(echoSecret, "/", `\/`) + `"`, `"😀 [REDACTED]"`},
		{"lone surrogate", `"\ud83d ` + strings.ReplaceAll(echoSecret, "/", `\/`) + `"`, `"� [REDACTED]"`},
		{"unknown escape kept", `"\q ` + strings.ReplaceAll(echoSecret, "/", `\/`) + `"`, `"\\q [REDACTED]"`},
		{"escaped quote before", `"\"` + strings.ReplaceAll(echoSecret, "/", `\/`) + `"`, `"\"[REDACTED]"`},
		{"unclosed string", `"` + strings.ReplaceAll(echoSecret, "/", `\/`), `"` + strings.ReplaceAll(echoSecret, "/", `\/`)},
	} {
		if got := string(r.bytes([]byte(c.in))); got != c.want {
			t.Errorf("%s: %q -> %q, want %q", c.name, c.in, got, c.want)
		}
	}

	// A secret that is a prefix of a longer token: the secret goes, the
	// rest stays; a shorter one of its prefixes is no echo.
	p := newRedactor("tok_abc_0123456789")
	if got := string(p.bytes([]byte("tok_abc_0123456789def tok_abc_012345678"))); got != "[REDACTED]def tok_abc_012345678" {
		t.Errorf("prefix: %q", got)
	}
	// A short or word-like secret is an echo only as a whole token.
	for _, c := range []struct{ secret, in, want string }{
		{"t", "context deadline exceeded", "context deadline exceeded"},
		{"t", "POST /api/b2b/pim/import/api", "POST /api/b2b/pim/import/api"},
		{"t", "refused for credential t", "refused for credential [REDACTED]"},
		{"t", `{"token":"t","t-shirt":"don't"}`, `{"token":"[REDACTED]","t-shirt":"don'[REDACTED]"}`},
		{"t", `"key \u0074"`, `"key [REDACTED]"`},
		{"secret", "invalid secret: secret.", "invalid [REDACTED]: [REDACTED]."},
		{"secret", "x-api-secret, secrets, secret_key, Secret", "x-api-secret, secrets, secret_key, Secret"},
		{"LongButOnlyLettersHere", "bad LongButOnlyLettersHereX, LongButOnlyLettersHere", "bad LongButOnlyLettersHereX, [REDACTED]"},
	} {
		if got := newRedactor(secret(c.secret)).string(c.in); got != c.want {
			t.Errorf("secret %q: %q -> %q, want %q", c.secret, c.in, got, c.want)
		}
	}
	if newRedactor("") != nil {
		t.Error("an empty secret has a redactor")
	}
	var none *redactor
	if got := none.string("x " + echoSecret); got != "x "+echoSecret {
		t.Errorf("nil redactor changed %q", got)
	}
}

// TestRedactedBodyKeepsReadError: a body cut short by the network still
// fails to read after the redacted data, so a POST's outcome stays unknown.
func TestRedactedBodyKeepsReadError(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "1000")
		fmt.Fprintf(w, `{"success":true,"message":"%s`, received(r))
	}))
	defer srv.Close()
	c, err := NewClient(srv.URL, WithBearerToken(echoSecret), WithLimiter(nil), WithRetries(0, time.Millisecond, time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Products.Queue(t.Context(), "src", []Product{{EntityCode: "A"}}, nil)
	if !errors.Is(err, ErrOutcomeUnknown) {
		t.Fatalf("got %v, want an unknown outcome", err)
	}
	noSecret(t, "error", fmt.Sprintf("%v %+v %#v", err, err, err))
}
