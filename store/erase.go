package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/example/pdpa-portal/apperr"
	"github.com/example/pdpa-portal/rights"
	"github.com/example/pdpa-portal/vault"
)

// Eraser implements rights.Eraser over every collection that holds personal data.
type Eraser struct {
	db       *DB
	vault    *vault.Vault
	files    *Files
	packages *Packages
	// Now stamps the timeline entry closing an erased person's open request: the portal's
	// clock, like every other entry.
	Now func() time.Time
	// Checkpoint, when set, is told as each stage of a run is done (EraseAnonymised,
	// EraseKeyDestroyed, EraseAccountDeleted); an error it returns ends the run there, as
	// a failure of the database at that moment would: how a run that stops part-way is
	// shown to be finishable.
	Checkpoint func(stage string) error
}

// The stages of an erasure, as Checkpoint is told them.
const (
	EraseAnonymised     = "anonymised"
	EraseKeyDestroyed   = "key destroyed"
	EraseAccountDeleted = "account deleted"
)

func (e *Eraser) checkpoint(stage string) error {
	if e.Checkpoint == nil {
		return nil
	}
	if err := e.Checkpoint(stage); err != nil {
		return fmt.Errorf("erase, %s: %w", stage, err)
	}
	return nil
}

var _ rights.Eraser = (*Eraser)(nil)

// NewEraser returns the eraser.
func NewEraser(db *DB, v *vault.Vault, f *Files) *Eraser {
	return &Eraser{db: db, vault: v, files: f, packages: NewPackages(db, v, f), Now: time.Now}
}

