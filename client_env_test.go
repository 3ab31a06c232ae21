package catalog_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/pimkit/catalog"
	"github.com/pimkit/catalog/catalogtest"
)

// NewClientFromEnv builds a working client from any one credential, and
// refuses a missing or ambiguous environment with an error that names the
// variables and none of their values.
func TestNewClientFromEnv(t *testing.T) {
	const token, keyID, keySecret, session = "tok-7f3a", "ak_env", "sk-9c1e", "sess-4b2d"
	srv := fakeServer(t, catalogtest.WithBearerToken(token, catalogtest.PermissionImport),
		catalogtest.WithAPIKey(keyID, keySecret, catalogtest.PermissionImport),
		catalogtest.WithSessionCookie(session, catalogtest.PermissionImport))
	base := map[string]string{"CATALOG_BASE_URL": srv.URL}
	with := func(kv ...string) map[string]string {
		env := map[string]string{"CATALOG_BASE_URL": srv.URL}
		for i := 0; i < len(kv); i += 2 {
			env[kv[i]] = kv[i+1]
		}
		return env
	}
	for _, c := range []struct {
		name    string
		env     map[string]string
		wantErr string // "" when the client must work
	}{
		{"bearer token", with("CATALOG_TOKEN", token), ""},
		{"API key", with("CATALOG_API_KEY_ID", keyID, "CATALOG_API_SECRET", keySecret), ""},
		{"session", with("CATALOG_SESSION", session), ""},
		{"no base URL", map[string]string{"CATALOG_TOKEN": token}, "CATALOG_BASE_URL"},
		{"no credential", base, "no credential"},
		{"key id without secret", with("CATALOG_API_KEY_ID", keyID), "CATALOG_API_SECRET"},
		{"secret without key id", with("CATALOG_API_SECRET", keySecret), "CATALOG_API_KEY_ID"},
		{"two credentials", with("CATALOG_TOKEN", token, "CATALOG_SESSION", session), "more than one credential"},
	} {
		t.Run(c.name, func(t *testing.T) {
			client, err := catalog.NewClientFromEnv(func(k string) string { return c.env[k] }, catalog.WithLimiter(nil))
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("error %v, want one naming %q", err, c.wantErr)
				}
				for _, s := range []string{token, keySecret, session} {
					if strings.Contains(err.Error(), s) {
						t.Errorf("error %q shows a secret", err)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if _, err := client.Jobs.QueueStatus(context.Background()); err != nil {
				t.Errorf("the client does not authenticate: %v (unauthorized: %v)", err, errors.Is(err, catalog.ErrUnauthorized))
			}
		})
	}
}
