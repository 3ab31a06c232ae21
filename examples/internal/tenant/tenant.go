// Package tenant connects the example programs to a tenant: a real one
// named by environment variables, or an in-process fake server.
package tenant

import (
	"errors"
	"fmt"
	"os"

	"github.com/pimkit/catalog"
	"github.com/pimkit/catalog/catalogtest"
)

// Connect returns a client and the import source to use, and a function to
// call when done. Without CATALOG_BASE_URL it starts an in-process fake
// server (package catalogtest) with the platform's limits. With it, it
// reads one credential (CATALOG_TOKEN; or CATALOG_API_KEY_ID and
// CATALOG_API_SECRET; or CATALOG_SESSION) and CATALOG_SOURCE_ID.
func Connect(opts ...catalog.Option) (client *catalog.Client, sourceID string, closeFn func(), err error) {
	base := os.Getenv("CATALOG_BASE_URL")
	if base == "" {
		srv := catalogtest.NewServer()
		client, err := srv.Client(opts...)
		if err != nil {
			srv.Close()
			return nil, "", nil, err
		}
		fmt.Printf("using an in-process fake server at %s (set CATALOG_BASE_URL for a real tenant)\n", srv.URL)
		return client, catalogtest.DefaultSourceID, srv.Close, nil
	}
	cred, err := credentialFromEnv()
	if err != nil {
		return nil, "", nil, err
	}
	sourceID = os.Getenv("CATALOG_SOURCE_ID")
	if sourceID == "" {
		return nil, "", nil, errors.New("CATALOG_SOURCE_ID is not set: name the import source to apply")
	}
	client, err = catalog.NewClient(base, append(opts, cred)...)
	if err != nil {
		return nil, "", nil, err
	}
	return client, sourceID, func() {}, nil
}

func credentialFromEnv() (catalog.Option, error) {
	switch {
	case os.Getenv("CATALOG_TOKEN") != "":
		return catalog.WithBearerToken(os.Getenv("CATALOG_TOKEN")), nil
	case os.Getenv("CATALOG_API_KEY_ID") != "":
		return catalog.WithAPIKey(os.Getenv("CATALOG_API_KEY_ID"), os.Getenv("CATALOG_API_SECRET")), nil
	case os.Getenv("CATALOG_SESSION") != "":
		return catalog.WithSessionCookie(os.Getenv("CATALOG_SESSION")), nil
	}
	return nil, errors.New("no credential: set CATALOG_TOKEN, CATALOG_API_KEY_ID and CATALOG_API_SECRET, or CATALOG_SESSION")
}