// Erase removes a person. The order makes it safe to run again after a failure: the
// requests are first reduced to anonymous records (so they stay readable without the
// key), then the data key is destroyed — from that moment nothing left, in the database
// or in any backup, can be opened — then the remaining documents are deleted. The
// anonymous records go on naming their subject (a random id) until the very end, so a
// run that stopped anywhere before can be found and run again from the erasing request;
// the person's list of references, read first, goes last.
func (e *Eraser) Erase(ctx context.Context, subject string, keepLetters []string) (rights.ErasureReport, error) {
	var rep rights.ErasureReport
	if subject == "" {
		return rep, errors.New("erase: no subject")
	}
	var idx subjectRequestsDoc
	err := translate(e.db.coll(collSubjectRequests).FindOne(ctx, bson.D{{Key: "_id", Value: subject}}).Decode(&idx))
	if err != nil && !errors.Is(err, apperr.ErrNotFound) {
		return rep, fmt.Errorf("erase: %w", err)
	}
	// The erasing requests are the ones an officer runs an unfinished erasure again
	// from: they stop naming the subject last of all.
	var others, erasing []string
	for _, ref := range idx.Refs {
		fs, err := e.files.List(ctx, ref)
		if err != nil && !errors.Is(err, vault.ErrKeyDestroyed) {
			return rep, err
		}
		n := len(fs)
		last, err := e.anonymise(ctx, ref, slices.Contains(keepLetters, ref))
		if err != nil {
			return rep, err
		}
		if last {
			erasing = append(erasing, ref)
		} else {
			others = append(others, ref)
		}
		if err := e.files.DeleteRef(ctx, ref); err != nil {
			return rep, err
		}
		if err := e.packages.DeleteRef(ctx, ref); err != nil {
			return rep, err
		}
		if _, err := e.db.coll(collGuestCodes).DeleteOne(ctx, bson.D{{Key: "_id", Value: ref}}); err != nil {
			return rep, fmt.Errorf("erase: %w", translate(err))
		}
		rep.Requests++
		rep.Files += n
	}
	if err := e.checkpoint(EraseAnonymised); err != nil {
		return rep, err
	}
	if err := e.vault.Destroy(ctx, subject); err != nil && !errors.Is(err, apperr.ErrNotFound) {
		return rep, fmt.Errorf("erase: destroy key: %w", err)
	}
	if err := e.checkpoint(EraseKeyDestroyed); err != nil {
		return rep, err
	}
	// What remains is ciphertext and ids; delete it all.
	var u struct {
		EmailKey   string                     `bson:"email_key"`
		Consents   map[string]consentStateDoc `bson:"consents"`
		SearchKeys []string                   `bson:"search_keys"`
	}
	err = translate(e.db.coll(collUsers).FindOne(ctx, bson.D{{Key: "_id", Value: subject}}).Decode(&u))
	switch {
	case err == nil:
		rep.Account = true
		if u.EmailKey != "" {
			if _, err := e.db.coll(collEmails).DeleteOne(ctx, bson.D{{Key: "_id", Value: u.EmailKey}}); err != nil {
				return rep, fmt.Errorf("erase: %w", translate(err))
			}
			_, _ = e.db.coll(collGuard).DeleteOne(ctx, bson.D{{Key: "_id", Value: u.EmailKey}})
		}
	case !errors.Is(err, apperr.ErrNotFound):
		return rep, fmt.Errorf("erase: %w", err)
	}
	if err := e.tallyConsents(ctx, subject); err != nil {
		return rep, err
	}
	if err := (&Disclosures{db: e.db}).forget(ctx, subject); err != nil {
		return rep, fmt.Errorf("erase: %w", err)
	}
	// Everything else of the person is found through their lists (lists.go).
	for _, step := range []struct {
		list  string
		colls []string
		count *int
	}{
		{listSessions, []string{collSessions}, &rep.Sessions},
		{listTokens, []string{collTokens}, nil},
		{listMail, []string{collOutbox, collMail}, &rep.Mail},
		{listConsents, []string{collConsentEvents}, &rep.ConsentEvents},
	} {
		ids, err := e.db.listIDs(ctx, step.list, subject)
		if err != nil {
			return rep, fmt.Errorf("erase: %w", err)
		}
		for _, id := range ids {
			for _, c := range step.colls {
				res, err := e.db.coll(c).DeleteOne(ctx, bson.D{{Key: "_id", Value: id}})
				if err != nil {
					return rep, fmt.Errorf("erase %s: %w", c, translate(err))
				}
				if step.count != nil {
					*step.count += int(res.DeletedCount)
				}
			}
		}
		if err := e.db.listDrop(ctx, step.list, subject); err != nil {
			return rep, fmt.Errorf("erase: %w", err)
		}
	}
	// The person no longer counts among those who consent now. Their states go first, so
	// a run repeated after a failure cannot count them out twice.
	less := map[string]int{}
	for p, st := range u.Consents {
		if st.Granted {
			less[p] = -1
		}
	}
	if len(u.Consents) > 0 {
		if _, err := e.db.coll(collUsers).UpdateOne(ctx, bson.D{{Key: "_id", Value: subject}},
			bson.D{{Key: "$unset", Value: bson.D{{Key: "consents", Value: ""}}}}); err != nil {
			return rep, fmt.Errorf("erase: %w", translate(err))
		}
		if err := (&Consents{db: e.db}).moveCurrent(ctx, less); err != nil {
			return rep, fmt.Errorf("erase: %w", err)
		}
	}
	if err := e.db.listRemove(ctx, listStaff, staffKey, subject); err != nil {
		return rep, fmt.Errorf("erase: %w", err)
	}
	// Off the lists officers search by name and phone.
	for _, k := range u.SearchKeys {
		if err := e.db.listRemove(ctx, listPeople, k, subject); err != nil {
			return rep, fmt.Errorf("erase: %w", err)
		}
	}
	if err := e.unlistGuest(ctx, subject); err != nil {
		return rep, err
	}
	for _, c := range []string{collUsers, collGuests} {
		if _, err := e.db.coll(c).DeleteOne(ctx, bson.D{{Key: "_id", Value: subject}}); err != nil {
			return rep, fmt.Errorf("erase %s: %w", c, translate(err))
		}
	}
	if err := e.checkpoint(EraseAccountDeleted); err != nil {
		return rep, err
	}
	// Nothing is left that the subject's id could lead to: the records stop naming it.
	for _, ref := range append(others, erasing...) {
		if err := e.unname(ctx, ref); err != nil {
			return rep, err
		}
	}
	if _, err := e.db.coll(collSubjectRequests).DeleteOne(ctx, bson.D{{Key: "_id", Value: subject}}); err != nil {
		return rep, fmt.Errorf("erase %s: %w", collSubjectRequests, translate(err))
	}
	return rep, nil
}

// unname removes the subject from an anonymous record (anonymise made every listed
// reference one), the erasure's last step.
func (e *Eraser) unname(ctx context.Context, ref string) error {
	defer e.db.locks.lock(collRequests, ref)()
	_, err := e.db.coll(collRequests).UpdateOne(ctx, bson.D{{Key: "_id", Value: ref}},
		bson.D{{Key: "$unset", Value: bson.D{{Key: "subject", Value: ""}}}, {Key: "$inc", Value: bson.D{{Key: "version", Value: 1}}}})
	if err != nil {
		return fmt.Errorf("erase %s: %w", ref, translate(err))
	}
	return nil
}

// Farewell creates a subject key for the one mail that confirms an erasure.
func (e *Eraser) Farewell(ctx context.Context) (string, error) {
	id := "farewell_" + newFileID()
	if _, err := e.vault.NewSubject(ctx, id); err != nil {
		return "", err
	}
	return id, nil
}

