package catalogtest

import (
	"encoding/json"
	"fmt"

	"github.com/pimkit/catalog"
)

// Reset puts the server back as NewServer left it, so that tests can share
// one server: it forgets every product, job, recorded request (request ids
// start again at req_1), Idempotency-Key, search-sync batch and counter;
// categories and promotions go; sources go back to the ones the options configured; faults go back to
// the ones WithFaults configured, with their counts and random source
// from the start, and FaultsFired to 0; stubs and job outcomes go; the rate
// window empties; job ids start again from the seed. Options, credentials
// and the clock stay as they are; the worker goes back to the mode the
// options configured (see SetManualWorker).
//
// Call it when no request is in flight, as between two tests: a request
// that is being handled meanwhile may be applied to the state before the
// reset or to the one after. A job the worker is running is abandoned: its
// remaining rows are not stored.
func (s *Server) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sources = make(map[string]catalog.Source)
	s.seedSourcesLocked()
	s.products = make(map[string][]storedVersion)
	s.storeLog = nil
	s.categories = make(map[string]map[string]any)
	s.promotions = make(map[string]map[string]any)
	s.jobs = make(map[string]*jobState)
	s.jobOrder, s.queue, s.outcomes = nil, nil, nil
	s.requests, s.requestSeq = nil, 0
	s.rate.Reset()
	s.syncBatches, s.syncCodes = 0, nil
	s.faults = newFaultSet(s.cfg.faults, s.cfg.faultSeed)
	s.stubs = nil
	s.idem = make(map[idemKey]*idemEntry)
	s.replays = 0
	s.ids = newIDSource(s.cfg.idSeed)
	s.setManualLocked(s.cfg.manualWorker)
	s.rowsReceived.Store(0)
	s.importRequests.Store(0)
	s.jobsChanged.broadcast()
	s.requestsChanged.broadcast()
}

// SeedProduct stores p as the next version of its product, as a replace
// import of p through the source DefaultSourceID would store it; it is
// SeedProductFrom(DefaultSourceID, p).
func (s *Server) SeedProduct(p any) (ProductVersion, error) {
	return s.SeedProductFrom(DefaultSourceID, p)
}

