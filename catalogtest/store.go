package catalogtest

import (
	"bytes"
	"slices"
	"time"

	"github.com/pimkit/catalog"
)

// storedVersion is a ProductVersion as the server keeps it, in less
// memory: the product (Data) as compact JSON rather than the decoded map,
// decoded again on each read (a decoded minimal product costs about 1 KB
// on the heap, its JSON about 100 bytes), and where the version came from
// (source, job, time) shared by the versions one import stored. A fake
// holding 200,000 minimal products so keeps a live heap of about 100 MB
// where it kept 255 MB, about 40% (docs/BENCHMARKS.md, measured with
// go run ./cmd/catalogbench -json -scenarios fake). Stored versions are
// never modified, but for isCurrent.
type storedVersion struct {
	origin      *versionOrigin
	entityCode  string
	sku         string
	status      string
	publishedAt time.Time
	score       float64
	number      int // Version
	isCurrent   bool
	data        []byte // Data as JSON; numbers keep their text (json.Number)
	seq         uint64 // the order versions were stored in, for the page
}

// versionOrigin is where and when versions came from: one per import (or
// per seeded version), shared by the versions it stored.
type versionOrigin struct {
	source    VersionSource // its BatchMetadata is shared too, never modified
	jobID     string
	createdAt time.Time
}

// storeForm encodes v for keeping; last is the origin of the version
// stored before, shared when v came from the same place.
func storeForm(v ProductVersion, last *versionOrigin) storedVersion {
	o := versionOrigin{source: v.Source, jobID: v.JobID, createdAt: v.CreatedAt}
	origin := last
	if last == nil || *last != o {
		origin = &o
	}
	return storedVersion{origin: origin, entityCode: v.EntityCode, sku: v.SKU, status: v.Status,
		publishedAt: v.PublishedAt, score: v.Score, number: v.Version, isCurrent: v.IsCurrent, data: encodeStored(v.Data)}
}

// encodeStored writes data as JSON, keys sorted, without HTML escaping.
// Every value was decoded from JSON (json.Number for numbers), so it
// encodes; nil becomes {}.
func encodeStored(data map[string]any) []byte {
	if data == nil {
		return []byte("{}")
	}
	b, err := encodeWire(data)
	if err != nil {
		panic("catalogtest: a stored product does not encode: " + err.Error()) // a bug: only decoded JSON is stored
	}
	return bytes.Clone(b) // kept: no spare capacity
}

// dataMap decodes the stored product into a new map the caller owns.
func (sv *storedVersion) dataMap() map[string]any {
	var m map[string]any
	if err := decodeJSON(sv.data, &m); err != nil {
		panic("catalogtest: a stored product does not decode: " + err.Error()) // a bug: encodeStored wrote it
	}
	if m == nil {
		m = map[string]any{}
	}
	return m
}

// meta returns the stored version without its Data, sharing its
// BatchMetadata: for reads within the package that change nothing.
func (sv *storedVersion) meta() ProductVersion {
	return ProductVersion{EntityCode: sv.entityCode, SKU: sv.sku, Version: sv.number, IsCurrent: sv.isCurrent,
		Status: sv.status, PublishedAt: sv.publishedAt, Score: sv.score, Source: sv.origin.source,
		JobID: sv.origin.jobID, CreatedAt: sv.origin.createdAt}
}

// version returns a copy of the stored version the caller owns.
func (sv *storedVersion) version() ProductVersion {
	v := sv.meta()
	v.Data = sv.dataMap()
	v.Source.BatchMetadata = cloneBatchMetadata(v.Source.BatchMetadata)
	return v
}

// previous returns the stored product as the next version built from req
// needs it: decoded, unless req replaces the product whole and the
// stored one holds nothing a replace carries over (a publish flag; there
// are no locked fields), so that re-importing products costs no decoding.
// The empty map stands for it then: it yields the same next version.
func (sv *storedVersion) previous(req *importRequest) map[string]any {
	if req.mergeMode == catalog.MergeReplace && len(req.updateMask) == 0 && len(req.source.LockedFields) == 0 &&
		!slices.ContainsFunc(publishFlags, sv.has) {
		return map[string]any{}
	}
	return sv.dataMap()
}

// has reports whether the stored product may hold key at its top level:
// false means it surely does not, so that a scan of every product decodes
// only the few that might.
func (sv *storedVersion) has(key string) bool {
	return bytes.Contains(sv.data, []byte(`"`+key+`"`))
}

// storedRef names one stored version in Server.storeLog: the log of the
// versions stored, oldest first, from which the page lists products, the
// last stored first, reading only as far as the page it shows. An entry
// whose product has a newer version since, or is gone, is stale.
type storedRef struct {
	seq  uint64
	code string
}

// logStoredLocked adds a stored version to the log, first dropping the
// stale entries once they outnumber the products, so that the log stays
// within twice the products (and 1,024 entries) at the cost of one pass
// now and then.
func (s *Server) logStoredLocked(code string, seq uint64) {
	if len(s.storeLog) >= 2*len(s.products)+1024 {
		s.storeLog = slices.DeleteFunc(s.storeLog, func(r storedRef) bool { return !s.currentRefLocked(r) })
	}
	s.storeLog = append(s.storeLog, storedRef{seq: seq, code: code})
}

// currentRefLocked reports whether r names its product's current version.
func (s *Server) currentRefLocked(r storedRef) bool {
	vs := s.products[r.code]
	return len(vs) > 0 && current(vs).seq == r.seq
}

// current returns the current version of a product's history.
func current(history []storedVersion) *storedVersion { return &history[len(history)-1] }
