package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
)

// startFake runs fake-server with args and returns its ready line and a
// func that stops it and returns its exit code.
func startFake(t *testing.T, args ...string) (fakeReady, func() int) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	outR, outW := io.Pipe()
	var stderr strings.Builder
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, append([]string{"fake-server", "--addr", "127.0.0.1:0", "--json"}, args...), outW, &stderr, func(string) string { return "" })
		outW.Close()
	}()
	line, err := bufio.NewReader(outR).ReadString('\n')
	if err != nil {
		cancel()
		t.Fatalf("reading the ready line: %v (stderr %s)", err, stderr.String())
	}
	go func() { _, _ = io.Copy(io.Discard, outR) }()
	var ready fakeReady
	if err := json.Unmarshal([]byte(line), &ready); err != nil {
		cancel()
		t.Fatalf("ready line %q: %v", line, err)
	}
	return ready, func() int { cancel(); return <-done }
}

// adminJSON sends one admin request and decodes its answer.
func adminJSON(t *testing.T, method, url, body string) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	return resp.StatusCode, out
}

// fake-server --fake-clock starts on a clock only the admin API moves: a
// queued job held by --job-delay completes when the clock is advanced.
func TestFakeServerOnAFakeClock(t *testing.T) {
	ready, stop := startFake(t, "--fake-clock", "--clock-start", "2030-05-06T07:08:09Z", "--job-delay", "1h", "--rate-limit", "off")
	if ready.Clock != "2030-05-06T07:08:09Z" {
		t.Errorf("ready line's fake_clock = %q", ready.Clock)
	}
	req, err := http.NewRequest("POST", ready.URL+"/api/b2b/pim/import/queue",
		strings.NewReader(`{"source_id":"default","products":[{"entity_code":"F-1"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("x-auth-method", "api-key")
	req.Header.Set("x-api-key-id", ready.APIKeyID)
	req.Header.Set("x-api-secret", ready.APISecret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("queue import: %s", resp.Status)
	}

	status, body := adminJSON(t, "GET", ready.AdminURL+"jobs", "")
	jobs, _ := body["jobs"].([]any)
	if status != 200 || len(jobs) != 1 {
		t.Fatalf("jobs: %d %v", status, body)
	}
	id := jobs[0].(map[string]any)["job_id"].(string)
	if !strings.Contains(id, "_1904281689000_") {
		t.Errorf("job id %q does not hold the fake clock's time", id)
	}
	status, body = adminJSON(t, "GET", ready.AdminURL+"jobs/"+id+"/wait?timeout_ms=0", "")
	if status != http.StatusRequestTimeout {
		t.Fatalf("job ended before the clock moved: %d %v", status, body)
	}
	status, body = adminJSON(t, "POST", ready.AdminURL+"clock/advance", `{"by_ms":3600000}`)
	if status != 200 || body["now"] != "2030-05-06T08:08:09Z" {
		t.Fatalf("advance: %d %v", status, body)
	}
	status, body = adminJSON(t, "GET", ready.AdminURL+"jobs/"+id+"/wait?timeout_ms=0", "")
	if job, _ := body["job"].(map[string]any); status != 200 || job["status"] != "completed" {
		t.Errorf("after an hour: %d %v, want the job completed", status, body)
	}
	if code := stop(); code != exitOK {
		t.Errorf("fake-server exited %d", code)
	}
}

func TestFakeServerClockFlags(t *testing.T) {
	ctl(t, nil, "fake-server", "--clock-start", "2030-01-01T00:00:00Z").want(t, exitUsage)
	ctl(t, nil, "fake-server", "--fake-clock", "--clock-start", "tomorrow").want(t, exitUsage)
}
