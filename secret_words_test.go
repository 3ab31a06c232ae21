package catalog_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/pimkit/catalog"
	"github.com/pimkit/catalog/catalogtest"
)

// wordProducts are n products whose codes, SKUs and texts hold word, the
// credential, in every position a redactor could mistake for an echo: as a
// whole word, inside words, alone.
func wordProducts(word string, n int) []catalog.Product {
	out := make([]catalog.Product, n)
	for i := range out {
		out[i] = catalog.Product{
			EntityCode:  fmt.Sprintf("%s-%03d", word, i),
			SKU:         word + fmt.Sprint(i),
			Name:        catalog.PlainText(fmt.Sprintf("%s: the %s t-shirt, %s", word, word, word)),
			Description: catalog.PlainText("the secret of the t-shirt is " + word + "; don't tell"),
		}
	}
	return out
}

// TestWeakCredentialsLeaveDataAlone: with the credential "t" or "secret"
// (as an API secret, a bearer token or a session cookie), clean imports
// are reported succeeded, the products are stored and listed exactly as
// sent, and nothing is redacted from the logs (the server echoed nothing).
// The answers used to be redacted before decoding: every "t" in them
// became [REDACTED], the JSON no longer parsed, and every row was unknown.
func TestWeakCredentialsLeaveDataAlone(t *testing.T) {
	for _, word := range []string{"t", "secret"} {
		for _, kind := range []struct {
			name string
			cred catalogtest.Option
		}{
			{"api key", catalogtest.WithAPIKey("ak_words", word)},
			{"bearer", catalogtest.WithBearerToken(word)},
			{"session", catalogtest.WithSessionCookie(word)},
		} {
			t.Run(kind.name+"/"+word, func(t *testing.T) {
				srv := fakeServer(t, kind.cred)
				var logs bytes.Buffer
				c := fakeClient(t, srv, catalog.WithLogger(slog.New(slog.NewJSONHandler(&logs, nil))))
				if !strings.Contains(logs.String(), "redacted only where it stands as a whole word") {
					t.Errorf("no warning about the weak credential at construction; log:\n%s", logs.String())
				}
				logs.Reset()
				ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
				defer cancel()
				rows := wordProducts(word, 30)
				rep, err := c.Products.ImportAll(ctx, catalogtest.DefaultSourceID, catalog.FromSlice(rows[:20]), &catalog.BulkOptions{MaxProducts: 7})
				if err != nil || rep.Succeeded != 20 || len(rep.Unknown)+len(rep.Failed)+len(rep.NotAttempted) != 0 {
					t.Fatalf("direct ImportAll: err %v, report %+v", err, rep)
				}
				rep, err = c.Products.ImportAll(ctx, catalogtest.DefaultSourceID, catalog.FromSlice(rows[20:]),
					&catalog.BulkOptions{MaxProducts: 4, Queued: true, Wait: &catalog.WaitOptions{MinInterval: time.Millisecond}})
				if err != nil || rep.Succeeded != 10 || len(rep.Unknown)+len(rep.Failed)+len(rep.NotAttempted) != 0 {
					t.Fatalf("queued ImportAll: err %v, report %+v", err, rep)
				}
				res, err := c.Products.Import(ctx, catalogtest.DefaultSourceID, rows[:1], nil)
				if err != nil || res.Summary.Successful != 1 {
					t.Fatalf("Import: err %v, result %+v", err, res)
				}
				for _, p := range rows {
					stored, ok := srv.Product(p.EntityCode)
					if !ok {
						t.Fatalf("%s not stored", p.EntityCode)
					}
					name, _ := p.Name.Plain()
					desc, _ := p.Description.Plain()
					if got, want := storedText(stored.Data["name"])+"|"+storedText(stored.Data["description"]), name+"|"+desc; got != want {
						t.Fatalf("%s stored as %q", p.EntityCode, got)
					}
				}
				listed := 0
				for ref, err := range c.Products.List(ctx, catalogtest.DefaultSourceID) {
					if err != nil {
						t.Fatal(err)
					}
					if i := listed; ref.EntityCode != rows[i].EntityCode || ref.SKU != rows[i].SKU {
						t.Fatalf("listed %q (sku %q), want %q (sku %q)", ref.EntityCode, ref.SKU, rows[i].EntityCode, rows[i].SKU)
					}
					listed++
				}
				if listed != len(rows) {
					t.Fatalf("listed %d products, want %d", listed, len(rows))
				}
				if strings.Contains(logs.String(), "[REDACTED]") || !strings.Contains(logs.String(), `"/api/b2b/pim/import/api"`) {
					t.Fatalf("the log is rewritten:\n%s", logs.String())
				}
			})
		}
	}
}

// storedText is a text the fake stored: a string, or a map from its one
// language to the string.
func storedText(v any) string {
	if m, ok := v.(map[string]any); ok && len(m) == 1 {
		for _, s := range m {
			v = s
		}
	}
	s, _ := v.(string)
	return s
}
