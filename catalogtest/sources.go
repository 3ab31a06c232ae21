package catalogtest

import (
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"sort"
	"strings"

	"github.com/pimkit/catalog"
)

// defaultSource is the source every server has unless replaced.
func defaultSource() catalog.Source {
	return catalog.Source{ID: DefaultSourceID, Name: "Default source", AutoPublishEnabled: catalog.Ptr(true)}
}

// autoPublishOn is the source's auto_publish_enabled: a source that leaves
// it out does not publish.
func autoPublishOn(src catalog.Source) bool {
	return src.AutoPublishEnabled != nil && *src.AutoPublishEnabled
}

func cloneSource(src catalog.Source) catalog.Source {
	src.FieldMappings = maps.Clone(src.FieldMappings)
	src.LockedFields = slices.Clone(src.LockedFields)
	src.RequiredFields = slices.Clone(src.RequiredFields)
	if src.MinScoreThreshold != nil {
		src.MinScoreThreshold = catalog.Ptr(*src.MinScoreThreshold)
	}
	if src.AutoPublishEnabled != nil {
		src.AutoPublishEnabled = catalog.Ptr(*src.AutoPublishEnabled)
	}
	return src
}

// seedSourcesLocked installs the default source, then the WithSource
// ones, later ones replacing earlier ones with the same ID.
func (s *Server) seedSourcesLocked() {
	now := s.cfg.clock.Now()
	for _, src := range append([]catalog.Source{defaultSource()}, s.cfg.sources...) {
		if src.CreatedAt.IsZero() {
			src.CreatedAt = now
		}
		s.sources[src.ID] = cloneSource(src)
	}
}

// errSourceExists is AddSource's error for an ID already taken.
var errSourceExists = errors.New("already exists")

// AddSource adds an import source, as POST /api/b2b/pim/sources does. It
// fails when the platform would refuse the source (no ID, a field mapping
// whose target is not a dotted path, min_score_threshold outside 0 to 100)
// or the ID is already taken.
func (s *Server) AddSource(src catalog.Source) error {
	if err := checkSource(src); err != nil {
		return fmt.Errorf("catalogtest: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.sources[src.ID]; ok {
		return fmt.Errorf("catalogtest: source %q %w", src.ID, errSourceExists)
	}
	if src.CreatedAt.IsZero() {
		src.CreatedAt = s.cfg.clock.Now()
	}
	s.sources[src.ID] = cloneSource(src)
	return nil
}

// Sources returns every import source, sorted by ID.
func (s *Server) Sources() []catalog.Source {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]catalog.Source, 0, len(s.sources))
	for _, src := range s.sources {
		out = append(out, cloneSource(src))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// source returns a copy of the source with this ID.
func (s *Server) source(id string) (catalog.Source, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	src, ok := s.sources[id]
	return cloneSource(src), ok
}

// wireSource is a source on the wire, in requests and answers.
type wireSource struct {
	SourceID           string            `json:"source_id"`
	SourceName         string            `json:"source_name"`
	FieldMappings      map[string]string `json:"field_mappings"`
	LockedFields       []string          `json:"locked_fields"`
	AutoPublishEnabled *bool             `json:"auto_publish_enabled"` // left out: off; always set in answers
	MinScoreThreshold  *float64          `json:"min_score_threshold,omitempty"`
	RequiredFields     []string          `json:"required_fields"`
	CreatedAt          string            `json:"created_at,omitempty"`
}

func (w wireSource) source() catalog.Source {
	return catalog.Source{ID: w.SourceID, Name: w.SourceName, FieldMappings: w.FieldMappings,
		LockedFields: w.LockedFields, AutoPublishEnabled: w.AutoPublishEnabled,
		MinScoreThreshold: w.MinScoreThreshold, RequiredFields: w.RequiredFields}
}

// toWireSource renders src, with empty collections as {} and [] rather
// than null.
func toWireSource(src catalog.Source) wireSource {
	return wireSource{SourceID: src.ID, SourceName: src.Name,
		FieldMappings:      nonNilMap(src.FieldMappings),
		LockedFields:       nonNil(src.LockedFields),
		AutoPublishEnabled: catalog.Ptr(autoPublishOn(src)), MinScoreThreshold: src.MinScoreThreshold,
		RequiredFields: nonNil(src.RequiredFields), CreatedAt: formatTime(src.CreatedAt)}
}

// handleCreateSource serves POST /api/b2b/pim/sources.
func (s *Server) handleCreateSource(w http.ResponseWriter, r *http.Request) {
	var in wireSource
	if e := s.readJSON(w, r, &in); e != nil {
		writeAPIError(w, e)
		return
	}
	src := in.source()
	if err := s.AddSource(src); err != nil {
		writeAPIError(w, sourceError(err, src.ID))
		return
	}
	stored, _ := s.source(src.ID)
	writeJSON(w, http.StatusCreated, map[string]any{"success": true, "source": toWireSource(stored)})
}

// sourceError is the platform's answer to a source AddSource refused.
func sourceError(err error, id string) *apiError {
	if errors.Is(err, errSourceExists) {
		return newAPIError(http.StatusConflict, codeConflict, "source %q already exists", id)
	}
	return newAPIError(http.StatusBadRequest, codeValidation, "%s", strings.TrimPrefix(err.Error(), "catalogtest: "))
}

// checkSource refuses what the platform refuses of a new source.
func checkSource(src catalog.Source) error {
	if src.ID == "" {
		return errors.New("source_id is required")
	}
	if err := checkMappings("field_mappings", src.FieldMappings); err != nil {
		return err
	}
	if t := src.MinScoreThreshold; t != nil && (*t < 0 || *t > 100) {
		return fmt.Errorf("min_score_threshold must be between 0 and 100, got %v", *t)
	}
	return nil
}

// checkMappings refuses a field mapping (of the request field named field)
// from an empty column or to a target that is not a dotted path.
func checkMappings(field string, m map[string]string) error {
	for from, to := range m {
		if from == "" || !validPath(to) {
			return fmt.Errorf("%s entry %q: %q is not a valid target field", field, from, to)
		}
	}
	return nil
}

// validPath reports whether p is a dotted path with no empty segment.
func validPath(p string) bool {
	return p != "" && !slices.Contains(strings.Split(p, "."), "")
}