// tallyConsents keeps the person's consent history as anonymous counts per purpose,
// action and month (erased_consent_counts) before the events themselves go.
func (e *Eraser) tallyConsents(ctx context.Context, subject string) error {
	ids, err := e.db.listIDs(ctx, listConsents, subject)
	if err != nil {
		return fmt.Errorf("erase: %w", err)
	}
	var evs []consentEventDoc
	for _, id := range ids {
		var d consentEventDoc
		err := translate(e.db.coll(collConsentEvents).FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&d))
		if errors.Is(err, apperr.ErrNotFound) {
			continue
		}
		if err != nil {
			return fmt.Errorf("erase: %w", err)
		}
		evs = append(evs, d)
	}
	counts := map[string]int{}
	for _, ev := range evs {
		counts[ev.Purpose+":"+ev.Action+":"+ev.At.UTC().Format("2006-01")]++
	}
	for id, n := range counts {
		unlock := e.db.locks.lock(collErasedConsents, id)
		_, err := e.db.coll(collErasedConsents).UpdateOne(ctx, bson.D{{Key: "_id", Value: id}},
			bson.D{{Key: "$inc", Value: bson.D{{Key: "n", Value: n}}}}, options.UpdateOne().SetUpsert(true))
		unlock()
		if err != nil {
			return fmt.Errorf("erase: %w", translate(err))
		}
	}
	return nil
}

// anonymise reduces a request to what accountability and statistics need: reference,
// kind, channel, dates, state, outcome and the timeline's actions without notes or
// actors. Messages, texts and the extension's reason go; the decision's explanations go
// too unless keepLetter (a decision still open to appeal), when they are kept in the
// clear, without the person's name, so the letter can still be printed for the appeal.
// The subject's id stays until the erasure's end (Erase); erasing tells whether the
// request is a deletion of the whole account, one an erasure is run from.
func (e *Eraser) anonymise(ctx context.Context, ref string, keepLetter bool) (erasing bool, err error) {
	defer e.db.locks.lock(collRequests, ref)()
	var d requestDoc
	err = translate(e.db.coll(collRequests).FindOne(ctx, bson.D{{Key: "_id", Value: ref}}).Decode(&d))
	if errors.Is(err, apperr.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("anonymise %s: %w", ref, err)
	}
	// Nobody is left to answer: an erased request is closed, whatever it was.
	state := d.State
	if rights.State(state).Open() || state == string(rights.Fulfilled) {
		state = string(rights.Closed)
	}
	// Whole stays with the decision's items: together they say the request erased, which
	// running an unfinished erasure again relies on.
	a := requestDoc{Ref: d.Ref, Kind: d.Kind, Subject: d.Subject, State: state, Channel: d.Channel, Received: d.Received, Due: d.Due,
		Filed: d.Filed, Version: d.Version + 1, Erased: true, DuplicateOf: d.DuplicateOf, Assignee: d.Assignee, Postmarked: d.Postmarked,
		Whole: d.Whole}
	// How each letter went out stays (the appeal period ran from it); where to is gone.
	a.Deliveries = d.Deliveries
	if d.Extension != nil {
		a.Extension = &extDoc{At: d.Extension.At, By: d.Extension.By, OldDue: d.Extension.OldDue}
	}
	var sealer *vault.Sealer
	if keepLetter && d.Decision != nil && !d.Erased {
		// Before the key goes; a run repeated after that finds the record already made.
		sealer, err = e.vault.For(ctx, d.Subject)
		if errors.Is(err, vault.ErrKeyDestroyed) {
			sealer, err = nil, nil
		}
		if err != nil {
			return false, fmt.Errorf("anonymise %s: %w", ref, err)
		}
	}
	if d.Decision != nil {
		a.Decision = &decisionDoc{Outcome: d.Decision.Outcome, At: d.Decision.At, By: d.Decision.By}
		for _, it := range d.Decision.Items {
			kept := itemDoc{Key: it.Key, Granted: it.Granted, Grounds: it.Grounds, Kept: it.Kept}
			if sealer != nil && len(it.Reason) > 0 {
				if kept.Kept, err = sealer.Open("request.item", it.Reason); err != nil {
					return false, fmt.Errorf("anonymise %s: %w", ref, err)
				}
			}
			a.Decision.Items = append(a.Decision.Items, kept)
		}
	}
	if d.Fee != nil {
		f := *d.Fee
		a.Fee = &f
	}
	for _, st := range d.Steps {
		actor := st.ActorID
		if st.Role != "officer" {
			actor = ""
		}
		a.Steps = append(a.Steps, stepDoc{At: st.At, Action: st.Action, ActorID: actor, Role: st.Role, Internal: st.Internal})
	}
	if state != d.State {
		a.Steps = append(a.Steps, stepDoc{At: e.Now().UTC(), Action: "closed_erased", Role: "system"})
	}
	if _, err := e.db.coll(collRequests).ReplaceOne(ctx, bson.D{{Key: "_id", Value: ref}}, a); err != nil {
		return false, fmt.Errorf("anonymise %s: %w", ref, translate(err))
	}
	// An erased request is not in anyone's hands any more.
	if _, err := e.db.coll(collOpenRequests).DeleteOne(ctx, bson.D{{Key: "_id", Value: ref}}); err != nil {
		return false, fmt.Errorf("anonymise %s: %w", ref, translate(err))
	}
	return d.Kind == string(rights.Delete) && d.Whole, nil
}