// SeedProductFrom stores p as the next version of its product, as a
// replace import of p through the source sourceID would store it (the
// source's mappings, required fields and auto-publish, multilingual
// wrapping, entity_code and sku fallback, locked fields), but without a
// request: it adds no job, no recorded request, no search-sync batch and
// uses no rate quota. p is a catalog.Product, a map[string]any, or any
// value that encodes as a JSON object. The version's JobID is empty. It
// returns the stored version; it fails for a source the server does not
// have, and for a row the import would fail.
func (s *Server) SeedProductFrom(sourceID string, p any) (ProductVersion, error) {
	data, err := normalizeObject(p)
	if err != nil {
		return ProductVersion{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	stored, ok := s.sources[sourceID]
	if !ok {
		return ProductVersion{}, fmt.Errorf("catalogtest: SeedProductFrom: no source %q", sourceID)
	}
	src := cloneSource(stored)
	now := s.cfg.clock.Now()
	run := &importRun{req: &importRequest{source: src, mergeMode: catalog.MergeReplace}, at: now,
		source: VersionSource{SourceID: src.ID, SourceName: src.Name, ImportedAt: now}}
	res := s.applyRowLocked(run, 0, data)
	if res.err != nil {
		return ProductVersion{}, fmt.Errorf("catalogtest: SeedProductFrom %s: %s", sourceID, res.err.Reason)
	}
	return current(s.products[res.entityCode]).version(), nil
}

// SeedVersions stores each version as given, after the versions its entity
// code already has, without a request (no job, recorded request or rate
// quota). The server sets Version and IsCurrent (the last version of each
// entity code is current); it fills in a zero CreatedAt with the clock's
// time, an empty Status with StatusPublished, a zero PublishedAt of a
// published version with CreatedAt, and Data's entity_code and sku (from
// EntityCode and SKU, SKU falling back to the entity code) when Data lacks
// them. Data may hold any values that encode as JSON; it is stored as the
// server stores what it decodes (numbers as json.Number). It stores nothing
// when a version has no EntityCode or its Data does not encode.
func (s *Server) SeedVersions(versions ...ProductVersion) error {
	_, err := s.seedVersions(versions)
	return err
}

// seedVersions is SeedVersions; it returns the stored versions as stored
// (copies sharing the stored JSON, which is never modified), so that only
// a caller that answers with them decodes them, outside the lock.
func (s *Server) seedVersions(versions []ProductVersion) ([]storedVersion, error) {
	prepared := make([]ProductVersion, len(versions))
	for i, v := range versions {
		if v.EntityCode == "" {
			return nil, fmt.Errorf("catalogtest: SeedVersions: version %d has no EntityCode", i)
		}
		data := map[string]any{}
		if v.Data != nil {
			var err error
			if data, err = normalizeObject(v.Data); err != nil {
				return nil, fmt.Errorf("catalogtest: SeedVersions: version %d: %w", i, err)
			}
		}
		if _, ok := data["entity_code"]; !ok {
			data["entity_code"] = v.EntityCode
		}
		if v.SKU == "" {
			v.SKU, _ = data["sku"].(string)
		}
		if v.SKU == "" {
			v.SKU = v.EntityCode
		}
		if _, ok := data["sku"]; !ok {
			data["sku"] = v.SKU
		}
		v.Data = data
		v.Source.BatchMetadata = cloneBatchMetadata(v.Source.BatchMetadata)
		prepared[i] = v
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.cfg.clock.Now()
	stored := make([]storedVersion, 0, len(prepared))
	for _, v := range prepared {
		if v.CreatedAt.IsZero() {
			v.CreatedAt = now
		}
		if v.Status == "" {
			v.Status = StatusPublished
		}
		if v.Status == StatusPublished && v.PublishedAt.IsZero() {
			v.PublishedAt = v.CreatedAt
		}
		v.IsCurrent = true
		s.storeVersionLocked(v)
		stored = append(stored, *current(s.products[v.EntityCode]))
	}
	// A later version of the same entity code makes an earlier one not
	// current.
	for i := range stored {
		stored[i].isCurrent = stored[i].number == len(s.products[stored[i].entityCode])
	}
	return stored, nil
}

// SeedJob stores a job as given, without a request: no recorded request,
// no rate quota, no rows to run. The worker never runs a seeded job and
// WaitForJobs does not wait for it: it keeps the status it was seeded with
// and is answered by GET /api/b2b/pim/jobs/{jobId} and the queue status
// like any other. The server fills in an empty ID (a new id of the job's
// type), Type (JobTypeQueueImport), SourceID (DefaultSourceID), MergeMode
// (catalog.MergeReplace) and Status (catalog.JobCompleted), a zero
// CreatedAt (the clock's time), and a zero StartedAt and CompletedAt
// (CreatedAt) where the status implies them. It fails for an ID already
// taken, a status a job cannot have or a row error whose RawData is not
// JSON. It returns the stored job, as Job does.
func (s *Server) SeedJob(j catalog.Job) (catalog.Job, error) {
	switch j.Status {
	case "":
		j.Status = catalog.JobCompleted
	case catalog.JobPending, catalog.JobProcessing, catalog.JobCompleted, catalog.JobCompletedWithErrors, catalog.JobFailed:
	default:
		return catalog.Job{}, fmt.Errorf("catalogtest: SeedJob: %q is not a status a job can have", j.Status)
	}
	if j.Type == "" {
		j.Type = JobTypeQueueImport
	}
	if j.SourceID == "" {
		j.SourceID = DefaultSourceID
	}
	if j.MergeMode == "" {
		j.MergeMode = catalog.MergeReplace
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if j.CreatedAt.IsZero() {
		j.CreatedAt = s.cfg.clock.Now()
	}
	if j.Status != catalog.JobPending && j.StartedAt.IsZero() {
		j.StartedAt = j.CreatedAt
	}
	if ended(j.Status) && j.CompletedAt.IsZero() {
		j.CompletedAt = j.CreatedAt
	}
	if j.ID == "" {
		j.ID = s.newJobIDLocked(j.Type, j.CreatedAt)
	} else if _, taken := s.jobs[j.ID]; taken {
		return catalog.Job{}, fmt.Errorf("catalogtest: SeedJob: job %q already exists", j.ID)
	}
	for i, e := range j.Errors {
		if len(e.RawData) == 0 {
			continue
		}
		if !json.Valid(e.RawData) {
			return catalog.Job{}, fmt.Errorf("catalogtest: SeedJob: row error %d: raw_data is not JSON", i)
		}
	}
	js := &jobState{Job: j, parked: true}
	js.Job = js.snapshot() // a copy of the caller's row errors
	for i := range js.Errors {
		if len(js.Errors[i].RawData) == 0 {
			js.Errors[i].RawData = marshalWire(nil) // raw_data: null on the wire, as for any row
		}
	}
	s.jobs[j.ID] = js
	s.jobOrder = append(s.jobOrder, j.ID)
	s.jobsChanged.broadcast()
	return js.snapshot(), nil
}

// normalizeObject encodes v as JSON and decodes it as the server decodes
// a request (numbers as json.Number); it must be a JSON object.
func normalizeObject(v any) (map[string]any, error) {
	raw, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("catalogtest: %T does not encode as JSON: %w", v, err)
	}
	var m map[string]any
	if err := decodeJSON(raw, &m); err != nil || m == nil {
		return nil, fmt.Errorf("catalogtest: %T does not encode as a JSON object", v)
	}
	return m, nil
}
