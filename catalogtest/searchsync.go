package catalogtest

import "slices"

const syncBatchSize = 50 // products per search-sync batch

// SearchSyncBatches returns how many search-sync batches imports have
// queued so far.
func (s *Server) SearchSyncBatches() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.syncBatches
}

// SearchSyncEntityCodes returns the entity codes queued for search sync, in
// the order they were queued; a product imported twice appears twice.
func (s *Server) SearchSyncEntityCodes() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.syncCodes)
}

// queueSearchSyncLocked queues the entity codes for search sync in batches
// of 50, as the platform does, and returns the number of batches.
func (s *Server) queueSearchSyncLocked(codes []string) int {
	if !s.cfg.searchSync || len(codes) == 0 {
		return 0
	}
	batches := (len(codes) + syncBatchSize - 1) / syncBatchSize
	s.syncBatches += batches
	s.syncCodes = append(s.syncCodes, codes...)
	return batches
}
