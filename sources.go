package catalog

import (
	"context"
	"net/http"
	"time"
)

// sourcesPath is where import sources are created.
const sourcesPath = "/api/b2b/pim/sources"

// SourcesService manages import sources. A source is created once per feed
// and is applied by every channel of the pipeline (file upload, direct and
// queued JSON import): its field mappings, locked fields and auto-publish
// rules.
type SourcesService service

// Source is an import source: how the platform maps, protects and publishes
// the rows of one feed.
type Source struct {
	ID   string `json:"source_id"`            // the id imports refer to; required
	Name string `json:"source_name,omitzero"` // a human-readable name
	// FieldMappings renames incoming keys to product fields before the row
	// is stored: {"Titre": "name", "Prix": "pricing.list"}.
	FieldMappings map[string]string `json:"field_mappings,omitzero"`
	// LockedFields are re-applied from the current version on every import,
	// so a feed cannot overwrite them.
	LockedFields []string `json:"locked_fields,omitzero"`
	// Auto-publish rules: a version whose completeness score (share of
	// RequiredFields populated) reaches MinScoreThreshold (default 80) is
	// published, otherwise it stays a draft.
	AutoPublishEnabled *bool     `json:"auto_publish_enabled,omitzero"`
	MinScoreThreshold  *float64  `json:"min_score_threshold,omitzero"` // 0 to 100
	RequiredFields     []string  `json:"required_fields,omitzero"`     // field paths, such as "pricing.list"
	CreatedAt          time.Time `json:"created_at,omitzero"`          // set by the server
}

// Create creates an import source and returns it as stored. A source id
// that already exists is refused with a 409 (errors.Is(err, ErrConflict)).
// An answer without the source is an *OutcomeUnknownError: it may have been
// created.
//
// POST /api/b2b/pim/sources (operation createSource in api/openapi.yaml)
func (s *SourcesService) Create(ctx context.Context, src *Source) (*Source, error) {
	if src == nil || src.ID == "" {
		return nil, invalid("source_id", "required")
	}
	body, err := encodeJSON(src)
	if err != nil {
		return nil, err
	}
	var out struct {
		Source *Source `json:"source"`
	}
	if err := s.client.do(ctx, http.MethodPost, sourcesPath, body, &out); err != nil {
		return nil, err
	}
	if out.Source == nil || out.Source.ID == "" {
		return nil, unfollowable(http.MethodPost, sourcesPath, "no source in the answer")
	}
	return out.Source, nil
}
