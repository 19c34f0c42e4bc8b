package store

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/example/pdpa-portal/apperr"
)

// Collection names.
const (
	collUsers              = "users"
	collEmails             = "user_emails"
	collSessions           = "sessions"
	collNotices            = "notices"
	collSetupTokens        = "setup_tokens"
	collKeys               = "subject_keys"
	collOutbox             = "outbox"
	collMail               = "mail"
	collTokens             = "tokens"
	collGuard              = "signin_failures"
	collReviews            = "staff_reviews"
	collConsentEvents      = "consent_events"
	collAPITokens          = "api_tokens"
	collNoticeDrafts       = "notice_drafts"
	collPurposes           = "purposes"
	collNoticeAcks         = "notice_acks"
	collCalendar           = "calendar_days"
	collCalendarImports    = "calendar_imports"
	collRequests           = "requests"
	collOpenRequests       = "open_requests"
	collCounters           = "counters"
	collSubjectRequests    = "subject_requests"
	collRequestFiles       = "request_files"
	collFileChunks         = "file_chunks"
	collRequestStats       = "request_stats"
	collSettings           = "settings"
	collGuests             = "guests"
	collGuestCodes         = "guest_codes"
	collUsage              = "usage"
	collPackages           = "packages"
	collErasedConsents     = "erased_consent_counts"
	collDisclosures        = "disclosures"
	collDisclosureHistory  = "disclosure_history"
	collSubjectDisclosures = "subject_disclosures"
	collPDFiles            = "pd_files"
	collPDFileHistory      = "pd_file_history"
	collAnalytics          = "analytics"
	collAuditEvents        = "audit_events"
	collAuditHead          = "audit_head"
	collAuditIndex         = "audit_index"
	collIncidents          = "incidents"
	collLists              = "lists"
	collConsentCounts      = "consent_counts"
	collLetters            = "letters"
	collLetterNumbers      = "letter_numbers"
)

// allCollections lists every collection the portal uses.
var allCollections = []string{collUsers, collEmails, collSessions, collNotices, collSetupTokens, collKeys, collOutbox, collMail,
	collTokens, collGuard, collReviews, collConsentEvents, collAPITokens, collNoticeDrafts, collPurposes, collNoticeAcks,
	collCalendar, collCalendarImports, collRequests, collOpenRequests, collCounters, collSubjectRequests, collRequestFiles, collFileChunks,
	collRequestStats, collSettings, collGuests, collGuestCodes, collUsage, collPackages, collErasedConsents, collDisclosures, collDisclosureHistory, collSubjectDisclosures, collPDFiles, collPDFileHistory, collAnalytics, collAuditEvents, collAuditHead, collIncidents,
	collAuditIndex, collLists, collConsentCounts, collLetters, collLetterNumbers}

type index struct {
	name   string
	keys   bson.D
	unique bool
}

// indexes lists what MongoDB needs beyond _id. (The embedded engine scans regardless;
// hot paths are _id lookups by design.)
var indexes = map[string][]index{
	collUsers: {
		// A second guard beside the address claim in user_emails.
		{name: "email_key_unique", keys: bson.D{{Key: "email_key", Value: 1}}, unique: true},
	},
	// The retention run and the mail worker (background jobs).
	collSessions: {
		{name: "last_seen", keys: bson.D{{Key: "last_seen", Value: 1}}},
	},
	collOutbox: {
		{name: "next_attempt", keys: bson.D{{Key: "next_attempt", Value: 1}}},
		{name: "last_error", keys: bson.D{{Key: "last_error", Value: 1}}},
	},
	collMail: {
		{name: "sent_at", keys: bson.D{{Key: "sent_at", Value: 1}}},
	},
	collGuard: {
		{name: "last", keys: bson.D{{Key: "last", Value: 1}}},
	},
	collUsage: {
		{name: "last", keys: bson.D{{Key: "last", Value: 1}}},
	},
	// Small collections read whole, in order.
	collPurposes: {
		{name: "order", keys: bson.D{{Key: "order", Value: 1}}},
	},
	collReviews: {
		{name: "at", keys: bson.D{{Key: "at", Value: -1}}},
	},
	collAPITokens: {
		{name: "created", keys: bson.D{{Key: "created", Value: -1}}},
	},
	// Pruning the postings of purged events (a background job).
	collAuditIndex: {
		{name: "block", keys: bson.D{{Key: "block", Value: 1}}},
		{name: "last", keys: bson.D{{Key: "last", Value: 1}}},
	},
}

// obsoleteIndexes served queries the portal no longer makes (a person's documents are
// found through their lists now); EnsureIndexes drops them where they exist, since every
// index costs each write.
var obsoleteIndexes = map[string][]string{
	collUsers:         {"roles"},
	collEmails:        {"user_id"},
	collSessions:      {"user_id"},
	collOutbox:        {"user_id"},
	collMail:          {"user_id_created"},
	collTokens:        {"user_id_purpose", "expires"},
	collConsentEvents: {"subject_at"},
	collRequests:      {"subject_filed"},
	collSetupTokens:   {"expires"},
}

// EnsureIndexes creates every missing index; running it again changes nothing. It
// creates only what is missing, one at a time: FerretDB 1.24 drops the connection when
// asked to create several indexes on a collection that already has them.
func (d *DB) EnsureIndexes(ctx context.Context) error {
	// Every collection exists from the start, so the embedded engine's _id index
	// (embedded.Engine.IndexIDs) covers collections the portal has not written to yet.
	existing, err := d.db.ListCollectionNames(ctx, bson.D{})
	if err != nil {
		return fmt.Errorf("list collections: %w", translate(err))
	}
	for _, name := range allCollections {
		if !slices.Contains(existing, name) {
			if err := d.db.CreateCollection(ctx, name); err != nil && !errors.Is(translate(err), apperr.ErrConflict) {
				return fmt.Errorf("create collection %s: %w", name, translate(err))
			}
		}
	}
	for _, coll := range allCollections {
		models := indexes[coll]
		specs, err := d.coll(coll).Indexes().ListSpecifications(ctx)
		if err != nil {
			return fmt.Errorf("list indexes on %s: %w", coll, translate(err))
		}
		have := make(map[string]bool, len(specs))
		for _, s := range specs {
			have[s.Name] = true
		}
		for _, name := range obsoleteIndexes[coll] {
			if have[name] {
				if err := d.coll(coll).Indexes().DropOne(ctx, name); err != nil {
					return fmt.Errorf("drop index %s on %s: %w", name, coll, translate(err))
				}
			}
		}
		for _, ix := range models {
			if have[ix.name] {
				continue
			}
			m := mongo.IndexModel{Keys: ix.keys, Options: options.Index().SetName(ix.name).SetUnique(ix.unique)}
			if _, err := d.coll(coll).Indexes().CreateOne(ctx, m); err != nil {
				return fmt.Errorf("index %s on %s: %w", ix.name, coll, translate(err))
			}
		}
	}
	return nil
}
