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
	batches := s.countSearchSyncLocked(len(codes))
	if batches > 0 {
		s.syncCodes = append(s.syncCodes, codes...)
	}
	return batches
}

// countSearchSyncLocked counts the search-sync batches of n products and
// returns their number; count mode keeps no entity codes.
func (s *Server) countSearchSyncLocked(n int) int {
	if !s.cfg.searchSync || n == 0 {
		return 0
	}
	batches := (n + syncBatchSize - 1) / syncBatchSize
	s.syncBatches += batches
	return batches
}
