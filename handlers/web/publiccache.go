package web

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/example/pdpa-portal/incident"
	"github.com/example/pdpa-portal/inventory"
)

// InventoryCache keeps the public inventory as the notice is kept (NoticeCacheTTL): a
// public page read by anyone, changed rarely; a save here forgets it at once, a save
// on another instance is seen within the TTL.
type InventoryCache struct {
	store inventory.Inventory
	now   func() time.Time

	mu      sync.Mutex
	files   []*inventory.File
	version string // names the list's content: each file's id and version
	at      time.Time
	gen     uint64
}

// Files are the inventory's files with a version naming the list's content.
func (s *InventoryCache) Files(ctx context.Context) ([]*inventory.File, string, error) {
	s.mu.Lock()
	fs, version, at, gen := s.files, s.version, s.at, s.gen
	s.mu.Unlock()
	if age := s.now().Sub(at); version != "" && age >= 0 && age < NoticeCacheTTL {
		return fs, version, nil
	}
	fs, err := s.store.List(ctx)
	if err != nil {
		return nil, "", err
	}
	var b strings.Builder
	b.WriteString("files")
	for _, f := range fs {
		b.WriteString("," + f.ID + ":" + strconv.Itoa(f.Version))
	}
	sum := sha256.Sum256([]byte(b.String()))
	version = hex.EncodeToString(sum[:12])
	s.mu.Lock()
	if s.gen == gen {
		s.files, s.version, s.at = fs, version, s.now()
	}
	s.mu.Unlock()
	return fs, version, nil
}

// Forget drops the kept list: a save here is seen at once.
func (s *InventoryCache) Forget() {
	s.mu.Lock()
	s.files, s.version = nil, ""
	s.gen++
	s.mu.Unlock()
}

// NewInventoryCache keeps store's list for the public page.
func NewInventoryCache(store inventory.Inventory, now func() time.Time) *InventoryCache {
	return &InventoryCache{store: store, now: now}
}

// AnnouncementCache keeps the public announcements of incidents as the notice is kept:
// the home page's footer asks on every view; an announcement made here is seen at once.
type AnnouncementCache struct {
	store incident.Store
	now   func() time.Time
	log   *slog.Logger

	mu     sync.Mutex
	list   []*incident.Incident
	recent bool
	at     time.Time
	gen    uint64
}

// List is the announcements, newest first, and whether one is recent enough to link.
func (s *AnnouncementCache) List(ctx context.Context) ([]*incident.Incident, bool, error) {
	s.mu.Lock()
	list, recent, at, gen := s.list, s.recent, s.at, s.gen
	s.mu.Unlock()
	if age := s.now().Sub(at); !at.IsZero() && age >= 0 && age < NoticeCacheTTL {
		return list, recent, nil
	}
	all, err := s.store.List(ctx)
	if err != nil {
		return nil, false, err
	}
	list, recent = incident.Announcements(all, s.now())
	s.mu.Lock()
	if s.gen == gen {
		s.list, s.recent, s.at = list, recent, s.now()
	}
	s.mu.Unlock()
	return list, recent, nil
}

// Recent is the version of the home page's footer: "" when no announcement
// is recent enough to be linked. A failure to read leaves the link out rather than the
// home page.
func (s *AnnouncementCache) Recent(ctx context.Context) string {
	list, recent, err := s.List(ctx)
	if err != nil {
		s.log.Warn("announcements not read for the home page", "err", err)
		return ""
	}
	if !recent {
		return ""
	}
	return "announce:" + list[0].ID + ":" + strconv.Itoa(len(list))
}

// Forget drops the kept list.
func (s *AnnouncementCache) Forget() {
	s.mu.Lock()
	s.list, s.at = nil, time.Time{}
	s.gen++
	s.mu.Unlock()
}

// NewAnnouncementCache keeps store's announcements for the public pages.
func NewAnnouncementCache(store incident.Store, now func() time.Time, log *slog.Logger) *AnnouncementCache {
	return &AnnouncementCache{store: store, now: now, log: log}
}
